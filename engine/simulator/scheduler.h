// Iteration-level continuous batching as vLLM schedules it. Each call plans
// one engine step:
//
//   chunked prefill (vLLM V1, the default): running sequences first (one
//   decode token each, or the next chunk of an unfinished prefill), then
//   waiting sequences' prefills, all within the batched-token budget and
//   max_num_seqs; a prefill that does not fit the remaining budget is
//   chunked;
//   without chunked prefill (vLLM V0): a step is either all prefills (whole
//   prompts, taken first whenever one can be admitted) or all decodes.
//
// Multi-step scheduling (vLLM V0's --num-scheduler-steps N) schedules once
// per run of steps, as vLLM 0.6's LLMEngine.step calls Scheduler.schedule
// only when the previous run has no steps left:
//
//   without chunked prefill (Scheduler._schedule_default): a run of whole
//   prefills is one step (prefills get no lookahead slots); otherwise the
//   running sequences decode for N steps, with KV reserved up front for
//   all N tokens (N - 1 lookahead slots);
//   with chunked prefill (_schedule_chunked_prefill): a run is N steps; the
//   first computes the decodes and whole prompts of newly admitted
//   sequences (multi-step does not chunk a prompt: one that does not fit
//   the remaining budget waits for the next run), the other N - 1 decode
//   every sequence of the run.
//
// Nothing joins a run after its first step; a sequence that finishes
// mid-run leaves, and its slot stays empty until the next run.
//
// When the KV cache runs out, the most recently admitted running sequence is
// preempted: its blocks are freed and it returns to the head of the waiting
// queue to be recomputed.

#ifndef TESSERA_ENGINE_SIMULATOR_SCHEDULER_H_
#define TESSERA_ENGINE_SIMULATOR_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "engine/simulator/kv_block_manager.h"
#include "engine/simulator/performance_model.h"
#include "engine/simulator/sequence.h"

namespace tessera::simulator {

struct SchedulerConfig {
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = 8192;
  int64_t max_model_len = 4096;
  bool enable_chunked_prefill = true;
  int64_t num_scheduler_steps = 1;
  // Speculative decoding: each decoding sequence's step verifies this many
  // proposed tokens after its last one, and reserves KV for them.
  int64_t num_speculative_tokens = 0;
};

struct ScheduledSequence {
  Sequence* sequence = nullptr;
  int64_t new_tokens = 0;
  // Speculative decoding: proposed tokens verified after the new one (a
  // decode's), computed in the step; those accepted become computed tokens.
  int64_t speculative_tokens = 0;
  bool admitted = false;  // moved from waiting to running by this step
};

struct ScheduledBatch {
  std::vector<ScheduledSequence> sequences;
  int64_t preemptions = 0;
  StepShape shape;
  // Multi-step: whether this step begins a run (the scheduler ran and the
  // host prepared the inputs) and whether it is the run's last. A
  // single-step engine's every step is both.
  bool first_of_run = true;
  bool last_of_run = true;

  bool empty() const { return sequences.empty(); }
};

class Scheduler {
 public:
  Scheduler(SchedulerConfig config, KvBlockManager& kv_cache);

  // Queues a sequence; the scheduler owns it until it finishes or is removed.
  void Add(std::unique_ptr<Sequence> sequence);

  // Plans the next step. The batch's sequences stay owned by the scheduler.
  ScheduledBatch Schedule();

  // Records that `batch` ran: advances computed tokens and commits full
  // blocks. Sampling new tokens is the caller's job (it appends to
  // Sequence::tokens); call Finish for sequences that are done.
  void Complete(const ScheduledBatch& batch);

  // Removes a sequence (finished or aborted) and frees its blocks. Returns it
  // so the caller can read its final state; null when the id is unknown.
  std::unique_ptr<Sequence> Remove(const std::string& id);
  // Remove() that leaves the sequence's blocks allocated: the caller now
  // owns them and must Release() them.
  std::unique_ptr<Sequence> Detach(const std::string& id);

  int64_t running() const { return static_cast<int64_t>(running_.size()); }
  int64_t waiting() const { return static_cast<int64_t>(waiting_.size()); }
  bool idle() const { return running_.empty() && waiting_.empty(); }

 private:
  // Reserves KV for `tokens` more tokens of `sequence`, preempting running
  // sequences from the back (never `sequence` itself unless it is the only
  // one left) until it fits. Returns false when `sequence` itself had to be
  // preempted.
  bool ReserveOrPreempt(Sequence& sequence, int64_t tokens, ScheduledBatch& batch);
  void Preempt(Sequence& sequence);
  // Admits waiting sequences into `batch` within `budget` tokens.
  void AdmitWaiting(ScheduledBatch& batch, int64_t& budget, bool whole_prompts_only);
  // Running sequences, in admission order, each with its pending tokens
  // within `budget`, reserving `lookahead` more tokens of KV beyond them.
  void ScheduleRunning(ScheduledBatch& batch, int64_t& budget, int64_t lookahead);
  ScheduledBatch ScheduleMultiStep();
  std::unique_ptr<Sequence> Take(const std::string& id, bool release_blocks);
  static void AddToShape(ScheduledBatch& batch, const Sequence& sequence, int64_t new_tokens);

  SchedulerConfig config_;
  KvBlockManager& kv_cache_;
  std::deque<std::unique_ptr<Sequence>> waiting_;
  std::vector<std::unique_ptr<Sequence>> running_;
  int64_t steps_left_in_run_ = 0;  // multi-step: steps after the current one
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_SCHEDULER_H_
