// The SSE server under test on tessera::http (Boost.Beast): one thread, one
// io_context shared by the server and the scheduler, as the engine
// simulator will run.

#ifndef TESSERA_BENCHMARKS_HTTP_STACK_BEAST_SSE_SERVER_H_
#define TESSERA_BENCHMARKS_HTTP_STACK_BEAST_SSE_SERVER_H_

#include <cstdint>

namespace tessera::bench {

// Serves POST /v1/chat/completions?events=N&interval_ms=M on 127.0.0.1:port
// (0 picks one), prints "READY <port>" on standard output, and runs until
// killed. Returns an exit status on failure to start.
int RunBeastSseServer(uint16_t port);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HTTP_STACK_BEAST_SSE_SERVER_H_
