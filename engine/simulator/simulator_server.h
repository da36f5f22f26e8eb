// tessera-engine-sim's HTTP face: the OpenAI endpoints (and SGLang's native
// /generate in SGLang's flavor), health, model list and metrics of the
// engine it imitates, over an EngineCore that it steps in
// wall time (simulated time × --time-scale). Everything runs on one
// io_context thread: requests arrive, steps are timed with a steady timer,
// and each step's tokens are written when the step ends, so no locks are
// needed and a request that arrives mid-step joins the next step, as in a
// real engine.

#ifndef TESSERA_ENGINE_SIMULATOR_SIMULATOR_SERVER_H_
#define TESSERA_ENGINE_SIMULATOR_SIMULATOR_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/logging.h"
#include "base/status.h"
#include "engine/openai/completion_request.h"
#include "engine/simulator/completion_response.h"
#include "engine/simulator/engine_core.h"
#include "engine/simulator/engine_metrics.h"
#include "engine/simulator/kv_bootstrap_server.h"
#include "engine/simulator/kv_fetcher.h"
#include "engine/simulator/kv_side_channel.h"
#include "engine/simulator/simulator_options.h"
#include "http/http_exchange.h"
#include "http/http_server.h"

namespace tessera::simulator {

class SimulatorServer {
 public:
  // Creates the engine (failing when the model does not fit) and begins
  // "loading". vLLM's flavor opens its port only once loaded (clients see
  // connection refused until then); SGLang's opens it at once and answers
  // /health with 503 until loaded. `on_fatal` runs once when an injected
  // failure kills the engine; the process should then exit non-zero.
  static StatusOr<std::unique_ptr<SimulatorServer>> Start(boost::asio::io_context& io_context,
                                                          SimulatorOptions options, Logger logger,
                                                          std::function<void()> on_fatal);

  SimulatorServer(const SimulatorServer&) = delete;
  SimulatorServer& operator=(const SimulatorServer&) = delete;
  ~SimulatorServer();

  // Stops accepting, lets streams in progress finish, then runs `on_drained`.
  void Shutdown(std::function<void()> on_drained);

 private:
  struct ActiveRequest {
    CompletionResponse response;
    // Prefill role: the room this request holds on the bootstrap server; its
    // response completes once the KV is transferred.
    std::optional<uint64_t> bootstrap_room;
    bool kv_transferred = false;
    FinishReason finish = FinishReason::kNone;  // set when computing is done
    // Decode role: what the engine runs once the prefill worker's KV arrives.
    std::optional<EngineRequest> awaiting_kv;
    // vLLM's protocol, decode role: the read of the prefill worker's blocks.
    std::shared_ptr<http::HttpCall> kv_read;
    // vLLM's protocol, prefill role: the KV blocks the engine kept when the
    // request finished, for a decode worker to read.
    std::vector<BlockId> held_blocks;
    int64_t prompt_tokens = 0;
    int64_t cached_tokens = 0;  // of the prompt, from the prefix cache
    int64_t max_tokens = 0;
    double arrival = 0;
    double scheduled = -1;
    double first_token = -1;
    double last_token = 0;
    std::string first_token_text;  // as sampled, before stop strings cut it
  };

  SimulatorServer(boost::asio::io_context& io_context, SimulatorOptions options, Logger logger,
                  std::unique_ptr<EngineCore> core, std::function<void()> on_fatal);

  Status Listen();
  void BecomeReady();
  void Handle(const std::shared_ptr<http::HttpExchange>& exchange);
  void HandleHealth(const std::shared_ptr<http::HttpExchange>& exchange) const;
  void HandleCompletion(const std::shared_ptr<http::HttpExchange>& exchange,
                        openai::Endpoint endpoint);
  // SGLang's native POST /generate.
  void HandleGenerate(const std::shared_ptr<http::HttpExchange>& exchange);
  // Runs a parsed, validated request whose answer `response` will write:
  // checks its disaggregation role, hands it to the engine (or waits for
  // its KV) and tracks it until it is answered.
  void Admit(const std::shared_ptr<http::HttpExchange>& exchange,
             const openai::CompletionRequest& request, std::vector<tokenizer::TokenId> prompt,
             int64_t max_tokens, CompletionResponse response, double arrival);
  // When the simulated model would emit EOS: 0 for never (run to max_tokens).
  int64_t NaturalLength(bool ignore_eos);

