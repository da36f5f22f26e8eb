#include "engine/simulator/scheduler.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace tessera::simulator {

Scheduler::Scheduler(SchedulerConfig config, KvBlockManager& kv_cache)
    : config_(config), kv_cache_(kv_cache) {}

void Scheduler::Add(std::unique_ptr<Sequence> sequence) { waiting_.push_back(std::move(sequence)); }

void Scheduler::AddToShape(ScheduledBatch& batch, const Sequence& sequence, int64_t new_tokens) {
  StepShape& shape = batch.shape;
  shape.new_tokens += new_tokens;
  shape.sequences += 1;
  shape.kv_tokens_read += sequence.computed_tokens + new_tokens;
  // Causal attention: the i-th new token attends to the context and the i
  // new tokens up to itself.
  shape.attention_pairs +=
      new_tokens * sequence.computed_tokens + new_tokens * (new_tokens + 1) / 2;
}

void Scheduler::Preempt(Sequence& sequence) {
  kv_cache_.Release(sequence.blocks);
  sequence.computed_tokens = 0;
  ++sequence.preemptions;
  const auto it = std::find_if(running_.begin(), running_.end(),
                               [&](const auto& candidate) { return candidate.get() == &sequence; });
  waiting_.push_front(std::move(*it));
  running_.erase(it);
}

bool Scheduler::ReserveOrPreempt(Sequence& sequence, int64_t tokens, ScheduledBatch& batch) {
  while (!kv_cache_.Reserve(sequence.blocks, sequence.computed_tokens + tokens)) {
    Sequence& victim = *running_.back();
    Preempt(victim);
    ++batch.preemptions;
    if (&victim == &sequence) return false;
  }
  return true;
}

