#include "engine/simulator/performance_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tessera::simulator {

HardwareEfficiency EfficiencyFor(const hardware::GpuSpec& gpu) {
  // CDNA3/CDNA4 with vLLM or SGLang on ROCm: a whole prefill, GEMMs with
  // attention, norms, rotary embeddings and padding around them, reaches
  // about 30% of the dense peak; HBM reads about 70%; RCCL all-reduce calls
  // cost tens of microseconds each, and the launches left inside HIP graphs
  // some 130 µs per layer, so the fixed costs dominate small batches.
  // docs/engine-simulator.md#calibration derives them from a published run.
  if (gpu.name.starts_with("mi")) {
    return {.matmul = 0.30,
            .memory = 0.70,
            .interconnect = 0.55,
            .step_overhead_seconds = 6.0e-3,
            .layer_overhead_seconds = 130e-6,
            .allreduce_latency_seconds = 28e-6,
            .sequence_overhead_seconds = 12e-6,
            // Infinity Fabric: each GPU reaches each of its 7 peers over one
            // xGMI link of the 7 interconnect_bandwidth counts.
            .peer_link_share = 1.0 / 7.0};
  }
  // Hopper with CUDA graphs: lower launch and all-reduce costs.
  return {.matmul = 0.55,
          .memory = 0.75,
          .interconnect = 0.6,
          .step_overhead_seconds = 3.0e-3,
          .layer_overhead_seconds = 40e-6,
          .allreduce_latency_seconds = 15e-6,
          .sequence_overhead_seconds = 8e-6,
          // NVSwitch: a peer gets the GPU's whole NVLink bandwidth.
          .peer_link_share = 1.0};
}

PerformanceModel::PerformanceModel(model::ModelArchitecture model,
                                   hardware::PartitionProfile partition,
                                   int64_t tensor_parallel_size, hardware::DataType weight_type,
                                   hardware::DataType kv_cache_type, HardwareEfficiency efficiency,
                                   std::optional<model::PipelineStage> stage)
    : model_(std::move(model)),
      partition_(partition),
      tensor_parallel_size_(tensor_parallel_size),
      weight_type_(weight_type),
      efficiency_(efficiency),
      layers_(static_cast<double>(model_.num_layers)) {
  const auto ranks = static_cast<double>(tensor_parallel_size_);
  const model::ParameterCount parameters = model::CountParameters(model_);
  active_parameters_per_rank_ = static_cast<double>(parameters.active) / ranks;
  weight_bytes_per_rank_ = static_cast<double>(model::WeightBytes(model_, weight_type_)) / ranks;
  int64_t routed_layers =
      model_.experts ? model_.num_layers - model_.experts->first_dense_layers : 0;
  kv_bytes_per_token_per_rank_ = static_cast<double>(
      model::KvCacheBytesPerTokenPerRank(model_, kv_cache_type, tensor_parallel_size_));
  if (stage) {
    // A stage computes its share of the parameters (its layers, and the
    // embedding or the output head if it holds them), reads its own weights
    // and holds the KV of its layers only.
    const auto bf16 = hardware::DataType::kBFloat16;
    const double share = static_cast<double>(model::StageWeightBytes(model_, bf16, *stage)) /
                         static_cast<double>(model::WeightBytesOfLayers(
                             model_, bf16, 0, model_.num_layers, true, true));
    active_parameters_per_rank_ *= share;
    weight_bytes_per_rank_ =
        static_cast<double>(model::StageWeightBytes(model_, weight_type_, *stage)) / ranks;
    kv_bytes_per_token_per_rank_ *= static_cast<double>(stage->layers()) / layers_;
    layers_ = static_cast<double>(stage->layers());
    if (model_.experts) {
      const int64_t first_routed = std::max(stage->first_layer, model_.experts->first_dense_layers);
      routed_layers = std::max<int64_t>(0, stage->end_layer - first_routed);
    }
  }
  expert_bytes_per_rank_ = 0;
  if (model_.experts) {
    const double routed = static_cast<double>(model_.experts->routed_experts) * 3.0 *
                          static_cast<double>(model_.hidden_size) *
                          static_cast<double>(model_.experts->expert_intermediate_size) *
                          static_cast<double>(routed_layers);
    expert_bytes_per_rank_ =
        routed * static_cast<double>(hardware::BytesPerElement(weight_type_)) / ranks;
  }
}

