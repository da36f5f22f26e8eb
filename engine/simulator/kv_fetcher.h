// The decode worker's side of prefill/decode disaggregation: asks the
// prefill worker for the prompt's KV and reports once the simulated
// transfer is over. SGLang's protocol fetches a room from the bootstrap
// server (KvBootstrapServer); vLLM's reads a finished request's blocks from
// the side channel (KvSideChannel).

#ifndef TESSERA_ENGINE_SIMULATOR_KV_FETCHER_H_
#define TESSERA_ENGINE_SIMULATOR_KV_FETCHER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "base/status.h"
#include "engine/simulator/kv_bootstrap_server.h"
#include "engine/simulator/kv_side_channel.h"
#include "http/http_client.h"

namespace tessera::simulator {

class KvFetcher {
 public:
  // `bandwidth_bytes_per_second` is this end's link; the transfer runs at
  // the slower of both ends. `timeout` bounds one fetch in wall time and
  // should exceed the prefill side's room timeout.
  KvFetcher(boost::asio::io_context& io_context, double bandwidth_bytes_per_second,
            std::chrono::milliseconds timeout);

  // Calls `on_done` on the io_context thread with the handoff, or with
  // Unavailable naming the bootstrap address and what went wrong.
  void Fetch(const std::string& host, uint16_t port, uint64_t room,
             std::function<void(StatusOr<KvHandoff> handoff)> on_done);

  // vLLM's protocol: reads `read`'s blocks (its bandwidth is filled in) from
  // the side channel at host:port. Calls `on_done` on the io_context thread
  // with the result, or with Unavailable naming the side channel's address
  // and what went wrong (its error message when it answered one). Cancel()ing
  // the returned call abandons the read, which frees the blocks on the
  // prefill worker; `on_done` then gets Cancelled.
  std::shared_ptr<http::HttpCall> Read(
      const std::string& host, uint16_t port, RemoteKvReadRequest read,
      std::function<void(StatusOr<RemoteKvReadResult> result)> on_done);

 private:
  http::HttpClient client_;
  double bandwidth_bytes_per_second_;
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_KV_FETCHER_H_
