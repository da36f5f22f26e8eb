#include "cli/bench/chart/line_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "cli/bench/chart/bitmap_font.h"
#include "cli/bench/chart/canvas.h"
#include "cli/bench/chart/png_encoder.h"

namespace tessera::bench::chart {
namespace {

constexpr Color kBackground{255, 255, 255};
constexpr Color kInk{40, 40, 40};
constexpr Color kGrid{225, 225, 225};
// Distinguishable, and readable by most color-blind viewers.
constexpr std::array<Color, 6> kPalette = {{{31, 119, 180},
                                            {230, 120, 20},
                                            {44, 160, 44},
                                            {214, 39, 40},
                                            {148, 103, 189},
                                            {110, 110, 110}}};
constexpr int kMarker = 7;
constexpr int kTickLength = 5;

struct Range {
  double low = 0;
  double high = 1;
};

// The data's extent, from zero when it is all non-negative (latency and
// throughput read wrongly from a cut-off axis), padded when flat.
Range Extent(const std::vector<double>& values) {
  auto [low, high] = std::minmax_element(values.begin(), values.end());
  Range range{std::min(*low, 0.0), *high};
  if (range.high - range.low <= 0) range.high = range.low + std::max(1.0, std::abs(range.low));
  return range;
}

double Step(const std::vector<double>& ticks) { return ticks.size() > 1 ? ticks[1] - ticks[0] : 1; }

std::string TickLabel(double value, double step) {
  std::array<char, 32> text{};
  if (std::abs(value) >= 10000 && step >= 1000) {
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step / 1000) + 1e-9)));
    std::snprintf(text.data(), text.size(), "%.*fk", decimals, value / 1000);
  } else {
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    std::snprintf(text.data(), text.size(), "%.*f", decimals,
                  std::abs(value) < step / 2 ? 0.0 : value);
  }
  return text.data();
}

Status Validate(const LineChartSpec& spec) {
  if (spec.width < 320 || spec.width > 4096 || spec.height < 200 || spec.height > 4096) {
    return InvalidArgumentError("chart size: must be within 320x200 and 4096x4096, got " +
                                std::to_string(spec.width) + "x" + std::to_string(spec.height));
  }
  if (spec.series.empty()) return InvalidArgumentError("chart series: at least one is needed");
  for (const ChartSeries& series : spec.series) {
    if (series.points.empty()) {
      return InvalidArgumentError("chart series " + series.label + ": has no points");
    }
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) {
        return InvalidArgumentError("chart series " + series.label + ": a value is not finite");
      }
    }
  }
  return OkStatus();
}

}  // namespace

std::vector<double> NiceTicks(double low, double high, int target) {
  if (!(high > low)) high = low + 1;
  const double raw = (high - low) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double residual = raw / magnitude;
  const double step = magnitude * (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10);
  std::vector<double> ticks;
  const double first = std::floor(low / step + 1e-9) * step;
  const double last = std::ceil(high / step - 1e-9) * step;
  const auto count = static_cast<int>(std::lround((last - first) / step));
  for (int index = 0; index <= count; ++index) ticks.push_back(first + index * step);
  return ticks;
}

