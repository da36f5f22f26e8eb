#include "http/http_wire.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string>

namespace tessera::http {
namespace {

bool IsTokenCharacter(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return kSymbols.find(c) != std::string_view::npos;
}

bool EqualsIgnoringCase(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (size_t i = 0; i < left.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(left[i])) !=
        std::tolower(static_cast<unsigned char>(right[i]))) {
      return false;
    }
  }
  return true;
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoringCase(name, "content-length") ||
         EqualsIgnoringCase(name, "transfer-encoding") || EqualsIgnoringCase(name, "connection");
}

void AppendDecimal(std::string& out, size_t value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

Status ValidateHeaders(std::span<const HttpHeader> headers) {
  for (const HttpHeader& header : headers) {
    if (header.name.empty()) return InvalidArgumentError("HTTP header with an empty name");
    for (const char c : header.name) {
      if (!IsTokenCharacter(c)) {
        return InvalidArgumentError("HTTP header \"" + header.name +
                                    "\": the name may hold only token characters");
      }
    }
    if (header.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return InvalidArgumentError("HTTP header \"" + header.name +
                                  "\": the value must not contain CR, LF or NUL");
    }
  }
  return OkStatus();
}

bool HasConnectionClose(std::span<const HttpHeader> headers) {
  for (const HttpHeader& header : headers) {
    if (!EqualsIgnoringCase(header.name, "connection")) continue;
    std::string_view list = header.value;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      std::string_view token = list.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
        token.remove_prefix(1);
      }
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      if (EqualsIgnoringCase(token, "close")) return true;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return false;
}

void AppendResponseHead(std::string& out, int request_version, int status,
                        std::span<const HttpHeader> headers, BodyFraming framing,
                        size_t content_length, bool keep_alive) {
  out += "HTTP/1.1 ";
  AppendDecimal(out, static_cast<size_t>(status));
  out += ' ';
  out += HttpReasonPhrase(status);
  out += "\r\n";
  for (const HttpHeader& header : headers) {
    if (!IsFramingHeader(header.name)) AppendHeader(out, header.name, header.value);
  }
  switch (framing) {
    case BodyFraming::kContentLength:
      out += "Content-Length: ";
      AppendDecimal(out, content_length);
      out += "\r\n";
      break;
    case BodyFraming::kChunked:
      out += "Transfer-Encoding: chunked\r\n";
      break;
    case BodyFraming::kUntilClose:
      break;
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (request_version < 11) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

void AppendChunk(std::string& out, std::string_view data) {
  std::array<char, 20> size{};
  const auto result = std::to_chars(size.data(), size.data() + size.size(), data.size(), 16);
  out.append(size.data(), result.ptr);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

void AppendLastChunk(std::string& out) { out += "0\r\n\r\n"; }

void AppendRequest(std::string& out, std::string_view method, std::string_view target,
                   std::string_view authority, std::span<const HttpHeader> headers,
                   std::string_view body) {
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
  if (!FindHeader(headers, "host").has_value()) AppendHeader(out, "Host", authority);
  for (const HttpHeader& header : headers) {
    if (EqualsIgnoringCase(header.name, "content-length") ||
        EqualsIgnoringCase(header.name, "transfer-encoding")) {
      continue;
    }
    AppendHeader(out, header.name, header.value);
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    out += "Content-Length: ";
    AppendDecimal(out, body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
}

}  // namespace tessera::http
