#include "engine/http/server_core.h"

#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#include "engine/http/server_connection.h"

namespace tessera::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// How long to wait before accepting again after accept() failed, e.g. when
// the process is out of file descriptors, so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

}  // namespace

ServerCore::ServerCore(net::io_context& io_context, HttpServerOptions options, HttpHandler handler)
    : io_context_(io_context),
      options_(std::move(options)),
      handler_(std::move(handler)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Default()),
      acceptor_(io_context),
      sweep_timer_(io_context),
      accept_retry_timer_(io_context) {}

Status ServerCore::Listen() {
  boost::system::error_code error;
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  tcp::endpoint endpoint;
  const net::ip::address address = net::ip::make_address(options_.host, error);
  if (!error) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(io_context_);
    const tcp::resolver::results_type results =
        resolver.resolve(options_.host, std::to_string(options_.port), error);
    if (error || results.empty()) {
      return InvalidArgumentError("host \"" + options_.host +
                                  "\": " + (error ? error.message() : std::string("no address")));
    }
    endpoint = results.begin()->endpoint();
  }
  if (acceptor_.open(endpoint.protocol(), error)) {
    return UnavailableError("listen on " + where + ": " + error.message());
  }
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), error) ||
      acceptor_.bind(endpoint, error) ||
      acceptor_.listen(net::socket_base::max_listen_connections, error)) {
    return UnavailableError("listen on " + where + ": " + error.message());
  }
  return OkStatus();
}

void ServerCore::Run() {
  Accept();
  ScheduleSweep();
}

uint16_t ServerCore::bound_port() const {
  boost::system::error_code error;
  const tcp::endpoint endpoint = acceptor_.local_endpoint(error);
  return error ? 0 : endpoint.port();
}

void ServerCore::Accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const boost::system::error_code& error, tcp::socket socket) {
        if (self->closed_ || self->shutting_down_) return;
        if (error) {
          if (error == net::error::operation_aborted) return;
          self->options_.logger.Warning("accept failed", {{"error", error.message()}});
          self->accept_retry_timer_.expires_after(kAcceptRetryDelay);
          self->accept_retry_timer_.async_wait([self](const boost::system::error_code& wait_error) {
            if (!wait_error && !self->closed_ && !self->shutting_down_) self->Accept();
          });
          return;
        }
        boost::system::error_code ignored;
        // Each SSE event must leave at once, not wait for the previous one's
        // acknowledgement.
        socket.set_option(tcp::no_delay(true), ignored);
        auto connection = std::make_shared<ServerConnection>(*self, std::move(socket));
        self->connections_.emplace(connection.get(), connection);
        connection->Start();
        self->Accept();
      });
}

void ServerCore::ScheduleSweep() {
  sweep_timer_.expires_after(options_.timer_resolution);
  sweep_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error || self->closed_) return;
    if (self->shutting_down_ && self->connections_.empty()) return;
    self->Sweep();
    self->ScheduleSweep();
  });
}

void ServerCore::Sweep() {
  const std::chrono::steady_clock::time_point now = clock_.Now();
  std::vector<std::shared_ptr<ServerConnection>> expired;
  for (const auto& [key, connection] : connections_) {
    if (connection->DeadlinePassed(now)) expired.push_back(connection);
  }
  for (const std::shared_ptr<ServerConnection>& connection : expired) connection->OnDeadline();
}

void ServerCore::Shutdown(std::function<void()> on_drained) {
  if (closed_ || shutting_down_) {
    if (on_drained) net::post(io_context_, std::move(on_drained));
    return;
  }
  shutting_down_ = true;
  on_drained_ = std::move(on_drained);
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  std::vector<std::shared_ptr<ServerConnection>> connections;
  connections.reserve(connections_.size());
  for (const auto& [key, connection] : connections_) connections.push_back(connection);
  for (const std::shared_ptr<ServerConnection>& connection : connections) {
    connection->BeginShutdown();
  }
  if (connections_.empty()) {
    sweep_timer_.cancel();
    if (on_drained_) net::post(io_context_, std::exchange(on_drained_, nullptr));
  }
}

void ServerCore::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  sweep_timer_.cancel();
  accept_retry_timer_.cancel();
  std::unordered_map<ServerConnection*, std::shared_ptr<ServerConnection>> connections;
  connections.swap(connections_);
  for (const auto& [key, connection] : connections) {
    connection->Close(UnavailableError("the server closed the connection"));
  }
  if (on_drained_) net::post(io_context_, std::exchange(on_drained_, nullptr));
}

void ServerCore::Remove(ServerConnection* connection) {
  connections_.erase(connection);
  if (shutting_down_ && connections_.empty()) {
    sweep_timer_.cancel();
    if (on_drained_) net::post(io_context_, std::exchange(on_drained_, nullptr));
  }
}

}  // namespace tessera::http
