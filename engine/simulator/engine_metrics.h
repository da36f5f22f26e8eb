// The engine's Prometheus metrics under the names, types, labels and
// histogram buckets of the engine it imitates (vLLM V1 or SGLang), so that
// dashboards, alerts and Tessera's own autoscaler read the simulator exactly
// as they read the real engine. Times are simulated seconds.

#ifndef TESSERA_ENGINE_SIMULATOR_ENGINE_METRICS_H_
#define TESSERA_ENGINE_SIMULATOR_ENGINE_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "engine/simulator/sequence.h"
#include "engine/simulator/simulator_options.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace tessera::simulator {

struct StepMetrics {
  int64_t running = 0;
  int64_t waiting = 0;
  double kv_cache_usage = 0;  // 0..1
  int64_t kv_cache_used_tokens = 0;
  int64_t prefix_query_tokens = 0;   // cumulative
  int64_t prefix_hit_tokens = 0;     // cumulative
  int64_t preemptions = 0;           // cumulative
  int64_t iteration_tokens = 0;      // tokens computed in this step
  double generation_throughput = 0;  // tokens/s over the step
  // Speculative decoding, in this step: tokens proposed, accepted, and
  // emitted by the sequences that proposed.
  int64_t draft_tokens = 0;
  int64_t accepted_tokens = 0;
  int64_t emitted_tokens = 0;
};

struct FinishedRequestMetrics {
  FinishReason finish = FinishReason::kLength;
  double e2e_seconds = 0;
  double queue_seconds = 0;
  double prefill_seconds = 0;
  double decode_seconds = 0;
  int64_t prompt_tokens = 0;
  int64_t generation_tokens = 0;
  int64_t cached_prompt_tokens = 0;
  int64_t max_tokens = 0;
};

class EngineMetrics {
 public:
  // `kv_connector`: the engine runs vLLM's NixlConnector, whose metrics
  // exist only then. `num_speculative_tokens` > 0: the engine decodes
  // speculatively with that many proposals, and vLLM's spec_decode metrics
  // exist.
  EngineMetrics(Flavor flavor, const std::string& model_name, int64_t max_model_len,
                int64_t max_total_tokens, bool kv_connector = false,
                int64_t num_speculative_tokens = 0);
  ~EngineMetrics();
  EngineMetrics(const EngineMetrics&) = delete;
  EngineMetrics& operator=(const EngineMetrics&) = delete;

  void RecordStep(const StepMetrics& step);
  void RecordFirstToken(double seconds);
  void RecordInterTokenLatency(double seconds);
  void RecordFinished(const FinishedRequestMetrics& request);
  void RecordError();
  // The cache's occupancy between steps: held KV blocks freed while idle.
  void RecordKvCacheUsage(double usage, int64_t used_tokens);
  // NixlConnector, decode side: one read of a prefill worker's KV, in
  // simulated seconds and bytes per rank; or one that failed.
  void RecordKvTransfer(double seconds, int64_t bytes);
  void RecordKvTransferFailure();
  // NixlConnector, prefill side: held KV blocks no decode worker read in time.
  void RecordKvExpired();

  // The Prometheus text exposition of every metric.
  std::string Serialize() const;

 private:
  struct Instruments;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Instruments> instruments_;
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_ENGINE_METRICS_H_
