#include "engine/simulator/simulator_server.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "engine/fit/memory_fit.h"
#include "engine/sglang/generate_request.h"
#include "engine/sglang/generate_response.h"
#include "engine/simulator/chat_prompt.h"
#include "engine/simulator/context_length.h"
#include "engine/simulator/server_info.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::simulator {
namespace {

using http::HttpExchange;
using http::HttpResponse;

// SGLang's stand-in bootstrap host for requests that have no peer (its own
// /health_generate): they run as if not disaggregated.
constexpr std::string_view kFakeBootstrapHost = "2.2.2.2";

HttpResponse Error(int status, std::string_view type, std::string_view message,
                   std::string_view param = "") {
  return HttpResponse::Json(status, openai::ErrorBody(status, type, message, param));
}

HttpResponse Empty(int status) { return HttpResponse{.status = status}; }

// vLLM names an engine by a random UUID unless kv_transfer_config says.
std::string RandomEngineId() {
  std::random_device device;
  std::uniform_int_distribution<uint32_t> word;
  std::array<uint32_t, 4> words{word(device), word(device), word(device), word(device)};
  words[1] = (words[1] & 0xffff0fffU) | 0x00004000U;  // version 4
  words[2] = (words[2] & 0x3fffffffU) | 0x80000000U;  // RFC 4122 variant
  std::array<char, 40> text{};
  (void)std::snprintf(text.data(), text.size(), "%08x-%04x-%04x-%04x-%04x%08x", words[0],
                      words[1] >> 16, words[1] & 0xffffU, words[2] >> 16, words[2] & 0xffffU,
                      words[3]);
  return std::string(text.data());
}

}  // namespace

StatusOr<std::unique_ptr<SimulatorServer>> SimulatorServer::Start(
    boost::asio::io_context& io_context, SimulatorOptions options, Logger logger,
    std::function<void()> on_fatal) {
  StatusOr<std::unique_ptr<EngineCore>> core = EngineCore::Create(options.engine);
  if (!core.ok()) return core.status();
  std::unique_ptr<SimulatorServer> server(new SimulatorServer(
      io_context, std::move(options), std::move(logger), *std::move(core), std::move(on_fatal)));
  const SimulatorOptions& configured = server->options_;
  const auto wall_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      server->WallDuration(configured.disaggregation_timeout.count()));
  if (configured.disaggregation_mode == DisaggregationMode::kPrefill) {
    // SGLang starts the bootstrap server with the prefill worker, before the
    // model is loaded.
    KvBootstrapOptions bootstrap;
    bootstrap.host = configured.host;
    bootstrap.port = configured.disaggregation_bootstrap_port;
    bootstrap.advertised_host = configured.host;
    bootstrap.tensor_parallel_size = configured.engine.memory.tensor_parallel_size;
    bootstrap.kv_bytes_per_token =
        fit::EvaluateOption(configured.engine.memory, bootstrap.tensor_parallel_size)
            .kv_bytes_per_token;
    bootstrap.bandwidth_bytes_per_second = configured.disaggregation_transfer_bandwidth;
    bootstrap.time_scale = configured.time_scale;
    bootstrap.timeout = configured.disaggregation_timeout;
    bootstrap.logger = server->logger_;
    StatusOr<std::unique_ptr<KvBootstrapServer>> started =
        KvBootstrapServer::Start(io_context, std::move(bootstrap));
    if (!started.ok()) return started.status();
    server->bootstrap_ = *std::move(started);
  } else if (configured.disaggregation_mode == DisaggregationMode::kDecode) {
    // The fetch outlives the prefill side's room timeout, which answers it.
    server->kv_fetcher_ =
        std::make_unique<KvFetcher>(io_context, configured.disaggregation_transfer_bandwidth,
                                    wall_timeout + std::chrono::seconds(10));
  }
  if (configured.kv_transfer) {
    // NixlConnector: every worker may take either side of a request.
    KvSideChannelOptions side_channel;
    side_channel.host = configured.kv_side_channel_host;
    side_channel.port = configured.kv_side_channel_port;
    side_channel.engine_id = configured.kv_transfer->engine_id.empty()
                                 ? RandomEngineId()
                                 : configured.kv_transfer->engine_id;
    side_channel.kv_bytes_per_token =
        fit::EvaluateOption(configured.engine.memory, configured.engine.memory.tensor_parallel_size)
            .kv_bytes_per_token;
    side_channel.bandwidth_bytes_per_second = configured.disaggregation_transfer_bandwidth;
    side_channel.time_scale = configured.time_scale;
    side_channel.timeout = configured.kv_abort_request_timeout;
    side_channel.logger = server->logger_;
    StatusOr<std::unique_ptr<KvSideChannel>> started =
        KvSideChannel::Start(io_context, std::move(side_channel),
                             [raw = server.get()](const std::string& id, bool expired) {
                               raw->OnHeldKvReleased(id, expired);
                             });
    if (!started.ok()) return started.status();
    server->side_channel_ = *std::move(started);
    // A read waits only for the link, which the side channel answers well
    // within the time it holds blocks; the bound covers a side channel that
    // stops answering.
    server->kv_fetcher_ = std::make_unique<KvFetcher>(
        io_context, configured.disaggregation_transfer_bandwidth,
        std::chrono::duration_cast<std::chrono::milliseconds>(
            server->WallDuration(configured.kv_abort_request_timeout.count())) +
            std::chrono::seconds(10));
  }
  const bool listens_while_loading = server->options_.flavor == Flavor::kSglang;
  if (listens_while_loading) TESSERA_RETURN_IF_ERROR(server->Listen());
  server->load_timer_.expires_after(server->WallDuration(server->options_.load_time.count()));
  server->load_timer_.async_wait([raw = server.get()](const boost::system::error_code& error) {
    if (error) return;
    if (!raw->http_) {
      if (Status listening = raw->Listen(); !listening.ok()) {
        raw->logger_.Error("cannot listen", {{"error", listening}});
        raw->Die();
        return;
      }
    }
    raw->BecomeReady();
  });
  return server;
}

