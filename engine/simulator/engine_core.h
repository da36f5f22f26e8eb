// The simulated engine without its HTTP front: requests in, one step at a
// time, tokens out, in virtual time. The front end decides when a step's
// tokens are delivered in wall time; tests and calibration drive it directly.

#ifndef TESSERA_ENGINE_SIMULATOR_ENGINE_CORE_H_
#define TESSERA_ENGINE_SIMULATOR_ENGINE_CORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "engine/fit/memory_fit.h"
#include "engine/simulator/kv_block_manager.h"
#include "engine/simulator/performance_model.h"
#include "engine/simulator/scheduler.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "engine/tokenizer/text_generator.h"

namespace tessera::simulator {

struct EngineConfig {
  fit::FitRequest memory;  // model, types, partition, TP, utilization, max_model_len
  SchedulerConfig scheduler;
  bool enable_prefix_caching = true;
  int64_t block_size = fit::kKvBlockTokens;
  uint64_t seed = 0;
  // Counts prompts and makes the output text: a model's own with
  // --tokenizer, else the stand-in.
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer = tokenizer::StandInTokenizer::Shared();
};

struct EngineRequest {
  std::string id;
  std::vector<tokenizer::TokenId> prompt;
  int64_t max_output_tokens = 16;
  int64_t stop_after_tokens = 0;  // 0: run to max_output_tokens
  // Prefill/decode disaggregation, decode side: the prompt's KV arrived from
  // a prefill worker, which also sampled these first output tokens (counted
  // in max_output_tokens). The engine computes none of the prompt, unless a
  // preemption drops the transferred KV.
  std::vector<tokenizer::TokenId> transferred_output;
  // vLLM's connector, decode side: the KV of this many prompt tokens arrived
  // from a prefill worker. At most all but the last are taken: like vLLM,
  // the engine recomputes the last prompt token to sample the first output
  // token itself.
  int64_t transferred_prompt_tokens = 0;
  // vLLM's connector, prefill side: when the request ends at its token limit
  // its KV blocks stay allocated, for a decode worker to read, until
  // ReleaseHeldKv().
  bool hold_kv_at_length = false;
};

// One generated token.
struct TokenEvent {
  std::string request_id;
  int64_t output_index = 0;  // 0 for the first token
  std::string text;
  FinishReason finish = FinishReason::kNone;
  // Of the prompt's tokens, those taken from the prefix cache; on every event.
  int64_t cached_prompt_tokens = 0;
  // Set on the last event of a request.
  int64_t prompt_tokens = 0;
  int64_t preemptions = 0;
  // Set on the last event of a request whose KV is held: its blocks.
  std::vector<BlockId> held_blocks{};
};

struct StepOutcome {
  double seconds = 0;
  StepCost cost;
  StepShape shape;
  int64_t preemptions = 0;
  std::vector<std::string> admitted;  // requests this step began (or resumed) computing
  std::vector<TokenEvent> tokens;
};

class EngineCore {
 public:
  // Sizes the KV cache with the memory arithmetic; fails when the model does
  // not fit with room for one full-length sequence.
  static StatusOr<std::unique_ptr<EngineCore>> Create(const EngineConfig& config);

  // Queues a request. InvalidArgument when prompt and output cannot fit
  // max_model_len; AlreadyExists for a duplicate id.
  Status Add(EngineRequest request);

  // Drops a request wherever it is; no event is produced for it.
  void Abort(const std::string& request_id);

  // Frees the KV blocks a finished request holds (hold_kv_at_length).
  // Returns false when it holds none (never held, or released already).
  bool ReleaseHeldKv(const std::string& request_id);

  // Plans and costs one step and returns the tokens it produced. Precondition:
  // !idle().
  StepOutcome Step();

  bool idle() const { return scheduler_->idle(); }
  int64_t running() const { return scheduler_->running(); }
  int64_t waiting() const { return scheduler_->waiting(); }
  const KvBlockManager& kv_cache() const { return *kv_cache_; }
  int64_t total_preemptions() const { return total_preemptions_; }
  // Finished requests whose KV blocks are held.
  int64_t held_kv_requests() const { return static_cast<int64_t>(held_kv_.size()); }
  // How many full-length sequences the cache holds (vLLM's "maximum
  // concurrency" at start-up).
  double max_concurrency() const;

 private:
  EngineCore(const EngineConfig& config, std::unique_ptr<KvBlockManager> kv_cache,
             PerformanceModel model);

  EngineConfig config_;
  std::unique_ptr<KvBlockManager> kv_cache_;
  std::unique_ptr<Scheduler> scheduler_;
  PerformanceModel performance_;
  tokenizer::TextGenerator output_text_;
  std::unordered_set<std::string> known_ids_;  // ids queued or running, for duplicates
  std::unordered_map<std::string, SequenceBlocks> held_kv_;
  int64_t total_preemptions_ = 0;
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_ENGINE_CORE_H_
