// Reads one HTTP/1.x response with Beast's parser, handing the (de-chunked)
// body to a sink piece by piece as it is parsed, without buffering it, so a
// client can stamp and forward each piece of a stream.

#ifndef TESSERA_HTTP_RESPONSE_PARSER_H_
#define TESSERA_HTTP_RESPONSE_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include <boost/beast/http/basic_parser.hpp>

#include "http/http_message.h"

namespace tessera::http {

// Feed bytes with put() (inherited; eager) and put_eof() at end of stream.
// The body has no size limit: streams are as long as the server makes them.
// For a response to HEAD, call skip(true) before the first put().
class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // `on_header` runs once the head is parsed, before any body; `body_sink`
  // receives each piece of the body in order. Either may be empty.
  ResponseParser(size_t max_header_bytes, std::function<void()> on_header,
                 std::function<void(std::string_view)> body_sink);

  // Valid once is_header_done().
  int status() const { return status_; }
  int version() const { return version_; }
  std::vector<HttpHeader>& headers() { return headers_; }

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

  std::function<void()> on_header_;
  std::function<void(std::string_view)> body_sink_;
  int status_ = 0;
  int version_ = 11;
  std::vector<HttpHeader> headers_;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_RESPONSE_PARSER_H_
