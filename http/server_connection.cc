#include "http/server_connection.h"

#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "base/units.h"
#include "http/http_wire.h"
#include "http/server_core.h"

namespace tessera::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;

// Requests are small; a larger body simply takes more reads.
constexpr size_t kReadSize = size_t{8} * 1024;
// While a response is in progress, at most this much of a pipelined request
// is buffered before reading pauses until the response ends.
constexpr size_t kMaxBufferedWhileHandling = size_t{64} * 1024;

Status ClientGone(const beast::error_code& error) {
  if (error == net::error::eof) {
    return CancelledError("the client closed the connection");
  }
  return CancelledError("the client connection failed: " + error.message());
}

}  // namespace

ServerConnection::ServerConnection(ServerCore& core, std::unique_ptr<ServerStream> stream)
    : core_(&core), stream_(std::move(stream)) {}

void ServerConnection::Start() {
  BeginReadingRequest();
  stream_->AsyncHandshake([self = shared_from_this()](const beast::error_code& error) {
    if (self->phase_ == Phase::kClosed) return;
    if (error) {
      self->Close(ClientGone(error));
      return;
    }
    self->StartRead();
  });
}

std::optional<std::chrono::steady_clock::time_point> ServerConnection::WaitingSince() const {
  if (phase_ != Phase::kReadingRequest) return std::nullopt;
  return waiting_since_;
}

void ServerConnection::BeginReadingRequest() {
  phase_ = Phase::kReadingRequest;
  const HttpServerOptions& options = core_->options();
  parser_.emplace(options.max_header_bytes, options.max_body_bytes, &options.screen);
  request_started_ = false;
  continue_answered_ = false;
  waiting_since_ = core_->clock().Now();
  read_deadline_ = waiting_since_ + options.idle_timeout;
}

void ServerConnection::StartRead() {
  if (read_in_flight_ || phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kHandling && buffer_.size() >= kMaxBufferedWhileHandling) return;
  read_in_flight_ = true;
  stream_->AsyncReadSome(buffer_.prepare(kReadSize),
                         [self = shared_from_this()](const beast::error_code& error, size_t bytes) {
                           self->OnRead(error, bytes);
                         });
}

void ServerConnection::OnRead(const beast::error_code& error, size_t bytes) {
  read_in_flight_ = false;
  if (phase_ == Phase::kClosed) return;
  if (error) {
    Close(phase_ == Phase::kLingering ? OkStatus() : ClientGone(error));
    return;
  }
  buffer_.commit(bytes);
  if (phase_ == Phase::kLingering) {
    buffer_.consume(buffer_.size());
  } else if (phase_ == Phase::kReadingRequest) {
    ParseRequests();
  }
  StartRead();
}

void ServerConnection::ParseRequests() {
  while (phase_ == Phase::kReadingRequest && buffer_.size() > 0) {
    if (!request_started_) {
      request_started_ = true;
      read_deadline_ = core_->clock().Now() + core_->options().request_timeout;
    }
    beast::error_code error;
    const size_t used = parser_->put(buffer_.data(), error);
    buffer_.consume(used);
    if (error == beast::http::error::need_more) return;
    if (error) {
      Reject(error);
      return;
    }
    // The screen has passed the head by now (the parser asks it before any
    // of the body), so a client waiting for "100 Continue" may be told.
    if (parser_->is_header_done() && !continue_answered_) {
      continue_answered_ = true;
      if (parser_->expects_continue() && !parser_->is_done()) {
        own_output_ += "HTTP/1.1 100 Continue\r\n\r\n";
        PumpWrites();
      }
    }
    if (parser_->is_done()) {
      Dispatch();
      return;
    }
    if (used == 0) return;
  }
}

void ServerConnection::Dispatch() {
  const bool keep_alive =
      parser_->keep_alive() && !close_after_response_ && !core_->shutting_down();
  HttpRequest request = std::move(parser_->request());
  parser_.reset();
  phase_ = Phase::kHandling;
  exchange_ =
      std::make_shared<HttpExchange>(std::move(request), core_->io_context(), weak_from_this(),
                                     core_->options().max_queued_bytes, keep_alive);
  // The handler may close the server, or this connection; keep both alive
  // until it returns.
  const std::shared_ptr<ServerCore> core = core_->shared_from_this();
  const std::shared_ptr<ServerConnection> self = shared_from_this();
  const std::shared_ptr<HttpExchange> exchange = exchange_;
  core->handler()(exchange);
}

void ServerConnection::Reject(const beast::error_code& error) {
  if (std::optional<HttpResponse>& screened = parser_->screened(); screened) {
    RespondAndClose(*std::move(screened));
    return;
  }
  const HttpServerOptions& options = core_->options();
  int status = 400;
  std::string message;
  if (error == beast::http::error::body_limit) {
    status = 413;
    message = "request body exceeds the limit of " + FormatBytes(options.max_body_bytes);
  } else if (error == beast::http::error::header_limit) {
    status = 431;
    message = "request header exceeds the limit of " + FormatBytes(options.max_header_bytes);
  } else if (error == beast::http::error::bad_version) {
    message = "unsupported protocol version: this server speaks HTTP/1.0 and HTTP/1.1 only";
  } else {
    message = "malformed HTTP request: " + error.message();
  }
  RespondAndClose(HttpResponse::Json(status, JsonErrorBody(status, message)));
}