SimulatorServer::SimulatorServer(boost::asio::io_context& io_context, SimulatorOptions options,
                                 Logger logger, std::unique_ptr<EngineCore> core,
                                 std::function<void()> on_fatal)
    : io_context_(io_context),
      options_(std::move(options)),
      logger_(std::move(logger)),
      core_(std::move(core)),
      metrics_(
          options_.flavor, options_.served_model_names.front(),
          options_.engine.memory.max_model_len, core_->kv_cache_totals().total_tokens(),
          options_.kv_transfer.has_value(),
          options_.engine.speculative ? options_.engine.speculative->num_speculative_tokens : 0),
      on_fatal_(std::move(on_fatal)),
      load_timer_(io_context),
      step_timer_(io_context),
      fault_timer_(io_context),
      start_(std::chrono::steady_clock::now()),
      created_(std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count()),
      random_(options_.engine.seed) {}

SimulatorServer::~SimulatorServer() {
  if (http_) http_->Close();
  if (bootstrap_) bootstrap_->Close();
  if (side_channel_) side_channel_->Close();
}

Status SimulatorServer::Listen() {
  http::HttpServerOptions http_options;
  http_options.host = options_.host;
  http_options.port = options_.port;
  http_options.logger = logger_;
  StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      io_context_, http_options,
      [this](const std::shared_ptr<HttpExchange>& exchange) { Handle(exchange); });
  if (!server.ok()) return server.status();
  http_ = *std::move(server);
  logger_.Info("listening", {{"host", options_.host}, {"port", http_->port()}});
  return OkStatus();
}

void SimulatorServer::BecomeReady() {
  ready_ = true;
  logger_.Info("engine ready", {{"model", options_.model},
                                {"kv_cache_blocks", core_->kv_cache_totals().total_blocks},
                                {"max_concurrency", core_->max_concurrency()}});
  const auto schedule_fault = [this](std::chrono::duration<double> after, auto action) {
    fault_timer_.expires_after(WallDuration(after.count()));
    fault_timer_.async_wait([this, action](const boost::system::error_code& error) {
      if (!error) (this->*action)();
    });
  };
  if (options_.fail_after) {
    schedule_fault(*options_.fail_after, &SimulatorServer::Die);
  } else if (options_.hang_after) {
    schedule_fault(*options_.hang_after, &SimulatorServer::Hang);
  }
}

void SimulatorServer::Shutdown(std::function<void()> on_drained) {
  load_timer_.cancel();
  fault_timer_.cancel();
  if (!http_) {
    if (on_drained) on_drained();
    return;
  }
  http_->Shutdown(std::move(on_drained));
}

double SimulatorServer::SimulatedNow() const {
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start_;
  return wall.count() / options_.time_scale;
}

std::chrono::steady_clock::duration SimulatorServer::WallDuration(double simulated_seconds) const {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(simulated_seconds * options_.time_scale));
}

