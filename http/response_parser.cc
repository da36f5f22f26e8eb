#include "http/response_parser.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace tessera::http {

ResponseParser::ResponseParser(size_t max_header_bytes, std::function<void()> on_header,
                               std::function<void(std::string_view)> body_sink)
    : on_header_(std::move(on_header)), body_sink_(std::move(body_sink)) {
  eager(true);
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Not boost::none: Beast 1.74 compares a Content-Length against an unset
  // limit as `length > none`, which is always true.
  body_limit(std::numeric_limits<std::uint64_t>::max());
}

void ResponseParser::on_request_impl(boost::beast::http::verb /*method*/,
                                     boost::beast::string_view /*method_text*/,
                                     boost::beast::string_view /*target*/, int /*version*/,
                                     boost::beast::error_code& /*error*/) {}

void ResponseParser::on_response_impl(int status, boost::beast::string_view /*reason*/, int version,
                                      boost::beast::error_code& /*error*/) {
  status_ = status;
  version_ = version;
}

void ResponseParser::on_field_impl(boost::beast::http::field /*name*/,
                                   boost::beast::string_view name_text,
                                   boost::beast::string_view value,
                                   boost::beast::error_code& /*error*/) {
  headers_.push_back(
      {std::string(name_text.data(), name_text.size()), std::string(value.data(), value.size())});
}

void ResponseParser::on_header_impl(boost::beast::error_code& /*error*/) {
  if (on_header_) on_header_();
}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& /*content_length*/,
                                       boost::beast::error_code& /*error*/) {}

size_t ResponseParser::on_body_impl(boost::beast::string_view body,
                                    boost::beast::error_code& /*error*/) {
  if (body_sink_ && !body.empty()) body_sink_({body.data(), body.size()});
  return body.size();
}

void ResponseParser::on_chunk_header_impl(std::uint64_t /*size*/,
                                          boost::beast::string_view /*extensions*/,
                                          boost::beast::error_code& /*error*/) {}

size_t ResponseParser::on_chunk_body_impl(std::uint64_t /*remain*/, boost::beast::string_view body,
                                          boost::beast::error_code& /*error*/) {
  if (body_sink_ && !body.empty()) body_sink_({body.data(), body.size()});
  return body.size();
}

void ResponseParser::on_finish_impl(boost::beast::error_code& /*error*/) {}

}  // namespace tessera::http
