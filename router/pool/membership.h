// The router's membership: the workers it may send requests to, by role.
// The controller sends the whole set with PUT /admin/workers every time it
// reconciles (level-triggered), so a restarted router is refilled by the
// next pass and no change can be missed:
//
//   {"workers": [
//     {"url": "http://10.0.0.5:30001", "role": "prefill", "bootstrapPort": 8998},
//     {"url": "http://10.0.0.5:30002", "role": "decode"},
//     {"url": "http://10.0.0.6:30003", "role": "aggregated"}]}

#ifndef TESSERA_ROUTER_POOL_MEMBERSHIP_H_
#define TESSERA_ROUTER_POOL_MEMBERSHIP_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "wire/worker_role.h"

namespace tessera::router {

inline constexpr size_t kMaxMembers = 4096;

struct WorkerEndpoint {
  // Base URL without a path: "http://10.0.0.5:30001". Identifies the worker.
  std::string url{};
  wire::WorkerRole role = wire::WorkerRole::kAggregated;
  // A prefill worker's SGLang bootstrap port; null: SGLang's default, 8998.
  std::optional<int> bootstrap_port{};

  friend bool operator==(const WorkerEndpoint&, const WorkerEndpoint&) = default;
};

// Parses a membership document. Errors name the field path
// ("workers[2].url: ...") and the reason; unknown fields are errors, as in
// every document a person may write by hand. Roles are aggregated, prefill
// and decode; URLs are plain http with a host and no path, unique.
StatusOr<std::vector<WorkerEndpoint>> ParseMembership(std::string_view json_text);

// "--prefill http://host:port,8998" style flags: URL, then an optional
// bootstrap port after a comma.
StatusOr<WorkerEndpoint> ParseWorkerFlag(std::string_view text, wire::WorkerRole role);

// The role names a membership accepts.
bool IsServingRole(wire::WorkerRole role);

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POOL_MEMBERSHIP_H_