void SimulatorServer::Handle(const std::shared_ptr<HttpExchange>& exchange) {
  const http::HttpRequest& request = exchange->request();
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  if (hung_) {
    unanswered_.push_back(exchange);
    return;
  }
  if (get && (path == "/health" || path == "/ping" || path == "/health_generate")) {
    HandleHealth(exchange);
  } else if (post && path == "/v1/completions") {
    HandleCompletion(exchange, openai::Endpoint::kCompletions);
  } else if (post && path == "/v1/chat/completions") {
    HandleCompletion(exchange, openai::Endpoint::kChatCompletions);
  } else if (get && path == "/v1/models") {
    (void)exchange->Respond(HttpResponse::Json(200, ModelListBody(options_, created_)));
  } else if (get && path == "/metrics") {
    HttpResponse response{.status = 200,
                          .headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                          .body = metrics_.Serialize()};
    (void)exchange->Respond(std::move(response));
  } else if (get && path == "/version") {
    (void)exchange->Respond(HttpResponse::Json(200, VersionBody()));
  } else if ((post || request.method == "PUT") && path == "/generate" &&
             options_.flavor == Flavor::kSglang) {
    HandleGenerate(exchange);
  } else if (get && (path == "/server_info" || path == "/get_server_info")) {
    (void)exchange->Respond(
        HttpResponse::Json(200, ServerInfoBody(options_, *core_, ready_, last_gen_throughput_)));
  } else if (get && (path == "/model_info" || path == "/get_model_info")) {
    (void)exchange->Respond(HttpResponse::Json(200, ModelInfoBody(options_)));
  } else if (get && path == "/get_load") {
    (void)exchange->Respond(HttpResponse::Json(200, LoadBody(*core_, SimulatedNow())));
  } else if (path == "/v1/completions" || path == "/v1/chat/completions" || path == "/health" ||
             path == "/v1/models" || path == "/metrics" ||
             (path == "/generate" && options_.flavor == Flavor::kSglang)) {
    (void)exchange->Respond(HttpResponse::Json(405, R"({"detail":"Method Not Allowed"})"));
  } else {
    (void)exchange->Respond(HttpResponse::Json(404, R"({"detail":"Not Found"})"));
  }
}

void SimulatorServer::HandleHealth(const std::shared_ptr<HttpExchange>& exchange) const {
  (void)exchange->Respond(Empty(ready_ && !dead_ ? 200 : 503));
}

int64_t SimulatorServer::NaturalLength(bool ignore_eos) {
  if (ignore_eos || options_.mean_output_len <= 0) return 0;
  // Geometric: each token is EOS with probability 1/mean.
  std::geometric_distribution<int64_t> length(1.0 / static_cast<double>(options_.mean_output_len));
  return 1 + length(random_);
}

