#include "agent/api/admin_server.h"

#include <utility>

#include "agent/api/admin_http.h"
#include "http/http_server.h"

namespace tessera::agent {

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
  logger_.Info("admin API listening",
               {{"address", std::string(tls ? "https://" : "http://") + options_.host + ":" +
                                std::to_string(server_->port())}});
  return OkStatus();
}

void AdminServer::Close() {
  if (server_ != nullptr) server_->Close();
}

uint16_t AdminServer::port() const { return server_ == nullptr ? 0 : server_->port(); }

void AdminServer::Serve(const std::shared_ptr<http::HttpExchange>& exchange) {
  http::HttpResponse response = AnswerAdminRequest(routes_, exchange->request());
  if (Status sent = exchange->Respond(std::move(response)); !sent.ok()) {
    logger_.Warning("admin API response not sent", {{"error", sent}});
  }
}

}  // namespace tessera::agent
