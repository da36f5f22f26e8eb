// An RGB raster to draw charts on: lines, rectangles and bitmap text.
// Drawing outside the canvas is clipped.

#ifndef TESSERA_CLI_BENCH_CHART_CANVAS_H_
#define TESSERA_CLI_BENCH_CHART_CANVAS_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace tessera::bench::chart {

struct Color {
  uint8_t red = 0;
  uint8_t green = 0;
  uint8_t blue = 0;
  bool operator==(const Color&) const = default;
};

class Canvas {
 public:
  Canvas(int width, int height, Color background);

  int width() const { return width_; }
  int height() const { return height_; }
  Color At(int x, int y) const;
  // Rows top to bottom, three bytes per pixel.
  const std::vector<uint8_t>& pixels() const { return pixels_; }

  void Set(int x, int y, Color color);
  void FillRect(int x, int y, int width, int height, Color color);
  // A line `thickness` pixels wide; `dash` > 0 draws dashes of that length.
  void Line(int x0, int y0, int x1, int y1, Color color, int thickness = 1, int dash = 0);
  // Text with its top-left corner at (x, y), each font pixel `scale`
  // pixels; `vertical` runs it upwards (for a y-axis label), starting at
  // the bottom-left corner.
  void Text(int x, int y, std::string_view text, Color color, int scale = 1, bool vertical = false);
  static int TextWidth(std::string_view text, int scale = 1);

 private:
  int width_;
  int height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace tessera::bench::chart

#endif  // TESSERA_CLI_BENCH_CHART_CANVAS_H_