void SimulatorServer::HandleGenerate(const std::shared_ptr<HttpExchange>& exchange) {
  // Stamped before parsing: the simulator's own work is not the engine's.
  const double arrival = SimulatedNow();
  if (!ready_) {
    (void)exchange->Respond(
        HttpResponse::Json(503, sglang::ErrorBody("the engine is still loading")));
    return;
  }
  if (dead_) {
    (void)exchange->Respond(HttpResponse::Json(500, sglang::ErrorBody("the engine has died")));
    return;
  }
  // FastAPI refuses what does not match GenerateReqInput's types with 422
  // before SGLang sees it; SGLang refuses bad values with 400.
  StatusOr<nlohmann::json> body = ParseJson(exchange->request().body);
  if (!body.ok()) {
    (void)exchange->Respond(HttpResponse::Json(
        422, sglang::ValidationErrorBody("body", "JSON decode error: " + body.status().message(),
                                         "{}")));
    return;
  }
  if (const std::optional<sglang::SchemaError> error = sglang::CheckGenerateSchema(*body)) {
    const std::string input = error->field == "body" ? body->dump() : (*body)[error->field].dump();
    (void)exchange->Respond(
        HttpResponse::Json(422, sglang::ValidationErrorBody(error->field, error->message, input)));
    return;
  }
  const auto stream_field = body->find("stream");
  const bool stream =
      stream_field != body->end() && stream_field->is_boolean() && stream_field->get<bool>();
  StatusOr<sglang::GenerateRequest> parsed = sglang::ParseGenerateRequest(*body);
  if (!parsed.ok()) {
    (void)exchange->Respond(GenerateRefusal(stream, parsed.status().message()));
    return;
  }
  sglang::GenerateRequest& generate = *parsed;
  if (options_.error_rate > 0 &&
      std::uniform_real_distribution<double>(0, 1)(random_) < options_.error_rate) {
    metrics_.RecordError();
    (void)exchange->Respond(
        HttpResponse::Json(500, sglang::ErrorBody("injected failure (--error-rate)")));
    return;
  }

  // SGLang takes input_ids over text when both are given.
  std::vector<tokenizer::TokenId> prompt;
  if (generate.input_ids) {
    prompt.reserve(generate.input_ids->size());
    for (int64_t token : *generate.input_ids) {
      prompt.push_back(static_cast<tokenizer::TokenId>(token));
    }
  } else {
    prompt = tokenizer::EncodePrompt(*options_.engine.tokenizer, *generate.text);
  }
  const auto prompt_tokens = static_cast<int64_t>(prompt.size());
  const int64_t context = options_.engine.memory.max_model_len;
  // SGLang's tokenizer manager checks the prompt, and the prompt with
  // max_new_tokens only when the client sent it; the scheduler then caps
  // the default to what the context leaves.
  if (prompt_tokens >= context) {
    (void)exchange->Respond(
        GenerateRefusal(stream, "The input (" + std::to_string(prompt_tokens) +
                                    " tokens) is longer than the model's context length (" +
                                    std::to_string(context) + " tokens)."));
    return;
  }
  if (generate.max_new_tokens && *generate.max_new_tokens + prompt_tokens >= context) {
    const int64_t requested = *generate.max_new_tokens;
    (void)exchange->Respond(GenerateRefusal(
        stream, "Requested token count exceeds the model's maximum context length of " +
                    std::to_string(context) + " tokens. You requested a total of " +
                    std::to_string(requested + prompt_tokens) +
                    " tokens: " + std::to_string(prompt_tokens) +
                    " tokens from the input messages and " + std::to_string(requested) +
                    " tokens for the completion. Please reduce the number of tokens in the "
                    "input messages or the completion to fit within the limit."));
    return;
  }
  const int64_t max_tokens = generate.max_new_tokens ? *generate.max_new_tokens
                             : generate.max_new_tokens_unbounded
                                 ? context - prompt_tokens
                                 : std::min(sglang::kDefaultMaxNewTokens, context - prompt_tokens);

  std::string id;
  if (generate.rid) {
    if (active_.contains(*generate.rid)) {
      (void)exchange->Respond(
          GenerateRefusal(stream, "rid: request " + *generate.rid + " is already running"));
      return;
    }
    id = *generate.rid;
  } else {
    // SGLang names a request by a random UUID's hex digits.
    std::uniform_int_distribution<uint64_t> word;
    std::array<char, 33> hex{};
    (void)std::snprintf(hex.data(), hex.size(), "%016" PRIx64 "%016" PRIx64, word(random_),
                        word(random_));
    id = hex.data();
  }
  openai::CompletionRequest request;
  request.model = options_.served_model_names.front();
  request.max_tokens = max_tokens;
  request.stream = generate.stream;
  request.ignore_eos = generate.ignore_eos;
  request.stop = generate.stop;
  request.temperature = generate.temperature;
  request.bootstrap = generate.bootstrap;
  CompletionResponse response(
      exchange, {openai::Endpoint::kCompletions, id, created_, request.model}, generate.stream,
      /*include_usage=*/false, std::move(generate.stop), options_.engine.tokenizer,
      GenerateFormat{
          .batch = generate.batch, .max_new_tokens = max_tokens, .prompt_tokens = prompt_tokens});
  Admit(exchange, request, std::move(prompt), max_tokens, std::move(response), arrival);
}

