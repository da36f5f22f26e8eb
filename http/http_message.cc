#include "http/http_message.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>

namespace tessera::http {
namespace {

bool EqualsIgnoringCase(std::string_view left, std::string_view right) {
  return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

HttpResponse WithContentType(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.headers.push_back({"Content-Type", std::move(content_type)});
  response.body = std::move(body);
  return response;
}

}  // namespace

std::optional<std::string_view> FindHeader(std::span<const HttpHeader> headers,
                                           std::string_view name) {
  for (const HttpHeader& header : headers) {
    if (EqualsIgnoringCase(header.name, name)) {
      const std::string_view value = header.value;
      return value;
    }
  }
  return std::nullopt;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  return WithContentType(status, std::move(body), "application/json");
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  return WithContentType(status, std::move(body), "text/plain; charset=utf-8");
}

std::string_view HttpReasonPhrase(int status) {
  if (status < 100 || status > 999) return "Unknown";
  const auto code = boost::beast::http::int_to_status(static_cast<unsigned>(status));
  if (code == boost::beast::http::status::unknown) return "Unknown";
  const auto reason = boost::beast::http::obsolete_reason(code);
  return {reason.data(), reason.size()};
}

std::string JsonErrorBody(int status, std::string_view message) {
  nlohmann::json error = {
      {"message", message},
      {"type", HttpReasonPhrase(status)},
      {"param", nullptr},
      {"code", status},
  };
  const nlohmann::json body = {{"error", std::move(error)}};
  // Replace rather than throw on invalid UTF-8: the message may quote input.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tessera::http