double PerformanceModel::TransferSeconds(int64_t tokens) const {
  if (tokens <= 0) return 0;
  const auto ranks = static_cast<double>(tensor_parallel_size_);
  // Hidden states and residual, 16-bit, for every token of the step.
  const double payload =
      2.0 * static_cast<double>(tokens) * static_cast<double>(model_.hidden_size) * 2.0 /* bf16 */;
  const double bandwidth = partition_.interconnect_bandwidth * efficiency_.interconnect;
  double seconds = efficiency_.allreduce_latency_seconds +
                   payload / ranks / (bandwidth * efficiency_.peer_link_share);
  if (tensor_parallel_size_ > 1) {
    seconds += efficiency_.allreduce_latency_seconds + (ranks - 1.0) / ranks * payload / bandwidth;
  }
  return seconds;
}

double PerformanceModel::WeightBytesRead(int64_t tokens) const {
  if (!model_.experts || tokens <= 0) return weight_bytes_per_rank_;
  // Each token picks experts_per_token of routed_experts; the share of
  // experts some token touches is 1 - (1 - k/E)^tokens.
  const double choice = static_cast<double>(model_.experts->experts_per_token) /
                        static_cast<double>(model_.experts->routed_experts);
  const double touched = 1.0 - std::pow(1.0 - choice, static_cast<double>(tokens));
  return weight_bytes_per_rank_ - expert_bytes_per_rank_ * (1.0 - touched);
}

StepCost PerformanceModel::Cost(const StepShape& step) const {
  StepCost cost;
  if (step.sequences == 0) return cost;
  const auto ranks = static_cast<double>(tensor_parallel_size_);
  const double layers = layers_;

  const double linear_flops =
      2.0 * active_parameters_per_rank_ * static_cast<double>(step.new_tokens);
  // QK^T and AV: two multiply-adds per head dimension per attended pair.
  const double attention_flops = 4.0 * layers * static_cast<double>(model_.num_attention_heads) /
                                 ranks * static_cast<double>(model_.head_dim) *
                                 static_cast<double>(step.attention_pairs);
  cost.compute_seconds =
      (linear_flops + attention_flops) / (partition_.PeakFlops(weight_type_) * efficiency_.matmul);

  const double bytes = WeightBytesRead(step.new_tokens) +
                       kv_bytes_per_token_per_rank_ * static_cast<double>(step.kv_tokens_read);
  cost.memory_seconds = bytes / (partition_.memory_bandwidth * efficiency_.memory);

  if (tensor_parallel_size_ > 1) {
    // Two ring all-reduces of the hidden states per layer (after attention and
    // after the MLP), each moving 2(TP-1)/TP of the payload over the link.
    const double payload = static_cast<double>(step.new_tokens) *
                           static_cast<double>(model_.hidden_size) * 2.0 /* bf16 */;
    const double transfer = 2.0 * (ranks - 1.0) / ranks * payload /
                            (partition_.interconnect_bandwidth * efficiency_.interconnect);
    cost.communication_seconds = 2.0 * layers * (efficiency_.allreduce_latency_seconds + transfer);
  }

  cost.host_seconds = efficiency_.step_overhead_seconds +
                      static_cast<double>(step.sequences) * efficiency_.sequence_overhead_seconds;
  cost.overhead_seconds = cost.host_seconds + layers * efficiency_.layer_overhead_seconds;
  cost.total_seconds = std::max(cost.compute_seconds, cost.memory_seconds) +
                       cost.communication_seconds + cost.overhead_seconds;
  return cost;
}

}  // namespace tessera::simulator
