#include "agent/metrics/gzip.h"

#include <algorithm>
#include <cstdlib>

#include <zlib.h>

#include "base/strings.h"

namespace tessera::agent {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper
constexpr int kMemoryLevel = 8;

}  // namespace

std::string GzipMember(std::string_view data, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, kGzipWindowBits, kMemoryLevel, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return {};
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  // zlib's interface predates const; it does not write through next_in.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));  // NOLINT
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());  // NOLINT
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view entry = TrimWhitespace(accept_encoding.substr(0, comma));
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const size_t semicolon = entry.find(';');
    const std::string coding = AsciiLower(TrimWhitespace(entry.substr(0, semicolon)));
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view parameter = TrimWhitespace(entry.substr(semicolon + 1));
    if (!parameter.starts_with("q=")) return true;
    parameter.remove_prefix(2);
    // q=0, q=0.0, q=0.000 refuse; anything else accepts.
    if (!std::all_of(parameter.begin(), parameter.end(),
                     [](char c) { return c == '0' || c == '.'; })) {
      return true;
    }
  }
  return false;
}

}  // namespace tessera::agent
