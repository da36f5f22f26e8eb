#include "http/http_server.h"

#include <string>
#include <utility>

#include "base/units.h"
#include "http/server_core.h"

namespace tessera::http {
namespace {

Status CheckPositive(std::string_view name, std::chrono::milliseconds value) {
  if (value.count() > 0) return OkStatus();
  return InvalidArgumentError(std::string(name) + ": must be positive, got " +
                              FormatDuration(value));
}

Status CheckOptions(const HttpServerOptions& options, const HttpHandler& handler) {
  if (!handler) return InvalidArgumentError("handler: must not be empty");
  if (options.max_body_bytes == 0) return InvalidArgumentError("max_body_bytes: must be positive");
  if (options.max_header_bytes < 1024) {
    return InvalidArgumentError("max_header_bytes: must be at least 1024, got " +
                                std::to_string(options.max_header_bytes));
  }
  if (options.max_queued_bytes == 0) {
    return InvalidArgumentError("max_queued_bytes: must be positive");
  }
  if (options.tls_certificate_file.empty() != options.tls_private_key_file.empty()) {
    return InvalidArgumentError(
        "tls_certificate_file, tls_private_key_file: give both for TLS, or neither");
  }
  TESSERA_RETURN_IF_ERROR(CheckPositive("idle_timeout", options.idle_timeout));
  TESSERA_RETURN_IF_ERROR(CheckPositive("request_timeout", options.request_timeout));
  TESSERA_RETURN_IF_ERROR(CheckPositive("write_timeout", options.write_timeout));
  TESSERA_RETURN_IF_ERROR(CheckPositive("linger_timeout", options.linger_timeout));
  TESSERA_RETURN_IF_ERROR(CheckPositive("timer_resolution", options.timer_resolution));
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(boost::asio::io_context& io_context,
                                                        HttpServerOptions options,
                                                        HttpHandler handler) {
  TESSERA_RETURN_IF_ERROR(CheckOptions(options, handler));
  auto core = std::make_shared<ServerCore>(io_context, std::move(options), std::move(handler));
  TESSERA_RETURN_IF_ERROR(core->Listen());
  core->Run();
  const uint16_t port = core->bound_port();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(core), port));
}

HttpServer::HttpServer(std::shared_ptr<ServerCore> core, uint16_t port)
    : core_(std::move(core)), port_(port) {}

HttpServer::~HttpServer() { Close(); }

void HttpServer::Shutdown(std::function<void()> on_drained) {
  core_->Shutdown(std::move(on_drained));
}

void HttpServer::Close() { core_->Close(); }

size_t HttpServer::connection_count() const { return core_->connection_count(); }

}  // namespace tessera::http
