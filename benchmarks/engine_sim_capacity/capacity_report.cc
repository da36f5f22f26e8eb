#include "benchmarks/engine_sim_capacity/capacity_report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <utility>

#include "base/text_table.h"
#include "benchmarks/harness/figures.h"

namespace tessera::bench {
namespace {

// A /metrics answer later than this is too late to time the window's steps.
constexpr double kMetricsLatencyLimit = 0.5;

}  // namespace

void PrintCapacityReport(const std::vector<SweepRow>& rows, std::vector<std::string> notes) {
  TextTable table({{"streams", TextTable::Align::kRight},
                   {"time scale", TextTable::Align::kRight},
                   {"target tok/s", TextTable::Align::kRight},
                   {"demanded tok/s", TextTable::Align::kRight},
                   {"delivered tok/s", TextTable::Align::kRight},
                   {"on time", TextTable::Align::kRight},
                   {"steps/s done / due", TextTable::Align::kRight},
                   {"sim CPU", TextTable::Align::kRight},
                   {"core 0 busy", TextTable::Align::kRight},
                   {"tok per CPU-s", TextTable::Align::kRight},
                   {"client CPU", TextTable::Align::kRight},
                   {"open streams", TextTable::Align::kRight},
                   {"errors", TextTable::Align::kRight}});
  for (const SweepRow& row : rows) {
    const PointResult& result = row.result;
    const double delivered = static_cast<double>(result.window_tokens) / result.window_seconds;
    // Step rates need both /metrics answers on time; a simulator that has
    // fallen behind may leave them waiting.
    std::string steps = "-";
    const std::optional<MetricsSample>& first = result.metrics_start;
    const std::optional<MetricsSample>& last = result.metrics_end;
    if (first && last && first->latency_seconds < kMetricsLatencyLimit &&
        last->latency_seconds < kMetricsLatencyLimit && last->at > first->at) {
      const double done = (last->steps - first->steps) /
                          std::chrono::duration<double>(last->at - first->at).count();
      steps = Fixed(done, 0) + " / " + Fixed(row.due_steps_per_second, 0);
    } else {
      notes.push_back(std::to_string(row.streams) + " streams at " + Grouped(row.demanded) +
                      " tok/s: /metrics " +
                      (first && last
                           ? "answered after " +
                                 Fixed(std::max(first->latency_seconds, last->latency_seconds), 1) +
                                 " s"
                           : "not answered"));
    }
    if (result.stalled_requests > 0) {
      notes.push_back(std::to_string(row.streams) + " streams at " + Grouped(row.demanded) +
                      " tok/s: " + std::to_string(result.stalled_requests) +
                      " requests unanswered after " + std::to_string(kStalledAfter.count()) +
                      " ms at the window's end");
    }
    const double cpu = result.cpu.server_cpu_seconds.value_or(0);
    table.AddRow({Grouped(static_cast<double>(row.streams)), Fixed(row.time_scale, 4),
                  Grouped(row.target), Grouped(row.demanded),
                  Grouped(delivered) + (result.stopped_early ? "*" : ""),
                  Percent(delivered / row.demanded), steps, Percent(cpu / result.window_seconds),
                  Percent(result.cpu.server_core_busy),
                  cpu > 0 ? Grouped(static_cast<double>(result.window_tokens) / cpu) : "-",
                  Percent(result.cpu.client_cpu_seconds / result.window_seconds),
                  Fixed(result.open_streams_mean, 0) + " (min " +
                      std::to_string(result.open_streams_min) + ")",
                  std::to_string(result.Errors())});
  }
  std::printf("\n%s\n", table.Render().c_str());
  std::printf(
      "target: the steady-state rate the time scale was chosen for. demanded: the rate the "
      "point's own schedule calls for in the window (virtual-time replay).\n"
      "on time: delivered / demanded. steps/s: engine steps the simulator completed (from "
      "vllm:iteration_tokens_total_count) / steps its timeline called for.\n"
      "tok per CPU-s: tokens delivered / simulator CPU seconds (user + system) in the window.\n"
      "*: stopped early, the simulator had saturated its core.\n");
  for (const std::string& note : notes) std::printf("  %s\n", note.c_str());
}

}  // namespace tessera::bench
