// Service-level objectives for goodput, as vLLM's --goodput takes them:
// "ttft:500 tpot:50 e2el:2000", milliseconds each. A request is good when
// it meets every objective given.

#ifndef TESSERA_CLI_BENCH_GOODPUT_H_
#define TESSERA_CLI_BENCH_GOODPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera::bench {

struct GoodputObjectives {
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<double> e2el_ms;

  bool empty() const { return !ttft_ms && !tpot_ms && !e2el_ms; }
  // TPOT of a one-token request counts as 0, as vLLM counts it.
  bool Met(double ttft_ms_value, double tpot_ms_value, double e2el_ms_value) const;
};

// Each entry "name:milliseconds"; InvalidArgument names the entry that is
// malformed, an unknown metric or a value that is not positive.
StatusOr<GoodputObjectives> ParseGoodput(const std::vector<std::string>& entries);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_GOODPUT_H_