void Scheduler::AdmitWaiting(ScheduledBatch& batch, int64_t& budget, bool whole_prompts_only) {
  while (!waiting_.empty() && budget > 0 &&
         static_cast<int64_t>(running_.size()) < config_.max_num_seqs) {
    Sequence& sequence = *waiting_.front();
    if (sequence.blocks.blocks.empty()) {
      if (sequence.transferred_tokens > 0 && sequence.preemptions == 0) {
        // The KV is already here; it only needs blocks to land in.
        sequence.computed_tokens = sequence.transferred_tokens;
      } else {
        sequence.computed_tokens = kv_cache_.AcquireCachedPrefix(sequence.blocks, sequence.tokens);
        sequence.cached_prompt_tokens = sequence.computed_tokens;
      }
    }
    int64_t new_tokens = sequence.pending_tokens();
    if (new_tokens > budget) {
      if (whole_prompts_only) {
        kv_cache_.Release(sequence.blocks);
        sequence.computed_tokens = 0;
        return;
      }
      new_tokens = budget;
    }
    if (!kv_cache_.Reserve(sequence.blocks, sequence.computed_tokens + new_tokens)) {
      kv_cache_.Release(sequence.blocks);
      sequence.computed_tokens = 0;
      return;
    }
    AddToShape(batch, sequence, new_tokens);
    batch.sequences.push_back({.sequence = &sequence, .new_tokens = new_tokens, .admitted = true});
    budget -= new_tokens;
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
}

void Scheduler::ScheduleRunning(ScheduledBatch& batch, int64_t& budget, int64_t lookahead) {
  for (size_t index = 0; index < running_.size() && budget > 0; ++index) {
    Sequence& sequence = *running_[index];
    const int64_t new_tokens = std::min(sequence.pending_tokens(), budget);
    // A decode verifies the proposed tokens after its last one.
    const int64_t speculative = sequence.pending_tokens() == 1 && sequence.output_tokens() > 0
                                    ? config_.num_speculative_tokens
                                    : 0;
    if (!ReserveOrPreempt(sequence, new_tokens + speculative + lookahead, batch)) break;
    AddToShape(batch, sequence, new_tokens + speculative);
    batch.sequences.push_back(
        {.sequence = &sequence, .new_tokens = new_tokens, .speculative_tokens = speculative});
    budget -= new_tokens;  // vLLM budgets proposals as lookahead slots, not tokens
  }
}

ScheduledBatch Scheduler::Schedule() {
  if (config_.num_scheduler_steps > 1) return ScheduleMultiStep();
  ScheduledBatch batch;
  if (!config_.enable_chunked_prefill) {
    // vLLM V0: whole prompts must fit one step, and prefills go first.
    int64_t budget = std::max(config_.max_num_batched_tokens, config_.max_model_len);
    AdmitWaiting(batch, budget, /*whole_prompts_only=*/true);
    if (!batch.empty()) return batch;
  }
  int64_t budget = config_.max_num_batched_tokens;
  ScheduleRunning(batch, budget, /*lookahead=*/0);
  if (config_.enable_chunked_prefill && batch.preemptions == 0) {
    AdmitWaiting(batch, budget, /*whole_prompts_only=*/false);
  }
  return batch;
}

ScheduledBatch Scheduler::ScheduleMultiStep() {
  ScheduledBatch batch;
  // A run ends early when every sequence in it has finished.
  if (running_.empty()) steps_left_in_run_ = 0;
  if (steps_left_in_run_ > 0) {
    // Mid-run: the GPU advances every sequence of the run by one token
    // without the scheduler.
    batch.first_of_run = false;
    --steps_left_in_run_;
    batch.last_of_run = steps_left_in_run_ == 0;
    int64_t budget = std::numeric_limits<int64_t>::max();
    ScheduleRunning(batch, budget, /*lookahead=*/0);
    return batch;
  }
  const int64_t steps = config_.num_scheduler_steps;
  if (!config_.enable_chunked_prefill) {
    int64_t budget = std::max(config_.max_num_batched_tokens, config_.max_model_len);
    AdmitWaiting(batch, budget, /*whole_prompts_only=*/true);
    if (!batch.empty()) return batch;  // a prefill run is one step
    budget = config_.max_num_batched_tokens;
    ScheduleRunning(batch, budget, /*lookahead=*/steps - 1);
  } else {
    int64_t budget = config_.max_num_batched_tokens;
    ScheduleRunning(batch, budget, /*lookahead=*/steps - 1);
    if (batch.preemptions == 0) AdmitWaiting(batch, budget, /*whole_prompts_only=*/true);
  }
  if (!batch.empty()) {
    steps_left_in_run_ = steps - 1;
    batch.last_of_run = false;
  }
  return batch;
}

void Scheduler::Complete(const ScheduledBatch& batch) {
  for (const ScheduledSequence& scheduled : batch.sequences) {
    Sequence& sequence = *scheduled.sequence;
    sequence.computed_tokens += scheduled.new_tokens;
    kv_cache_.CommitFullBlocks(sequence.blocks, sequence.tokens, sequence.computed_tokens);
  }
}

std::unique_ptr<Sequence> Scheduler::Remove(const std::string& id) {
  return Take(id, /*release_blocks=*/true);
}

std::unique_ptr<Sequence> Scheduler::Detach(const std::string& id) {
  return Take(id, /*release_blocks=*/false);
}

std::unique_ptr<Sequence> Scheduler::Take(const std::string& id, bool release_blocks) {
  auto take = [&](auto& queue) -> std::unique_ptr<Sequence> {
    const auto it = std::find_if(queue.begin(), queue.end(),
                                 [&](const auto& sequence) { return sequence->id == id; });
    if (it == queue.end()) return nullptr;
    std::unique_ptr<Sequence> sequence = std::move(*it);
    queue.erase(it);
    if (release_blocks) kv_cache_.Release(sequence->blocks);
    return sequence;
  };
  if (std::unique_ptr<Sequence> sequence = take(running_)) return sequence;
  return take(waiting_);
}

}  // namespace tessera::simulator
