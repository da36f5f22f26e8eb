#include "cli/bench/chart/png_encoder.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include <zlib.h>

namespace tessera::bench::chart {
namespace {

void AppendBigEndian(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

// Length, type, data, and the CRC of type and data.
void AppendChunk(std::string& out, std::string_view type, std::string_view data) {
  AppendBigEndian(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.append(type);
  out.append(data);
  const auto* bytes = reinterpret_cast<const Bytef*>(out.data() + start);
  AppendBigEndian(out,
                  static_cast<uint32_t>(crc32(0, bytes, static_cast<uInt>(out.size() - start))));
}

}  // namespace

StatusOr<std::string> EncodePng(const Canvas& canvas) {
  const auto width = static_cast<size_t>(canvas.width());
  const auto height = static_cast<size_t>(canvas.height());
  // Each scanline starts with its filter type: 0, none.
  std::vector<uint8_t> raw;
  raw.reserve(height * (width * 3 + 1));
  for (size_t row = 0; row < height; ++row) {
    raw.push_back(0);
    const auto begin = canvas.pixels().begin() + static_cast<std::ptrdiff_t>(row * width * 3);
    raw.insert(raw.end(), begin, begin + static_cast<std::ptrdiff_t>(width * 3));
  }
  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(compressed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size, raw.data(),
                static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) != Z_OK) {
    return InternalError("zlib could not compress the chart");
  }
  compressed.resize(compressed_size);

  std::string header;
  AppendBigEndian(header, static_cast<uint32_t>(width));
  AppendBigEndian(header, static_cast<uint32_t>(height));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no filter, no interlace
  std::string png("\x89PNG\r\n\x1a\n", 8);
  AppendChunk(png, "IHDR", header);
  AppendChunk(png, "IDAT", compressed);
  AppendChunk(png, "IEND", "");
  return png;
}

}  // namespace tessera::bench::chart
