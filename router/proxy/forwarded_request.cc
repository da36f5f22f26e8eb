#include "router/proxy/forwarded_request.h"

#include <algorithm>

#include "base/strings.h"
#include "base/units.h"
#include "engine/openai/response_writer.h"
#include "http/http_url.h"

namespace tessera::router {
namespace {

using std::chrono::duration;
using std::chrono::steady_clock;

// What is kept of an answer that is not forwarded: enough for an error
// message, or for the vLLM prefill's kv_transfer_params.
constexpr size_t kMaxCollectedBytes = size_t{1} << 20;

bool IsSuccess(int status) { return status >= 200 && status < 300; }
bool IsClientError(int status) { return status >= 400 && status < 500; }

double Seconds(steady_clock::duration elapsed) { return duration<double>(elapsed).count(); }

std::string HostOf(const std::string& url) {
  StatusOr<http::HttpUrl> parsed = http::ParseHttpUrl(url);
  return parsed.ok() ? parsed->host : std::string();
}

std::string_view RoleName(wire::WorkerRole role) { return wire::WorkerRoleName(role); }

}  // namespace

void ForwardedRequest::Start(ProxyContext& context, std::shared_ptr<http::HttpExchange> exchange,
                             RoutedRequest request, steady_clock::time_point arrival) {
  auto forwarded =
      std::make_shared<ForwardedRequest>(context, std::move(exchange), std::move(request), arrival);
  std::weak_ptr<ForwardedRequest> weak = forwarded;
  forwarded->exchange_->OnClose([weak](const Status& status) {
    if (const auto alive = weak.lock()) alive->OnClientClosed(status);
  });
  forwarded->Attempt();
}

ForwardedRequest::ForwardedRequest(ProxyContext& context,
                                   std::shared_ptr<http::HttpExchange> exchange,
                                   RoutedRequest request, steady_clock::time_point arrival)
    : context_(context),
      exchange_(std::move(exchange)),
      request_(std::move(request)),
      arrival_(arrival),
      wait_deadline_(arrival + context.settings.worker_wait_timeout),
      deadline_timer_(context.io_context),
      wait_timer_(context.io_context) {
  context_.metrics.ClientRequestStarted();
}

ForwardedRequest::~ForwardedRequest() {
  if (!finished_) context_.metrics.ClientRequestEnded();
}

void ForwardedRequest::Attempt() {
  if (finished_) return;
  const bool disaggregated = context_.pool.Disaggregated();
  const std::vector<wire::WorkerRole> roles =
      disaggregated ? std::vector{wire::WorkerRole::kPrefill, wire::WorkerRole::kDecode}
                    : std::vector{wire::WorkerRole::kAggregated};
  // Every role needed must have a worker before anything is sent.
  for (const wire::WorkerRole role : roles) {
    if (!context_.pool.Routable(role, failed_[role]).empty()) continue;
    // Wait for a worker to appear or recover, unless every member of the
    // role has already failed this request.
    if (context_.clock.Now() < wait_deadline_ &&
        (!context_.pool.HasMember(role) || HasUnfailedMember(role))) {
      wait_timer_.expires_after(context_.settings.worker_wait_poll);
      wait_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (!error) self->Attempt();
      });
      return;
    }
    const std::string why = "no " + std::string(RoleName(role)) + " worker is available" +
                            (failed_[role].empty() ? "" : " that has not failed this request");
    RespondError(503, "ServiceUnavailableError", why);
    return;
  }
  ++attempts_;
  forwarding_ = false;
  deadline_timer_.expires_after(context_.settings.first_byte_timeout);
  deadline_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error) self->OnDeadline();
  });
  if (!disaggregated) {
    const std::optional<std::string> worker = Pick(wire::WorkerRole::kAggregated);
    Send(main_, wire::WorkerRole::kAggregated, *worker, exchange_->request().body);
    return;
  }
  const std::optional<std::string> prefill = Pick(wire::WorkerRole::kPrefill);
  if (context_.settings.protocol == HandoffProtocol::kVllm) {
    // The decode worker is chosen once the prefill has answered, by the
    // load of that moment.
    Send(prefill_, wire::WorkerRole::kPrefill, *prefill, VllmPrefillBody(request_.body));
    return;
  }
  const std::optional<std::string> decode = Pick(wire::WorkerRole::kDecode);
  const PooledWorker& prefill_worker = context_.pool.workers().find(*prefill)->second;
  const uint64_t room = context_.random() & ((uint64_t{1} << 63) - 1);
  std::string body = SglangHandoffBody(request_.body, HostOf(*prefill),
                                       prefill_worker.endpoint.bootstrap_port, room);
  Send(prefill_, wire::WorkerRole::kPrefill, *prefill, body);
  Send(main_, wire::WorkerRole::kDecode, *decode, std::move(body));
}