void SimulatorServer::HandleCompletion(const std::shared_ptr<HttpExchange>& exchange,
                                       openai::Endpoint endpoint) {
  // Stamped before parsing: the simulator's own work is not the engine's.
  const double arrival = SimulatedNow();
  if (!ready_) {
    (void)exchange->Respond(Error(503, "ServiceUnavailableError", "the engine is still loading"));
    return;
  }
  if (dead_) {
    (void)exchange->Respond(Error(500, "InternalServerError", "the engine has died"));
    return;
  }
  StatusOr<nlohmann::json> body = ParseJson(exchange->request().body);
  if (!body.ok()) {
    (void)exchange->Respond(Error(400, "BadRequestError", body.status().message(), "body"));
    return;
  }
  StatusOr<openai::CompletionRequest> parsed = openai::ParseCompletionRequest(*body, endpoint);
  if (!parsed.ok()) {
    (void)exchange->Respond(
        Error(400, "BadRequestError", parsed.status().message(), openai::FieldOf(parsed.status())));
    return;
  }
  openai::CompletionRequest& request = *parsed;
  const std::vector<std::string>& names = options_.served_model_names;
  if (request.model.empty()) request.model = names.front();
  if (std::find(names.begin(), names.end(), request.model) == names.end()) {
    (void)exchange->Respond(
        Error(404, "NotFoundError", "The model `" + request.model + "` does not exist.", "model"));
    return;
  }
  if (options_.error_rate > 0 &&
      std::uniform_real_distribution<double>(0, 1)(random_) < options_.error_rate) {
    metrics_.RecordError();
    (void)exchange->Respond(Error(500, "InternalServerError", "injected failure (--error-rate)"));
    return;
  }

  std::vector<tokenizer::TokenId> prompt = PromptTokens(request, *options_.engine.tokenizer);
  const auto prompt_tokens = static_cast<int64_t>(prompt.size());
  const int64_t max_tokens =
      OutputTokenLimit(request, prompt_tokens, options_.engine.memory.max_model_len);
  if (const std::optional<ContextLengthError> error =
          CheckContextLength(prompt_tokens, max_tokens, options_.engine.memory.max_model_len)) {
    (void)exchange->Respond(Error(400, "BadRequestError", error->message, error->param));
    return;
  }

  const bool chat = endpoint == openai::Endpoint::kChatCompletions;
  const std::string id = (chat ? "chatcmpl-" : "cmpl-") + std::to_string(++next_request_);
  CompletionResponse response(exchange, {endpoint, id, created_, request.model}, request.stream,
                              request.include_usage, request.stop, options_.engine.tokenizer);
  Admit(exchange, request, std::move(prompt), max_tokens, std::move(response), arrival);
}

void SimulatorServer::Admit(const std::shared_ptr<HttpExchange>& exchange,
                            const openai::CompletionRequest& request,
                            std::vector<tokenizer::TokenId> prompt, int64_t max_tokens,
                            CompletionResponse response, double arrival) {
  const auto prompt_tokens = static_cast<int64_t>(prompt.size());
  const std::string id = response.id();
  const DisaggregationMode mode = request.bootstrap && request.bootstrap->host == kFakeBootstrapHost
                                      ? DisaggregationMode::kNone
                                      : options_.disaggregation_mode;
  if (mode != DisaggregationMode::kNone && !request.bootstrap) {
    response.Refuse(400, "BadRequestError",
                    std::string("bootstrap_room: required by a worker running with "
                                "--disaggregation-mode ") +
                        (mode == DisaggregationMode::kPrefill ? "prefill" : "decode") +
                        "; send requests through a prefill/decode router",
                    "bootstrap_room");
    return;
  }

  EngineRequest engine_request;
  engine_request.id = id;
  engine_request.prompt = std::move(prompt);
  // A prefill worker computes the prompt and samples one token.
  engine_request.max_output_tokens = mode == DisaggregationMode::kPrefill ? 1 : max_tokens;
  engine_request.stop_after_tokens =
      mode == DisaggregationMode::kPrefill ? 0 : NaturalLength(request.ignore_eos);
  // vLLM's protocol: without --kv-transfer-config vLLM ignores
  // kv_transfer_params, and so does the simulator.
  const openai::KvTransferParams* kv_transfer =
      options_.kv_transfer && request.kv_transfer ? &*request.kv_transfer : nullptr;
  const bool remote_prefill = kv_transfer != nullptr && kv_transfer->do_remote_prefill;
  if (kv_transfer != nullptr && kv_transfer->do_remote_decode) {
    engine_request.hold_kv_at_length = true;
    // vLLM checks the token limit before EOS: a prefill request of one
    // token always ends at its limit, and so holds its KV.
    if (engine_request.stop_after_tokens >= engine_request.max_output_tokens) {
      engine_request.stop_after_tokens = 0;
    }
  }
  if (remote_prefill) engine_request.transferred_prompt_tokens = prompt_tokens;

  ActiveRequest active;
  if (mode == DisaggregationMode::kPrefill) {
    const uint64_t room = request.bootstrap->room;
    Status opened =
        bootstrap_->Open(room, [this, id](const Status& status) { OnKvTransferred(id, status); });
    if (!opened.ok()) {
      response.Refuse(400, "BadRequestError", opened.message(), "bootstrap_room");
      return;
    }
    active.bootstrap_room = room;
  }
  if (mode == DisaggregationMode::kDecode || remote_prefill) {
    active.awaiting_kv = std::move(engine_request);
  } else if (Status added = Enqueue(std::move(engine_request), arrival); !added.ok()) {
    if (active.bootstrap_room) bootstrap_->Withdraw(*active.bootstrap_room);
    response.Refuse(400, "BadRequestError", added.message());
    return;
  }

  active.response = std::move(response);
  active.prompt_tokens = prompt_tokens;
  active.max_tokens = max_tokens;
  active.arrival = arrival;
  active.response.StartStream();
  active_.emplace(id, std::move(active));
  exchange->OnClose([this, id](const Status& status) {
    if (status.ok()) return;
    // The client went away: stop computing for it, as vLLM aborts.
    const auto it = active_.find(id);
    if (it == active_.end()) return;
    if (it->second.bootstrap_room) bootstrap_->Withdraw(*it->second.bootstrap_room);
    // Abandoning the read frees the prefill worker's blocks, as an aborted
    // decode request in vLLM tells the prefill worker to.
    if (it->second.kv_read) it->second.kv_read->Cancel();
    active_.erase(it);
    core_->Abort(id);
    metrics_.RecordFinished({.finish = FinishReason::kAbort});
  });
  if (mode == DisaggregationMode::kDecode) {
    const openai::Bootstrap& bootstrap = *request.bootstrap;
    // SGLang's decode falls back to its own bootstrap port when the router
    // knows none for the prefill worker.
    const auto port =
        static_cast<uint16_t>(bootstrap.port.value_or(options_.disaggregation_bootstrap_port));
    kv_fetcher_->Fetch(
        bootstrap.host, port, bootstrap.room,
        [this, id](StatusOr<KvHandoff> handoff) { OnKvReceived(id, std::move(handoff)); });
    return;
  }
  if (remote_prefill) {
    RemoteKvReadRequest read{.engine_id = kv_transfer->remote_engine_id,
                             .request_id = kv_transfer->remote_request_id,
                             .block_ids = kv_transfer->remote_block_ids};
    active_.at(id).kv_read = kv_fetcher_->Read(
        kv_transfer->remote_host, static_cast<uint16_t>(kv_transfer->remote_port), std::move(read),
        [this, id](StatusOr<RemoteKvReadResult> result) { OnRemoteKvRead(id, std::move(result)); });
    return;
  }
  MaybeStartStep();
}

