#include "engine/simulator/server_info.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace tessera::simulator {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kVersion = "0.11.0+tessera-sim";

}  // namespace

std::string ModelListBody(const SimulatorOptions& options, int64_t created) {
  json data = json::array();
  const bool vllm = options.flavor == Flavor::kVllm;
  for (const std::string& name : options.served_model_names) {
    json card = {{"id", name},
                 {"object", "model"},
                 {"created", created},
                 {"owned_by", vllm ? "vllm" : "sglang"},
                 {"root", vllm ? options.model : name},
                 {"parent", nullptr},
                 {"max_model_len", options.engine.memory.max_model_len}};
    data.push_back(std::move(card));
  }
  return json{{"object", "list"}, {"data", data}}.dump();
}

std::string VersionBody() { return json{{"version", std::string(kVersion)}}.dump(); }

std::string ServerInfoBody(const SimulatorOptions& options, const EngineCore& core, bool ready,
                           double last_gen_throughput) {
  const char* mode = options.disaggregation_mode == DisaggregationMode::kPrefill  ? "prefill"
                     : options.disaggregation_mode == DisaggregationMode::kDecode ? "decode"
                                                                                  : "null";
  const int64_t max_total_num_tokens = core.kv_cache_totals().total_tokens();
  const int64_t context_length = options.engine.memory.max_model_len;
  // The scheduler's limits, as SGLang derives them: a request holds at most
  // the context less one token, and its input five fewer.
  const int64_t max_request_length = std::min(context_length - 1, max_total_num_tokens - 1);
  json info = {{"model_path", options.model},
               {"tokenizer_path", options.model},
               {"served_model_name", options.served_model_names.front()},
               {"tp_size", options.engine.memory.tensor_parallel_size},
               {"dp_size", 1},
               {"disaggregation_mode", mode},
               {"disaggregation_bootstrap_port", options.disaggregation_bootstrap_port},
               {"context_length", context_length},
               {"max_running_requests", options.engine.scheduler.max_num_seqs},
               {"max_total_num_tokens", max_total_num_tokens},
               {"max_req_input_len", max_request_length - 5},
               {"status", ready ? "ready" : "starting"},
               {"version", std::string(kVersion)}};
  // The scheduler's answer to GetInternalStateReq: the server arguments it
  // shares with the model runner, and its throughput.
  const json internal_state = {
      {"attention_backend", "triton"},
      {"chunked_prefill_size", options.engine.scheduler.max_num_batched_tokens},
      {"disable_radix_cache", !options.engine.enable_prefix_caching},
      {"enable_dp_attention", false},
      {"speculative_accept_threshold_single", 1.0},
      {"speculative_accept_threshold_acc", 1.0},
      {"last_gen_throughput", last_gen_throughput}};
  for (const auto& [key, value] : internal_state.items()) {
    if (!info.contains(key)) info[key] = value;
  }
  info["internal_states"] = json::array({internal_state});
  return info.dump();
}

std::string ModelInfoBody(const SimulatorOptions& options) {
  return json{{"model_path", options.model},
              {"tokenizer_path", options.model},
              {"is_generation", true},
              {"model_type", "llama"},
              {"architectures", json::array({"LlamaForCausalLM"})}}
      .dump();
}

std::string LoadBody(const EngineCore& core, double simulated_now) {
  const KvCacheTotals cache = core.kv_cache_totals();
  return json::array({json{{"rid", nullptr},
                           {"http_worker_ipc", nullptr},
                           {"dp_rank", 0},
                           {"num_reqs", core.running() + core.waiting()},
                           {"num_waiting_reqs", core.waiting()},
                           {"num_tokens", cache.used_tokens()},
                           {"ts_tic", simulated_now}}})
      .dump();
}

}  // namespace tessera::simulator
