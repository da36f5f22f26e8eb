// The benchmark's clients against an EngineCore stepped directly in virtual
// time: requests as the HTTP clients send them, and each finished request
// replaced by a new one, as the live load does. What the simulated steps
// demand is measured on these, without HTTP or the simulator's process.

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_VIRTUAL_CLIENTS_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_VIRTUAL_CLIENTS_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "benchmarks/engine_sim_capacity/capacity_workload.h"
#include "engine/simulator/engine_core.h"
#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::bench {

class VirtualClients {
 public:
  // Fails when the engine cannot be created (the model does not fit).
  static StatusOr<VirtualClients> Create(const simulator::EngineConfig& config, int64_t max_tokens,
                                         const std::string& prompt);

  // Sends one more request, with max_tokens drawn as the live clients draw it.
  Status Add();

  // Runs one step. A finished request's replacement reaches the server
  // while the next step is already planned, so it joins the step after.
  StatusOr<simulator::StepOutcome> Step();

  bool Idle() const { return engine_->idle(); }

 private:
  VirtualClients(std::unique_ptr<simulator::EngineCore> engine, int64_t max_tokens,
                 std::vector<tokenizer::TokenId> prompt)
      : engine_(std::move(engine)), max_tokens_(max_tokens), prompt_(std::move(prompt)) {}

  std::unique_ptr<simulator::EngineCore> engine_;
  int64_t max_tokens_;
  std::vector<tokenizer::TokenId> prompt_;
  std::mt19937_64 random_{kSeed};
  int64_t next_id_ = 0;
  int64_t finished_last_step_ = 0;
};

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_VIRTUAL_CLIENTS_H_
