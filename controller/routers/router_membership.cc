#include "controller/routers/router_membership.h"

#include <algorithm>

#include "base/json_fields.h"

namespace tessera::controller {

void RouterMembership::Add(RouterMember member) {
  workers.insert(std::upper_bound(workers.begin(), workers.end(), member), std::move(member));
}

nlohmann::json RouterMembershipToJson(const RouterMembership& membership) {
  nlohmann::json workers = nlohmann::json::array();
  for (const RouterMember& member : membership.workers) {
    nlohmann::json entry = {{"url", member.url}, {"role", wire::WorkerRoleName(member.role)}};
    if (member.bootstrap_port) entry["bootstrapPort"] = *member.bootstrap_port;
    workers.push_back(std::move(entry));
  }
  return {{"workers", std::move(workers)}};
}

StatusOr<RouterMembership> RouterMembershipFromJson(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("workers") || !body["workers"].is_array()) {
    return InvalidArgumentError("workers: must be a list");
  }
  RouterMembership membership;
  const nlohmann::json& workers = body["workers"];
  for (size_t i = 0; i < workers.size(); ++i) {
    const std::string path = "workers[" + std::to_string(i) + "]";
    const nlohmann::json& entry = workers[i];
    if (!entry.is_object()) return InvalidArgumentError(path + ": must be a JSON object");
    RouterMember member;
    const auto url = entry.find("url");
    if (url == entry.end() || !url->is_string()) {
      return InvalidArgumentError(path + ".url: is required");
    }
    member.url = url->get<std::string>();
    const auto role = entry.find("role");
    if (role == entry.end() || !role->is_string()) {
      return InvalidArgumentError(path + ".role: is required");
    }
    StatusOr<wire::WorkerRole> parsed = wire::ParseWorkerRole(role->get<std::string>());
    if (!parsed.ok()) return parsed.status().WithContext(path + ".role");
    member.role = *parsed;
    if (const auto port = entry.find("bootstrapPort");
        port != entry.end() && port->is_number_integer()) {
      member.bootstrap_port = port->get<int>();
    }
    membership.Add(std::move(member));
  }
  return membership;
}

}  // namespace tessera::controller
