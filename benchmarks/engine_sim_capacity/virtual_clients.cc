#include "benchmarks/engine_sim_capacity/virtual_clients.h"

#include <utility>

namespace tessera::bench {

StatusOr<VirtualClients> VirtualClients::Create(const simulator::EngineConfig& config,
                                                int64_t max_tokens, const std::string& prompt) {
  StatusOr<std::unique_ptr<simulator::EngineCore>> engine = simulator::EngineCore::Create(config);
  if (!engine.ok()) return engine.status();
  return VirtualClients(*std::move(engine), max_tokens, config.tokenizer->Encode(prompt));
}

Status VirtualClients::Add() {
  simulator::EngineRequest request;
  request.id = std::to_string(next_id_++);
  request.prompt = prompt_;
  request.max_output_tokens = DrawMaxTokens(random_, max_tokens_);
  return engine_->Add(std::move(request));
}

StatusOr<simulator::StepOutcome> VirtualClients::Step() {
  simulator::StepOutcome outcome = engine_->Step();
  for (; finished_last_step_ > 0; --finished_last_step_) TESSERA_RETURN_IF_ERROR(Add());
  for (const simulator::TokenEvent& event : outcome.tokens) {
    if (event.finish != simulator::FinishReason::kNone) ++finished_last_step_;
  }
  return outcome;
}

}  // namespace tessera::bench
