// How long one engine iteration takes: a roofline over the work the step
// does, plus the fixed costs real engines pay per step, per layer and per
// tensor-parallel all-reduce. docs/engine-simulator.md derives the terms and
// records the calibration.

#ifndef TESSERA_ENGINE_SIMULATOR_PERFORMANCE_MODEL_H_
#define TESSERA_ENGINE_SIMULATOR_PERFORMANCE_MODEL_H_

#include <cstdint>
#include <optional>

#include "engine/model/model_architecture.h"
#include "engine/model/pipeline_stages.h"
#include "hardware/gpu_catalog.h"

namespace tessera::simulator {

// What fraction of the vendor's peak a serving engine achieves on a GPU
// family, and the fixed costs it pays. One set per GPU family, shared by every
// model and scenario: these are properties of hardware plus software stack,
// never tuned per benchmark.
struct HardwareEfficiency {
  double matmul = 0.5;                   // of peak dense FLOP/s, for GEMMs and attention
  double memory = 0.7;                   // of peak HBM bandwidth, for weight and KV reads
  double interconnect = 0.6;             // of peak peer bandwidth, for all-reduce payloads
  double step_overhead_seconds = 0;      // scheduling, sampling, output per step
  double layer_overhead_seconds = 0;     // kernel launches per layer per step
  double allreduce_latency_seconds = 0;  // per all-reduce call
  double sequence_overhead_seconds = 0;  // per sequence per step (sampling, detokenizing)
  // Of the interconnect's peak, the share one point-to-point send between two
  // GPUs gets (pipeline parallelism): one of the links of a fully connected
  // mesh, or all of a switched fabric's bandwidth.
  double peer_link_share = 1.0;
};

// The efficiency of the engines we model on `gpu` ("mi300x", "h100", ...).
HardwareEfficiency EfficiencyFor(const hardware::GpuSpec& gpu);

// The work of one iteration on one tensor-parallel rank.
struct StepShape {
  int64_t new_tokens = 0;      // prefill and decode tokens computed this step
  int64_t sequences = 0;       // sequences in the batch
  int64_t kv_tokens_read = 0;  // cached tokens attention reads, summed over sequences
  // Σ over sequences of new tokens × tokens each attends to (for attention FLOPs).
  int64_t attention_pairs = 0;
};

struct StepCost {
  double compute_seconds = 0;
  double memory_seconds = 0;
  double communication_seconds = 0;
  double overhead_seconds = 0;
  // Of the overhead, the host's share: scheduling and preparing the step's
  // inputs, and processing its outputs (per step and per sequence). The
  // rest, kernel launches per layer, is spent on the GPU's timeline.
  // Multi-step scheduling overlaps the host's share with the GPU's next
  // step, so only a run's first step pays it.
  double host_seconds = 0;
  // max(compute, memory) + communication + overhead: compute and memory
  // traffic overlap; all-reduces and launches do not.
  double total_seconds = 0;
  // What a step inside a multi-step run costs: total less the host's share.
  double device_seconds() const { return total_seconds - host_seconds; }
};

class PerformanceModel {
 public:
  // The step time of a rank holding the whole model, or with `stage` (pipeline
  // parallelism) only that stage's layers, with the embedding or output head
  // when the stage holds them.
  PerformanceModel(model::ModelArchitecture model, hardware::PartitionProfile partition,
                   int64_t tensor_parallel_size, hardware::DataType weight_type,
                   hardware::DataType kv_cache_type, HardwareEfficiency efficiency,
                   std::optional<model::PipelineStage> stage = std::nullopt);

  StepCost Cost(const StepShape& step) const;

  // Pipeline parallelism: handing `tokens` tokens' intermediate tensors
  // (hidden states and residual) from this stage to the next. Each rank sends
  // its 1/TP slice to its peer of the next stage, which all-gathers them.
  double TransferSeconds(int64_t tokens) const;

  int64_t tensor_parallel_size() const { return tensor_parallel_size_; }

 private:
  // Weight bytes a step reads on one rank: all dense weights, and for a
  // mixture of experts only the experts its tokens are routed to.
  double WeightBytesRead(int64_t tokens) const;

  model::ModelArchitecture model_;
  hardware::PartitionProfile partition_;
  int64_t tensor_parallel_size_;
  hardware::DataType weight_type_;
  HardwareEfficiency efficiency_;
  double layers_;  // decoder layers this rank computes
  double active_parameters_per_rank_;
  double weight_bytes_per_rank_;
  double expert_bytes_per_rank_;  // routed experts only; 0 for dense models
  double kv_bytes_per_token_per_rank_;
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_PERFORMANCE_MODEL_H_
