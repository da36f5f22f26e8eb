#include "engine/simulator/engine_core.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "engine/model/pipeline_stages.h"
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
  const int64_t pipeline_stages = config.memory.pipeline_parallel_size;
  if (pipeline_stages > 1 && config.speculative) {
    return InvalidArgumentError("speculative decoding with --pipeline-parallel-size " +
                                std::to_string(pipeline_stages) + " is not simulated");
  }
  // vLLM V0 gives each virtual engine's scheduler 1/PP of the blocks.
  const int64_t engine_blocks = blocks / pipeline_stages;
  if (engine_blocks < blocks_per_sequence) {
    const std::string holder = pipeline_stages > 1
                                   ? "each of the " + std::to_string(pipeline_stages) +
                                         " virtual engines' share of the KV cache"
                                   : "the KV cache";
    return ResourceExhaustedError(
        holder + " holds " + std::to_string(engine_blocks * config.block_size) +
        " tokens, less than one sequence of max_model_len " +
        std::to_string(config.memory.max_model_len) + " (" +
        (option.reason.empty() ? "raise --gpu-memory-utilization or lower --max-model-len"
                               : option.reason) +
        ")");
  }
  const HardwareEfficiency efficiency = EfficiencyFor(*config.memory.partition.gpu);
  std::vector<PerformanceModel> stages;
  if (pipeline_stages == 1) {
    stages.emplace_back(config.memory.model, config.memory.partition,
                        config.memory.tensor_parallel_size, config.memory.weight_type,
                        config.memory.kv_cache_type, efficiency);
  } else {
    for (const model::PipelineStage& stage :
         model::PipelineStages(config.memory.model, pipeline_stages)) {
      stages.emplace_back(config.memory.model, config.memory.partition,
                          config.memory.tensor_parallel_size, config.memory.weight_type,
                          config.memory.kv_cache_type, efficiency, stage);
    }
  }
  std::optional<PerformanceModel> draft;
  if (config.speculative && config.speculative->draft_model) {
    draft.emplace(*config.speculative->draft_model, config.memory.partition,
                  config.memory.tensor_parallel_size, config.memory.weight_type,
                  config.memory.kv_cache_type, efficiency);
  }
  std::vector<VirtualEngine> engines(static_cast<size_t>(pipeline_stages));
  for (VirtualEngine& engine : engines) {
    engine.kv_cache = std::make_unique<KvBlockManager>(engine_blocks, config.block_size,
                                                       config.enable_prefix_caching);
    engine.scheduler = std::make_unique<Scheduler>(config.scheduler, *engine.kv_cache);
  }
  return std::unique_ptr<EngineCore>(
      new EngineCore(config, std::move(engines), std::move(stages), std::move(draft)));
}

EngineCore::EngineCore(const EngineConfig& config, std::vector<VirtualEngine> engines,
                       std::vector<PerformanceModel> stages, std::optional<PerformanceModel> draft)
    : config_(config),
      engines_(std::move(engines)),
      stages_(std::move(stages)),
      draft_performance_(std::move(draft)),
      acceptance_random_(config.seed ^ 0x5bd1e995u),
      output_text_(config.tokenizer, config.seed),
      stage_free_at_(stages_.size(), 0.0) {}

bool EngineCore::idle() const {
  return std::all_of(engines_.begin(), engines_.end(), [](const VirtualEngine& engine) {
    return engine.scheduler->idle() && engine.undelivered.empty() && !engine.in_flight;
  });
}

KvCacheTotals EngineCore::kv_cache_totals() const {
  KvCacheTotals totals{.block_size = engines_.front().kv_cache->block_size()};
  for (const VirtualEngine& engine : engines_) {
    totals.total_blocks += engine.kv_cache->total_blocks();
    totals.free_blocks += engine.kv_cache->free_blocks();
    totals.prefix_query_tokens += engine.kv_cache->prefix_query_tokens();
    totals.prefix_hit_tokens += engine.kv_cache->prefix_hit_tokens();
  }
  return totals;
}

int64_t EngineCore::running() const {
  int64_t total = 0;
  for (const VirtualEngine& engine : engines_) total += engine.scheduler->running();
  return total;
}

int64_t EngineCore::waiting() const {
  int64_t total = 0;
  for (const VirtualEngine& engine : engines_) total += engine.scheduler->waiting();
  return total;
}

EngineCore::Acceptance EngineCore::Accept(int64_t proposed) {
  // vLLM's rejection sampler tests every proposal: the sequence keeps those
  // up to the first rejected, and its metrics count every accepted one.
  std::bernoulli_distribution accept(config_.speculative->acceptance_rate);
  Acceptance acceptance;
  bool rejected = false;
  for (int64_t index = 0; index < proposed; ++index) {
    if (!accept(acceptance_random_)) {
      rejected = true;
      continue;
    }
    ++acceptance.counted;
    if (!rejected) ++acceptance.kept;
  }
  return acceptance;
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
  return static_cast<double>(kv_cache_totals().total_tokens()) /
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
  // vLLM adds a request to the virtual engine with the fewest unfinished ones.
  VirtualEngine* least = &engines_.front();
  for (VirtualEngine& engine : engines_) {
    if (engine.scheduler->running() + engine.scheduler->waiting() <
        least->scheduler->running() + least->scheduler->waiting()) {
      least = &engine;
    }
  }
  least->scheduler->Add(std::move(sequence));
  return OkStatus();
}

