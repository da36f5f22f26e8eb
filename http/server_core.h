// The state an HttpServer shares with its connections: the acceptor, the
// set of open connections and the deadline sweep. Internal to http/.
//
// Everything here runs on the io_context thread. Handlers of pending
// operations hold a shared_ptr to the core, so destroying the HttpServer
// while accepts or sweeps are outstanding is safe.

#ifndef TESSERA_HTTP_SERVER_CORE_H_
#define TESSERA_HTTP_SERVER_CORE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/clock.h"
#include "http/http_server.h"

namespace tessera::http {

class ServerConnection;

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(boost::asio::io_context& io_context, HttpServerOptions options, HttpHandler handler);

  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  // Loads the TLS certificate and key when the options name them, then
  // opens, binds and listens. Errors as HttpServer::Start() describes.
  Status Listen();
  // Starts the accept loop and the deadline sweep.
  void Run();

  uint16_t bound_port() const;
  void Shutdown(std::function<void()> on_drained);
  void Close();
  size_t connection_count() const { return connections_.size(); }

  // For connections.
  boost::asio::io_context& io_context() { return io_context_; }
  const HttpServerOptions& options() const { return options_; }
  const HttpHandler& handler() const { return handler_; }
  const Clock& clock() const { return clock_; }
  bool shutting_down() const { return shutting_down_; }
  // Forgets a closed connection.
  void Remove(ServerConnection* connection);

 private:
  void Accept();
  // Takes `socket` on as a connection, making room at the limit first.
  void Admit(boost::asio::ip::tcp::socket socket);
  Status LoadTls();
  void ScheduleSweep();
  void Sweep();

  boost::asio::io_context& io_context_;
  const HttpServerOptions options_;
  const HttpHandler handler_;
  const Clock& clock_;
  std::optional<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer sweep_timer_;
  boost::asio::steady_timer accept_retry_timer_;
  std::unordered_map<ServerConnection*, std::shared_ptr<ServerConnection>> connections_;
  bool shutting_down_ = false;
  bool closed_ = false;
  std::function<void()> on_drained_;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_SERVER_CORE_H_
