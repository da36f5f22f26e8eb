// Expected figures a benchmark result must meet, in the shape of SGLang's
// PD test configuration:
//
//   "expected_results": {"auto": {"output_throughput_per_sec": "21000",
//                                 "mean_ttft_ms": "34500", "mean_tpot_ms": "50"}}
//
// Throughputs are floors (the result must reach them), latencies ceilings.
// The file may be that configuration whole (JSON or YAML): the one
// "expected_results" object in it is used, or the one under a dotted path
// given after '#' ("config.json#benchmark_params.llama-70b.inference_tests.
// bench_serv_random"). Values may be numbers or numeric strings; any figure
// of the result JSON may be named ("p99_ttft_ms", "request_throughput").

#ifndef TESSERA_CLI_BENCH_EXPECTATIONS_H_
#define TESSERA_CLI_BENCH_EXPECTATIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::bench {

struct Expectation {
  std::string name;        // as the file says it: "output_throughput_per_sec"
  std::string result_key;  // the result JSON's field: "output_throughput"
  bool at_least = true;    // a floor; otherwise a ceiling
  double bound = 0;
};

// `text` is the file's content, `path` the part after '#' (may be empty).
// InvalidArgument names what is wrong: no or several expected_results (with
// their paths), an unknown figure, a value that is not a number.
StatusOr<std::vector<Expectation>> ParseExpectations(std::string_view text, std::string_view path);

struct Verdict {
  bool passed = true;
  std::string report;  // one line per figure, then PASS or FAIL
};

Verdict CheckExpectations(const std::vector<Expectation>& expectations,
                          const nlohmann::ordered_json& result);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_EXPECTATIONS_H_
