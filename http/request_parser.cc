#include "http/request_parser.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <string_view>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

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

RequestParser::RequestParser(size_t max_header_bytes, size_t max_body_bytes,
                             const RequestScreen* screen)
    : max_body_bytes_(max_body_bytes), screen_(screen) {
  eager(true);
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Not boost::none: Beast 1.74 compares a declared length against the empty
  // optional and finds every length over it.
  body_limit(std::numeric_limits<std::uint64_t>::max());
}

bool RequestParser::AddBody(boost::beast::string_view body, boost::beast::error_code& error) {
  if (request_.body.size() + body.size() > max_body_bytes_) {
    error = boost::beast::http::error::body_limit;
    return false;
  }
  request_.body.append(body.data(), body.size());
  return true;
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

void RequestParser::on_header_impl(boost::beast::error_code& error) {
  if (screen_ == nullptr || !*screen_) return;
  screened_ = (*screen_)(request_);
  if (screened_) error = boost::asio::error::operation_aborted;
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      boost::beast::error_code& error) {
  if (!content_length) return;
  if (*content_length > max_body_bytes_) {
    error = boost::beast::http::error::body_limit;
    return;
  }
  request_.body.reserve(static_cast<size_t>(*content_length));
}

size_t RequestParser::on_body_impl(boost::beast::string_view body,
                                   boost::beast::error_code& error) {
  return AddBody(body, error) ? body.size() : 0;
}

void RequestParser::on_chunk_header_impl(std::uint64_t size,
                                         boost::beast::string_view /*extensions*/,
                                         boost::beast::error_code& error) {
  // A chunk announced past the limit is refused before its bytes arrive.
  if (size > max_body_bytes_ - std::min(max_body_bytes_, request_.body.size())) {
    error = boost::beast::http::error::body_limit;
  }
}

size_t RequestParser::on_chunk_body_impl(std::uint64_t /*remain*/, boost::beast::string_view body,
                                         boost::beast::error_code& error) {
  return AddBody(body, error) ? body.size() : 0;
}

void RequestParser::on_finish_impl(boost::beast::error_code& /*error*/) {}

}  // namespace tessera::http
