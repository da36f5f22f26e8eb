// The HOST:PORT of a listening flag (--listen, --metrics-listen), read in
// one place so every process accepts and rejects the same spellings.

#ifndef TESSERA_BASE_HOST_PORT_H_
#define TESSERA_BASE_HOST_PORT_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera {

struct HostPort {
  std::string host{};
  int port = 0;
};

// "127.0.0.1:8470", "localhost:8470", "[::1]:8470" (brackets removed), and
// ":8470", which listens on every IPv4 interface ("0.0.0.0", as Go servers
// read it). Port 0 (any free port) is accepted. InvalidArgument, prefixed
// with `flag`, for a missing or malformed port or one above 65535.
StatusOr<HostPort> ParseHostPort(std::string_view flag, std::string_view text);

}  // namespace tessera

#endif  // TESSERA_BASE_HOST_PORT_H_
