// One request of an HttpClient and its response as it arrives: the head,
// then the body piece by piece, each piece stamped with when its bytes were
// read from the socket, then one completion with a Status.

#ifndef TESSERA_HTTP_HTTP_CALL_H_
#define TESSERA_HTTP_HTTP_CALL_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/status.h"
#include "http/client_connection.h"
#include "http/http_message.h"
#include "http/http_url.h"
#include "http/response_parser.h"

namespace tessera::http {

class ClientCore;

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;  // "http://127.0.0.1:8000/v1/completions"
  // Host and Content-Length are added; Content-Type is the caller's.
  std::vector<HttpHeader> headers{};
  std::string body{};

  // A POST of `json` with Content-Type: application/json.
  static HttpClientRequest PostJson(std::string url, std::string json);
};

struct HttpResponseHead {
  int status = 0;
  int version = 11;
  std::vector<HttpHeader> headers{};

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// All callbacks run on the io_context thread, never inside
// HttpClient::Start() or HttpCall::Cancel(), and each may be empty.
struct HttpCallHandlers {
  // Once, when the response head has been read (interim 1xx heads are
  // skipped).
  std::function<void(const HttpResponseHead& head)> on_head{};
  // For each piece of the body, de-chunked, in order. `arrival` is the
  // client clock's reading taken when the read that brought these bytes
  // completed, before any parsing: what a benchmark wants for time to first
  // token and inter-token latency. Pieces from one read share one arrival.
  std::function<void(std::string_view data, std::chrono::steady_clock::time_point arrival)>
      on_body{};
  // Exactly once, last (unless the client is destroyed first, see
  // HttpClient). OK when a 2xx response was received in full. Otherwise:
  //   - an HTTP error status: the code from StatusCodeForHttpStatus() (base/http_status.h), and a
  //     message with the method, URL, status and the start of the body (the
  //     whole body was also passed to on_body);
  //   - Unavailable: connection refused, reset or closed early; DNS failure;
  //   - ResourceExhausted: this process could not open a socket (out of
  //     descriptors or memory): nothing is known about the server;
  //   - DeadlineExceeded: connect_timeout, read_timeout or total_timeout;
  //   - InvalidArgument: a bad URL or header (nothing was sent);
  //   - Internal: a response that is not valid HTTP;
  //   - Cancelled: Cancel() was called.
  std::function<void(const Status& status)> on_complete{};
};

// Created by HttpClient::Start(). Holding the shared_ptr is optional: the
// client keeps a call alive until it completes.
class HttpCall : public std::enable_shared_from_this<HttpCall> {
 public:
  HttpCall(boost::asio::io_context& io_context, HttpClientRequest request,
           HttpCallHandlers handlers);

  HttpCall(const HttpCall&) = delete;
  HttpCall& operator=(const HttpCall&) = delete;
  ~HttpCall();

  // Abandons the call and closes its connection; on_complete then runs with
  // Cancelled, unless the call has completed already. Safe from any thread.
  // Called on the io_context thread, e.g. from on_body, no further on_head or
  // on_body follows.
  void Cancel();

 private:
  friend class ClientCore;

  enum class Phase { kNotStarted, kConnecting, kExchanging, kDone };

  // For ClientCore, on the io_context thread.
  void Begin(ClientCore& core);
  bool DeadlinePassed(std::chrono::steady_clock::time_point now) const;
  void OnDeadline(std::chrono::steady_clock::time_point now);
  // Ends the call without running callbacks: the client is going away.
  void Abandon();

  void Connect();
  void OnConnect(uint64_t attempt, const boost::system::error_code& error);
  void Send();
  void Read();
  void OnRead(uint64_t attempt, const boost::system::error_code& error, size_t bytes);
  void OnHead();
  void OnBody(std::string_view data);
  void Complete();
  // Opens a fresh connection after a reused one turned out to be closed.
  // Returns false when a retry is not allowed (already retried, or response
  // bytes were seen).
  bool RetryOnFreshConnection();
  void CloseConnection();
  void Fail(const Status& status);
  void Finish(const Status& status);
  std::string Describe() const;

  boost::asio::io_context& io_context_;
  ClientCore* core_ = nullptr;  // set by Begin(), null once done
  HttpClientRequest request_;
  HttpUrl url_;
  HttpCallHandlers handlers_;
  Phase phase_ = Phase::kNotStarted;
  bool cancel_requested_ = false;

  std::unique_ptr<ClientConnection> connection_;
  std::optional<boost::asio::ip::tcp::resolver> resolver_;
  std::optional<ResponseParser> parser_;
  std::string request_bytes_;
  // Incremented for every connection the call uses, so that completions of
  // operations on an abandoned connection are recognised and ignored.
  uint64_t attempt_ = 0;
  bool reused_connection_ = false;
  bool retried_ = false;
  bool request_sent_ = false;
  bool response_started_ = false;
  bool head_delivered_ = false;
  std::string error_body_;  // start of a non-2xx body, for the Status message

  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point phase_started_;
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::steady_clock::time_point arrival_;  // of the bytes being parsed
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_HTTP_CALL_H_
