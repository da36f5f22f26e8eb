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

StatusCode StatusCodeForHttpStatus(int status) {
  switch (status) {
    case 400:
    case 413:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 408:
    case 504:
      return StatusCode::kDeadlineExceeded;
    case 409:
      return StatusCode::kAborted;
    case 412:
      return StatusCode::kFailedPrecondition;
    case 429:
      return StatusCode::kResourceExhausted;
    case 499:
      return StatusCode::kCancelled;
    case 501:
      return StatusCode::kUnimplemented;
    case 503:
      return StatusCode::kUnavailable;
    default:
      break;
  }
  if (status >= 400 && status < 500) return StatusCode::kFailedPrecondition;
  if (status >= 500 && status < 600) return StatusCode::kInternal;
  return StatusCode::kUnknown;
}

}  // namespace tessera::http
