// The parts of an http:// URL a client needs to connect and send a request.

#ifndef TESSERA_HTTP_HTTP_URL_H_
#define TESSERA_HTTP_HTTP_URL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::http {

struct HttpUrl {
  std::string host;    // "127.0.0.1", "localhost", "::1" (no brackets)
  uint16_t port = 80;  // 80 when the URL names none
  std::string target;  // "/v1/completions?stream=true"; "/" when the URL has no path

  // "host:port" as the Host header carries it, with brackets around an IPv6
  // literal: "[::1]:8000".
  std::string Authority() const;
};

// Parses "http://host[:port][/path][?query]". Only plain http is supported:
// the data path runs between processes of one deployment. InvalidArgument
// quotes the URL and names what is wrong with it (scheme, host, port).
StatusOr<HttpUrl> ParseHttpUrl(std::string_view url);

// Decodes the %XX escapes of a path or query component ("Bad%20Id" ->
// "Bad Id"); with `plus_is_space`, as in a query, '+' is a space too.
// InvalidArgument for a '%' not followed by two hex digits, or an escaped NUL.
StatusOr<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

// Escapes every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~),
// so that `text` is one path segment or query value whatever it holds.
std::string PercentEncode(std::string_view text);

// "tail=50&graceSeconds=0" -> {tail: "50", graceSeconds: "0"}, names and
// values decoded; a name without '=' has an empty value; when a name
// repeats, the last value wins. Errors as PercentDecode(), naming the query.
StatusOr<std::map<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace tessera::http

#endif  // TESSERA_HTTP_HTTP_URL_H_
