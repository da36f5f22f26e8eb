#include "engine/simulator/kv_side_channel.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/json_fields.h"
#include "base/yaml_json.h"
#include "http/http_message.h"

namespace tessera::simulator {
namespace {

using http::HttpExchange;
using http::HttpResponse;

HttpResponse JsonError(int status, std::string_view message) {
  return HttpResponse::Json(status, http::JsonErrorBody(status, message));
}

StatusOr<nlohmann::json> ParseObject(std::string_view text, std::string_view what) {
  StatusOr<nlohmann::json> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status().WithContext(what);
  return parsed;
}

// "480s", "2.5s": how a simulated duration reads in errors.
std::string SecondsLabel(std::chrono::duration<double> seconds) {
  std::string text = nlohmann::json(seconds.count()).dump();
  if (text.ends_with(".0")) text.resize(text.size() - 2);
  return text + "s";
}

}  // namespace

std::string RemoteKvReadRequestJson(const RemoteKvReadRequest& request) {
  return nlohmann::ordered_json{{"remote_engine_id", request.engine_id},
                                {"remote_request_id", request.request_id},
                                {"remote_block_ids", request.block_ids},
                                {"bandwidth", request.bandwidth_bytes_per_second}}
      .dump();
}

StatusOr<RemoteKvReadRequest> ParseRemoteKvReadRequest(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(const nlohmann::json body, ParseObject(text, "KV read"));
  JsonFields fields(body, "");
  RemoteKvReadRequest request;
  std::optional<double> bandwidth;
  fields.Required("remote_engine_id", request.engine_id);
  fields.Required("remote_request_id", request.request_id);
  fields.Optional("bandwidth", bandwidth, 1, 1e15);
  const nlohmann::json* block_ids = fields.Child("remote_block_ids");
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (block_ids == nullptr || !block_ids->is_array() ||
      !std::all_of(block_ids->begin(), block_ids->end(),
                   [](const nlohmann::json& id) { return id.is_number_integer(); })) {
    return InvalidArgumentError("remote_block_ids: must be a list of block ids");
  }
  request.block_ids = block_ids->get<std::vector<int64_t>>();
  request.bandwidth_bytes_per_second = bandwidth.value_or(0);
  return request;
}

std::string RemoteKvReadResultJson(const RemoteKvReadResult& result) {
  return nlohmann::ordered_json{{"prompt_tokens", result.prompt_tokens},
                                {"kv_bytes", result.kv_bytes},
                                {"transfer_seconds", result.transfer_seconds}}
      .dump();
}

StatusOr<RemoteKvReadResult> ParseRemoteKvReadResult(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(const nlohmann::json body, ParseObject(text, "KV read result"));
  JsonFields fields(body, "KV read result");
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> kv_bytes;
  std::optional<double> seconds;
  fields.Optional("prompt_tokens", prompt_tokens, 0, INT64_MAX);
  fields.Optional("kv_bytes", kv_bytes, 0, INT64_MAX);
  fields.Optional("transfer_seconds", seconds, 0, 1e12);
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  if (!prompt_tokens || !kv_bytes || !seconds) {
    return InvalidArgumentError(
        "KV read result: prompt_tokens, kv_bytes and transfer_seconds are required");
  }
  return RemoteKvReadResult{
      .prompt_tokens = *prompt_tokens, .kv_bytes = *kv_bytes, .transfer_seconds = *seconds};
}

StatusOr<std::unique_ptr<KvSideChannel>> KvSideChannel::Start(boost::asio::io_context& io_context,
                                                              KvSideChannelOptions options,
                                                              Released on_released) {
  if (options.bandwidth_bytes_per_second <= 0) {
    return InvalidArgumentError("KV transfer bandwidth must be positive");
  }
  std::unique_ptr<KvSideChannel> channel(
      new KvSideChannel(io_context, std::move(options), std::move(on_released)));
  http::HttpServerOptions http_options;
  http_options.host = channel->options_.host;
  http_options.port = channel->options_.port;
  http_options.logger = channel->options_.logger;
  StatusOr<std::unique_ptr<http::HttpServer>> http =
      http::HttpServer::Start(io_context, http_options,
                              [raw = channel.get()](const std::shared_ptr<HttpExchange>& exchange) {
                                raw->Handle(exchange);
                              });
  if (!http.ok()) return http.status().WithContext("--kv-side-channel-port");
  channel->http_ = *std::move(http);
  channel->options_.logger.Info("KV side channel listening",
                                {{"host", channel->options_.host},
                                 {"port", channel->port()},
                                 {"engine_id", channel->options_.engine_id}});
  return channel;
}

KvSideChannel::KvSideChannel(boost::asio::io_context& io_context, KvSideChannelOptions options,
                             Released on_released)
    : io_context_(io_context),
      options_(std::move(options)),
      on_released_(std::move(on_released)),
      holds_(SystemClock::Default(),
             std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::duration<double>(options_.timeout.count() * options_.time_scale)),
             SecondsLabel(options_.timeout)),
      expiry_timer_(io_context),
      link_(options_.time_scale) {}

