// What the client observed of one benchmark request, with vLLM's benchmark
// definitions: TTFT is the time to the first streamed event that carries
// choices (its text may be empty); ITL holds every gap between consecutive
// such events; latency runs to the last one (the usage event and [DONE]
// do not count).

#ifndef TESSERA_CLI_BENCH_REQUEST_OUTCOME_H_
#define TESSERA_CLI_BENCH_REQUEST_OUTCOME_H_

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::bench {

struct RequestOutcome {
  bool success = false;
  std::string error;  // why not, for a failed request
  // From the server's usage when it reports it; otherwise the dataset's
  // prompt length and the stand-in tokenizer's count of the generated text.
  int64_t prompt_len = 0;
  int64_t output_tokens = 0;
  double start_time = 0;    // seconds since the run began, when sent
  double ttft = 0;          // seconds
  std::vector<double> itl;  // seconds
  double latency = 0;       // seconds
  std::string generated_text;
};

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_REQUEST_OUTCOME_H_
