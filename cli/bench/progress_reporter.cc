#include "cli/bench/progress_reporter.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace tessera::bench {
namespace {

constexpr int kBarWidth = 30;
constexpr double kPlainLineSeconds = 5;

}  // namespace

void ProgressReporter::Update(const LoadProgress& progress) {
  const int64_t finished = progress.completed + progress.failed;
  const bool done = finished == progress.total;
  // Throughput over the interval since the last report, not since the
  // start, so the figure follows the load as it changes.
  if (progress.elapsed_seconds > last_tokens_at_) {
    rate_ = static_cast<double>(progress.output_tokens - last_tokens_) /
            (progress.elapsed_seconds - last_tokens_at_);
    last_tokens_ = progress.output_tokens;
    last_tokens_at_ = progress.elapsed_seconds;
  }
  if (!terminal_ && !done && progress.elapsed_seconds - last_line_at_ < kPlainLineSeconds &&
      last_line_at_ >= 0) {
    return;
  }
  last_line_at_ = progress.elapsed_seconds;
  const double share =
      progress.total > 0 ? static_cast<double>(finished) / static_cast<double>(progress.total) : 1;
  std::array<char, 256> text{};
  std::snprintf(text.data(), text.size(),
                "%5lld/%lld done, %lld failed, %lld in flight, %.1fs, %.0f tok/s",
                static_cast<long long>(finished), static_cast<long long>(progress.total),
                static_cast<long long>(progress.failed), static_cast<long long>(progress.in_flight),
                progress.elapsed_seconds, rate_);
  if (terminal_) {
    const int filled = std::clamp(static_cast<int>(share * kBarWidth), 0, kBarWidth);
    out_ << "\r\033[K[" << std::string(static_cast<size_t>(filled), '#')
         << std::string(static_cast<size_t>(kBarWidth - filled), ' ') << "] " << text.data();
    if (done) out_ << "\n";
  } else {
    out_ << text.data() << "\n";
  }
  out_.flush();
}

}  // namespace tessera::bench