KvSideChannel::~KvSideChannel() { Close(); }

void KvSideChannel::Close() {
  expiry_timer_.cancel();
  std::unordered_map<std::string, Read> reads = std::move(reads_);
  reads_.clear();
  for (auto& [id, read] : reads) {
    (void)read.exchange->Respond(JsonError(503, "the prefill worker is shutting down"));
  }
  if (http_) http_->Close();
}

void KvSideChannel::Hold(const std::string& request_id, std::vector<int64_t> block_ids,
                         int64_t prompt_tokens) {
  holds_.Hold(request_id, std::move(block_ids), prompt_tokens);
  ScheduleExpiry();
}

void KvSideChannel::ScheduleExpiry() {
  const std::optional<std::chrono::steady_clock::time_point> next = holds_.NextExpiry();
  if (!next) {
    expiry_timer_.cancel();
    return;
  }
  expiry_timer_.expires_at(*next);
  expiry_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) ExpireHolds();
  });
}

void KvSideChannel::ExpireHolds() {
  for (const std::string& id : holds_.Expire()) {
    options_.logger.Warning("releasing KV blocks no decode worker read",
                            {{"request", id}, {"timeout_seconds", options_.timeout.count()}});
    on_released_(id, /*expired=*/true);
  }
  ScheduleExpiry();
}

void KvSideChannel::Handle(const std::shared_ptr<HttpExchange>& exchange) {
  const http::HttpRequest& request = exchange->request();
  if (request.path == "/health") {
    (void)exchange->Respond(HttpResponse::Text(200, "OK"));
  } else if (request.path == kRemoteKvReadPath) {
    if (request.method == "POST") {
      HandleRead(exchange);
    } else {
      (void)exchange->Respond(JsonError(405, "use POST to read KV blocks"));
    }
  } else {
    (void)exchange->Respond(JsonError(404, "not found"));
  }
}

void KvSideChannel::HandleRead(const std::shared_ptr<HttpExchange>& exchange) {
  StatusOr<RemoteKvReadRequest> read = ParseRemoteKvReadRequest(exchange->request().body);
  if (!read.ok()) {
    (void)exchange->Respond(JsonError(400, read.status().message()));
    return;
  }
  if (read->engine_id != options_.engine_id) {
    (void)exchange->Respond(JsonError(
        404, "this side channel serves engine " + options_.engine_id + ", not " + read->engine_id));
    return;
  }
  StatusOr<HeldKv> held = holds_.BeginRead(read->request_id, read->block_ids);
  if (!held.ok()) {
    const int status = held.status().code() == StatusCode::kNotFound             ? 404
                       : held.status().code() == StatusCode::kFailedPrecondition ? 409
                                                                                 : 400;
    (void)exchange->Respond(JsonError(status, held.status().message()));
    return;
  }
  // The read pins the hold: no expiry until it ends.
  ScheduleExpiry();
  double bandwidth = options_.bandwidth_bytes_per_second;
  if (read->bandwidth_bytes_per_second > 0) {
    bandwidth = std::min(bandwidth, read->bandwidth_bytes_per_second);
  }
  RemoteKvReadResult result{.prompt_tokens = held->prompt_tokens,
                            .kv_bytes = held->prompt_tokens * options_.kv_bytes_per_token};
  const KvTransferLink::Transfer transfer =
      link_.Queue(std::chrono::steady_clock::now(), result.kv_bytes, bandwidth);
  result.transfer_seconds = transfer.seconds;

  const std::string id = read->request_id;
  Read& entry = reads_[id];
  entry.exchange = exchange;
  entry.timer = std::make_unique<boost::asio::steady_timer>(io_context_);
  entry.timer->expires_at(transfer.ends);
  entry.timer->async_wait([this, id, result](const boost::system::error_code& error) {
    if (!error) FinishRead(id, result);
  });
  exchange->OnClose([this, alive = std::weak_ptr<char>(alive_), id,
                     weak = std::weak_ptr<HttpExchange>(exchange)](const Status& status) {
    if (status.ok() || alive.expired()) return;
    const auto found = reads_.find(id);
    if (found == reads_.end() || found->second.exchange != weak.lock()) return;
    AbandonRead(id);
  });
}

void KvSideChannel::FinishRead(const std::string& request_id, const RemoteKvReadResult& result) {
  const auto it = reads_.find(request_id);
  if (it == reads_.end()) return;
  const std::shared_ptr<HttpExchange> exchange = std::move(it->second.exchange);
  reads_.erase(it);
  holds_.EndRead(request_id);
  (void)exchange->Respond(HttpResponse::Json(200, RemoteKvReadResultJson(result)));
  on_released_(request_id, /*expired=*/false);
}

void KvSideChannel::AbandonRead(const std::string& request_id) {
  reads_.erase(request_id);
  holds_.EndRead(request_id);
  options_.logger.Info("the decode worker abandoned a KV read", {{"request", request_id}});
  on_released_(request_id, /*expired=*/false);
}

}  // namespace tessera::simulator
