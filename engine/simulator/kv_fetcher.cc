#include "engine/simulator/kv_fetcher.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace tessera::simulator {
namespace {

http::HttpClientOptions FetchOptions(std::chrono::milliseconds timeout) {
  http::HttpClientOptions options;
  options.read_timeout = timeout;
  options.total_timeout = timeout;
  return options;
}

// The message of an error body ({"error":{"message":...}}), else the body.
std::string ErrorMessage(const std::string& body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    const auto error = parsed.find("error");
    if (error != parsed.end() && error->is_object()) {
      const auto message = error->find("message");
      if (message != error->end() && message->is_string()) return message->get<std::string>();
    }
  }
  return body;
}

std::string Address(const std::string& host, uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

KvFetcher::KvFetcher(boost::asio::io_context& io_context, double bandwidth_bytes_per_second,
                     std::chrono::milliseconds timeout)
    : client_(io_context, FetchOptions(timeout)),
      bandwidth_bytes_per_second_(bandwidth_bytes_per_second) {}

void KvFetcher::Fetch(const std::string& host, uint16_t port, uint64_t room,
                      std::function<void(StatusOr<KvHandoff> handoff)> on_done) {
  const std::string address = Address(host, port);
  http::HttpClientRequest request;
  request.url = "http://" + address + KvFetchPath(room, bandwidth_bytes_per_second_);
  client_.Fetch(std::move(request), [address, on_done = std::move(on_done)](
                                        StatusOr<http::HttpClientResponse> response) {
    const std::string failed =
        "KV transfer from the prefill worker's bootstrap server " + address + " failed: ";
    if (!response.ok()) {
      on_done(UnavailableError(failed + std::string(response.status().message())));
      return;
    }
    if (response->status != 200) {
      on_done(UnavailableError(failed + "HTTP " + std::to_string(response->status) + ": " +
                               ErrorMessage(response->body)));
      return;
    }
    StatusOr<KvHandoff> handoff = ParseKvHandoff(response->body);
    if (!handoff.ok()) {
      on_done(UnavailableError(failed + std::string(handoff.status().message())));
      return;
    }
    on_done(*std::move(handoff));
  });
}

std::shared_ptr<http::HttpCall> KvFetcher::Read(
    const std::string& host, uint16_t port, RemoteKvReadRequest read,
    std::function<void(StatusOr<RemoteKvReadResult> result)> on_done) {
  const std::string address = Address(host, port);
  read.bandwidth_bytes_per_second = bandwidth_bytes_per_second_;
  // Collected here rather than with Fetch(): an error answer's body carries
  // the side channel's explanation (expired, unknown, ...).
  struct Answer {
    int status = 0;
    std::string body;
  };
  auto answer = std::make_shared<Answer>();
  http::HttpCallHandlers handlers;
  handlers.on_head = [answer](const http::HttpResponseHead& head) { answer->status = head.status; };
  handlers.on_body = [answer](std::string_view data, std::chrono::steady_clock::time_point) {
    answer->body += data;
  };
  handlers.on_complete = [address, answer, on_done = std::move(on_done)](const Status& status) {
    const std::string failed =
        "KV transfer from the prefill worker's side channel " + address + " failed: ";
    if (status.code() == StatusCode::kCancelled) {
      on_done(status);
      return;
    }
    if (answer->status != 0 && answer->status != 200) {
      on_done(UnavailableError(failed + "HTTP " + std::to_string(answer->status) + ": " +
                               ErrorMessage(answer->body)));
      return;
    }
    if (!status.ok()) {
      on_done(UnavailableError(failed + std::string(status.message())));
      return;
    }
    StatusOr<RemoteKvReadResult> result = ParseRemoteKvReadResult(answer->body);
    if (!result.ok()) {
      on_done(UnavailableError(failed + std::string(result.status().message())));
      return;
    }
    on_done(*std::move(result));
  };
  return client_.Start(
      http::HttpClientRequest::PostJson("http://" + address + std::string(kRemoteKvReadPath),
                                        RemoteKvReadRequestJson(read)),
      std::move(handlers));
}

}  // namespace tessera::simulator
