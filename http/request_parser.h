// Reads one HTTP/1.x request with Beast's parser straight into an
// HttpRequest, enforcing the server's header and body limits and, once the
// headers are in and before any of the body, the server's screen.

#ifndef TESSERA_HTTP_REQUEST_PARSER_H_
#define TESSERA_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/beast/http/basic_parser.hpp>

#include "http/http_message.h"

namespace tessera::http {

// Feed bytes with put() (inherited; eager, so one call consumes header and
// body). Errors are Beast's: http::error::header_limit when the header grows
// past `max_header_bytes`, http::error::body_limit when the body (declared
// or received) exceeds `max_body_bytes`, http::error::bad_version for
// anything but HTTP/1.0 and 1.1 (an HTTP/2 "PRI * HTTP/2.0" preface fails on
// its first line), other parse errors for malformed input; and
// operation_canceled when `screen` answered the head, with the answer in
// screened().
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  // `screen` may be null or empty; otherwise it must outlive the parser.
  RequestParser(size_t max_header_bytes, size_t max_body_bytes,
                const RequestScreen* screen = nullptr);

  // The request as parsed so far; complete once is_done().
  HttpRequest& request() { return request_; }

  // Whether the client sent "Expect: 100-continue" and waits for a 100
  // before sending the body.
  bool expects_continue() const { return expects_continue_; }

  // The screen's answer, once put() failed with operation_canceled.
  std::optional<HttpResponse>& screened() { return screened_; }

 private:
  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_text,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& error) override;
  void on_response_impl(int status, boost::beast::string_view reason, int version,
                        boost::beast::error_code& error) override;
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_text,
                     boost::beast::string_view value, boost::beast::error_code& error) override;
  void on_header_impl(boost::beast::error_code& error) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         boost::beast::error_code& error) override;
  size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& error) override;
  void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                            boost::beast::error_code& error) override;
  size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                            boost::beast::error_code& error) override;
  void on_finish_impl(boost::beast::error_code& error) override;

  // Beast's own limit would refuse a declared length before the screen has
  // seen the head; the limit is enforced here instead.
  bool AddBody(boost::beast::string_view body, boost::beast::error_code& error);

  HttpRequest request_;
  bool expects_continue_ = false;
  const size_t max_body_bytes_;
  const RequestScreen* screen_;
  std::optional<HttpResponse> screened_;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_REQUEST_PARSER_H_
