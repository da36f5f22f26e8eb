// Shows a running benchmark's progress: a bar redrawn in place on a
// terminal (completed/total, failures, elapsed, live output throughput), or
// a plain line every few seconds when the output is a file or a pipe, so
// CI logs stay readable.

#ifndef TESSERA_CLI_BENCH_PROGRESS_REPORTER_H_
#define TESSERA_CLI_BENCH_PROGRESS_REPORTER_H_

#include <cstdint>
#include <ostream>

#include "cli/bench/load_generator.h"

namespace tessera::bench {

class ProgressReporter {
 public:
  ProgressReporter(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  // Call with every progress report; the last one (everything finished)
  // ends the bar's line.
  void Update(const LoadProgress& progress);

 private:
  std::ostream& out_;
  const bool terminal_;
  double last_line_at_ = -1;
  int64_t last_tokens_ = 0;
  double last_tokens_at_ = 0;
  double rate_ = 0;
};

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_PROGRESS_REPORTER_H_
