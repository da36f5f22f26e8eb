// The prefill worker's side of prefill/decode disaggregation, as SGLang
// does it: a bootstrap HTTP server (--disaggregation-bootstrap-port) that
// pairs each prefill request with the decode request carrying the same
// bootstrap_room, then "transfers" the room's KV to the decode worker.
//
// The router sends one request to both workers. The prefill worker computes
// the prompt and Open()s then Ready()s the room; the decode worker asks for
// the room with GET /tessera/kv/{room} (KvFetcher). Whichever comes first
// waits for the other. Once both are there the transfer runs, taking
// kv_bytes ÷ bandwidth of simulated time on a link that carries one
// transfer at a time (so concurrent transfers share its bandwidth); then
// the decode worker's GET is answered with the handoff (prompt length and
// the first token the prefill worker sampled) and the prefill worker's
// request completes, as SGLang's prefill answers only after the transfer
// succeeded. A room that is not paired within the timeout fails on both
// sides.
//
// Also served, as SGLang's bootstrap server does: GET /health, and
// GET /route (the prefill worker's parallel layout, or the address of one
// of its ranks), so tools that inspect a bootstrap port find what they
// expect. Ranks do not register (PUT /route): one process is every rank.
//
// Everything runs on the io_context thread.

#ifndef TESSERA_ENGINE_SIMULATOR_KV_BOOTSTRAP_SERVER_H_
#define TESSERA_ENGINE_SIMULATOR_KV_BOOTSTRAP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/logging.h"
#include "base/status.h"
#include "engine/simulator/kv_transfer_link.h"
#include "http/http_exchange.h"
#include "http/http_server.h"

namespace tessera::simulator {

// What the decode worker receives with a room's KV.
struct KvHandoff {
  uint64_t room = 0;
  int64_t prompt_tokens = 0;
  std::string first_token;      // the token the prefill worker sampled
  int64_t kv_bytes = 0;         // per tensor-parallel rank
  double transfer_seconds = 0;  // simulated, link queueing included
};

std::string KvHandoffJson(const KvHandoff& handoff);
StatusOr<KvHandoff> ParseKvHandoff(std::string_view text);

// The path a decode worker fetches a room's KV from, on the bootstrap port.
std::string KvFetchPath(uint64_t room, double bandwidth_bytes_per_second);

struct KvBootstrapOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8998;                       // 0 picks a free one
  std::string advertised_host = "127.0.0.1";  // GET /route's rank_ip
  int64_t tensor_parallel_size = 1;
  int64_t kv_bytes_per_token = 0;  // per rank
  // Per rank; a fetch may ask for less (the slower end of the link wins).
  double bandwidth_bytes_per_second = 50e9;
  // Wall seconds per simulated second, as --time-scale.
  double time_scale = 1.0;
  // Simulated time a room may wait for its other half.
  std::chrono::duration<double> timeout{300};
  Logger logger{};
};

class KvBootstrapServer {
 public:
  // Called once: OK once the decode worker holds the room's KV, or why it
  // never will (DeadlineExceeded, Aborted, Unavailable at shutdown).
  using TransferDone = std::function<void(const Status& status)>;

  static StatusOr<std::unique_ptr<KvBootstrapServer>> Start(boost::asio::io_context& io_context,
                                                            KvBootstrapOptions options);

  KvBootstrapServer(const KvBootstrapServer&) = delete;
  KvBootstrapServer& operator=(const KvBootstrapServer&) = delete;
  ~KvBootstrapServer();

  // A prefill request for `room` arrived; its timeout starts now.
  // AlreadyExists when another prefill request holds the room.
  Status Open(uint64_t room, TransferDone on_done);
  // The room's prompt is computed: transfer as soon as the decode worker
  // asks. `handoff.kv_bytes` and `transfer_seconds` are filled in here.
  void Ready(uint64_t room, KvHandoff handoff);
  // The prefill request is gone (client disconnected, engine died): a
  // waiting decode worker is told so. `on_done` does not run.
  void Withdraw(uint64_t room);

  uint16_t port() const { return http_->port(); }
  // Fails every open room with Unavailable and stops serving.
  void Close();

 private:
  struct Room {
    TransferDone on_done;  // set while a prefill request holds the room
    bool ready = false;
    KvHandoff handoff;
    std::shared_ptr<http::HttpExchange> fetch;  // the decode worker's GET
    double fetch_bandwidth = 0;
    bool transferring = false;
    std::unique_ptr<boost::asio::steady_timer> timer;  // timeout, then transfer end
  };

  KvBootstrapServer(boost::asio::io_context& io_context, KvBootstrapOptions options);

  void Handle(const std::shared_ptr<http::HttpExchange>& exchange);
  void HandleRoute(const std::shared_ptr<http::HttpExchange>& exchange) const;
  void HandleFetch(const std::shared_ptr<http::HttpExchange>& exchange);
  Room& CreateRoom(uint64_t room);
  void StartTimeout(uint64_t room);
  void TimeOut(uint64_t room);
  void MaybeTransfer(uint64_t room);
  void FinishTransfer(uint64_t room);
  // Ends a room: the fetch (if any) is answered `fetch_status` (none when
  // 0) with the status's message, and on_done (if any) gets `status`.
  void Fail(uint64_t room, const Status& status, int fetch_status);
  std::chrono::steady_clock::duration Wall(double simulated_seconds) const;

  boost::asio::io_context& io_context_;
  KvBootstrapOptions options_;
  std::unique_ptr<http::HttpServer> http_;
  std::unordered_map<uint64_t, Room> rooms_;
  KvTransferLink link_;
  // Expires with this object, for exchange callbacks that may outlive it.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_KV_BOOTSTRAP_SERVER_H_
