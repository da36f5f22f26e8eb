// An asynchronous HTTP/1.1 client on an io_context the caller owns, for the
// data path: the benchmark's load generator and the router's calls to
// engines. Streams the response body to callbacks as it arrives, stamping
// each piece on arrival; reuses keep-alive connections.
//
//   HttpClient client(io);
//   client.Start(HttpClientRequest::PostJson(url, body),
//                {.on_body = [](std::string_view data, auto arrival) { ... },
//                 .on_complete = [](const Status& status) { ... }});
//   io.run();  // returns when every call has completed

#ifndef TESSERA_HTTP_HTTP_CLIENT_H_
#define TESSERA_HTTP_HTTP_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "http/http_call.h"
#include "http/http_message.h"

namespace tessera::http {

class ClientCore;

struct HttpClientOptions {
  // Zero means no limit for each of the three timeouts.
  // From the start of connecting to an established connection.
  std::chrono::milliseconds connect_timeout{10'000};
  // Longest silence while waiting for response bytes (the head, or the next
  // piece of a stream). Streams may pause for a long prefill; the default
  // is generous.
  std::chrono::milliseconds read_timeout{300'000};
  // Whole call, from Start() to the last byte.
  std::chrono::milliseconds total_timeout{0};

  // Idle keep-alive connections are closed after this long. Servers close
  // theirs too (uvicorn after 5 s); a request sent on a connection the
  // server has just closed is retried once on a fresh one, before any
  // response byte, which is safe because the server never saw it.
  std::chrono::milliseconds pool_idle_timeout{4'000};
  size_t max_idle_connections_per_host = 64;

  // Acknowledge every read at once (TCP_QUICKACK before each read) instead
  // of after Linux's delayed-ACK timer. A server that coalesces small writes
  // (Nagle's algorithm; sglang-router does) otherwise holds the next events
  // of a stream on a reused connection until that timer, up to 40 ms, which
  // a benchmark would read as latency. A fresh connection is quick-acked by
  // the kernel for its first segments anyway, which is why clients that
  // connect per request do not see it. One system call per read.
  bool quick_ack = false;

  size_t max_header_bytes = size_t{64} << 10;
  // How often deadlines are checked: timeouts fire up to this much late.
  std::chrono::milliseconds timer_resolution{250};
  // Stamps arrivals and measures timeouts; null means SystemClock::Default().
  // Not owned; must outlive the client.
  const Clock* clock = nullptr;
};

// A response read in full by Fetch().
struct HttpClientResponse {
  int status = 0;
  std::vector<HttpHeader> headers{};
  std::string body{};

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// Thread safety: Start() and Fetch() may be called from any thread; the
// calls then run on the io_context thread, where every callback runs. The
// constructor, destructor and idle_connection_count() must be called on the
// io_context thread or while it is not running.
class HttpClient {
 public:
  explicit HttpClient(boost::asio::io_context& io_context, HttpClientOptions options = {});

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  // Closes every connection. Calls still in flight are abandoned: their
  // callbacks never run.
  ~HttpClient();

  // Sends `request` on a pooled keep-alive connection to its host or a new
  // one. See HttpCallHandlers for what is reported when.
  std::shared_ptr<HttpCall> Start(HttpClientRequest request, HttpCallHandlers handlers);

  // Start() with the body collected: `on_done` gets the response when it
  // was 2xx, and otherwise the error on_complete describes.
  void Fetch(HttpClientRequest request,
             std::function<void(StatusOr<HttpClientResponse> response)> on_done);

  // Idle keep-alive connections held for reuse.
  size_t idle_connection_count() const;

 private:
  std::shared_ptr<ClientCore> core_;
};

// Sends `request` from an io_context of its own and waits for the whole
// response: for command-line tools that ask a server one thing at a time.
// A response is a value whatever its HTTP status; the error is a failure to
// get one (refused, timed out, not HTTP), as HttpCallHandlers::on_complete
// describes.
StatusOr<HttpClientResponse> FetchAndWait(HttpClientRequest request,
                                          HttpClientOptions options = {});

}  // namespace tessera::http

#endif  // TESSERA_HTTP_HTTP_CLIENT_H_
