#include "resources/condition.h"

#include <algorithm>

#include "base/time_format.h"

namespace tessera::resources {
namespace {

// Reads never throw: a status someone damaged by hand is read as far as it
// makes sense and rewritten by the next reconcile.
std::string StringField(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type) {
  const auto it = std::find_if(conditions.begin(), conditions.end(),
                               [&](const Condition& condition) { return condition.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

bool SetCondition(std::vector<Condition>& conditions, Condition condition,
                  std::chrono::system_clock::time_point now) {
  const auto it =
      std::find_if(conditions.begin(), conditions.end(),
                   [&](const Condition& existing) { return existing.type == condition.type; });
  if (it == conditions.end()) {
    condition.last_transition_time = FormatRfc3339(now);
    conditions.push_back(std::move(condition));
    return true;
  }
  const bool changed = it->status != condition.status || it->reason != condition.reason ||
                       it->message != condition.message ||
                       it->observed_generation != condition.observed_generation;
  condition.last_transition_time =
      it->status == condition.status && !it->last_transition_time.empty() ? it->last_transition_time
                                                                          : FormatRfc3339(now);
  *it = std::move(condition);
  return changed;
}

nlohmann::json ConditionToJson(const Condition& condition) {
  nlohmann::json json = {{"type", condition.type},
                         {"status", condition.status},
                         {"reason", condition.reason},
                         {"message", condition.message},
                         {"observedGeneration", condition.observed_generation},
                         {"lastTransitionTime", condition.last_transition_time}};
  if (!condition.last_update_time.empty()) json["lastUpdateTime"] = condition.last_update_time;
  return json;
}

std::vector<Condition> ConditionsFromJson(const nlohmann::json& conditions) {
  std::vector<Condition> result;
  if (!conditions.is_array()) return result;
  for (const nlohmann::json& entry : conditions) {
    if (!entry.is_object()) continue;
    Condition condition;
    condition.type = StringField(entry, "type");
    condition.status = StringField(entry, "status");
    condition.reason = StringField(entry, "reason");
    condition.message = StringField(entry, "message");
    if (const auto generation = entry.find("observedGeneration");
        generation != entry.end() && generation->is_number_integer()) {
      condition.observed_generation = generation->get<int64_t>();
    }
    condition.last_transition_time = StringField(entry, "lastTransitionTime");
    condition.last_update_time = StringField(entry, "lastUpdateTime");
    if (!condition.type.empty()) result.push_back(std::move(condition));
  }
  return result;
}

}  // namespace tessera::resources