void SimulatorServer::OnRemoteKvRead(const std::string& id, StatusOr<RemoteKvReadResult> result) {
  const double received = SimulatedNow();
  const auto it = active_.find(id);
  if (it == active_.end()) return;  // the client left while the KV was on its way
  ActiveRequest& request = it->second;
  request.kv_read.reset();
  if (!result.ok()) {
    metrics_.RecordKvTransferFailure();
    logger_.Warning("KV transfer failed", {{"request", id}, {"error", result.status()}});
    Fail(request, 500, "InternalServerError", result.status().message());
    return;
  }
  metrics_.RecordKvTransfer(result->transfer_seconds, result->kv_bytes);
  EngineRequest engine_request = *std::move(request.awaiting_kv);
  request.awaiting_kv.reset();
  // A prompt that differs from the prefill worker's gets only the KV it
  // shares with it by length; the rest is computed here.
  engine_request.transferred_prompt_tokens =
      std::min(engine_request.transferred_prompt_tokens, result->prompt_tokens);
  if (Status added = Enqueue(std::move(engine_request), received); !added.ok()) {
    Fail(request, 500, "InternalServerError", added.message());
    return;
  }
  MaybeStartStep();
}

void SimulatorServer::OnHeldKvReleased(const std::string& id, bool expired) {
  if (!core_->ReleaseHeldKv(id)) return;
  if (expired) metrics_.RecordKvExpired();
  RecordKvCacheUsage();
}

void SimulatorServer::RecordKvCacheUsage() {
  const KvCacheTotals cache = core_->kv_cache_totals();
  metrics_.RecordKvCacheUsage(cache.usage(), cache.used_tokens());
}

void SimulatorServer::OnKvReceived(const std::string& id, StatusOr<KvHandoff> handoff) {
  const double received = SimulatedNow();
  const auto it = active_.find(id);
  if (it == active_.end()) return;  // the client left while the KV was on its way
  ActiveRequest& request = it->second;
  if (!handoff.ok()) {
    logger_.Warning("KV transfer failed", {{"request", id}, {"error", handoff.status()}});
    Fail(request, 500, "InternalServerError", handoff.status().message());
    return;
  }
  EngineRequest engine_request = *std::move(request.awaiting_kv);
  request.awaiting_kv.reset();
  // The prefill worker sampled the first token; the decode worker streams it
  // as soon as the KV has landed, then decodes the rest.
  const bool natural_end = engine_request.stop_after_tokens == 1;
  const bool length_end = engine_request.max_output_tokens == 1;
  TokenEvent first{.request_id = id, .output_index = 0, .text = handoff->first_token};
  first.finish = natural_end  ? FinishReason::kStop
                 : length_end ? FinishReason::kLength
                              : FinishReason::kNone;
  Deliver(first, received);
  if (!active_.contains(id)) return;  // finished with its first token
  const std::vector<tokenizer::TokenId> first_token =
      options_.engine.tokenizer->Encode(handoff->first_token);
  engine_request.transferred_output = {first_token.empty() ? 0 : first_token.front()};
  if (Status added = Enqueue(std::move(engine_request), received); !added.ok()) {
    Fail(request, 500, "InternalServerError", added.message());
    return;
  }
  MaybeStartStep();
}

