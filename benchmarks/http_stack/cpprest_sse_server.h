// The SSE server under test on cpprestsdk's http_listener: each response
// body is a producer_consumer_buffer, synced after every event so that
// cpprest sends it as a chunk at once. Events come from an SseScheduler on
// a thread of its own; cpprest serves on its own thread pool.

#ifndef TESSERA_BENCHMARKS_HTTP_STACK_CPPREST_SSE_SERVER_H_
#define TESSERA_BENCHMARKS_HTTP_STACK_CPPREST_SSE_SERVER_H_

#include <cstdint>

namespace tessera::bench {

// As RunBeastSseServer(), except that `port` must be given: cpprest cannot
// report an ephemeral one. `threads` sizes cpprest's pool; 0 keeps its
// default (40).
int RunCpprestSseServer(uint16_t port, int threads);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HTTP_STACK_CPPREST_SSE_SERVER_H_
