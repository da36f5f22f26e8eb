#include "http/server_core.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <sys/resource.h>

#include "http/server_connection.h"

namespace tessera::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// How long to wait before accepting again after accept() failed, e.g. when
// the process is out of file descriptors, so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

// Descriptors left for the rest of the process when the connection limit
// follows the open-file limit.
constexpr size_t kReservedDescriptors = 64;
constexpr size_t kMinimumConnections = 16;

HttpServerOptions WithConnectionLimit(HttpServerOptions options) {
  if (options.max_connections != 0) return options;
  rlimit limit{};
  size_t connections = 10'000;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    connections = static_cast<size_t>(limit.rlim_cur) > kReservedDescriptors
                      ? (static_cast<size_t>(limit.rlim_cur) - kReservedDescriptors) /
                            std::max<size_t>(options.descriptors_per_connection, 1)
                      : 0;
  }
  options.max_connections = std::max(connections, kMinimumConnections);
  return options;
}

}  // namespace

ServerCore::ServerCore(net::io_context& io_context, HttpServerOptions options, HttpHandler handler)
    : io_context_(io_context),
      options_(WithConnectionLimit(std::move(options))),
      handler_(std::move(handler)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Default()),
      acceptor_(io_context),
      sweep_timer_(io_context),
      accept_retry_timer_(io_context) {}

Status ServerCore::LoadTls() {
  if (options_.tls_certificate_file.empty()) return OkStatus();
  net::ssl::context& context = tls_.emplace(net::ssl::context::tls_server);
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                      net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  boost::system::error_code error;
  if (context.use_certificate_chain_file(options_.tls_certificate_file, error)) {
    return InvalidArgumentError("tls certificate " + options_.tls_certificate_file + ": " +
                                error.message());
  }
  if (context.use_private_key_file(options_.tls_private_key_file, net::ssl::context::pem, error)) {
    return InvalidArgumentError("tls private key " + options_.tls_private_key_file + ": " +
                                error.message());
  }
  return OkStatus();
}

Status ServerCore::Listen() {
  TESSERA_RETURN_IF_ERROR(LoadTls());
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
        self->Admit(std::move(socket));
        self->Accept();
      });
}

void ServerCore::Admit(tcp::socket socket) {
  if (connections_.size() >= options_.max_connections) {
    std::shared_ptr<ServerConnection> longest_waiting;
    std::chrono::steady_clock::time_point earliest = std::chrono::steady_clock::time_point::max();
    for (const auto& [key, connection] : connections_) {
      const std::optional<std::chrono::steady_clock::time_point> since = connection->WaitingSince();
      if (since && *since < earliest) {
        earliest = *since;
        longest_waiting = connection;
      }
    }
    if (longest_waiting == nullptr) {
      // Every connection is being answered; the newcomer must wait for a
      // slot it cannot be given, so it goes.
      boost::system::error_code ignored;
      (void)socket.close(ignored);
      return;
    }
    longest_waiting->Close(
        UnavailableError("closed to make room: the server is at its connection limit"));
  }
  boost::system::error_code ignored;
  // Each SSE event must leave at once, not wait for the previous one's
  // acknowledgement.
  (void)socket.set_option(tcp::no_delay(true), ignored);
  std::unique_ptr<ServerStream> stream = tls_ ? MakeTlsServerStream(std::move(socket), *tls_)
                                              : MakePlainServerStream(std::move(socket));
  auto connection = std::make_shared<ServerConnection>(*this, std::move(stream));
  connections_.emplace(connection.get(), connection);
  connection->Start();
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
  (void)acceptor_.close(ignored);
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
  (void)acceptor_.close(ignored);
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
