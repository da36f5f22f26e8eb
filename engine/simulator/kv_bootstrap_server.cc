#include "engine/simulator/kv_bootstrap_server.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "http/http_message.h"

namespace tessera::simulator {
namespace {

using json = nlohmann::ordered_json;
using http::HttpExchange;
using http::HttpResponse;

constexpr std::string_view kFetchPrefix = "/tessera/kv/";

// The value of `name` in the target's query string, undecoded.
std::optional<std::string_view> QueryValue(std::string_view target, std::string_view name) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

template <typename Number>
std::optional<Number> ParseNumber(std::string_view text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

HttpResponse JsonError(int status, std::string_view message) {
  return HttpResponse::Json(status, http::JsonErrorBody(status, message));
}

}  // namespace

std::string KvHandoffJson(const KvHandoff& handoff) {
  return json{{"bootstrap_room", handoff.room},
              {"prompt_tokens", handoff.prompt_tokens},
              {"first_token", handoff.first_token},
              {"kv_bytes", handoff.kv_bytes},
              {"transfer_seconds", handoff.transfer_seconds}}
      .dump();
}

StatusOr<KvHandoff> ParseKvHandoff(std::string_view text) {
  StatusOr<nlohmann::json> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status().WithContext("KV handoff");
  const nlohmann::json& body = *parsed;
  const auto field = [&](const char* name, auto check) -> StatusOr<const nlohmann::json*> {
    const auto it = body.find(name);
    if (it == body.end() || !check(*it)) {
      return InvalidArgumentError(std::string("KV handoff: ") + name + " is missing or mistyped");
    }
    return &*it;
  };
  const auto is_unsigned = [](const nlohmann::json& value) { return value.is_number_unsigned(); };
  const auto is_integer = [](const nlohmann::json& value) { return value.is_number_integer(); };
  const auto is_number = [](const nlohmann::json& value) { return value.is_number(); };
  const auto is_string = [](const nlohmann::json& value) { return value.is_string(); };
  if (!body.is_object()) return InvalidArgumentError("KV handoff: must be a JSON object");
  KvHandoff handoff;
  TESSERA_ASSIGN_OR_RETURN(const nlohmann::json* room, field("bootstrap_room", is_unsigned));
  TESSERA_ASSIGN_OR_RETURN(const nlohmann::json* prompt, field("prompt_tokens", is_integer));
  TESSERA_ASSIGN_OR_RETURN(const nlohmann::json* token, field("first_token", is_string));
  TESSERA_ASSIGN_OR_RETURN(const nlohmann::json* bytes, field("kv_bytes", is_integer));
  TESSERA_ASSIGN_OR_RETURN(const nlohmann::json* seconds, field("transfer_seconds", is_number));
  handoff.room = room->get<uint64_t>();
  handoff.prompt_tokens = prompt->get<int64_t>();
  handoff.first_token = token->get<std::string>();
  handoff.kv_bytes = bytes->get<int64_t>();
  handoff.transfer_seconds = seconds->get<double>();
  return handoff;
}

std::string KvFetchPath(uint64_t room, double bandwidth_bytes_per_second) {
  return std::string(kFetchPrefix) + std::to_string(room) +
         "?bandwidth=" + std::to_string(static_cast<int64_t>(bandwidth_bytes_per_second));
}

StatusOr<std::unique_ptr<KvBootstrapServer>> KvBootstrapServer::Start(
    boost::asio::io_context& io_context, KvBootstrapOptions options) {
  if (options.bandwidth_bytes_per_second <= 0) {
    return InvalidArgumentError("KV transfer bandwidth must be positive");
  }
  std::unique_ptr<KvBootstrapServer> server(new KvBootstrapServer(io_context, std::move(options)));
  http::HttpServerOptions http_options;
  http_options.host = server->options_.host;
  http_options.port = server->options_.port;
  http_options.logger = server->options_.logger;
  StatusOr<std::unique_ptr<http::HttpServer>> http =
      http::HttpServer::Start(io_context, http_options,
                              [raw = server.get()](const std::shared_ptr<HttpExchange>& exchange) {
                                raw->Handle(exchange);
                              });
  if (!http.ok()) return http.status().WithContext("--disaggregation-bootstrap-port");
  server->http_ = *std::move(http);
  server->options_.logger.Info("bootstrap server listening",
                               {{"host", server->options_.host}, {"port", server->port()}});
  return server;
}

KvBootstrapServer::KvBootstrapServer(boost::asio::io_context& io_context,
                                     KvBootstrapOptions options)
    : io_context_(io_context), options_(std::move(options)), link_(options_.time_scale) {}

KvBootstrapServer::~KvBootstrapServer() { Close(); }

void KvBootstrapServer::Close() {
  while (!rooms_.empty()) {
    Fail(rooms_.begin()->first, UnavailableError("the prefill worker is shutting down"), 503);
  }
  if (http_) http_->Close();
}

std::chrono::steady_clock::duration KvBootstrapServer::Wall(double simulated_seconds) const {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(simulated_seconds * options_.time_scale));
}

void KvBootstrapServer::Handle(const std::shared_ptr<HttpExchange>& exchange) {
  const http::HttpRequest& request = exchange->request();
  const bool get = request.method == "GET";
  if (request.path == "/health") {
    (void)exchange->Respond(HttpResponse::Text(200, "OK"));
  } else if (request.path == "/route") {
    if (get) {
      HandleRoute(exchange);
    } else {
      (void)exchange->Respond(JsonError(405, "only GET /route is served: ranks do not register"));
    }
  } else if (request.path.starts_with(kFetchPrefix)) {
    if (get) {
      HandleFetch(exchange);
    } else {
      (void)exchange->Respond(JsonError(405, "use GET to fetch a room's KV"));
    }
  } else {
    (void)exchange->Respond(JsonError(404, "not found"));
  }
}

void KvBootstrapServer::HandleRoute(const std::shared_ptr<HttpExchange>& exchange) const {
  const std::string& target = exchange->request().target;
  const std::optional<int64_t> rank =
      ParseNumber<int64_t>(QueryValue(target, "engine_rank").value_or(""));
  const std::optional<int64_t> dp_group =
      ParseNumber<int64_t>(QueryValue(target, "target_dp_group").value_or(""));
  const std::optional<int64_t> pp_rank =
      ParseNumber<int64_t>(QueryValue(target, "target_pp_rank").value_or(""));
  if (!rank || !dp_group || !pp_rank) {
    (void)exchange->Respond(HttpResponse::Text(400, "Missing inputs for bootstrap server."));
    return;
  }
  if (*rank == -1) {
    (void)exchange->Respond(
        HttpResponse::Json(200, json{{"prefill_attn_tp_size", options_.tensor_parallel_size},
                                     {"prefill_dp_size", 1},
                                     {"prefill_pp_size", 1}}
                                    .dump()));
    return;
  }
  if (*rank < 0 || *rank >= options_.tensor_parallel_size || *dp_group != 0 || *pp_rank != 0) {
    (void)exchange->Respond(HttpResponse::Text(404, "Bootstrap info not Found"));
    return;
  }
  (void)exchange->Respond(HttpResponse::Json(
      200, json{{"rank_ip", options_.advertised_host}, {"rank_port", port()}}.dump()));
}

void KvBootstrapServer::HandleFetch(const std::shared_ptr<HttpExchange>& exchange) {
  const std::string_view path = exchange->request().path;
  const std::optional<uint64_t> room = ParseNumber<uint64_t>(path.substr(kFetchPrefix.size()));
  if (!room) {
    (void)exchange->Respond(JsonError(400, "bootstrap_room: must be an unsigned integer"));
    return;
  }
  double bandwidth = options_.bandwidth_bytes_per_second;
  if (const auto text = QueryValue(exchange->request().target, "bandwidth")) {
    const std::optional<double> asked = ParseNumber<double>(*text);
    if (!asked || *asked <= 0) {
      (void)exchange->Respond(JsonError(400, "bandwidth: must be a positive number of bytes/s"));
      return;
    }
    bandwidth = std::min(bandwidth, *asked);
  }
  auto it = rooms_.find(*room);
  if (it != rooms_.end() && it->second.fetch) {
    (void)exchange->Respond(JsonError(
        409, "bootstrap_room " + std::to_string(*room) + " is already fetched by a decode worker"));
    return;
  }
  Room& entry = it != rooms_.end() ? it->second : CreateRoom(*room);
  entry.fetch = exchange;
  entry.fetch_bandwidth = bandwidth;
  exchange->OnClose([this, alive = std::weak_ptr<char>(alive_), id = *room,
                     weak = std::weak_ptr<HttpExchange>(exchange)](const Status& status) {
    if (status.ok() || alive.expired()) return;
    const auto found = rooms_.find(id);
    if (found == rooms_.end() || found->second.fetch != weak.lock()) return;
    if (found->second.transferring) {
      Fail(id, AbortedError("the decode worker disconnected during the KV transfer"), 0);
    } else {
      found->second.fetch.reset();
    }
  });
  MaybeTransfer(*room);
}

KvBootstrapServer::Room& KvBootstrapServer::CreateRoom(uint64_t room) {
  Room& entry = rooms_[room];
  entry.timer = std::make_unique<boost::asio::steady_timer>(io_context_);
  StartTimeout(room);
  return entry;
}

void KvBootstrapServer::StartTimeout(uint64_t room) {
  boost::asio::steady_timer& timer = *rooms_.at(room).timer;
  timer.expires_after(Wall(options_.timeout.count()));
  timer.async_wait([this, room](const boost::system::error_code& error) {
    if (!error) TimeOut(room);
  });
}

void KvBootstrapServer::TimeOut(uint64_t room) {
  // A timeout that fired just as the room ended or began its transfer is stale.
  const auto it = rooms_.find(room);
  if (it == rooms_.end() || it->second.transferring) return;
  const Room& entry = it->second;
  const std::string limit = std::to_string(static_cast<int64_t>(options_.timeout.count())) + "s";
  const std::string message = entry.on_done && !entry.fetch
                                  ? "no decode worker asked for the KV of bootstrap_room " +
                                        std::to_string(room) + " within " + limit
                                  : "the prefill worker did not produce bootstrap_room " +
                                        std::to_string(room) + " within " + limit;
  options_.logger.Warning("KV transfer timed out", {{"bootstrap_room", room}});
  Fail(room, DeadlineExceededError(message), 504);
}

Status KvBootstrapServer::Open(uint64_t room, TransferDone on_done) {
  auto it = rooms_.find(room);
  if (it != rooms_.end() && it->second.on_done) {
    return AlreadyExistsError("bootstrap_room " + std::to_string(room) +
                              " is already held by another prefill request");
  }
  Room& entry = it != rooms_.end() ? it->second : CreateRoom(room);
  entry.on_done = std::move(on_done);
  return OkStatus();
}

void KvBootstrapServer::Ready(uint64_t room, KvHandoff handoff) {
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) return;  // withdrawn or timed out meanwhile
  it->second.ready = true;
  it->second.handoff = std::move(handoff);
  it->second.handoff.room = room;
  MaybeTransfer(room);
}

