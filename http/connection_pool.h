// Idle keep-alive connections of an HttpClient, by server. Internal to
// http/; used on the io_context thread only.

#ifndef TESSERA_HTTP_CONNECTION_POOL_H_
#define TESSERA_HTTP_CONNECTION_POOL_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/client_connection.h"

namespace tessera::http {

class ConnectionPool {
 public:
  explicit ConnectionPool(size_t max_idle_per_authority)
      : max_idle_per_authority_(max_idle_per_authority) {}

  // The most recently used idle connection to `authority` that still looks
  // reusable, or null. Connections that do not are closed and dropped.
  std::unique_ptr<ClientConnection> Acquire(std::string_view authority);

  // Keeps `connection` for reuse, or closes it when the authority already
  // has max_idle_per_authority idle connections. `now` starts its idle time.
  void Release(std::unique_ptr<ClientConnection> connection,
               std::chrono::steady_clock::time_point now);

  // Closes connections idle since before `cutoff`.
  void CloseIdleSince(std::chrono::steady_clock::time_point cutoff);

  void Clear() { idle_.clear(); }
  size_t size() const;
  bool empty() const { return idle_.empty(); }

 private:
  const size_t max_idle_per_authority_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<ClientConnection>>> idle_;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_CONNECTION_POOL_H_
