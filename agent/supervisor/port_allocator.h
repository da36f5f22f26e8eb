// Hands out TCP ports for workers from the agent's configured range.

#ifndef TESSERA_AGENT_SUPERVISOR_PORT_ALLOCATOR_H_
#define TESSERA_AGENT_SUPERVISOR_PORT_ALLOCATOR_H_

#include <functional>
#include <set>

#include "base/status.h"

namespace tessera::agent {

// True when a TCP socket can bind 0.0.0.0:port now.
bool IsPortFree(int port);

class PortAllocator {
 public:
  // Whether nothing on the machine listens on a port; IsPortFree on a host.
  using PortCheck = std::function<bool(int port)>;

  // [first, last], inclusive.
  PortAllocator(int first, int last, PortCheck is_free = IsPortFree);

  // The next port after the last one handed out (wrapping) that no worker
  // holds and that nothing else on the machine is listening on. Going round
  // the range rather than reusing the lowest port keeps a restarted worker
  // from inheriting clients of the one it replaced.
  StatusOr<int> Allocate(const std::set<int>& held);

  // Whether nothing on the machine listens on `port`, by the allocator's check.
  bool IsFree(int port) const { return is_free_(port); }

 private:
  int first_;
  int last_;
  int next_;
  PortCheck is_free_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_PORT_ALLOCATOR_H_
