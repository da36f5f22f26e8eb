// HTTP/1.1 serialization: response heads, chunk framing and requests, written
// straight into an output string so a connection sends one buffer per write.
// Parsing is Beast's (see request_parser.h, response_parser.h); writing is
// this small, because appending to a reused string is the cheapest way to
// queue many small SSE events.

#ifndef TESSERA_HTTP_HTTP_WIRE_H_
#define TESSERA_HTTP_HTTP_WIRE_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/http_message.h"

namespace tessera::http {

// How a response body is delimited.
enum class BodyFraming {
  kContentLength,  // Content-Length: n
  kChunked,        // Transfer-Encoding: chunked (HTTP/1.1 streams)
  kUntilClose,     // the connection closes after the body (HTTP/1.0 streams)
};

// OK when every header can be sent as given: the name is an HTTP token and
// the value holds no CR, LF or NUL (which would let a value smuggle in
// headers of its own). InvalidArgument names the first offending header.
Status ValidateHeaders(std::span<const HttpHeader> headers);

// Whether `headers` carry "Connection: close" (a token of any Connection
// header, in any letter case).
bool HasConnectionClose(std::span<const HttpHeader> headers);

// Appends "HTTP/1.1 <status> <reason>", `headers` minus the framing ones
// (Content-Length, Transfer-Encoding, Connection), then the framing headers
// for `framing` and "Connection: close" when !keep_alive, or "Connection:
// keep-alive" when keep_alive and the request was HTTP/1.0.
// Precondition: ValidateHeaders(headers) is OK.
void AppendResponseHead(std::string& out, int request_version, int status,
                        std::span<const HttpHeader> headers, BodyFraming framing,
                        size_t content_length, bool keep_alive);

// Appends `data` as one chunk: hex size, CRLF, data, CRLF. Precondition:
// !data.empty(); an empty chunk would end the body.
void AppendChunk(std::string& out, std::string_view data);

// Appends the zero-size chunk that ends a chunked body.
void AppendLastChunk(std::string& out);

// Appends an HTTP/1.1 request. Adds Host (unless given) and Content-Length
// (when there is a body, or the method is POST, PUT or PATCH); drops given
// Content-Length and Transfer-Encoding. Precondition: ValidateHeaders(headers)
// is OK.
void AppendRequest(std::string& out, std::string_view method, std::string_view target,
                   std::string_view authority, std::span<const HttpHeader> headers,
                   std::string_view body);

}  // namespace tessera::http

#endif  // TESSERA_HTTP_HTTP_WIRE_H_
