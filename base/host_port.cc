#include "base/host_port.h"

#include "base/numbers.h"
#include "base/strings.h"

namespace tessera {

StatusOr<HostPort> ParseHostPort(std::string_view flag, std::string_view text) {
  const size_t colon = text.rfind(':');
  const std::optional<int> port =
      colon == std::string_view::npos ? std::nullopt : ParseInteger<int>(text.substr(colon + 1));
  if (!port || *port < 0) {
    return InvalidArgumentError(std::string(flag) + ": expected HOST:PORT or :PORT, got " +
                                Quote(text));
  }
  if (*port > 65535) {
    return InvalidArgumentError(std::string(flag) + ": port " + std::to_string(*port) +
                                " out of range (0 to 65535)");
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return HostPort{.host = host.empty() ? "0.0.0.0" : std::string(host), .port = *port};
}

}  // namespace tessera
