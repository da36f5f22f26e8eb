// The simulated engine without its HTTP front: requests in, one step at a
// time, tokens out, in virtual time. The front end decides when a step's
// tokens are delivered in wall time; tests and calibration drive it directly.

#ifndef TESSERA_ENGINE_SIMULATOR_ENGINE_CORE_H_
#define TESSERA_ENGINE_SIMULATOR_ENGINE_CORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
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

// Speculative decoding as vLLM runs it with a draft model or n-gram lookup:
// every decode step, a proposer guesses `num_speculative_tokens` tokens per
// sequence, the target model scores them and the sequence's last token in one
// step, and the sequence emits the accepted guesses plus one token of the
// target's own.
struct SpeculativeDecoding {
  // The draft model, run at the target's tensor-parallel size; absent for
  // n-gram lookup, which proposes on the host at no GPU cost.
  std::optional<model::ModelArchitecture> draft_model;
  int64_t num_speculative_tokens = 1;
  // Probability that each proposed token is accepted, independently (what a
  // draft model's agreement with the target comes to); a sequence keeps
  // those before the first rejected.
  double acceptance_rate = 0.7;
};

struct EngineConfig {
  // Model, types, partition, TP, pipeline-parallel size, utilization,
  // max_model_len.
  fit::FitRequest memory;
  SchedulerConfig scheduler;
  bool enable_prefix_caching = true;
  int64_t block_size = fit::kKvBlockTokens;
  // vLLM V0's --multi-step-stream-outputs: with multi-step scheduling, each
  // step's tokens go to the client as the step ends (vLLM's default); when
  // false, a run's tokens are held and sent together when the run ends.
  bool multi_step_stream_outputs = true;
  std::optional<SpeculativeDecoding> speculative;
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
  // The step's duration: its whole cost when it begins a run of steps (every
  // step without multi-step scheduling), else only its device time.
  double seconds = 0;
  StepCost cost;
  StepShape shape;
  int64_t preemptions = 0;
  std::vector<std::string> admitted;  // requests this step began (or resumed) computing
  // Tokens delivered when this step ends: its own, or with multi-step
  // scheduling and --no-multi-step-stream-outputs, the whole run's at its end.
  std::vector<TokenEvent> tokens;
  // Tokens this step sampled (those delivered now or held for the run's end).
  int64_t sampled_tokens = 0;
  // Speculative decoding: tokens proposed, those the target accepted, and
  // those emitted (accepted ones plus the target's own, one per sequence).
  int64_t draft_tokens = 0;
  int64_t accepted_tokens = 0;
  int64_t emitted_tokens = 0;
  // Of `seconds`, the proposer's (the draft model's steps).
  double draft_seconds = 0;
};

// The KV cache summed over the virtual engines (the whole cache without
// pipeline parallelism), as the metrics and load reports show it.
struct KvCacheTotals {
  int64_t block_size = 0;
  int64_t total_blocks = 0;
  int64_t free_blocks = 0;
  int64_t prefix_query_tokens = 0;
  int64_t prefix_hit_tokens = 0;

  double usage() const {
    return 1.0 - static_cast<double>(free_blocks) / static_cast<double>(total_blocks);
  }
  int64_t used_tokens() const { return (total_blocks - free_blocks) * block_size; }
  int64_t total_tokens() const { return total_blocks * block_size; }
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

  // Plans and costs one step and returns the tokens it delivers. Precondition:
  // !idle(). A step with nothing to compute (its run's sequences were all
  // aborted) takes no time and delivers what the run held back.
  //
  // With pipeline parallelism, vLLM V0's virtual engines: one scheduler and
  // 1/PP of the KV blocks per pipeline stage, each request added to the one
  // with the fewest unfinished requests, and each with at most one batch
  // in flight through the stages. Step() launches a batch for every virtual
  // engine that has none in flight and work to do, then completes the batch
  // that leaves the last stage first; `seconds` is the time from the previous
  // completion to this one.
  StepOutcome Step();

  // Nothing to compute, nothing in flight and no token held back for delivery.
  bool idle() const;
  int64_t running() const;
  int64_t waiting() const;
  KvCacheTotals kv_cache_totals() const;
  int64_t total_preemptions() const { return total_preemptions_; }
  // Finished requests whose KV blocks are held.
  int64_t held_kv_requests() const { return static_cast<int64_t>(held_kv_.size()); }
  // How many full-length sequences the cache holds (vLLM's "maximum
  // concurrency" at start-up).
  double max_concurrency() const;

 private:
  // A batch on its way through the pipeline stages.
  struct InFlight {
    ScheduledBatch batch;
    StepCost cost;  // of the first stage, with the host's share
    double completes_at = 0;
  };
  // One of vLLM's virtual engines: a scheduler over its share of the KV
  // cache. Without pipeline parallelism there is one.
  struct VirtualEngine {
    std::unique_ptr<KvBlockManager> kv_cache;
    std::unique_ptr<Scheduler> scheduler;
    std::optional<InFlight> in_flight;
    // Multi-step without streamed outputs: tokens sampled in the current run.
    std::vector<TokenEvent> undelivered;
  };
  struct HeldKv {
    size_t engine = 0;
    SequenceBlocks blocks;
  };

  EngineCore(const EngineConfig& config, std::vector<VirtualEngine> engines,
             std::vector<PerformanceModel> stages, std::optional<PerformanceModel> draft);
  // Speculative decoding: of `proposed` tokens, each accepted with the
  // configured rate, those the sequence keeps (up to the first rejected) and
  // all accepted, which vLLM's metrics count.
  struct Acceptance {
    int64_t kept = 0;
    int64_t counted = 0;
  };
  Acceptance Accept(int64_t proposed);
  // Speculative decoding with a draft model: its share of `batch`'s time.
  double DraftSeconds(const ScheduledBatch& batch) const;
  // Samples `sequence`'s next token and says whether it ends the output.
  TokenEvent NextToken(Sequence& sequence);
  // Pipeline parallelism: sends `engine`'s next batch (not empty) into the
  // stages at the current time.
  void Launch(VirtualEngine& engine, ScheduledBatch batch);
  // Samples the tokens of `batch`, which ran on `engine`, into `outcome`,
  // with the preemptions scheduling it took.
  void Finish(VirtualEngine& engine, const ScheduledBatch& batch, StepOutcome& outcome);

  EngineConfig config_;
  std::vector<VirtualEngine> engines_;
  // One model per pipeline stage; the whole model without pipeline parallelism.
  std::vector<PerformanceModel> stages_;
  std::optional<PerformanceModel> draft_performance_;
  std::mt19937_64 acceptance_random_;
  tokenizer::TextGenerator output_text_;
  std::unordered_set<std::string> known_ids_;  // ids queued or running, for duplicates
  std::unordered_map<std::string, HeldKv> held_kv_;
  int64_t total_preemptions_ = 0;
  // Pipeline parallelism: the time of the last completion, when the host has
  // prepared the batches launched so far, and when each stage finishes them.
  double now_ = 0;
  double host_free_at_ = 0;
  std::vector<double> stage_free_at_;
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_ENGINE_CORE_H_
