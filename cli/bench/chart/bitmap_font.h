// A 5×7 bitmap font for printable ASCII, drawn for Tessera's charts: no
// font files to ship or find at run time.

#ifndef TESSERA_CLI_BENCH_CHART_BITMAP_FONT_H_
#define TESSERA_CLI_BENCH_CHART_BITMAP_FONT_H_

#include <array>
#include <cstdint>

namespace tessera::bench::chart {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
// Glyph plus spacing.
inline constexpr int kCellWidth = 6;
inline constexpr int kCellHeight = 9;

// Seven rows, top first; bit 4 is the leftmost column. Characters outside
// 32–126 draw as '?'.
const std::array<uint8_t, kGlyphHeight>& Glyph(char character);

}  // namespace tessera::bench::chart

#endif  // TESSERA_CLI_BENCH_CHART_BITMAP_FONT_H_