StatusOr<std::string> RenderLineChartPng(const LineChartSpec& spec) {
  TESSERA_RETURN_IF_ERROR(Validate(spec));
  std::vector<double> xs;
  std::vector<double> lefts;
  std::vector<double> rights;
  for (const ChartSeries& series : spec.series) {
    for (const auto& [x, y] : series.points) {
      xs.push_back(x);
      (series.right_axis ? rights : lefts).push_back(y);
    }
  }
  const bool has_right = !rights.empty();
  const auto ticks_for = [](const std::vector<double>& values) {
    const Range range = values.empty() ? Range{} : Extent(values);
    return NiceTicks(range.low, range.high);
  };
  const std::vector<double> x_ticks = ticks_for(xs);
  const std::vector<double> left_ticks = ticks_for(lefts);
  const std::vector<double> right_ticks = ticks_for(rights);

  Canvas canvas(spec.width, spec.height, kBackground);
  const int left = 80;
  const int right = spec.width - (has_right ? 80 : 30);
  const int top = 50;
  const int bottom = spec.height - 60;
  const auto to_x = [&](double x) {
    return left + static_cast<int>(std::lround(
                      (x - x_ticks.front()) / (x_ticks.back() - x_ticks.front()) * (right - left)));
  };
  const auto to_y = [&](double y, const std::vector<double>& ticks) {
    return bottom - static_cast<int>(std::lround((y - ticks.front()) /
                                                 (ticks.back() - ticks.front()) * (bottom - top)));
  };

  // Grid and ticks.
  const std::vector<double>& grid_ticks = lefts.empty() ? right_ticks : left_ticks;
  for (const double tick : grid_ticks)
    canvas.Line(left, to_y(tick, grid_ticks), right, to_y(tick, grid_ticks), kGrid);
  for (const double tick : x_ticks) {
    const int x = to_x(tick);
    canvas.Line(x, top, x, bottom, kGrid);
    canvas.Line(x, bottom, x, bottom + kTickLength, kInk);
    const std::string label = TickLabel(tick, Step(x_ticks));
    canvas.Text(x - Canvas::TextWidth(label) / 2, bottom + 9, label, kInk);
  }
  const auto y_axis = [&](const std::vector<double>& ticks, int x, bool on_right) {
    canvas.Line(x, top, x, bottom, kInk);
    for (const double tick : ticks) {
      const int y = to_y(tick, ticks);
      const std::string label = TickLabel(tick, Step(ticks));
      canvas.Line(on_right ? x : x - kTickLength, y, on_right ? x + kTickLength : x, y, kInk);
      canvas.Text(on_right ? x + 9 : x - 9 - Canvas::TextWidth(label), y - kGlyphHeight / 2, label,
                  kInk);
    }
  };
  if (!lefts.empty()) y_axis(left_ticks, left, false);
  if (has_right) y_axis(right_ticks, right, true);
  canvas.Line(left, bottom, right, bottom, kInk);

  // Labels and title.
  canvas.Text((left + right - Canvas::TextWidth(spec.x_label)) / 2, spec.height - 24, spec.x_label,
              kInk);
  const int middle = (top + bottom) / 2;
  canvas.Text(14, middle + Canvas::TextWidth(spec.left_label) / 2, spec.left_label, kInk, 1, true);
  if (has_right) {
    canvas.Text(spec.width - 14 - kGlyphHeight, middle + Canvas::TextWidth(spec.right_label) / 2,
                spec.right_label, kInk, 1, true);
  }
  canvas.Text((spec.width - Canvas::TextWidth(spec.title, 2)) / 2, 14, spec.title, kInk, 2);

  // Series, then the legend over them.
  for (size_t index = 0; index < spec.series.size(); ++index) {
    const ChartSeries& series = spec.series[index];
    const Color color = kPalette[index % kPalette.size()];
    const std::vector<double>& ticks = series.right_axis ? right_ticks : left_ticks;
    for (size_t point = 0; point < series.points.size(); ++point) {
      const int x = to_x(series.points[point].first);
      const int y = to_y(series.points[point].second, ticks);
      if (point > 0) {
        canvas.Line(to_x(series.points[point - 1].first),
                    to_y(series.points[point - 1].second, ticks), x, y, color, 2,
                    series.right_axis ? 6 : 0);
      }
      canvas.FillRect(x - kMarker / 2, y - kMarker / 2, kMarker, kMarker, color);
    }
    const int legend_y = top + 8 + static_cast<int>(index) * kCellHeight * 2;
    canvas.FillRect(left + 10, legend_y, 10, 10, color);
    canvas.Text(
        left + 26, legend_y + 2,
        series.label + (has_right ? (series.right_axis ? "  (right axis)" : "  (left axis)") : ""),
        kInk);
  }
  return EncodePng(canvas);
}

}  // namespace tessera::bench::chart
