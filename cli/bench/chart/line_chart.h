// Line charts as PNG images, for the curves benchmark users read: each
// series a line through its points with markers, on a left or a right y
// axis, with "nice" ticks (1, 2 or 5 × 10^k) from zero, grid lines, axis
// labels, a legend and a title.

#ifndef TESSERA_CLI_BENCH_CHART_LINE_CHART_H_
#define TESSERA_CLI_BENCH_CHART_LINE_CHART_H_

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace tessera::bench::chart {

struct ChartSeries {
  std::string label;
  std::vector<std::pair<double, double>> points{};  // (x, y), drawn in this order
  bool right_axis = false;
};

struct LineChartSpec {
  std::string title;
  std::string x_label;
  std::string left_label;
  std::string right_label;
  std::vector<ChartSeries> series;
  int width = 960;
  int height = 540;
};

// The PNG file's bytes. InvalidArgument names the field: no series, a
// series without points, a value that is not finite, a size outside
// 320×200 to 4096×4096.
StatusOr<std::string> RenderLineChartPng(const LineChartSpec& spec);

// Tick positions from `low` to `high` (widened to whole steps) at a step of
// 1, 2 or 5 × 10^k giving about `target` intervals.
std::vector<double> NiceTicks(double low, double high, int target = 5);

}  // namespace tessera::bench::chart

#endif  // TESSERA_CLI_BENCH_CHART_LINE_CHART_H_