  // Hands `request`, which reached the engine at `arrival` (simulated
  // seconds), to the core.
  Status Enqueue(EngineRequest request, double arrival);
  // Plans the next step unless one is running or nothing is queued.
  void MaybeStartStep();
  void FinishStep();
  // Delivers one chunk: `event`'s text stands for `tokens` tokens of its
  // request, sampled in one step (or held through a multi-step run).
  void Deliver(const TokenEvent& event, double now, int64_t tokens = 1);
  void Complete(ActiveRequest& request, FinishReason finish, double now);
  // Answers `request` with an error (as the last event of a started stream)
  // and forgets it.
  void Fail(ActiveRequest& request, int status, std::string_view type, std::string_view message);
  // Prefill role: the room's KV reached the decode worker, or never will.
  void OnKvTransferred(const std::string& id, const Status& status);
  // Decode role: the prefill worker's KV and first token arrived.
  void OnKvReceived(const std::string& id, StatusOr<KvHandoff> handoff);
  // vLLM's protocol, decode role: the prefill worker's blocks are read, or
  // cannot be.
  void OnRemoteKvRead(const std::string& id, StatusOr<RemoteKvReadResult> result);
  // vLLM's protocol, prefill role: a finished request's held blocks are
  // free again (read by a decode worker, or `expired` unread).
  void OnHeldKvReleased(const std::string& id, bool expired);
  // Reports the cache's occupancy between steps: held blocks freed while
  // the engine is idle would otherwise show as used until its next step.
  void RecordKvCacheUsage();
  void Die();
  void Hang();

  // Seconds of simulated time since start.
  double SimulatedNow() const;
  std::chrono::steady_clock::duration WallDuration(double simulated_seconds) const;

  boost::asio::io_context& io_context_;
  SimulatorOptions options_;
  Logger logger_;
  std::unique_ptr<EngineCore> core_;
  EngineMetrics metrics_;
  std::function<void()> on_fatal_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<KvBootstrapServer> bootstrap_;  // prefill role
  std::unique_ptr<KvFetcher> kv_fetcher_;         // decode role
  std::unique_ptr<KvSideChannel> side_channel_;   // vLLM's protocol, prefill role
  boost::asio::steady_timer load_timer_;
  boost::asio::steady_timer step_timer_;
  boost::asio::steady_timer fault_timer_;
  const std::chrono::steady_clock::time_point start_;
  const int64_t created_;  // Unix seconds, for response ids and model cards
  std::mt19937_64 random_;

  bool ready_ = false;
  bool dead_ = false;
  bool hung_ = false;
  bool stepping_ = false;
  double step_started_ = 0;   // simulated seconds
  double step_ends_ = 0;      // simulated seconds
  double last_enqueued_ = 0;  // simulated seconds; when a request last joined the core
  StepOutcome step_;          // the step in progress
  uint64_t next_request_ = 0;
  // SGLang's last_gen_throughput: tokens per simulated second over its last
  // decode log interval, and the interval being counted.
  double last_gen_throughput_ = 0;
  int64_t interval_steps_ = 0;
  int64_t interval_tokens_ = 0;
  double interval_seconds_ = 0;
  std::unordered_map<std::string, ActiveRequest> active_;
  // Exchanges a hung engine never answers; kept so their connections stay
  // open as a hung server's would.
  std::vector<std::shared_ptr<http::HttpExchange>> unanswered_;
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_SIMULATOR_SERVER_H_
