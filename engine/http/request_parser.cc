#include "engine/http/request_parser.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <string_view>

namespace tessera::http {
namespace {

std::string_view View(boost::beast::string_view text) { return {text.data(), text.size()}; }

bool IsContinue(std::string_view value) {
  constexpr std::string_view kContinue = "100-continue";
  return std::equal(
      value.begin(), value.end(), kContinue.begin(), kContinue.end(),
      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

}  // namespace

RequestParser::RequestParser(size_t max_header_bytes, size_t max_body_bytes) {
  eager(true);
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  body_limit(static_cast<std::uint64_t>(max_body_bytes));
}

void RequestParser::on_request_impl(boost::beast::http::verb /*method*/,
                                    boost::beast::string_view method_text,
                                    boost::beast::string_view target, int version,
                                    boost::beast::error_code& /*error*/) {
  request_.method = std::string(View(method_text));
  request_.target = std::string(View(target));
  request_.version = version;
  const size_t question = request_.target.find('?');
  request_.path = request_.target.substr(0, question);
  request_.query = question == std::string::npos ? "" : request_.target.substr(question + 1);
}

void RequestParser::on_response_impl(int /*status*/, boost::beast::string_view /*reason*/,
                                     int /*version*/, boost::beast::error_code& /*error*/) {}

void RequestParser::on_field_impl(boost::beast::http::field name,
                                  boost::beast::string_view name_text,
                                  boost::beast::string_view value,
                                  boost::beast::error_code& /*error*/) {
  if (name == boost::beast::http::field::expect && IsContinue(View(value))) {
    expects_continue_ = true;
  }
  request_.headers.push_back({std::string(View(name_text)), std::string(View(value))});
}

void RequestParser::on_header_impl(boost::beast::error_code& /*error*/) {}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      boost::beast::error_code& /*error*/) {
  // Beast has already rejected a declared length above the limit.
  if (content_length) request_.body.reserve(static_cast<size_t>(*content_length));
}

size_t RequestParser::on_body_impl(boost::beast::string_view body,
                                   boost::beast::error_code& /*error*/) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t /*size*/,
                                         boost::beast::string_view /*extensions*/,
                                         boost::beast::error_code& /*error*/) {}

size_t RequestParser::on_chunk_body_impl(std::uint64_t /*remain*/, boost::beast::string_view body,
                                         boost::beast::error_code& /*error*/) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_finish_impl(boost::beast::error_code& /*error*/) {}

}  // namespace tessera::http
