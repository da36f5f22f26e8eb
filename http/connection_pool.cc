#include "http/connection_pool.h"

#include <algorithm>
#include <utility>

namespace tessera::http {

std::unique_ptr<ClientConnection> ConnectionPool::Acquire(std::string_view authority) {
  const auto found = idle_.find(std::string(authority));
  if (found == idle_.end()) return nullptr;
  std::vector<std::unique_ptr<ClientConnection>>& connections = found->second;
  std::unique_ptr<ClientConnection> reusable;
  while (!connections.empty() && reusable == nullptr) {
    std::unique_ptr<ClientConnection> candidate = std::move(connections.back());
    connections.pop_back();
    if (candidate->LooksReusable()) reusable = std::move(candidate);
  }
  if (connections.empty()) idle_.erase(found);
  return reusable;
}

void ConnectionPool::Release(std::unique_ptr<ClientConnection> connection,
                             std::chrono::steady_clock::time_point now) {
  std::vector<std::unique_ptr<ClientConnection>>& connections = idle_[connection->authority];
  if (connections.size() >= max_idle_per_authority_) return;  // closes it
  connection->idle_since = now;
  connections.push_back(std::move(connection));
}

void ConnectionPool::CloseIdleSince(std::chrono::steady_clock::time_point cutoff) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    std::vector<std::unique_ptr<ClientConnection>>& connections = it->second;
    std::erase_if(connections, [cutoff](const std::unique_ptr<ClientConnection>& connection) {
      return connection->idle_since < cutoff;
    });
    it = connections.empty() ? idle_.erase(it) : std::next(it);
  }
}

size_t ConnectionPool::size() const {
  size_t count = 0;
  for (const auto& [authority, connections] : idle_) count += connections.size();
  return count;
}

}  // namespace tessera::http
