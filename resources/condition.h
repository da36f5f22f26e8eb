// metav1.Condition, and the rule that makes conditions useful to read:
// lastTransitionTime moves only when the status does.

#ifndef TESSERA_RESOURCES_CONDITION_H_
#define TESSERA_RESOURCES_CONDITION_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::resources {

struct Condition {
  std::string type{};
  std::string status{};  // "True", "False" or "Unknown"
  std::string reason{};  // CamelCase, for machines
  std::string message{};
  int64_t observed_generation = 0;
  std::string last_transition_time{};  // RFC 3339
  // Progressing only (as a Deployment's): when progress was last made, RFC
  // 3339; empty for the other conditions.
  std::string last_update_time{};
  friend bool operator==(const Condition&, const Condition&) = default;
};

// Sets the condition of `type` in `conditions`, keeping its
// lastTransitionTime when `status` is unchanged and stamping `now`
// otherwise. Returns true when anything but the time changed.
bool SetCondition(std::vector<Condition>& conditions, Condition condition,
                  std::chrono::system_clock::time_point now);

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type);

nlohmann::json ConditionToJson(const Condition& condition);
// Entries that are not maps are skipped.
std::vector<Condition> ConditionsFromJson(const nlohmann::json& conditions);

}  // namespace tessera::resources

#endif  // TESSERA_RESOURCES_CONDITION_H_
