#include "agent/api/admin_server.h"

#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/api/admin_http.h"
#include "http/http_exchange.h"
#include "http/http_server.h"

namespace tessera::agent {

struct AdminServer::HeldRequest {
  std::shared_ptr<http::HttpExchange> exchange;
  boost::asio::steady_timer deadline;
};

AdminServer::AdminServer(boost::asio::io_context& loop, AdminRoutes& routes,
                         AdminServerOptions options, Logger logger)
    : loop_(loop), routes_(routes), options_(std::move(options)), logger_(std::move(logger)) {}

AdminServer::~AdminServer() { Close(); }

Status AdminServer::Open() {
  const bool tls = !options_.tls_certificate_file.empty();
  const std::string address = std::string(tls ? "https://" : "http://") + options_.host + ":" +
                              std::to_string(options_.port);
  if (options_.port < 0 || options_.port > 65535) {
    return InvalidArgumentError("port: must be 0-65535, got " + std::to_string(options_.port));
  }
  StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      loop_,
      {.host = options_.host,
       .port = static_cast<uint16_t>(options_.port),
       .max_body_bytes = options_.max_request_bytes,
       .max_header_bytes = options_.max_header_bytes,
       .max_connections = options_.max_connections,
       .tls_certificate_file = options_.tls_certificate_file,
       .tls_private_key_file = options_.tls_private_key_file,
       .screen = [this](const http::HttpRequest& head) { return ScreenAdminHead(routes_, head); },
       .idle_timeout = options_.idle_timeout,
       .request_timeout = options_.request_timeout,
       .logger = logger_},
      [this](const std::shared_ptr<http::HttpExchange>& exchange) { Serve(exchange); });
  if (!server.ok()) {
    return server.status().WithContext("cannot serve the admin API on " + address);
  }
  server_ = *std::move(server);
  // Not answered from inside the change: the supervisor is in the middle of
  // it. One release posted however many changes come before it runs.
  routes_.OnWorkersChanged([this, weak = std::weak_ptr<AdminServer*>(self_)] {
    if (release_posted_ || held_.empty()) return;
    release_posted_ = true;
    boost::asio::post(loop_, [weak] {
      if (const std::shared_ptr<AdminServer*> self = weak.lock()) (*self)->ReleaseAll();
    });
  });
  logger_.Info("admin API listening",
               {{"address", std::string(tls ? "https://" : "http://") + options_.host + ":" +
                                std::to_string(server_->port())}});
  return OkStatus();
}

void AdminServer::Close() {
  if (server_ != nullptr) {
    routes_.OnWorkersChanged(nullptr);
    server_->Close();
  }
  held_.clear();
}

uint16_t AdminServer::port() const { return server_ == nullptr ? 0 : server_->port(); }

void AdminServer::Serve(const std::shared_ptr<http::HttpExchange>& exchange) {
  AdminAnswer answer = AnswerAdminRequest(routes_, exchange->request());
  // Clients that went away free their places.
  std::erase_if(held_, [](const auto& held) { return held.second->exchange->cancelled(); });
  if (!answer.hold_for || held_.size() >= options_.max_held_requests) {
    Respond(*exchange, std::move(answer.response));
    return;
  }
  const uint64_t id = next_held_id_++;
  auto held = std::make_unique<HeldRequest>(
      HeldRequest{.exchange = exchange, .deadline = boost::asio::steady_timer(loop_)});
  held->deadline.expires_after(*answer.hold_for);
  held->deadline.async_wait(
      [id, weak = std::weak_ptr<AdminServer*>(self_)](const boost::system::error_code& error) {
        const std::shared_ptr<AdminServer*> self = weak.lock();
        if (!error && self) (*self)->Release(id);
      });
  held_.emplace(id, std::move(held));
}

void AdminServer::Respond(http::HttpExchange& exchange, http::HttpResponse response) {
  // A client that went away while its request was held is no news.
  if (Status sent = exchange.Respond(std::move(response)); !sent.ok() && !exchange.cancelled()) {
    logger_.Warning("admin API response not sent", {{"error", sent}});
  }
}

void AdminServer::Release(uint64_t id) {
  const auto it = held_.find(id);
  if (it == held_.end()) return;
  const std::shared_ptr<http::HttpExchange> exchange = std::move(it->second->exchange);
  held_.erase(it);
  Respond(*exchange, AnswerAdminRequest(routes_, exchange->request()).response);
}

void AdminServer::ReleaseAll() {
  release_posted_ = false;
  while (!held_.empty()) Release(held_.begin()->first);
}

}  // namespace tessera::agent
