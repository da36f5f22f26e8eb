// Carries AdminRoutes over HTTP(S) with cpprestsdk. Requests are parsed on
// cpprest's threads and handed to the agent's event loop, where the
// supervisor lives; the reply is sent once the loop has answered.

#ifndef TESSERA_AGENT_API_ADMIN_SERVER_H_
#define TESSERA_AGENT_API_ADMIN_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "agent/api/admin_routes.h"
#include "base/logging.h"
#include "base/status.h"

namespace web::http::experimental::listener {
class http_listener;
}
namespace web::http {
class http_request;
}

namespace tessera::agent {

struct AdminServerOptions {
  std::string host = "0.0.0.0";
  int port = 8470;
  // Bodies above this are refused with 413 before they are read.
  size_t max_request_bytes = size_t{1} << 20;
  // Both set: serve HTTPS with this PEM certificate chain and key.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
};

class AdminServer {
 public:
  // Not owned: `loop` and `routes` must outlive the server.
  AdminServer(boost::asio::io_context& loop, AdminRoutes& routes, AdminServerOptions options,
              Logger logger);
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;
  ~AdminServer();

  // Sizes cpprest's thread pool; call once, before any server opens.
  static void UseThreads(size_t threads);

  // Binds and starts serving; an error names the address.
  Status Open();
  // Stops accepting and waits for requests being answered. Call while the
  // loop still runs.
  void Close();

 private:
  void Serve(const web::http::http_request& request);

  boost::asio::io_context& loop_;
  AdminRoutes& routes_;
  AdminServerOptions options_;
  Logger logger_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_API_ADMIN_SERVER_H_