bool EngineCore::ReleaseHeldKv(const std::string& request_id) {
  const auto it = held_kv_.find(request_id);
  if (it == held_kv_.end()) return false;
  engines_[it->second.engine].kv_cache->Release(it->second.blocks);
  held_kv_.erase(it);
  return true;
}

void EngineCore::Abort(const std::string& request_id) {
  for (VirtualEngine& engine : engines_) {
    // A batch in flight forgets the sequence; its time is already spent.
    if (engine.in_flight) {
      std::erase_if(engine.in_flight->batch.sequences, [&](const ScheduledSequence& scheduled) {
        return scheduled.sequence->id == request_id;
      });
    }
    if (engine.scheduler->Remove(request_id)) break;
  }
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
  if (stages_.size() == 1) {
    VirtualEngine& engine = engines_.front();
    ScheduledBatch batch = engine.scheduler->Schedule();
    outcome.shape = batch.shape;
    outcome.cost = stages_.front().Cost(batch.shape);
    outcome.seconds =
        batch.first_of_run ? outcome.cost.total_seconds : outcome.cost.device_seconds();
    if (draft_performance_) {
      outcome.draft_seconds = DraftSeconds(batch);
      outcome.seconds += outcome.draft_seconds;
    }
    Finish(engine, batch, outcome);
    return outcome;
  }
  for (VirtualEngine& engine : engines_) {
    if (engine.in_flight || (engine.scheduler->idle() && engine.undelivered.empty())) continue;
    ScheduledBatch batch = engine.scheduler->Schedule();
    if (batch.empty()) {
      // Nothing to compute (a run emptied by aborts, or preemption): no time.
      Finish(engine, batch, outcome);
      return outcome;
    }
    Launch(engine, std::move(batch));
  }
  VirtualEngine* first = nullptr;
  for (VirtualEngine& engine : engines_) {
    if (engine.in_flight &&
        (first == nullptr || engine.in_flight->completes_at < first->in_flight->completes_at)) {
      first = &engine;
    }
  }
  if (first == nullptr) return outcome;  // idle: nothing to run
  InFlight flight = *std::move(first->in_flight);
  first->in_flight.reset();
  outcome.shape = flight.batch.shape;
  outcome.cost = flight.cost;
  outcome.seconds = std::max(0.0, flight.completes_at - now_);
  now_ = std::max(now_, flight.completes_at);
  Finish(*first, flight.batch, outcome);
  return outcome;
}

void EngineCore::Launch(VirtualEngine& engine, ScheduledBatch batch) {
  // The host prepares the batch (one Python process serves every virtual
  // engine, so their host work queues), then it passes the stages in order,
  // each stage free once it has finished the batch launched before; between
  // stages the intermediate tensors cross to the next stage's GPUs.
  InFlight flight;
  flight.cost = stages_.front().Cost(batch.shape);
  double at = now_;
  if (batch.first_of_run) {
    host_free_at_ = std::max(now_, host_free_at_) + flight.cost.host_seconds;
    at = host_free_at_;
  }
  for (size_t stage = 0; stage < stages_.size(); ++stage) {
    const double device = stage == 0 ? flight.cost.device_seconds()
                                     : stages_[stage].Cost(batch.shape).device_seconds();
    const double start = std::max(at, stage_free_at_[stage]);
    stage_free_at_[stage] = start + device;
    at = stage_free_at_[stage];
    if (stage + 1 < stages_.size()) at += stages_[stage].TransferSeconds(batch.shape.new_tokens);
  }
  flight.completes_at = at;
  flight.batch = std::move(batch);
  engine.in_flight = std::move(flight);
}

void EngineCore::Finish(VirtualEngine& engine, const ScheduledBatch& batch, StepOutcome& outcome) {
  outcome.preemptions = batch.preemptions;
  total_preemptions_ += batch.preemptions;
  engine.scheduler->Complete(batch);

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
      const Acceptance acceptance = Accept(scheduled.speculative_tokens);
      outcome.draft_tokens += scheduled.speculative_tokens;
      outcome.accepted_tokens += acceptance.counted;
      emit += acceptance.kept;
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
    std::vector<TokenEvent>& undelivered = engine.undelivered;
    std::move(outcome.tokens.begin(), outcome.tokens.end(), std::back_inserter(undelivered));
    outcome.tokens.clear();
    // The run ends at its last step, or earlier when all of it has finished.
    // (A run emptied by aborts is flushed by the next Step, which has no
    // batch.)
    const bool run_ends =
        batch.empty() || batch.last_of_run ||
        engine.scheduler->running() == static_cast<int64_t>(finished.size() + held.size());
    if (run_ends) outcome.tokens = std::exchange(undelivered, {});
  }
  for (const std::string& id : finished) Abort(id);
  for (const std::string& id : held) {
    std::unique_ptr<Sequence> sequence = engine.scheduler->Detach(id);
    known_ids_.erase(id);
    held_kv_[id] = HeldKv{.engine = static_cast<size_t>(&engine - engines_.data()),
                          .blocks = std::move(sequence->blocks)};
  }
}

}  // namespace tessera::simulator