bool ForwardedRequest::HasUnfailedMember(wire::WorkerRole role) const {
  const auto failed = failed_.find(role);
  return std::ranges::any_of(context_.pool.workers(), [&](const auto& entry) {
    const auto& [url, worker] = entry;
    return worker.endpoint.role == role && !worker.draining &&
           (failed == failed_.end() ||
            std::ranges::find(failed->second, url) == failed->second.end());
  });
}

std::optional<std::string> ForwardedRequest::Pick(wire::WorkerRole role) {
  const std::vector<const PooledWorker*> routable = context_.pool.Routable(role, failed_[role]);
  if (routable.empty()) return std::nullopt;
  std::vector<Candidate> candidates;
  candidates.reserve(routable.size());
  for (const PooledWorker* worker : routable) {
    candidates.push_back({.worker = worker->endpoint.url, .in_flight = worker->in_flight});
  }
  RoutingPolicy& policy = *context_.policies.at(role);
  const RoutingDecision decision = policy.Pick(candidates, request_.routing_text);
  const double match_ratio = request_.routing_text.empty()
                                 ? 0.0
                                 : static_cast<double>(decision.matched_chars) /
                                       static_cast<double>(request_.routing_text.size());
  context_.metrics.RecordRoutingDecision(role, PolicyKindName(policy.kind()), decision.reason,
                                         match_ratio);
  return std::string(candidates[decision.index].worker);
}

void ForwardedRequest::Send(Leg& leg, wire::WorkerRole role, const std::string& url,
                            std::string body) {
  if (attempts_ > 1) context_.metrics.RecordRetry(role);
  leg = Leg{};
  leg.role = role;
  leg.url = url;
  leg.lease = context_.pool.Acquire(url);
  leg.serial = ++next_serial_;
  leg.sent = context_.clock.Now();
  leg.active = true;
  if (&leg == &main_ && attempts_ == 1) dispatch_overhead_ = leg.sent - arrival_;
  const uint64_t serial = leg.serial;
  auto self = shared_from_this();
  leg.call = context_.client.Start(
      http::HttpClientRequest::PostJson(url + request_.path, std::move(body)),
      // on_body and on_complete keep `self`, and with it `leg`, alive.
      {.on_head = [&leg, serial](const http::HttpResponseHead& head) { OnHead(leg, serial, head); },
       .on_body =
           [self, &leg, serial](std::string_view data, steady_clock::time_point arrival) {
             self->OnBody(leg, serial, data, arrival);
           },
       .on_complete = [self, &leg,
                       serial](const Status& status) { self->OnComplete(leg, serial, status); }});
}

void ForwardedRequest::OnHead(Leg& leg, uint64_t serial, const http::HttpResponseHead& head) {
  if (!leg.active || leg.serial != serial) return;
  leg.status = head.status;
  leg.content_type = std::string(head.Header("Content-Type").value_or("application/json"));
}

