#include "http/http_call.h"

#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "base/http_status.h"
#include "base/units.h"
#include "http/client_core.h"
#include "http/http_wire.h"

namespace tessera::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

constexpr size_t kReadSize = size_t{16} * 1024;
// How much of an error response's body goes into the Status message.
constexpr size_t kErrorBodyPrefix = 512;

bool IsInterim(int status) { return status >= 100 && status < 200 && status != 101; }

// Errors that say this process could not open a socket, not that the
// server is unwell.
bool IsLocalResourceError(const boost::system::error_code& error) {
  return error == net::error::no_descriptors ||
         error == boost::system::errc::too_many_files_open_in_system ||
         error == net::error::no_buffer_space || error == net::error::no_memory;
}

}  // namespace

HttpClientRequest HttpClientRequest::PostJson(std::string url, std::string json) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(json);
  return request;
}

HttpCall::HttpCall(net::io_context& io_context, HttpClientRequest request,
                   HttpCallHandlers handlers)
    : io_context_(io_context), request_(std::move(request)), handlers_(std::move(handlers)) {}

HttpCall::~HttpCall() = default;

void HttpCall::Cancel() {
  const std::shared_ptr<HttpCall> self = shared_from_this();
  const auto fail = [self] { self->Fail(CancelledError(self->Describe() + ": cancelled")); };
  if (io_context_.get_executor().running_in_this_thread()) {
    if (phase_ == Phase::kDone || cancel_requested_) return;
    // Tearing the connection down here could pull the buffer from under a
    // parse in progress (Cancel() from on_body); stop delivering now and
    // close from a fresh handler.
    cancel_requested_ = true;
    net::post(io_context_, fail);
    return;
  }
  net::post(io_context_, fail);
}

void HttpCall::Begin(ClientCore& core) {
  core_ = &core;
  started_ = core.clock().Now();
  phase_started_ = started_;
  last_activity_ = started_;
  StatusOr<HttpUrl> url = ParseHttpUrl(request_.url);
  if (!url.ok()) {
    Finish(url.status());
    return;
  }
  url_ = std::move(url).value();
  const Status headers = ValidateHeaders(request_.headers);
  if (!headers.ok()) {
    Finish(headers.WithContext(Describe()));
    return;
  }
  connection_ = core.AcquireConnection(url_.Authority());
  if (connection_ == nullptr) {
    Connect();
    return;
  }
  reused_connection_ = true;
  ++attempt_;
  Send();
}

void HttpCall::Connect() {
  reused_connection_ = false;
  ++attempt_;
  phase_ = Phase::kConnecting;
  phase_started_ = core_->clock().Now();
  connection_ = std::make_unique<ClientConnection>(io_context_, url_.Authority());
  const uint64_t attempt = attempt_;
  boost::system::error_code error;
  const net::ip::address address = net::ip::make_address(url_.host, error);
  if (!error) {
    connection_->socket.async_connect(
        tcp::endpoint(address, url_.port),
        [self = shared_from_this(), attempt](const boost::system::error_code& connect_error) {
          self->OnConnect(attempt, connect_error);
        });
    return;
  }
  resolver_.emplace(io_context_);
  resolver_->async_resolve(
      url_.host, std::to_string(url_.port),
      [self = shared_from_this(), attempt](const boost::system::error_code& resolve_error,
                                           const tcp::resolver::results_type& endpoints) {
        if (self->phase_ == Phase::kDone || attempt != self->attempt_) return;
        if (resolve_error) {
          self->Fail(UnavailableError(self->Describe() + ": cannot resolve \"" + self->url_.host +
                                      "\": " + resolve_error.message()));
          return;
        }
        net::async_connect(self->connection_->socket, endpoints,
                           [self, attempt](const boost::system::error_code& connect_error,
                                           const tcp::endpoint& /*endpoint*/) {
                             self->OnConnect(attempt, connect_error);
                           });
      });
}

