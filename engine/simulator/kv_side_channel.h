// The prefill worker's side channel in vLLM's two-step prefill/decode
// protocol (NixlConnector): where decode workers read the KV blocks a
// finished prefill request left behind. vLLM exchanges NIXL metadata over
// ZMQ on VLLM_NIXL_SIDE_CHANNEL_PORT and then reads the blocks by RDMA; the
// simulator folds both into one HTTP call on that port:
//
//   POST /tessera/nixl/read
//     {"remote_engine_id", "remote_request_id", "remote_block_ids",
//      "bandwidth"}
//
// answered when the simulated transfer is over with the prompt's size and
// what the transfer took, after which the blocks are freed (vLLM's decode
// worker notifies the prefill worker once it has read them). The transfer
// takes prompt_tokens × kv_bytes_per_token ÷ min(both ends' bandwidth) of
// simulated time on a link that carries one transfer at a time. Blocks
// nobody starts reading within the timeout are freed too
// (RemoteKvHolds). A reader that disconnects mid-transfer frees them, as a
// decode request aborted in vLLM tells the prefill worker to.
//
// Errors are JSON ({"error": {"message", "code"}}): 404 when nothing is held
// under the request id (unknown, read already, expired) or the engine id is
// another engine's, 400 for a malformed read or block ids that do not match,
// 409 for a second concurrent read.
//
// Everything runs on the io_context thread.

#ifndef TESSERA_ENGINE_SIMULATOR_KV_SIDE_CHANNEL_H_
#define TESSERA_ENGINE_SIMULATOR_KV_SIDE_CHANNEL_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/logging.h"
#include "base/status.h"
#include "engine/simulator/kv_transfer_link.h"
#include "engine/simulator/remote_kv_holds.h"
#include "http/http_exchange.h"
#include "http/http_server.h"

namespace tessera::simulator {

inline constexpr std::string_view kRemoteKvReadPath = "/tessera/nixl/read";

// What a decode worker asks the side channel for.
struct RemoteKvReadRequest {
  std::string engine_id{};
  std::string request_id{};
  std::vector<int64_t> block_ids{};
  // The reader's end of the link; the slower end wins.
  double bandwidth_bytes_per_second = 0;
};

// What it gets once the blocks are read.
struct RemoteKvReadResult {
  int64_t prompt_tokens = 0;
  int64_t kv_bytes = 0;         // per tensor-parallel rank
  double transfer_seconds = 0;  // simulated, link queueing included
};

std::string RemoteKvReadRequestJson(const RemoteKvReadRequest& request);
StatusOr<RemoteKvReadRequest> ParseRemoteKvReadRequest(std::string_view text);
std::string RemoteKvReadResultJson(const RemoteKvReadResult& result);
StatusOr<RemoteKvReadResult> ParseRemoteKvReadResult(std::string_view text);

struct KvSideChannelOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5600;  // 0 picks a free one
  std::string engine_id{};
  int64_t kv_bytes_per_token = 0;  // per rank
  double bandwidth_bytes_per_second = 50e9;
  // Wall seconds per simulated second, as --time-scale.
  double time_scale = 1.0;
  // Simulated time blocks wait for a reader (VLLM_NIXL_ABORT_REQUEST_TIMEOUT).
  std::chrono::duration<double> timeout{480};
  Logger logger{};
};

class KvSideChannel {
 public:
  // Called when a hold ends and its blocks are to be freed: read (or
  // abandoned by its reader), or `expired` unread.
  using Released = std::function<void(const std::string& request_id, bool expired)>;

  static StatusOr<std::unique_ptr<KvSideChannel>> Start(boost::asio::io_context& io_context,
                                                        KvSideChannelOptions options,
                                                        Released on_released);

  KvSideChannel(const KvSideChannel&) = delete;
  KvSideChannel& operator=(const KvSideChannel&) = delete;
  ~KvSideChannel();

  // A prefill request finished with `block_ids` kept for a decode worker.
  void Hold(const std::string& request_id, std::vector<int64_t> block_ids, int64_t prompt_tokens);

  uint16_t port() const { return http_->port(); }
  const std::string& engine_id() const { return options_.engine_id; }
  // Answers reads in progress 503 and stops serving; releases nothing (the
  // engine goes away with its cache).
  void Close();

 private:
  struct Read {
    std::shared_ptr<http::HttpExchange> exchange;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  KvSideChannel(boost::asio::io_context& io_context, KvSideChannelOptions options,
                Released on_released);

  void Handle(const std::shared_ptr<http::HttpExchange>& exchange);
  void HandleRead(const std::shared_ptr<http::HttpExchange>& exchange);
  void FinishRead(const std::string& request_id, const RemoteKvReadResult& result);
  void AbandonRead(const std::string& request_id);
  void ScheduleExpiry();
  void ExpireHolds();

  boost::asio::io_context& io_context_;
  KvSideChannelOptions options_;
  Released on_released_;
  std::unique_ptr<http::HttpServer> http_;
  RemoteKvHolds holds_;
  std::unordered_map<std::string, Read> reads_;
  boost::asio::steady_timer expiry_timer_;
  KvTransferLink link_;
  // Expires with this object, for exchange callbacks that may outlive it.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_KV_SIDE_CHANNEL_H_