void ForwardedRequest::OnBody(Leg& leg, uint64_t serial, std::string_view data,
                              steady_clock::time_point arrival) {
  if (!leg.active || leg.serial != serial) return;
  if (&leg == &main_ && IsSuccess(leg.status)) {
    if (!forwarding_ && !StartForwarding()) return;
    if (!exchange_->Write(data).ok()) return;  // the close callback cancels the legs
    if (!first_piece_written_) {
      first_piece_written_ = true;
      const steady_clock::time_point now = context_.clock.Now();
      context_.metrics.RecordAddedLatency(Seconds(dispatch_overhead_ + (now - arrival)));
      context_.metrics.RecordTimeToFirstToken(request_.path, Seconds(now - arrival_));
    }
    return;
  }
  if (leg.body.size() < kMaxCollectedBytes) {
    leg.body.append(data.substr(0, kMaxCollectedBytes - leg.body.size()));
  }
}

bool ForwardedRequest::StartForwarding() {
  // Not at the head: engines send it before the first token (an SGLang
  // decode worker before its KV has even arrived), and until the first
  // body bytes the request can still go to another worker unseen.
  if (finished_ ||
      !exchange_->StartStream(main_.status, {{"Content-Type", main_.content_type}}).ok()) {
    return false;  // the client has gone; its close callback cancels the legs
  }
  forwarding_ = true;
  deadline_timer_.cancel();
  if (main_.role == wire::WorkerRole::kDecode) {
    context_.metrics.RecordHandoff("decode_first_byte", Seconds(context_.clock.Now() - main_.sent));
  }
  return true;
}

void ForwardedRequest::OnComplete(Leg& leg, uint64_t serial, const Status& status) {
  if (!leg.active || leg.serial != serial) return;
  leg.call.reset();
  const bool is_main = &leg == &main_;
  if (status.ok()) {
    EndLeg(leg, WorkerOutcome::kServed, "success");
    if (!is_main) {
      OnPrefillAnswered();
      return;
    }
    if (forwarding_ || StartForwarding()) {  // an empty body starts here
      (void)exchange_->End();
      Finish(leg.status);
    }
    return;
  }
  if (IsClientError(leg.status)) {
    // The worker judged the request; its answer is the client's.
    EndLeg(leg, WorkerOutcome::kServed, "client_error");
    if (forwarding_) return BreakStream(status);
    EndLeg(is_main ? prefill_ : main_, WorkerOutcome::kAbandoned, "cancelled");
    return RespondUpstream(leg);
  }
  if (status.code() == StatusCode::kResourceExhausted && leg.status == 0) {
    // This process could not open a socket: nothing is known of the worker,
    // and another worker would fare no better.
    EndLeg(leg, WorkerOutcome::kAbandoned, "cancelled");
    EndLeg(is_main ? prefill_ : main_, WorkerOutcome::kAbandoned, "cancelled");
    context_.logger.Warning("cannot reach a worker", {{"error", status.message()}});
    deadline_timer_.cancel();
    return RespondError(503, "ServiceUnavailableError",
                        "the router is out of resources: " + status.message());
  }
  if (status.code() == StatusCode::kUnavailable && leg.status == 0) {
    // Refused or reset before answering: out of rotation now, not at the
    // next probe.
    context_.pool.SetHealth(leg.url, false, status.message());
  }
  EndLeg(leg, WorkerOutcome::kFailed, "error");
  context_.logger.Warning(
      "worker request failed",
      {{"worker", leg.url}, {"role", RoleName(leg.role)}, {"error", status.message()}});
  if (forwarding_) {
    if (is_main) BreakStream(status);
    // A prefill answer that fails after the decode has started streaming
    // leaves the decode leg to finish or fail on its own.
    return;
  }
  EndLeg(is_main ? prefill_ : main_, WorkerOutcome::kAbandoned, "cancelled");
  RetryOrFail(502, Status(status.code(), std::string(RoleName(leg.role)) + " worker " + leg.url +
                                             ": " + status.message()));
}

void ForwardedRequest::OnPrefillAnswered() {
  context_.metrics.RecordHandoff("prefill", Seconds(context_.clock.Now() - prefill_.sent));
  if (context_.settings.protocol != HandoffProtocol::kVllm || finished_) return;
  StatusOr<std::string> body = VllmDecodeBody(request_.body, prefill_.body);
  if (!body.ok()) {
    deadline_timer_.cancel();
    return RespondError(502, "BadGatewayError",
                        "prefill worker " + prefill_.url + ": " + body.status().message());
  }
  const std::optional<std::string> decode = Pick(wire::WorkerRole::kDecode);
  if (!decode) {
    deadline_timer_.cancel();
    return RespondError(503, "ServiceUnavailableError", "no decode worker is available");
  }
  Send(main_, wire::WorkerRole::kDecode, *decode, *std::move(body));
}