void SimulatorServer::OnKvTransferred(const std::string& id, const Status& status) {
  const auto it = active_.find(id);
  if (it == active_.end()) return;
  ActiveRequest& request = it->second;
  request.bootstrap_room.reset();
  if (!status.ok()) {
    metrics_.RecordError();
    Fail(request, 500, "InternalServerError",
         "Prefill transfer failed: " + std::string(status.message()));
    return;
  }
  request.kv_transferred = true;
  Complete(request, request.finish, SimulatedNow());
}

Status SimulatorServer::Enqueue(EngineRequest request, double arrival) {
  TESSERA_RETURN_IF_ERROR(core_->Add(std::move(request)));
  last_enqueued_ = arrival;
  return OkStatus();
}

void SimulatorServer::MaybeStartStep() {
  if (stepping_ || dead_ || hung_ || core_->idle()) return;
  stepping_ = true;
  // Back-to-back steps follow each other on the simulated timeline: a step
  // starts when the last one ended, or when a request that joined since
  // arrived, never later because a timer fired late (this process
  // descheduled on a busy machine) or because of the simulator's own work.
  step_started_ = std::max(last_enqueued_, step_ends_);
  step_ = core_->Step();
  step_ends_ = step_started_ + step_.seconds;
  step_timer_.expires_at(start_ + WallDuration(step_ends_));
  step_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) FinishStep();
  });
}

void SimulatorServer::FinishStep() {
  stepping_ = false;
  const double now = step_ends_;
  for (const std::string& id : step_.admitted) {
    const auto it = active_.find(id);
    if (it != active_.end() && it->second.scheduled < 0) it->second.scheduled = step_started_;
  }
  // A request's tokens of one step (speculative decoding's accepted ones, a
  // multi-step run's held ones) go out as one chunk, as vLLM's output
  // processor makes one delta of them.
  std::vector<std::pair<TokenEvent, int64_t>> chunks;
  std::unordered_map<std::string, size_t> chunk_of;
  for (TokenEvent& event : step_.tokens) {
    const auto [it, added] = chunk_of.try_emplace(event.request_id, chunks.size());
    if (added) {
      chunks.emplace_back(std::move(event), 1);
      continue;
    }
    auto& [chunk, tokens] = chunks[it->second];
    chunk.text += event.text;
    chunk.finish = event.finish;
    chunk.prompt_tokens = event.prompt_tokens;
    chunk.preemptions = event.preemptions;
    chunk.cached_prompt_tokens = event.cached_prompt_tokens;
    chunk.held_blocks = std::move(event.held_blocks);
    ++tokens;
  }
  const auto generated = static_cast<int64_t>(step_.tokens.size());
  for (const auto& [chunk, tokens] : chunks) Deliver(chunk, now, tokens);
  // SGLang's scheduler logs decode statistics every 40 steps
  // (--decode-log-interval) and reports the last interval's throughput.
  constexpr int64_t kDecodeLogInterval = 40;
  ++interval_steps_;
  interval_tokens_ += generated;
  interval_seconds_ += step_.seconds;
  if (interval_steps_ >= kDecodeLogInterval) {
    last_gen_throughput_ =
        interval_seconds_ > 0 ? static_cast<double>(interval_tokens_) / interval_seconds_ : 0;
    interval_steps_ = 0;
    interval_tokens_ = 0;
    interval_seconds_ = 0;
  }
  const KvCacheTotals cache = core_->kv_cache_totals();
  metrics_.RecordStep({.running = core_->running(),
                       .waiting = core_->waiting(),
                       .kv_cache_usage = cache.usage(),
                       .kv_cache_used_tokens = cache.used_tokens(),
                       .prefix_query_tokens = cache.prefix_query_tokens,
                       .prefix_hit_tokens = cache.prefix_hit_tokens,
                       .preemptions = core_->total_preemptions(),
                       .iteration_tokens = step_.shape.new_tokens,
                       .generation_throughput =
                           step_.seconds > 0 ? static_cast<double>(generated) / step_.seconds : 0,
                       .draft_tokens = step_.draft_tokens,
                       .accepted_tokens = step_.accepted_tokens,
                       .emitted_tokens = step_.emitted_tokens});
  MaybeStartStep();
}

