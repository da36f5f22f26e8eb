// One client request through the router, from the moment it has been read
// and checked (RoutedRequest) to its last byte: the choice of worker(s), the
// calls to them, the prefill→decode hand-off, retries, deadlines and the
// stream back to the client.
//
// The rules, which are the router's promises:
//  - Nothing is buffered: the worker's status, headers and every piece of
//    its body go to the client as they arrive.
//  - A request that fails before the client has seen a byte — the worker
//    refused the connection, reset it, answered 5xx, or sent nothing within
//    the first-byte deadline — is sent again, to a worker that has not failed
//    it (the healthy half of a failed pair may serve again), up to
//    `max_retries` times. A worker's 4xx answer is the client's to read and
//    is passed through.
//  - Each leg has a deadline: the prefill leg must be answered and the
//    decode (or only) leg must send its first body byte within
//    `first_byte_timeout`; past it the legs are cancelled, so a hand-off
//    stuck in bootstrapping is an error to the client, never a hang. The
//    client gets the worker's head with its first body bytes, not before:
//    engines send the head at once, and until the body starts the request
//    can still be retried elsewhere unseen.
//  - In SGLang's protocol a failed decode leg cancels the prefill leg and a
//    failed prefill leg cancels the decode leg.
//  - When the client goes away the worker calls are cancelled at once.
//  - A stream that breaks after its first byte ends with an OpenAI error
//    event (openai clients raise it); a non-streamed body that breaks is cut
//    short so that the client cannot mistake it for a whole answer.
//  - When no worker of a needed role is available the request waits up to
//    `worker_wait_timeout` for one (a router just restarted, a membership
//    in flux) before it is answered 503.
//
// Runs on the router's event-loop thread, like everything it touches.

#ifndef TESSERA_ROUTER_PROXY_FORWARDED_REQUEST_H_
#define TESSERA_ROUTER_PROXY_FORWARDED_REQUEST_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "base/clock.h"
#include "base/logging.h"
#include "http/http_client.h"
#include "http/http_exchange.h"
#include "router/policy/routing_policy.h"
#include "router/pool/worker_pool.h"
#include "router/proxy/handoff.h"
#include "router/proxy/routed_request.h"
#include "router/router_metrics.h"

namespace tessera::router {

struct ProxySettings {
  HandoffProtocol protocol = HandoffProtocol::kSglang;
  int max_retries = 2;
  std::chrono::milliseconds first_byte_timeout{120'000};
  std::chrono::milliseconds worker_wait_timeout{15'000};
  // How often a waiting request looks for a worker again.
  std::chrono::milliseconds worker_wait_poll{25};
};

// What every forwarded request shares; owned by the RouterServer, which
// outlives its requests' use of it (its HttpClient is destroyed first, and
// with it every callback that could still run).
struct ProxyContext {
  boost::asio::io_context& io_context;
  http::HttpClient& client;
  WorkerPool& pool;
  std::map<wire::WorkerRole, std::unique_ptr<RoutingPolicy>>& policies;
  RouterMetrics& metrics;
  const ProxySettings& settings;
  const Clock& clock;
  std::mt19937_64& random;
  Logger logger;
};

class ForwardedRequest : public std::enable_shared_from_this<ForwardedRequest> {
 public:
  // Takes over answering `exchange`. `arrival` is when the request had been
  // read in full.
  static void Start(ProxyContext& context, std::shared_ptr<http::HttpExchange> exchange,
                    RoutedRequest request, std::chrono::steady_clock::time_point arrival);

  ForwardedRequest(ProxyContext& context, std::shared_ptr<http::HttpExchange> exchange,
                   RoutedRequest request, std::chrono::steady_clock::time_point arrival);
  ForwardedRequest(const ForwardedRequest&) = delete;
  ForwardedRequest& operator=(const ForwardedRequest&) = delete;
  ~ForwardedRequest();

 private:
  // One call to one worker.
  struct Leg {
    wire::WorkerRole role = wire::WorkerRole::kAggregated;
    std::string url{};
    WorkerLease lease{};
    std::shared_ptr<http::HttpCall> call{};
    uint64_t serial = 0;  // tells this call's callbacks from a cancelled one's
    int status = 0;       // HTTP status of its head, 0 before it
    std::string content_type{};
    std::string body{};  // collected when not forwarded (bounded)
    std::chrono::steady_clock::time_point sent{};
    bool active = false;
  };

  void Attempt();
  // A routable worker of `role` that has not failed this request, chosen by
  // the role's policy; nullopt when there is none.
  std::optional<std::string> Pick(wire::WorkerRole role);
  // Whether some member of `role` has not failed this request (it may be
  // unhealthy now and recover).
  bool HasUnfailedMember(wire::WorkerRole role) const;

  void Send(Leg& leg, wire::WorkerRole role, const std::string& url, std::string body);
  static void OnHead(Leg& leg, uint64_t serial, const http::HttpResponseHead& head);
  void OnBody(Leg& leg, uint64_t serial, std::string_view data,
              std::chrono::steady_clock::time_point arrival);
  void OnComplete(Leg& leg, uint64_t serial, const Status& status);
  // Sends the client the head of main_'s answer; false when the client has
  // gone.
  bool StartForwarding();
  void OnPrefillAnswered();
  void OnDeadline();

  // Ends `leg`: cancels its call if it is running and releases its worker.
  void EndLeg(Leg& leg, WorkerOutcome outcome, std::string_view metric_outcome);
  // The attempt failed before the client saw a byte: try another worker or
  // answer `client_status` with `reason`.
  void RetryOrFail(int client_status, const Status& reason);
  void RespondError(int status, std::string_view type, std::string_view message);
  void RespondUpstream(const Leg& leg);
  void BreakStream(const Status& reason);
  void OnClientClosed(const Status& status);
  void Finish(int client_status);

  ProxyContext& context_;
  const std::shared_ptr<http::HttpExchange> exchange_;
  const RoutedRequest request_;
  const std::chrono::steady_clock::time_point arrival_;
  const std::chrono::steady_clock::time_point wait_deadline_;
  boost::asio::steady_timer deadline_timer_;
  boost::asio::steady_timer wait_timer_;
  std::map<wire::WorkerRole, std::vector<std::string>> failed_;  // workers that failed it
  Leg prefill_;
  Leg main_;  // the aggregated or decode worker, whose answer the client gets
  uint64_t next_serial_ = 0;
  int attempts_ = 0;
  bool forwarding_ = false;  // main_'s answer is going to the client
  bool finished_ = false;
  std::chrono::nanoseconds dispatch_overhead_{0};
  bool first_piece_written_ = false;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_PROXY_FORWARDED_REQUEST_H_
