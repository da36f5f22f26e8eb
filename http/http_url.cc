#include "http/http_url.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "base/numbers.h"

namespace tessera::http {
namespace {

constexpr std::string_view kScheme = "http://";

Status UrlError(std::string_view url, std::string_view problem) {
  return InvalidArgumentError("URL \"" + std::string(url) + "\": " + std::string(problem));
}

}  // namespace

std::string HttpUrl::Authority() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string authority = ipv6 ? "[" + host + "]" : host;
  authority += ':';
  authority += std::to_string(port);
  return authority;
}

StatusOr<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.starts_with("https://")) {
    return UrlError(url, "https is not supported; use http://");
  }
  if (!url.starts_with(kScheme)) return UrlError(url, "must start with http://");
  std::string_view rest = url.substr(kScheme.size());
  const size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  HttpUrl parsed;
  if (path_start == std::string_view::npos) {
    parsed.target = "/";
  } else {
    parsed.target = std::string(rest.substr(path_start));
    if (parsed.target.front() == '?') parsed.target.insert(0, "/");
  }
  if (authority.find('@') != std::string_view::npos) {
    return UrlError(url, "user information is not supported");
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return UrlError(url, "unterminated IPv6 literal");
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError(url, "unexpected text after the IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty()) return UrlError(url, "empty port");
    }
  } else {
    const size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return UrlError(url, "empty port");
    }
  }
  if (parsed.host.empty()) return UrlError(url, "missing host");
  if (!port_text.empty()) {
    const std::optional<uint16_t> port = ParseInteger<uint16_t>(port_text);
    if (!port || *port == 0) return UrlError(url, "port must be a number from 1 to 65535");
    parsed.port = *port;
  }
  return parsed;
}

StatusOr<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      decoded += ' ';
      continue;
    }
    if (c != '%') {
      decoded += c;
      continue;
    }
    const std::string_view digits = text.substr(i + 1, 2);
    const std::optional<unsigned> value =
        digits.size() == 2 ? ParseInteger<unsigned>(digits, 16) : std::nullopt;
    if (!value) {
      return InvalidArgumentError("bad percent escape at byte " + std::to_string(i) +
                                  ": expected % and two hex digits");
    }
    if (*value == 0) return InvalidArgumentError("an escaped NUL (%00) is not allowed");
    decoded += static_cast<char>(*value);
    i += 2;
  }
  return decoded;
}

std::string PercentEncode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0xF];
    }
  }
  return encoded;
}

StatusOr<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> parameters;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    StatusOr<std::string> name = PercentDecode(pair.substr(0, equals), /*plus_is_space=*/true);
    StatusOr<std::string> value =
        equals == std::string_view::npos
            ? StatusOr<std::string>(std::string())
            : PercentDecode(pair.substr(equals + 1), /*plus_is_space=*/true);
    if (!name.ok()) return name.status().WithContext("query");
    if (!value.ok()) return value.status().WithContext("query");
    parameters[*std::move(name)] = *std::move(value);
  }
  return parameters;
}

}  // namespace tessera::http
