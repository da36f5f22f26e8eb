#include "engine/simulator/engine_core.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "hardware/gpu_catalog.h"

namespace tessera::simulator {

StatusOr<std::unique_ptr<EngineCore>> EngineCore::Create(const EngineConfig& config) {
  TESSERA_RETURN_IF_ERROR(config.memory.Validate());
  const fit::FitOption option =
      fit::EvaluateOption(config.memory, config.memory.tensor_parallel_size);
  const int64_t kv_capacity = option.free_bytes + option.kv_bytes;
  const int64_t block_bytes = config.block_size * option.kv_bytes_per_token;
  const int64_t blocks = kv_capacity > 0 ? kv_capacity / block_bytes : 0;
  const int64_t blocks_per_sequence =
      (config.memory.max_model_len + config.block_size - 1) / config.block_size;
  if (blocks < blocks_per_sequence) {
    return ResourceExhaustedError(
        "the KV cache holds " + std::to_string(blocks * config.block_size) +
        " tokens, less than one sequence of max_model_len " +
        std::to_string(config.memory.max_model_len) + " (" +
        (option.reason.empty() ? "raise --gpu-memory-utilization or lower --max-model-len"
                               : option.reason) +
        ")");
  }
  PerformanceModel model(config.memory.model, config.memory.partition,
                         config.memory.tensor_parallel_size, config.memory.weight_type,
                         config.memory.kv_cache_type, EfficiencyFor(*config.memory.partition.gpu));
  std::optional<PerformanceModel> draft;
  if (config.speculative && config.speculative->draft_model) {
    draft.emplace(*config.speculative->draft_model, config.memory.partition,
                  config.memory.tensor_parallel_size, config.memory.weight_type,
                  config.memory.kv_cache_type, EfficiencyFor(*config.memory.partition.gpu));
  }
  return std::unique_ptr<EngineCore>(new EngineCore(
      config,
      std::make_unique<KvBlockManager>(blocks, config.block_size, config.enable_prefix_caching),
      std::move(model), std::move(draft)));
}

EngineCore::EngineCore(const EngineConfig& config, std::unique_ptr<KvBlockManager> kv_cache,
                       PerformanceModel model, std::optional<PerformanceModel> draft)
    : config_(config),
      kv_cache_(std::move(kv_cache)),
      scheduler_(std::make_unique<Scheduler>(config.scheduler, *kv_cache_)),
      performance_(std::move(model)),
      draft_performance_(std::move(draft)),
      acceptance_random_(config.seed ^ 0x5bd1e995u),
      output_text_(config.tokenizer, config.seed) {}

int64_t EngineCore::AcceptedTokens(int64_t proposed) {
  // vLLM's rejection sampler keeps the proposals up to the first rejected.
  std::bernoulli_distribution accept(config_.speculative->acceptance_rate);
  int64_t accepted = 0;
  while (accepted < proposed && accept(acceptance_random_)) ++accepted;
  return accepted;
}

double EngineCore::DraftSeconds(const ScheduledBatch& batch) const {
  // The draft model prefills what the target prefills, then proposes k
  // tokens for the decodes in k steps of its own.
  StepShape prefill;
  StepShape propose;
  for (const ScheduledSequence& scheduled : batch.sequences) {
    const Sequence& sequence = *scheduled.sequence;
    StepShape& shape = scheduled.speculative_tokens > 0 ? propose : prefill;
    shape.sequences += 1;
    shape.new_tokens += scheduled.new_tokens;
    shape.kv_tokens_read += sequence.computed_tokens + scheduled.new_tokens;
    shape.attention_pairs += scheduled.new_tokens * sequence.computed_tokens +
                             scheduled.new_tokens * (scheduled.new_tokens + 1) / 2;
  }
  double seconds = 0;
  if (prefill.sequences > 0) seconds += draft_performance_->Cost(prefill).total_seconds;
  if (propose.sequences > 0) {
    seconds += static_cast<double>(config_.speculative->num_speculative_tokens) *
               draft_performance_->Cost(propose).total_seconds;
  }
  return seconds;
}

double EngineCore::max_concurrency() const {
  return static_cast<double>(kv_cache_->total_blocks() * kv_cache_->block_size()) /
         static_cast<double>(config_.memory.max_model_len);
}

Status EngineCore::Add(EngineRequest request) {
  const auto prompt = static_cast<int64_t>(request.prompt.size());
  if (prompt == 0) return InvalidArgumentError("prompt: must contain at least one token");
  const auto transferred_output = static_cast<int64_t>(request.transferred_output.size());
  if (request.max_output_tokens <= transferred_output) {
    if (transferred_output > 0) {
      return InvalidArgumentError("max_tokens: the prefill worker already produced " +
                                  std::to_string(transferred_output) + " of the " +
                                  std::to_string(request.max_output_tokens) + " tokens asked for");
    }
    return InvalidArgumentError("max_tokens: must be at least 1, got " +
                                std::to_string(request.max_output_tokens));
  }
  const int64_t limit = config_.memory.max_model_len;
  if (prompt + request.max_output_tokens > limit) {
    return InvalidArgumentError("This model's maximum context length is " + std::to_string(limit) +
                                " tokens and your request has " + std::to_string(prompt) +
                                " input tokens (" + std::to_string(request.max_output_tokens) +
                                " > " + std::to_string(limit) + " - " + std::to_string(prompt) +
                                ")");
  }
  if (known_ids_.contains(request.id)) {
    return AlreadyExistsError("request id " + request.id + " is already in flight");
  }
  auto sequence = std::make_unique<Sequence>();
  sequence->id = std::move(request.id);
  sequence->tokens = std::move(request.prompt);
  sequence->prompt_tokens = prompt;
  if (transferred_output > 0) {
    sequence->transferred_tokens = prompt;
    sequence->tokens.insert(sequence->tokens.end(), request.transferred_output.begin(),
                            request.transferred_output.end());
  } else if (request.transferred_prompt_tokens > 0) {
    sequence->transferred_tokens = std::min(request.transferred_prompt_tokens, prompt - 1);
  }
  sequence->hold_kv_at_length = request.hold_kv_at_length;
  sequence->max_output_tokens = request.max_output_tokens;
  sequence->stop_after_tokens = request.stop_after_tokens;
  known_ids_.insert(sequence->id);
  scheduler_->Add(std::move(sequence));
  return OkStatus();
}

bool EngineCore::ReleaseHeldKv(const std::string& request_id) {
  const auto it = held_kv_.find(request_id);
  if (it == held_kv_.end()) return false;
  kv_cache_->Release(it->second);
  held_kv_.erase(it);
  return true;
}

void EngineCore::Abort(const std::string& request_id) {
  scheduler_->Remove(request_id);
  known_ids_.erase(request_id);
}

TokenEvent EngineCore::NextToken(Sequence& sequence) {
  TokenEvent event;
  event.request_id = sequence.id;
  event.output_index = sequence.output_tokens();
  const tokenizer::WordPiece& token = output_text_.NextOutputToken();
  event.text = token.text;
  sequence.tokens.push_back(token.id);
  const int64_t produced = sequence.output_tokens();
  if (sequence.stop_after_tokens > 0 && produced >= sequence.stop_after_tokens) {
    event.finish = FinishReason::kStop;
  } else if (produced >= sequence.max_output_tokens) {
    event.finish = FinishReason::kLength;
  }
  // SGLang reports the prompt's cached tokens with every streamed token.
  event.cached_prompt_tokens = sequence.cached_prompt_tokens;
  return event;
}

StepOutcome EngineCore::Step() {
  StepOutcome outcome;
  ScheduledBatch batch = scheduler_->Schedule();
  outcome.preemptions = batch.preemptions;
  total_preemptions_ += batch.preemptions;
  outcome.shape = batch.shape;
  outcome.cost = performance_.Cost(batch.shape);
  outcome.seconds = batch.first_of_run ? outcome.cost.total_seconds : outcome.cost.device_seconds();
  if (draft_performance_) {
    outcome.draft_seconds = DraftSeconds(batch);
    outcome.seconds += outcome.draft_seconds;
  }
  scheduler_->Complete(batch);

  std::vector<std::string> finished;
  std::vector<std::string> held;
  for (const ScheduledSequence& scheduled : batch.sequences) {
    Sequence& sequence = *scheduled.sequence;
    if (scheduled.admitted) outcome.admitted.push_back(sequence.id);
    if (sequence.pending_tokens() != 0) continue;  // a prefill chunk, no sample yet
    // Speculative decoding: the accepted proposals come first, their KV
    // computed in this step, then the target's own token.
    int64_t emit = 1;
    if (scheduled.speculative_tokens > 0) {
      const int64_t accepted = AcceptedTokens(scheduled.speculative_tokens);
      outcome.draft_tokens += scheduled.speculative_tokens;
      outcome.accepted_tokens += accepted;
      emit += accepted;
    }
    for (int64_t index = 0; index < emit; ++index) {
      if (index > 0) ++sequence.computed_tokens;  // the accepted proposal before it
      TokenEvent event = NextToken(sequence);
      const bool done = event.finish != FinishReason::kNone;
      if (done) {
        event.prompt_tokens = sequence.prompt_tokens;
        event.preemptions = sequence.preemptions;
        if (event.finish == FinishReason::kLength && sequence.hold_kv_at_length) {
          event.held_blocks = sequence.blocks.blocks;
          held.push_back(sequence.id);
        } else {
          finished.push_back(sequence.id);
        }
      }
      ++outcome.emitted_tokens;
      outcome.tokens.push_back(std::move(event));
      if (done) break;
    }
  }
  outcome.sampled_tokens = static_cast<int64_t>(outcome.tokens.size());
  if (!config_.multi_step_stream_outputs && config_.scheduler.num_scheduler_steps > 1) {
    std::move(outcome.tokens.begin(), outcome.tokens.end(), std::back_inserter(undelivered_));
    outcome.tokens.clear();
    // The run ends at its last step, or earlier when all of it has finished.
    // (A run emptied by aborts is flushed by the next Step, which has no
    // batch.)
    const bool run_ends =
        batch.empty() || batch.last_of_run ||
        scheduler_->running() == static_cast<int64_t>(finished.size() + held.size());
    if (run_ends) outcome.tokens = std::exchange(undelivered_, {});
  }
  for (const std::string& id : finished) Abort(id);
  for (const std::string& id : held) {
    std::unique_ptr<Sequence> sequence = scheduler_->Detach(id);
    known_ids_.erase(id);
    held_kv_[id] = std::move(sequence->blocks);
  }
  return outcome;
}

}  // namespace tessera::simulator
