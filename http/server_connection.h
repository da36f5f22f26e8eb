// One accepted connection of an HttpServer: reads requests, hands each to
// the handler as an HttpExchange, writes what the exchange queues, and
// watches the socket for the client going away while a response is in
// progress. Internal to http/; everything runs on the io_context
// thread.
//
// One read is outstanding for the whole life of the connection, also while
// a response streams: that is how a client that disconnects mid-stream is
// noticed at once (end of file or reset), not at the next write. Bytes that
// arrive during a response (a pipelined request) wait in the buffer until
// the response ends; past 64 KiB of them, reading pauses until then.
//
// A TLS connection shakes hands first, under the idle timeout.

#ifndef TESSERA_HTTP_SERVER_CONNECTION_H_
#define TESSERA_HTTP_SERVER_CONNECTION_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "base/status.h"
#include "http/http_exchange.h"
#include "http/request_parser.h"
#include "http/server_stream.h"

namespace tessera::http {

class ServerCore;

class ServerConnection : public std::enable_shared_from_this<ServerConnection> {
 public:
  ServerConnection(ServerCore& core, std::unique_ptr<ServerStream> stream);

  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  // Shakes hands (TLS), then starts reading the first request.
  void Start();

  // When the connection began waiting for its current request, if it is
  // waiting for one (idle between requests, shaking hands, or part-way
  // through reading it); nullopt while a request is being answered. The
  // server closes the longest-waiting connection to make room at its
  // connection limit.
  std::optional<std::chrono::steady_clock::time_point> WaitingSince() const;

  // Whether a deadline (idle, request, write, linger) has passed at `now`.
  bool DeadlinePassed(std::chrono::steady_clock::time_point now) const;
  // Closes the connection for the deadline that passed.
  void OnDeadline();

  // Closes now when between requests; otherwise after the current response.
  void BeginShutdown();

  // Closes the socket at once and forgets the server. An exchange in
  // progress ends with `reason`. Idempotent.
  void Close(const Status& reason);

  // For HttpExchange: writes what the current exchange has queued, unless a
  // write is in flight (its completion does it).
  void PumpWrites();
  // For HttpExchange: closes the connection if `exchange` is still current.
  void AbortExchange(const HttpExchange* exchange, const Status& reason);

 private:
  enum class Phase {
    kReadingRequest,  // waiting for or reading a request
    kHandling,        // an exchange is in progress
    kLingering,       // sending a final response, then discarding input until EOF
    kClosed,
  };

  void StartRead();
  void OnRead(const boost::beast::error_code& error, size_t bytes);
  void ParseRequests();
  void Dispatch();
  void Reject(const boost::beast::error_code& error);
  // Answers with `response` and closes the connection after it; the rest
  // of the request is read and discarded meanwhile.
  void RespondAndClose(HttpResponse response);
  void OnWrite(const boost::beast::error_code& error);
  void CompleteExchange();
  void BeginReadingRequest();
  void BeginLingering();

  ServerCore* core_;  // null once closed
  std::unique_ptr<ServerStream> stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::shared_ptr<HttpExchange> exchange_;
  Phase phase_ = Phase::kReadingRequest;

  std::string out_;         // being written
  std::string own_output_;  // the connection's own bytes: 100 Continue, error responses
  bool write_in_flight_ = false;
  bool read_in_flight_ = false;
  bool send_shut_down_ = false;
  bool close_after_response_ = false;
  bool continue_answered_ = false;

  std::chrono::steady_clock::time_point read_deadline_;  // kReadingRequest
  std::chrono::steady_clock::time_point waiting_since_;  // kReadingRequest
  bool request_started_ = false;
  std::chrono::steady_clock::time_point write_started_;
  std::chrono::steady_clock::time_point linger_deadline_;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_SERVER_CONNECTION_H_