void ForwardedRequest::OnDeadline() {
  if (forwarding_ || finished_) return;
  // The leg still waiting is the one at fault: the prefill when it has not
  // answered, else the decode (or only) worker.
  Leg& late = prefill_.active ? prefill_ : main_;
  const std::string who = std::string(RoleName(late.role)) + " worker " + late.url;
  const std::string what = &late == &prefill_ ? "did not answer the prefill" : "sent no first byte";
  EndLeg(late, WorkerOutcome::kFailed, "timeout");
  EndLeg(&late == &prefill_ ? main_ : prefill_, WorkerOutcome::kAbandoned, "cancelled");
  RetryOrFail(504, DeadlineExceededError(who + " " + what + " within " +
                                         FormatDuration(context_.settings.first_byte_timeout)));
}

void ForwardedRequest::EndLeg(Leg& leg, WorkerOutcome outcome, std::string_view metric_outcome) {
  if (!leg.active) return;
  leg.active = false;
  if (leg.call) {
    leg.call->Cancel();
    leg.call.reset();
  }
  leg.lease.Release(outcome);
  // A worker that failed this request is not tried for it again; the other
  // half of a failed pair may be.
  if (outcome == WorkerOutcome::kFailed) failed_[leg.role].push_back(leg.url);
  context_.metrics.RecordWorkerRequest(leg.url, leg.role, metric_outcome);
}

void ForwardedRequest::RetryOrFail(int client_status, const Status& reason) {
  deadline_timer_.cancel();
  if (finished_) return;
  if (attempts_ <= context_.settings.max_retries) {
    context_.logger.Info(
        "retrying on another worker",
        {{"path", request_.path}, {"attempt", attempts_ + 1}, {"reason", reason.message()}});
    Attempt();
    return;
  }
  RespondError(client_status, client_status == 504 ? "GatewayTimeoutError" : "BadGatewayError",
               reason.message() + " (" + CountOf(attempts_, "attempt") + ")");
}

void ForwardedRequest::RespondError(int status, std::string_view type, std::string_view message) {
  if (finished_) return;
  (void)exchange_->Respond(
      http::HttpResponse::Json(status, openai::ErrorBody(status, type, message)));
  Finish(status);
}

void ForwardedRequest::RespondUpstream(const Leg& leg) {
  if (finished_) return;
  (void)exchange_->Respond(http::HttpResponse::Json(leg.status, leg.body));
  Finish(leg.status);
}

void ForwardedRequest::BreakStream(const Status& reason) {
  if (finished_) return;
  const std::string message = "the worker's answer broke off: " + reason.message();
  if (request_.stream) {
    // An error event, which openai clients raise as APIError, then the end.
    (void)exchange_->Write("data: " + openai::ErrorBody(502, "BadGatewayError", message) + "\n\n");
    (void)exchange_->End();
  } else {
    exchange_->Abort(UnavailableError(message));
  }
  // Counted as the error the client met, though its head said 200.
  Finish(502);
}

void ForwardedRequest::OnClientClosed(const Status& status) {
  if (status.ok()) return;
  EndLeg(prefill_, WorkerOutcome::kAbandoned, "cancelled");
  EndLeg(main_, WorkerOutcome::kAbandoned, "cancelled");
  // 499: the client closed the request (nginx's code), unless it had been
  // answered in full already.
  if (!finished_) Finish(499);
}

void ForwardedRequest::Finish(int client_status) {
  if (finished_) return;
  finished_ = true;
  deadline_timer_.cancel();
  wait_timer_.cancel();
  context_.metrics.RecordClientRequest(request_.path, client_status);
  context_.metrics.ClientRequestEnded();
}

}  // namespace tessera::router