void HttpCall::OnConnect(uint64_t attempt, const boost::system::error_code& error) {
  if (phase_ == Phase::kDone || attempt != attempt_) return;
  if (error) {
    if (IsLocalResourceError(error)) {
      Fail(ResourceExhaustedError(Describe() +
                                  ": cannot open a connection on this side: " + error.message()));
      return;
    }
    Fail(UnavailableError(Describe() + ": cannot connect to " + url_.Authority() + ": " +
                          error.message()));
    return;
  }
  boost::system::error_code ignored;
  (void)connection_->socket.set_option(tcp::no_delay(true), ignored);
  Send();
}

void HttpCall::Send() {
  phase_ = Phase::kExchanging;
  phase_started_ = core_->clock().Now();
  last_activity_ = phase_started_;
  request_sent_ = false;
  response_started_ = false;
  head_delivered_ = false;
  error_body_.clear();
  parser_.emplace(
      core_->options().max_header_bytes, [this] { OnHead(); },
      [this](std::string_view data) { OnBody(data); });
  if (request_.method == "HEAD") parser_->skip(true);
  request_bytes_.clear();
  AppendRequest(request_bytes_, request_.method, url_.target, url_.Authority(), request_.headers,
                request_.body);
  const uint64_t attempt = attempt_;
  net::async_write(connection_->socket, net::buffer(request_bytes_),
                   [self = shared_from_this(), attempt](const boost::system::error_code& error,
                                                        size_t /*bytes*/) {
                     if (self->phase_ == Phase::kDone || attempt != self->attempt_) return;
                     if (!error) {
                       self->request_sent_ = true;
                       return;
                     }
                     // A server may answer before reading the whole request
                     // (413) and close; then the answer is what counts.
                     if (self->response_started_) return;
                     if (self->RetryOnFreshConnection()) return;
                     self->Fail(UnavailableError(
                         self->Describe() + ": sending the request failed: " + error.message()));
                   });
  // Read at once, not after the write: the server may answer early.
  Read();
}

void HttpCall::Read() {
  const uint64_t attempt = attempt_;
  if (core_->options().quick_ack) {
    // Linux leaves quick-ACK mode on its own, so it is asked for every time.
    const int enable = 1;
    (void)setsockopt(connection_->socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &enable,
                     sizeof(enable));
  }
  connection_->socket.async_read_some(
      connection_->buffer.prepare(kReadSize),
      [self = shared_from_this(), attempt](const boost::system::error_code& error, size_t bytes) {
        self->OnRead(attempt, error, bytes);
      });
}

void HttpCall::OnRead(uint64_t attempt, const boost::system::error_code& error, size_t bytes) {
  if (phase_ == Phase::kDone || attempt != attempt_ || cancel_requested_) return;
  // Stamped before anything is parsed or delivered.
  const std::chrono::steady_clock::time_point arrival = core_->clock().Now();
  last_activity_ = arrival;
  if (error) {
    if (!response_started_ && RetryOnFreshConnection()) return;
    // Beast asserts that EOF follows at least one byte of the response.
    if (error == net::error::eof && parser_->got_some()) {
      beast::error_code eof_error;
      parser_->put_eof(eof_error);
      if (!eof_error && parser_->is_done()) {
        Complete();
        return;
      }
      Fail(UnavailableError(Describe() +
                            ": the server closed the connection before the response was complete"));
      return;
    }
    if (error == net::error::eof) {
      Fail(UnavailableError(Describe() + ": the server closed the connection without responding"));
      return;
    }
    Fail(UnavailableError(Describe() + ": reading the response failed: " + error.message()));
    return;
  }
  beast::flat_buffer& buffer = connection_->buffer;
  buffer.commit(bytes);
  response_started_ = true;
  arrival_ = arrival;
  while (buffer.size() > 0) {
    beast::error_code parse_error;
    const size_t used = parser_->put(buffer.data(), parse_error);
    buffer.consume(used);
    if (phase_ == Phase::kDone || cancel_requested_) return;
    if (parse_error == beast::http::error::need_more) break;
    if (parse_error) {
      Fail(
          InternalError(Describe() + ": the response is not valid HTTP: " + parse_error.message()));
      return;
    }
    if (parser_->is_done()) {
      if (IsInterim(parser_->status())) {
        parser_.emplace(
            core_->options().max_header_bytes, [this] { OnHead(); },
            [this](std::string_view data) { OnBody(data); });
        continue;
      }
      Complete();
      return;
    }
    if (used == 0) break;
  }
  Read();
}

