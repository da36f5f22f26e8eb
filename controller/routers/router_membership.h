// What a router routes to: the body of tessera-router's PUT /admin/workers
// (and of its answer, and of GET /admin/workers).
//
//   {"workers": [{"url": "http://10.0.0.5:30001", "role": "prefill", "bootstrapPort": 8998},
//                {"url": "http://10.0.0.5:30002", "role": "decode"}]}
//
// The PUT carries the full membership and replaces the router's set, so
// one request says everything and a restarted router is refilled by the
// next one.

#ifndef TESSERA_CONTROLLER_ROUTERS_ROUTER_MEMBERSHIP_H_
#define TESSERA_CONTROLLER_ROUTERS_ROUTER_MEMBERSHIP_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "wire/worker_role.h"

namespace tessera::controller {

struct RouterMember {
  std::string url{};
  wire::WorkerRole role = wire::WorkerRole::kAggregated;
  std::optional<int> bootstrap_port{};  // prefill workers that serve a KV bootstrap port

  friend auto operator<=>(const RouterMember&, const RouterMember&) = default;
};

// Members are kept sorted (by URL, then role), so that two memberships of
// the same workers compare equal whatever order they were found in.
struct RouterMembership {
  std::vector<RouterMember> workers{};

  void Add(RouterMember member);
  friend bool operator==(const RouterMembership&, const RouterMembership&) = default;
};

nlohmann::json RouterMembershipToJson(const RouterMembership& membership);

// Reads a router's answer. Fields the controller does not use (healthy,
// inFlight, draining) are ignored; errors name the field
// ("workers[1].role: unknown role ...").
StatusOr<RouterMembership> RouterMembershipFromJson(const nlohmann::json& body);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_ROUTERS_ROUTER_MEMBERSHIP_H_
