// `tessera fit`: will this model fit these partitions, and at which
// tensor-parallel size? Optionally split over pipeline stages and with a
// speculative-decoding draft model beside it.

#ifndef TESSERA_CLI_FIT_COMMAND_H_
#define TESSERA_CLI_FIT_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

namespace tessera::cli {

struct FitFlags {
  std::string model;
  std::string dtype = "auto";
  std::string kv_cache_dtype = "auto";
  int64_t max_model_len = 0;  // 0: the model's own limit, as vLLM does.
  int64_t concurrency = 1;
  std::string gpu = "mi300x";
  std::string partition;         // compute mode; empty: the GPU's default
  std::string memory_partition;  // empty: the GPU's usual pairing
  int64_t tensor_parallel_size = 1;
  int64_t pipeline_parallel_size = 1;
  std::string speculative_model;  // empty: no speculative decoding
  int64_t num_speculative_tokens = 0;
  std::string speculative_dtype = "auto";              // auto: the target's weight type
  int64_t speculative_draft_tensor_parallel_size = 0;  // 0: the target's
  double gpu_memory_utilization = 0.9;
  int64_t max_num_batched_tokens = 8192;
  std::string runtime_reserve = "1GiB";
  std::string output = "table";
};

// Registers the subcommand and its flags on `app`, bound to `flags`.
CLI::App* AddFitCommand(CLI::App& app, FitFlags& flags);

// Exit status: 0 when the model fits at the requested tensor-parallel size,
// 1 when it does not (the report says which size would), 2 when the input is
// invalid (one line on `err` naming the flag and the reason).
int RunFitCommand(const FitFlags& flags, std::ostream& out, std::ostream& err);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_FIT_COMMAND_H_