void SimulatorServer::Deliver(const TokenEvent& event, double now, int64_t tokens) {
  const auto it = active_.find(event.request_id);
  if (it == active_.end()) return;  // aborted while the step ran
  ActiveRequest& request = it->second;
  if (request.first_token < 0) {
    request.first_token = now;
    request.first_token_text = event.text;
    request.response.BeginOutput();
    metrics_.RecordFirstToken(now - request.arrival);
  } else {
    metrics_.RecordInterTokenLatency(now - request.last_token);
  }
  request.last_token = now;
  if (!event.held_blocks.empty()) request.held_blocks = event.held_blocks;
  request.cached_tokens = event.cached_prompt_tokens;
  const FinishReason finish =
      request.response.Append(event.text, event.finish, event.cached_prompt_tokens, tokens);
  // A stop string ended the output before the engine would have.
  if (event.finish == FinishReason::kNone && finish != FinishReason::kNone) {
    core_->Abort(event.request_id);
  }
  if (finish != FinishReason::kNone) Complete(request, finish, now);
}

void SimulatorServer::Complete(ActiveRequest& request, FinishReason finish, double now) {
  if (request.bootstrap_room && !request.kv_transferred) {
    // SGLang's prefill answers only once the decode worker has the KV.
    request.finish = finish;
    bootstrap_->Ready(*request.bootstrap_room, {.prompt_tokens = request.prompt_tokens,
                                                .first_token = request.first_token_text});
    return;
  }
  if (!request.held_blocks.empty()) {
    const std::string& id = request.response.id();
    if (finish == FinishReason::kLength) {
      // vLLM's prefill answers where its KV waits; the blocks stay
      // allocated until a decode worker has read them or they expire.
      openai::KvTransferParams held{.remote_engine_id = side_channel_->engine_id(),
                                    .remote_block_ids = std::vector<int64_t>(
                                        request.held_blocks.begin(), request.held_blocks.end()),
                                    .remote_request_id = id,
                                    .remote_host = options_.kv_side_channel_host,
                                    .remote_port = side_channel_->port(),
                                    .tp_size = options_.engine.memory.tensor_parallel_size};
      request.response.SetKvTransferParams(openai::RemotePrefillJson(held).dump());
      side_channel_->Hold(id, std::move(held.remote_block_ids), request.prompt_tokens);
    } else {
      // A stop string ended it: vLLM aborts such a request and keeps nothing.
      core_->ReleaseHeldKv(id);
    }
  }
  const openai::Usage usage =
      request.response.Finish(finish, {.prompt_tokens = request.prompt_tokens,
                                       .cached_tokens = request.cached_tokens,
                                       .e2e_seconds = now - request.arrival});
  const double scheduled = request.scheduled >= 0 ? request.scheduled : request.arrival;
  metrics_.RecordFinished({.finish = finish,
                           .e2e_seconds = now - request.arrival,
                           .queue_seconds = scheduled - request.arrival,
                           .prefill_seconds = request.first_token - scheduled,
                           .decode_seconds = now - request.first_token,
                           .prompt_tokens = request.prompt_tokens,
                           .generation_tokens = usage.completion_tokens,
                           .max_tokens = request.max_tokens});
  const std::string id = request.response.id();
  active_.erase(id);
}

void SimulatorServer::Fail(ActiveRequest& request, int status, std::string_view type,
                           std::string_view message) {
  request.response.Fail(status, type, message);
  if (request.bootstrap_room) bootstrap_->Withdraw(*request.bootstrap_room);
  if (request.kv_read) request.kv_read->Cancel();
  const std::string id = request.response.id();
  core_->Abort(id);
  active_.erase(id);
}

void SimulatorServer::Die() {
  logger_.Error("injected failure: the engine dies (--fail-after)");
  dead_ = true;
  step_timer_.cancel();
  while (!active_.empty()) {
    Fail(active_.begin()->second, 500, "InternalServerError", "the engine has died");
  }
  if (on_fatal_) on_fatal_();
}

void SimulatorServer::Hang() {
  logger_.Warning("injected failure: the engine stops responding (--hang-after)");
  hung_ = true;
  step_timer_.cancel();
}

}  // namespace tessera::simulator
