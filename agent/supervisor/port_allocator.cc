#include "agent/supervisor/port_allocator.h"

#include <string>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tessera::agent {

PortAllocator::PortAllocator(int first, int last, PortCheck is_free)
    : first_(first), last_(last), next_(first), is_free_(std::move(is_free)) {}

StatusOr<int> PortAllocator::Allocate(const std::set<int>& held) {
  const int size = last_ - first_ + 1;
  for (int i = 0; i < size; ++i) {
    const int port = first_ + (next_ - first_ + i) % size;
    if (held.contains(port) || !is_free_(port)) continue;
    next_ = port == last_ ? first_ : port + 1;
    return port;
  }
  return ResourceExhaustedError("no free port left in " + std::to_string(first_) + "-" +
                                std::to_string(last_));
}

bool IsPortFree(int port) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) return false;
  const int enable = 1;
  // Ports in TIME_WAIT from an earlier worker are fine to reuse.
  ::setsockopt(socket_fd, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool free =
      ::bind(socket_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(socket_fd);
  return free;
}

}  // namespace tessera::agent