void KvBootstrapServer::Withdraw(uint64_t room) {
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  it->second.on_done = nullptr;
  Fail(room,
       AbortedError("the prefill request for bootstrap_room " + std::to_string(room) +
                    " was aborted"),
       410);
}

void KvBootstrapServer::MaybeTransfer(uint64_t room) {
  Room& entry = rooms_.at(room);
  if (!entry.ready || !entry.fetch || entry.transferring) return;
  entry.transferring = true;
  KvHandoff& handoff = entry.handoff;
  handoff.kv_bytes = handoff.prompt_tokens * options_.kv_bytes_per_token;
  const KvTransferLink::Transfer transfer =
      link_.Queue(std::chrono::steady_clock::now(), handoff.kv_bytes, entry.fetch_bandwidth);
  handoff.transfer_seconds = transfer.seconds;
  entry.timer->expires_at(transfer.ends);
  entry.timer->async_wait([this, room](const boost::system::error_code& error) {
    if (!error) FinishTransfer(room);
  });
}

void KvBootstrapServer::FinishTransfer(uint64_t room) {
  const auto it = rooms_.find(room);
  if (it == rooms_.end() || !it->second.transferring) return;
  Room entry = std::move(it->second);
  rooms_.erase(it);
  (void)entry.fetch->Respond(HttpResponse::Json(200, KvHandoffJson(entry.handoff)));
  if (entry.on_done) entry.on_done(OkStatus());
}

void KvBootstrapServer::Fail(uint64_t room, const Status& status, int fetch_status) {
  const auto it = rooms_.find(room);
  Room entry = std::move(it->second);
  rooms_.erase(it);
  if (entry.fetch && fetch_status != 0) {
    (void)entry.fetch->Respond(JsonError(fetch_status, status.message()));
  }
  if (entry.on_done) entry.on_done(status);
}

}  // namespace tessera::simulator
