#include "cli/bench/chart/canvas.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "cli/bench/chart/bitmap_font.h"

namespace tessera::bench::chart {

Canvas::Canvas(int width, int height, Color background)
    : width_(width), height_(height), pixels_(static_cast<size_t>(width * height) * 3) {
  FillRect(0, 0, width, height, background);
}

Color Canvas::At(int x, int y) const {
  const size_t offset =
      (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  return {pixels_[offset], pixels_[offset + 1], pixels_[offset + 2]};
}

void Canvas::Set(int x, int y, Color color) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t offset =
      (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  pixels_[offset] = color.red;
  pixels_[offset + 1] = color.green;
  pixels_[offset + 2] = color.blue;
}

void Canvas::FillRect(int x, int y, int width, int height, Color color) {
  for (int row = std::max(0, y); row < std::min(height_, y + height); ++row) {
    for (int column = std::max(0, x); column < std::min(width_, x + width); ++column) {
      Set(column, row, color);
    }
  }
}

void Canvas::Line(int x0, int y0, int x1, int y1, Color color, int thickness, int dash) {
  // Bresenham, stamping a square brush at each step.
  const int dx = std::abs(x1 - x0);
  const int dy = -std::abs(y1 - y0);
  const int step_x = x0 < x1 ? 1 : -1;
  const int step_y = y0 < y1 ? 1 : -1;
  const int offset = (thickness - 1) / 2;
  int error = dx + dy;
  for (int step = 0;; ++step) {
    if (dash <= 0 || (step / dash) % 2 == 0) {
      FillRect(x0 - offset, y0 - offset, thickness, thickness, color);
    }
    if (x0 == x1 && y0 == y1) break;
    const int doubled = 2 * error;
    if (doubled >= dy) {
      error += dy;
      x0 += step_x;
    }
    if (doubled <= dx) {
      error += dx;
      y0 += step_y;
    }
  }
}

void Canvas::Text(int x, int y, std::string_view text, Color color, int scale, bool vertical) {
  int cursor = 0;
  for (const char character : text) {
    const auto& glyph = Glyph(character);
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int column = 0; column < kGlyphWidth; ++column) {
        if ((glyph[static_cast<size_t>(row)] >> (kGlyphWidth - 1 - column) & 1) == 0) continue;
        const int along = cursor + column * scale;
        const int across = row * scale;
        if (vertical) {
          FillRect(x + across, y - along - scale, scale, scale, color);
        } else {
          FillRect(x + along, y + across, scale, scale, color);
        }
      }
    }
    cursor += kCellWidth * scale;
  }
}

int Canvas::TextWidth(std::string_view text, int scale) {
  return static_cast<int>(text.size()) * kCellWidth * scale;
}

}  // namespace tessera::bench::chart
