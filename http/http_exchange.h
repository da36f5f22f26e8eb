// One request and its response on an HttpServer connection: the handle a
// handler answers through, at once or later, in full or as a stream.

#ifndef TESSERA_HTTP_HTTP_EXCHANGE_H_
#define TESSERA_HTTP_HTTP_EXCHANGE_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/http_message.h"

namespace boost::asio {
class io_context;  // NOLINT(readability-identifier-naming): Asio's name.
}  // namespace boost::asio

namespace tessera::http {

class ServerConnection;

// The server creates an exchange once a request has been read in full and
// passes it to the handler. The handler, or whatever it hands the
// shared_ptr to, answers with exactly one of:
//
//   - Respond(response): a complete response; or
//   - StartStream(status, headers), any number of Write(data), then End():
//     a streamed body, sent with Transfer-Encoding: chunked (to an HTTP/1.0
//     client: unframed, and the connection closes at the end).
//
// An exchange that is never answered holds its connection until the client
// goes away or the server closes.
//
// Thread safety: every method may be called from any thread, concurrently.
// Bytes go out in the order the calls were made. Calls only queue bytes and
// post a wake-up to the server's io_context; the connection writes from
// there. So an engine loop that pushes one token to each of a thousand
// streams, on the io_context thread or another, costs one write per stream
// and step, and every write of a stream that is already sending is
// coalesced into the next one.
//
// Backpressure: the bytes of one exchange that are queued and not yet taken
// by the kernel are bounded by HttpServerOptions::max_queued_bytes. A Write
// that would go past the bound (with something already queued) aborts the
// exchange: it returns ResourceExhausted, the connection is closed (the
// client sees the stream cut short), cancelled() becomes true and the close
// callback runs with that error. A client that reads too slowly to keep up
// with a stream has already lost it; holding unbounded memory for it would
// let one slow reader take the whole process down.
//
// Lifetime: the handle stays valid after the client has gone, the
// connection has closed or the server is destroyed. Calls then change
// nothing and return Cancelled, so an application can keep pushing until it
// notices cancelled() or its close callback.
class HttpExchange {
 public:
  // Created by the server; `keep_alive` says whether the connection may
  // carry another request after this one.
  HttpExchange(HttpRequest request, boost::asio::io_context& io_context,
               std::weak_ptr<ServerConnection> connection, size_t max_queued_bytes,
               bool keep_alive);

  HttpExchange(const HttpExchange&) = delete;
  HttpExchange& operator=(const HttpExchange&) = delete;
  ~HttpExchange();

  const HttpRequest& request() const { return request_; }

  // Sends `response` in full (no body for a HEAD request). InvalidArgument
  // names a header that cannot be sent (see ValidateHeaders), and nothing
  // is sent: the exchange can still be answered. FailedPrecondition when it
  // was answered already; Cancelled when the exchange has ended.
  Status Respond(HttpResponse response);

  // Sends the status line and `headers` and opens the body, e.g. with
  // Content-Type: text/event-stream. Errors as for Respond(). For a HEAD
  // request only the head is sent: Write() discards its data and End()
  // completes the exchange.
  Status StartStream(int status, std::vector<HttpHeader> headers);

  // Queues `data` as the next piece of a started stream (one chunk). Empty
  // data is ignored. Cancelled when the exchange has ended (the client went
  // away: a no-op); FailedPrecondition before StartStream() or after End();
  // ResourceExhausted when the backpressure bound is hit (see above).
  Status Write(std::string_view data);

  // Ends a started stream. Errors as for Write(), except backpressure: the
  // end is always queued.
  Status End();

  // Ends the exchange at once without completing the response: the
  // connection is closed, so a client reading a streamed body sees it cut
  // short (no last chunk) rather than a complete answer. For a proxy whose
  // upstream broke off mid-body. The close callback runs with `reason`. A
  // no-op once the exchange has ended.
  void Abort(Status reason);

  // True once the exchange has ended before its response was handed in
  // full to the kernel (the client closed or reset the connection, a write
  // timed out, backpressure, the server closed), or an abort is on its way.
  // The application should stop producing.
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // Runs `callback` once, on the io_context thread, when the exchange ends:
  // with OK after the last byte of the response was handed to the kernel,
  // or with the reason it ended early: Cancelled (client closed or reset the
  // connection), DeadlineExceeded (the client stopped reading for
  // write_timeout), ResourceExhausted (backpressure), Unavailable (server
  // closed). When the exchange has ended already, `callback` is posted at
  // once. A later call replaces an earlier callback that has not run.
  void OnClose(std::function<void(const Status&)> callback);

 private:
  friend class ServerConnection;

  enum class Phase {
    kUnanswered,  // no Respond() or StartStream() yet
    kStreaming,   // StartStream() done, End() not yet
    kAnswered,    // every byte of the response is queued
    kEnded,       // Finish() ran
  };

  // For ServerConnection, on the io_context thread. Moves every queued byte
  // into `out` (which must be empty) and notes them as being written; the
  // connection calls this again when that write completes. Returns true when
  // the response is complete: answered and nothing left to write.
  bool TakeOutput(std::string& out);
  // Whether the connection must close after this response.
  bool close_after() const;
  // Ends the exchange with `status` and runs the close callback. Idempotent.
  void Finish(const Status& status);

  // Called with mutex_ held; the returned flag says whether the caller must
  // post a wake-up to the connection once it has released the lock.
  bool ScheduleWakeLocked();
  void PostWake();
  void PostAbort(Status reason);
  Status EndedError() const;
  Status AnswerLocked(int status, const std::vector<HttpHeader>& headers, std::string_view body,
                      bool stream, bool& wake);

  const HttpRequest request_;
  boost::asio::io_context& io_context_;
  const std::weak_ptr<ServerConnection> connection_;
  const size_t max_queued_bytes_;
  const bool keep_alive_;
  std::atomic<bool> cancelled_{false};

  mutable std::mutex mutex_;
  Phase phase_ = Phase::kUnanswered;  // guarded by mutex_
  bool chunked_ = false;              // guarded by mutex_
  bool discard_body_ = false;         // guarded by mutex_: HEAD request
  bool close_after_ = false;          // guarded by mutex_
  std::string pending_;               // guarded by mutex_: queued, not yet taken
  size_t in_flight_bytes_ = 0;        // guarded by mutex_: taken, being written
  bool wake_scheduled_ = false;       // guarded by mutex_: the connection will look at pending_
  Status final_status_;               // guarded by mutex_; set in kEnded
  std::function<void(const Status&)> on_close_;  // guarded by mutex_
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_HTTP_EXCHANGE_H_