void HttpCall::OnHead() {
  if (phase_ == Phase::kDone || cancel_requested_) return;
  const int status = parser_->status();
  if (IsInterim(status)) return;
  head_delivered_ = true;
  if (!handlers_.on_head) return;
  HttpResponseHead head;
  head.status = status;
  head.version = parser_->version();
  head.headers = std::move(parser_->headers());
  handlers_.on_head(head);
}

void HttpCall::OnBody(std::string_view data) {
  if (phase_ == Phase::kDone || cancel_requested_) return;
  const int status = parser_->status();
  if ((status < 200 || status >= 300) && error_body_.size() < kErrorBodyPrefix) {
    error_body_ += data.substr(0, kErrorBodyPrefix - error_body_.size());
  }
  if (handlers_.on_body) handlers_.on_body(data, arrival_);
}

void HttpCall::Complete() {
  const int status = parser_->status();
  const bool reusable = parser_->keep_alive() && request_sent_ && connection_->buffer.size() == 0;
  if (reusable) {
    core_->ReleaseConnection(std::move(connection_));
    connection_ = nullptr;
  } else {
    CloseConnection();
  }
  if (status >= 200 && status < 300) {
    Finish(OkStatus());
    return;
  }
  std::string message =
      Describe() + ": HTTP " + std::to_string(status) + " " + std::string(HttpReasonPhrase(status));
  if (!error_body_.empty()) message += ": " + error_body_;
  Finish(Status(StatusCodeForHttpStatus(status), std::move(message)));
}

bool HttpCall::RetryOnFreshConnection() {
  if (!reused_connection_ || retried_ || response_started_) return false;
  retried_ = true;
  CloseConnection();
  Connect();
  return true;
}

void HttpCall::CloseConnection() {
  if (resolver_) resolver_->cancel();
  if (connection_ != nullptr) {
    boost::system::error_code ignored;
    (void)connection_->socket.close(ignored);
  }
}

void HttpCall::Fail(const Status& status) {
  if (phase_ == Phase::kDone) return;
  CloseConnection();
  Finish(status);
}

void HttpCall::Finish(const Status& status) {
  if (phase_ == Phase::kDone) return;
  phase_ = Phase::kDone;
  const std::shared_ptr<HttpCall> self = shared_from_this();
  HttpCallHandlers handlers = std::move(handlers_);
  handlers_ = {};
  ClientCore* core = std::exchange(core_, nullptr);
  if (core != nullptr) core->Remove(this);
  if (handlers.on_complete) handlers.on_complete(status);
}

void HttpCall::Abandon() {
  phase_ = Phase::kDone;
  core_ = nullptr;
  CloseConnection();
  handlers_ = {};
}

bool HttpCall::DeadlinePassed(std::chrono::steady_clock::time_point now) const {
  if (phase_ == Phase::kDone || core_ == nullptr) return false;
  const HttpClientOptions& options = core_->options();
  if (options.total_timeout.count() > 0 && now - started_ >= options.total_timeout) return true;
  if (phase_ == Phase::kConnecting) {
    return options.connect_timeout.count() > 0 && now - phase_started_ >= options.connect_timeout;
  }
  if (phase_ == Phase::kExchanging) {
    return options.read_timeout.count() > 0 && now - last_activity_ >= options.read_timeout;
  }
  return false;
}

void HttpCall::OnDeadline(std::chrono::steady_clock::time_point now) {
  if (phase_ == Phase::kDone || core_ == nullptr) return;
  const HttpClientOptions& options = core_->options();
  std::string what;
  if (options.total_timeout.count() > 0 && now - started_ >= options.total_timeout) {
    what = "no complete response within total_timeout " + FormatDuration(options.total_timeout);
  } else if (phase_ == Phase::kConnecting) {
    what = "no connection to " + url_.Authority() + " within connect_timeout " +
           FormatDuration(options.connect_timeout);
  } else {
    what = "no response bytes for read_timeout " + FormatDuration(options.read_timeout);
  }
  Fail(DeadlineExceededError(Describe() + ": " + what));
}

std::string HttpCall::Describe() const { return request_.method + " " + request_.url; }

}  // namespace tessera::http
