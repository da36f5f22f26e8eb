// The state an HttpClient shares with its calls: options, clock, the
// keep-alive pool, the calls in flight and the deadline sweep. Internal to
// http/; everything runs on the io_context thread.

#ifndef TESSERA_HTTP_CLIENT_CORE_H_
#define TESSERA_HTTP_CLIENT_CORE_H_

#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/clock.h"
#include "http/connection_pool.h"
#include "http/http_call.h"
#include "http/http_client.h"

namespace tessera::http {

class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  ClientCore(boost::asio::io_context& io_context, HttpClientOptions options);

  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  // Registers `call` and starts it.
  void Begin(const std::shared_ptr<HttpCall>& call);
  // Abandons every call and closes every connection; later Begin()s abandon
  // their call at once.
  void Close();

  // For calls.
  boost::asio::io_context& io_context() { return io_context_; }
  const HttpClientOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }
  std::unique_ptr<ClientConnection> AcquireConnection(std::string_view authority);
  void ReleaseConnection(std::unique_ptr<ClientConnection> connection);
  void Remove(HttpCall* call);
  size_t idle_connection_count() const { return pool_.size(); }

 private:
  // The sweep runs only while there are calls or idle connections, so that
  // io_context::run() returns once the work is done.
  void EnsureSweep();
  void Sweep();

  boost::asio::io_context& io_context_;
  const HttpClientOptions options_;
  const Clock& clock_;
  ConnectionPool pool_;
  std::unordered_map<HttpCall*, std::shared_ptr<HttpCall>> calls_;
  boost::asio::steady_timer sweep_timer_;
  bool sweep_scheduled_ = false;
  bool closed_ = false;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_CLIENT_CORE_H_
