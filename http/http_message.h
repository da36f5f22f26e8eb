// HTTP/1.1 messages as plain values: what the server hands a handler, what a
// handler answers with (base/http_status.h maps HTTP status codes to Status).
// Nothing here touches a socket, so these types are cheap to build in tests.

#ifndef TESSERA_HTTP_HTTP_MESSAGE_H_
#define TESSERA_HTTP_HTTP_MESSAGE_H_

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera::http {

struct HttpHeader {
  std::string name;
  std::string value;

  friend bool operator==(const HttpHeader&, const HttpHeader&) = default;
};

// The value of the first header called `name`, compared without regard to
// letter case as HTTP requires; nullopt when there is none. The view points
// into `headers`.
std::optional<std::string_view> FindHeader(std::span<const HttpHeader> headers,
                                           std::string_view name);

// One parsed request. Strings are as received: the target is not
// percent-decoded, so a caller comparing paths compares what the client sent.
struct HttpRequest {
  std::string method;               // "POST"; any token the client sent
  std::string target;               // "/v1/completions?stream=true"
  std::string path;                 // "/v1/completions": the target up to the first '?'
  std::string query;                // "stream=true": after the first '?', empty when none
  int version = 11;                 // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::vector<HttpHeader> headers;  // in arrival order, names as sent
  std::string body;                 // de-chunked when sent chunked

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// A complete (non-streamed) response. The server owns the framing headers:
// Content-Length, Transfer-Encoding and Connection given here are dropped,
// except that "Connection: close" asks the server to close the connection
// after this response.
struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers{};
  std::string body{};

  // `body` with Content-Type: application/json.
  static HttpResponse Json(int status, std::string body);
  // `body` with Content-Type: text/plain; charset=utf-8.
  static HttpResponse Text(int status, std::string body);
};

// Looks at a request whose line and headers are in, before its body is read
// (e.g. to check credentials); an answer returned is sent at once, the body
// is read and discarded instead of buffered, and the connection closes
// after the answer. nullopt lets the request proceed. Runs on the server's
// io_context thread; must not throw. `head.body` is empty.
using RequestScreen = std::function<std::optional<HttpResponse>(const HttpRequest& head)>;

// The reason phrase of `status` ("Not Found"), or "Unknown" for a code HTTP
// does not define.
std::string_view HttpReasonPhrase(int status);

// The error body vLLM and SGLang send, so clients written against them parse
// ours: {"error":{"message":...,"type":"Bad Request","param":null,"code":400}}
std::string JsonErrorBody(int status, std::string_view message);

}  // namespace tessera::http

#endif  // TESSERA_HTTP_HTTP_MESSAGE_H_