void ServerConnection::RespondAndClose(HttpResponse response) {
  if (!ValidateHeaders(response.headers).ok()) response.headers.clear();
  AppendResponseHead(own_output_, 11, response.status, response.headers,
                     BodyFraming::kContentLength, response.body.size(), /*keep_alive=*/false);
  own_output_ += response.body;
  BeginLingering();
}

void ServerConnection::PumpWrites() {
  if (write_in_flight_ || phase_ == Phase::kClosed) return;
  if (!own_output_.empty()) {
    out_.swap(own_output_);
  } else if (phase_ == Phase::kHandling && exchange_ != nullptr) {
    if (exchange_->TakeOutput(out_)) {
      CompleteExchange();
      return;
    }
  }
  if (out_.empty()) {
    if (phase_ == Phase::kLingering && !send_shut_down_) {
      // Everything is sent: half-close, then read until the client closes
      // too, so it reads our response instead of a reset.
      stream_->ShutdownSend();
      send_shut_down_ = true;
      linger_deadline_ = core_->clock().Now() + core_->options().linger_timeout;
    }
    return;
  }
  write_in_flight_ = true;
  write_started_ = core_->clock().Now();
  stream_->AsyncWrite(net::buffer(out_),
                      [self = shared_from_this()](const beast::error_code& error,
                                                  size_t /*bytes*/) { self->OnWrite(error); });
}

void ServerConnection::OnWrite(const beast::error_code& error) {
  write_in_flight_ = false;
  if (phase_ == Phase::kClosed) return;
  if (error) {
    Close(ClientGone(error));
    return;
  }
  out_.clear();
  PumpWrites();
}

void ServerConnection::CompleteExchange() {
  const std::shared_ptr<HttpExchange> exchange = std::move(exchange_);
  exchange_ = nullptr;
  const bool close = exchange->close_after() || close_after_response_ || core_->shutting_down();
  const std::shared_ptr<ServerConnection> self = shared_from_this();
  exchange->Finish(OkStatus());
  if (phase_ == Phase::kClosed) return;  // the close callback closed the server
  if (close) {
    if (buffer_.size() == 0) {
      // The client sent nothing more, so closing cannot reset the response
      // away; a client that keeps the connection (the head promised
      // keep-alive before a shutdown began) sees end of file at once
      // instead of after linger_timeout.
      stream_->ShutdownSend();
      Close(OkStatus());
    } else {
      BeginLingering();
    }
    return;
  }
  BeginReadingRequest();
  ParseRequests();
  StartRead();
}

void ServerConnection::BeginLingering() {
  phase_ = Phase::kLingering;
  parser_.reset();
  buffer_.consume(buffer_.size());
  PumpWrites();
  StartRead();
}

bool ServerConnection::DeadlinePassed(std::chrono::steady_clock::time_point now) const {
  if (phase_ == Phase::kClosed || core_ == nullptr) return false;
  if (write_in_flight_ && now - write_started_ >= core_->options().write_timeout) return true;
  switch (phase_) {
    case Phase::kReadingRequest:
      return now >= read_deadline_;
    case Phase::kLingering:
      return send_shut_down_ && now >= linger_deadline_;
    default:
      return false;
  }
}

void ServerConnection::OnDeadline() {
  if (phase_ == Phase::kClosed) return;
  const HttpServerOptions& options = core_->options();
  if (write_in_flight_) {
    Close(DeadlineExceededError("the client did not read the response for " +
                                FormatDuration(options.write_timeout)));
  } else if (phase_ == Phase::kReadingRequest) {
    Close(DeadlineExceededError(request_started_
                                    ? "the request was not complete within " +
                                          FormatDuration(options.request_timeout)
                                    : "no request within " + FormatDuration(options.idle_timeout)));
  } else {
    Close(OkStatus());  // lingering is over
  }
}

void ServerConnection::BeginShutdown() {
  close_after_response_ = true;
  if (phase_ == Phase::kReadingRequest && !request_started_) Close(OkStatus());
}

void ServerConnection::Close(const Status& reason) {
  if (phase_ == Phase::kClosed) return;
  const std::shared_ptr<ServerConnection> self = shared_from_this();
  phase_ = Phase::kClosed;
  stream_->Close();
  parser_.reset();
  const std::shared_ptr<HttpExchange> exchange = std::move(exchange_);
  exchange_ = nullptr;
  ServerCore* core = std::exchange(core_, nullptr);
  if (core != nullptr) core->Remove(this);
  if (exchange != nullptr) {
    exchange->Finish(reason.ok() ? CancelledError("the connection closed") : reason);
  }
}

void ServerConnection::AbortExchange(const HttpExchange* exchange, const Status& reason) {
  if (phase_ == Phase::kHandling && exchange_.get() == exchange) Close(reason);
}

}  // namespace tessera::http
