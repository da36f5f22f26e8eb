#include "http/http_exchange.h"

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "http/http_wire.h"
#include "http/server_connection.h"

namespace tessera::http {

HttpExchange::HttpExchange(HttpRequest request, boost::asio::io_context& io_context,
                           std::weak_ptr<ServerConnection> connection, size_t max_queued_bytes,
                           bool keep_alive)
    : request_(std::move(request)),
      io_context_(io_context),
      connection_(std::move(connection)),
      max_queued_bytes_(max_queued_bytes),
      keep_alive_(keep_alive) {}

HttpExchange::~HttpExchange() = default;

Status HttpExchange::Respond(HttpResponse response) {
  TESSERA_RETURN_IF_ERROR(ValidateHeaders(response.headers));
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    TESSERA_RETURN_IF_ERROR(
        AnswerLocked(response.status, response.headers, response.body, /*stream=*/false, wake));
  }
  if (wake) PostWake();
  return OkStatus();
}

Status HttpExchange::StartStream(int status, std::vector<HttpHeader> headers) {
  TESSERA_RETURN_IF_ERROR(ValidateHeaders(headers));
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    TESSERA_RETURN_IF_ERROR(AnswerLocked(status, headers, {}, /*stream=*/true, wake));
  }
  if (wake) PostWake();
  return OkStatus();
}

Status HttpExchange::AnswerLocked(int status, const std::vector<HttpHeader>& headers,
                                  std::string_view body, bool stream, bool& wake) {
  if (phase_ == Phase::kEnded || cancelled()) return EndedError();
  if (phase_ != Phase::kUnanswered) {
    return FailedPreconditionError(request_.method + " " + request_.path +
                                   ": the response was already started");
  }
  const bool head = request_.method == "HEAD";
  // Without chunked encoding (HTTP/1.0) the end of a stream is the end of
  // the connection.
  chunked_ = stream && request_.version >= 11;
  const bool keep_alive = keep_alive_ && !HasConnectionClose(headers) && (!stream || chunked_);
  close_after_ = !keep_alive;
  const BodyFraming framing = !stream    ? BodyFraming::kContentLength
                              : chunked_ ? BodyFraming::kChunked
                                         : BodyFraming::kUntilClose;
  AppendResponseHead(pending_, request_.version, status, headers, framing, body.size(), keep_alive);
  if (!head) pending_ += body;
  discard_body_ = head;
  phase_ = stream ? Phase::kStreaming : Phase::kAnswered;
  wake = ScheduleWakeLocked();
  return OkStatus();
}

Status HttpExchange::Write(std::string_view data) {
  if (data.empty()) return OkStatus();
  bool wake = false;
  bool over_limit = false;
  size_t queued = 0;
  {
    const std::lock_guard lock(mutex_);
    if (phase_ == Phase::kEnded || cancelled()) return EndedError();
    if (phase_ == Phase::kUnanswered) {
      return FailedPreconditionError(request_.method + " " + request_.path +
                                     ": Write() before StartStream()");
    }
    if (phase_ == Phase::kAnswered) {
      return FailedPreconditionError(request_.method + " " + request_.path +
                                     ": Write() after the response was completed");
    }
    if (discard_body_) return OkStatus();
    queued = pending_.size() + in_flight_bytes_;
    // Chunk framing adds at most 20 bytes; the bound need not be exact.
    if (queued == 0 || queued + data.size() + 20 <= max_queued_bytes_) {
      if (chunked_) {
        AppendChunk(pending_, data);
      } else {
        pending_ += data;
      }
      wake = ScheduleWakeLocked();
    } else {
      over_limit = true;
      cancelled_.store(true, std::memory_order_release);
    }
  }
  if (wake) PostWake();
  if (!over_limit) return OkStatus();
  Status error = ResourceExhaustedError(
      request_.method + " " + request_.path + ": the client is not reading the stream; " +
      std::to_string(queued) + " bytes are queued and the limit is " +
      std::to_string(max_queued_bytes_));
  PostAbort(error);
  return error;
}

Status HttpExchange::End() {
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    if (phase_ == Phase::kEnded || cancelled()) return EndedError();
    if (phase_ != Phase::kStreaming) {
      return FailedPreconditionError(request_.method + " " + request_.path +
                                     ": End() without a started stream");
    }
    if (chunked_ && !discard_body_) AppendLastChunk(pending_);
    phase_ = Phase::kAnswered;
    wake = ScheduleWakeLocked();
  }
  if (wake) PostWake();
  return OkStatus();
}

void HttpExchange::Abort(Status reason) {
  {
    const std::lock_guard lock(mutex_);
    if (phase_ == Phase::kEnded || cancelled()) return;
    cancelled_.store(true, std::memory_order_release);
  }
  PostAbort(std::move(reason));
}

void HttpExchange::OnClose(std::function<void(const Status&)> callback) {
  Status status;
  {
    const std::lock_guard lock(mutex_);
    if (phase_ != Phase::kEnded) {
      on_close_ = std::move(callback);
      return;
    }
    status = final_status_;
  }
  boost::asio::post(io_context_, [callback = std::move(callback), status = std::move(status)] {
    if (callback) callback(status);
  });
}

bool HttpExchange::TakeOutput(std::string& out) {
  const std::lock_guard lock(mutex_);
  in_flight_bytes_ = 0;
  if (phase_ == Phase::kEnded) {
    wake_scheduled_ = false;
    return false;
  }
  out.swap(pending_);
  in_flight_bytes_ = out.size();
  // While a write is in flight, its completion takes the next bytes, so
  // writers need not post a wake-up.
  wake_scheduled_ = !out.empty();
  return out.empty() && phase_ == Phase::kAnswered;
}

bool HttpExchange::close_after() const {
  const std::lock_guard lock(mutex_);
  return close_after_;
}

void HttpExchange::Finish(const Status& status) {
  std::function<void(const Status&)> callback;
  {
    const std::lock_guard lock(mutex_);
    if (phase_ == Phase::kEnded) return;
    phase_ = Phase::kEnded;
    final_status_ = status;
    if (!status.ok()) cancelled_.store(true, std::memory_order_release);
    std::string().swap(pending_);
    in_flight_bytes_ = 0;
    wake_scheduled_ = false;
    callback = std::move(on_close_);
    on_close_ = nullptr;
  }
  if (callback) callback(status);
}

bool HttpExchange::ScheduleWakeLocked() {
  if (wake_scheduled_) return false;
  wake_scheduled_ = true;
  return true;
}

void HttpExchange::PostWake() {
  boost::asio::post(io_context_, [connection = connection_] {
    if (const std::shared_ptr<ServerConnection> alive = connection.lock()) alive->PumpWrites();
  });
}

void HttpExchange::PostAbort(Status reason) {
  // The raw pointer is only compared with the connection's current exchange,
  // never dereferenced here, so it may dangle harmlessly.
  boost::asio::post(io_context_,
                    [connection = connection_, exchange = this, reason = std::move(reason)] {
                      if (const std::shared_ptr<ServerConnection> alive = connection.lock()) {
                        alive->AbortExchange(exchange, reason);
                      }
                    });
}

Status HttpExchange::EndedError() const {
  std::string why = "the exchange has ended";
  if (phase_ == Phase::kEnded && !final_status_.ok()) why = final_status_.message();
  return CancelledError(request_.method + " " + request_.path + ": " + why);
}

}  // namespace tessera::http
