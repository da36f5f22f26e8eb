#include "engine/simulator/engine_core.h"

#include <algorithm>
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
  return std::unique_ptr<EngineCore>(new EngineCore(
      config,
      std::make_unique<KvBlockManager>(blocks, config.block_size, config.enable_prefix_caching),
      std::move(model)));
}

EngineCore::EngineCore(const EngineConfig& config, std::unique_ptr<KvBlockManager> kv_cache,
                       PerformanceModel model)
    : config_(config),
      kv_cache_(std::move(kv_cache)),
      scheduler_(std::make_unique<Scheduler>(config.scheduler, *kv_cache_)),
      performance_(std::move(model)),
      output_text_(config.tokenizer, config.seed) {}

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

StepOutcome EngineCore::Step() {
  StepOutcome outcome;
  ScheduledBatch batch = scheduler_->Schedule();
  outcome.preemptions = batch.preemptions;
  total_preemptions_ += batch.preemptions;
  outcome.shape = batch.shape;
  outcome.cost = performance_.Cost(batch.shape);
  outcome.seconds = outcome.cost.total_seconds;
  scheduler_->Complete(batch);

  std::vector<std::string> finished;
  std::vector<std::string> held;
  for (const ScheduledSequence& scheduled : batch.sequences) {
    Sequence& sequence = *scheduled.sequence;
    if (scheduled.admitted) outcome.admitted.push_back(sequence.id);
    if (sequence.pending_tokens() != 0) continue;  // a prefill chunk, no sample yet
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
    if (event.finish != FinishReason::kNone) {
      event.prompt_tokens = sequence.prompt_tokens;
      event.preemptions = sequence.preemptions;
      if (event.finish == FinishReason::kLength && sequence.hold_kv_at_length) {
        event.held_blocks = sequence.blocks.blocks;
        held.push_back(sequence.id);
      } else {
        finished.push_back(sequence.id);
      }
    }
    outcome.tokens.push_back(std::move(event));
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
