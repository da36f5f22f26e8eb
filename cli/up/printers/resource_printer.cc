#include "cli/up/printers/resource_printer.h"

#include <array>
#include <initializer_list>
#include <vector>

#include "base/json_to_yaml.h"
#include "base/strings.h"
#include "base/text_table.h"
#include "cli/up/printers/human_duration.h"

namespace tessera::cli {
namespace {

using nlohmann::json;
using Align = TextTable::Align;

// The roles a deployment's status may hold, in the order they are printed:
// the engines a request meets first, then the router in front of them.
constexpr std::array<std::string_view, 4> kRoles = {"worker", "prefill", "decode", "router"};

// The value at `path` inside `value`, or null when a step is missing or not
// an object.
const json* Find(const json& value, std::initializer_list<std::string_view> path) {
  const json* current = &value;
  for (const std::string_view step : path) {
    if (!current->is_object()) return nullptr;
    const auto it = current->find(step);
    if (it == current->end() || it->is_null()) return nullptr;
    current = &*it;
  }
  return current;
}

std::string StringAt(const json& value, std::initializer_list<std::string_view> path,
                     std::string_view missing = "-") {
  const json* found = Find(value, path);
  if (found == nullptr || !found->is_string() || found->get_ref<const std::string&>().empty()) {
    return std::string(missing);
  }
  return found->get<std::string>();
}

std::string IntegerAt(const json& value, std::initializer_list<std::string_view> path) {
  const json* found = Find(value, path);
  if (found == nullptr || !found->is_number()) return "-";
  return std::to_string(found->get<int64_t>());
}

// The API's arrays; anything else has no items.
const json& Items(const json& items) {
  static const json kEmpty = json::array();
  return items.is_array() ? items : kEmpty;
}

std::string DeploymentKey(const json& deployment) {
  return StringAt(deployment, {"namespace"}) + "/" + StringAt(deployment, {"name"});
}

// "1,2" for a worker's partitions; "-" for none (a router holds none).
std::string Partitions(const json* partitions) {
  if (partitions == nullptr || !partitions->is_array() || partitions->empty()) return "-";
  std::vector<std::string> indexes;
  for (const json& index : *partitions) {
    indexes.push_back(index.is_number() ? std::to_string(index.get<int64_t>()) : index.dump());
  }
  return Join(indexes, ",");
}

// "ready/desired" of a role in a deployment's status; "-" when absent.
std::string RoleReady(const json& deployment, std::string_view role) {
  const json* entry = Find(deployment, {"status", role});
  if (entry == nullptr || !entry->is_object()) return "-";
  return IntegerAt(*entry, {"ready"}) + "/" + IntegerAt(*entry, {"desired"});
}

bool HasRole(const json& deployment, std::string_view role) {
  const json* entry = Find(deployment, {"status", role});
  return entry != nullptr && entry->is_object();
}

// "prefill 1/1  decode 2/2  router 1/1"; "-" before the first status.
std::string RolesSummary(const json& deployment) {
  std::vector<std::string> parts;
  for (const std::string_view role : kRoles) {
    if (HasRole(deployment, role)) {
      parts.push_back(std::string(role) + " " + RoleReady(deployment, role));
    }
  }
  return parts.empty() ? "-" : Join(parts, "  ");
}

const json* Condition(const json& deployment, std::string_view type) {
  const json* conditions = Find(deployment, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const json& condition : *conditions) {
    if (condition.is_object() && condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

std::string DeploymentAge(const json& deployment, TimePoint now) {
  std::string since = StringAt(deployment, {"creationTimestamp"}, "");
  if (since.empty()) since = StringAt(deployment, {"metadata", "creationTimestamp"}, "");
  if (since.empty()) {
    if (const json* ready = Condition(deployment, "Ready"); ready != nullptr) {
      since = StringAt(*ready, {"lastTransitionTime"}, "");
    }
  }
  return AgeSince(since, now);
}

// A table inside a describe section: indented two spaces, as kubectl does.
std::string Indented(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const size_t stop = end == std::string::npos ? text.size() : end + 1;
    out += "  ";
    out.append(text, start, stop - start);
    start = stop;
  }
  return out;
}

std::string Field(std::string_view label, std::string_view value) {
  constexpr size_t kLabelWidth = 15;  // "Router policy:" and a space
  std::string line(label);
  line += ':';
  line.append(kLabelWidth > line.size() ? kLabelWidth - line.size() : 1, ' ');
  line += value;
  line += '\n';
  return line;
}

std::string WorkersOfStatus(const json& deployments, bool with_deployment) {
  std::vector<TextTable::Column> columns;
  if (with_deployment) columns.push_back({"DEPLOYMENT"});
  for (const char* header : {"WORKER", "ROLE", "NODE", "PARTITIONS", "STATE", "URL"}) {
    columns.push_back({header});
  }
  TextTable table(std::move(columns));
  size_t rows = 0;
  for (const json& deployment : Items(deployments)) {
    const json* workers = Find(deployment, {"status", "workers"});
    if (workers == nullptr || !workers->is_array()) continue;
    for (const json& worker : *workers) {
      std::vector<std::string> cells;
      if (with_deployment) cells.push_back(DeploymentKey(deployment));
      cells.push_back(StringAt(worker, {"name"}));
      cells.push_back(StringAt(worker, {"role"}));
      cells.push_back(StringAt(worker, {"node"}));
      cells.push_back(Partitions(Find(worker, {"partitions"})));
      cells.push_back(StringAt(worker, {"state"}));
      cells.push_back(StringAt(worker, {"url"}));
      table.AddRow(std::move(cells));
      ++rows;
    }
  }
  return rows == 0 ? "" : table.Render();
}

}  // namespace

std::string PrintDeployments(const json& deployments, TimePoint now) {
  if (Items(deployments).empty()) return "No deployments found.\n";
  std::vector<std::string_view> roles;
  for (const std::string_view role : kRoles) {
    for (const json& deployment : Items(deployments)) {
      if (HasRole(deployment, role)) {
        roles.push_back(role);
        break;
      }
    }
  }
  std::vector<TextTable::Column> columns = {{"NAMESPACE"}, {"NAME"}, {"MODEL"}};
  for (const std::string_view role : roles) columns.push_back({AsciiUpper(role)});
  columns.push_back({"ENDPOINT"});
  columns.push_back({"AGE"});
  TextTable table(std::move(columns));
  for (const json& deployment : Items(deployments)) {
    std::vector<std::string> cells = {StringAt(deployment, {"namespace"}),
                                      StringAt(deployment, {"name"}),
                                      StringAt(deployment, {"spec", "model", "source"})};
    for (const std::string_view role : roles) cells.push_back(RoleReady(deployment, role));
    cells.push_back(StringAt(deployment, {"status", "endpoint"}));
    cells.push_back(DeploymentAge(deployment, now));
    table.AddRow(std::move(cells));
  }
  return table.Render();
}

std::string PrintRoles(const json& deployments) {
  TextTable table({{"NAMESPACE"},
                   {"DEPLOYMENT"},
                   {"ROLE"},
                   {"DESIRED", Align::kRight},
                   {"READY", Align::kRight},
                   {"UPDATED", Align::kRight}});
  size_t rows = 0;
  for (const json& deployment : Items(deployments)) {
    for (const std::string_view role : kRoles) {
      const json* entry = Find(deployment, {"status", role});
      if (entry == nullptr || !entry->is_object()) continue;
      table.AddRow({StringAt(deployment, {"namespace"}), StringAt(deployment, {"name"}),
                    std::string(role), IntegerAt(*entry, {"desired"}), IntegerAt(*entry, {"ready"}),
                    IntegerAt(*entry, {"updated"})});
      ++rows;
    }
  }
  return rows == 0 ? "No roles found.\n" : table.Render();
}

std::string PrintNodes(const json& nodes) {
  if (Items(nodes).empty()) return "No nodes found.\n";
  TextTable table({{"NAME"},
                   {"BACKEND"},
                   {"GPUS", Align::kRight},
                   {"PARTITIONS", Align::kRight},
                   {"FREE", Align::kRight}});
  for (const json& node : Items(nodes)) {
    std::string name = StringAt(node, {"name"}, "");
    if (name.empty()) name = StringAt(node, {"hostname"});
    const json* gpus = Find(node, {"gpus"});
    table.AddRow({std::move(name), StringAt(node, {"gpuBackend"}),
                  gpus != nullptr && gpus->is_array() ? std::to_string(gpus->size()) : "-",
                  IntegerAt(node, {"partitions", "total"}),
                  IntegerAt(node, {"partitions", "free"})});
  }
  return table.Render();
}

std::string PrintWorkers(const json& workers, TimePoint now) {
  if (Items(workers).empty()) return "No workers found.\n";
  TextTable table({{"NAME"},
                   {"DEPLOYMENT"},
                   {"ROLE"},
                   {"NODE"},
                   {"PARTITIONS"},
                   {"STATE"},
                   {"PID", Align::kRight},
                   {"RESTARTS", Align::kRight},
                   {"URL"},
                   {"AGE"}});
  for (const json& worker : Items(workers)) {
    std::string state = StringAt(worker, {"state"});
    if (const json* crash_loop = Find(worker, {"crashLoop"});
        crash_loop != nullptr && crash_loop->is_boolean() && crash_loop->get<bool>()) {
      state += " (crash loop)";
    }
    const std::string deployment = StringAt(worker, {"spec", "deployment"}, "");
    table.AddRow({StringAt(worker, {"id"}),
                  deployment.empty()
                      ? "-"
                      : StringAt(worker, {"spec", "namespace"}, "default") + "/" + deployment,
                  StringAt(worker, {"spec", "role"}), StringAt(worker, {"node"}),
                  Partitions(Find(worker, {"spec", "partitions"})), std::move(state),
                  IntegerAt(worker, {"pid"}), IntegerAt(worker, {"restarts"}),
                  StringAt(worker, {"url"}), AgeSince(StringAt(worker, {"stateSince"}, ""), now)});
  }
  return table.Render();
}

std::string DescribeDeployment(const json& deployment, const json& events, TimePoint now) {
  std::string out;
  out += Field("Name", StringAt(deployment, {"name"}));
  out += Field("Namespace", StringAt(deployment, {"namespace"}));
  out += Field("Manifest", StringAt(deployment, {"manifest"}));
  out += Field("Generation", IntegerAt(deployment, {"generation"}) + " (observed " +
                                 IntegerAt(deployment, {"status", "observedGeneration"}) + ")");
  out += Field("Model", StringAt(deployment, {"spec", "model", "source"}));
  out += Field("Engine", StringAt(deployment, {"spec", "engine", "kind"}));
  // The manifest as written: a mode left out is the default.
  out += Field("Mode", StringAt(deployment, {"spec", "mode"}, "aggregated"));
  out += Field("Endpoint", StringAt(deployment, {"status", "endpoint"}, "<none>"));
  std::string policy = StringAt(deployment, {"spec", "router", "policy"}, "cache_aware");
  for (const std::string_view role : {"prefill", "decode"}) {
    const std::string role_policy =
        StringAt(deployment, {"spec", "router", std::string(role) + "Policy"}, "");
    if (!role_policy.empty()) policy += ", " + std::string(role) + " " + role_policy;
  }
  out += Field("Router policy", HasRole(deployment, "router") ? policy : "<none>");

  out += "Roles:\n";
  TextTable roles(
      {{"ROLE"}, {"DESIRED", Align::kRight}, {"READY", Align::kRight}, {"UPDATED", Align::kRight}});
  bool any_role = false;
  for (const std::string_view role : kRoles) {
    const json* entry = Find(deployment, {"status", role});
    if (entry == nullptr || !entry->is_object()) continue;
    roles.AddRow({std::string(role), IntegerAt(*entry, {"desired"}), IntegerAt(*entry, {"ready"}),
                  IntegerAt(*entry, {"updated"})});
    any_role = true;
  }
  out += any_role ? Indented(roles.Render()) : "  <none>\n";

  out += "Conditions:\n";
  TextTable conditions({{"TYPE"}, {"STATUS"}, {"REASON"}, {"SINCE"}, {"MESSAGE"}});
  const json* condition_list = Find(deployment, {"status", "conditions"});
  bool any_condition = false;
  if (condition_list != nullptr && condition_list->is_array()) {
    for (const json& condition : *condition_list) {
      conditions.AddRow({StringAt(condition, {"type"}), StringAt(condition, {"status"}),
                         StringAt(condition, {"reason"}),
                         AgeSince(StringAt(condition, {"lastTransitionTime"}, ""), now),
                         StringAt(condition, {"message"}, "")});
      any_condition = true;
    }
  }
  out += any_condition ? Indented(conditions.Render()) : "  <none>\n";

  out += "Workers:\n";
  const std::string workers = WorkersOfStatus(json::array({deployment}), false);
  out += workers.empty() ? "  <none>\n" : Indented(workers);

  out += "Events:\n";
  TextTable event_table({{"TYPE"}, {"REASON"}, {"AGE"}, {"COUNT", Align::kRight}, {"MESSAGE"}});
  for (const json& event : Items(events)) {
    event_table.AddRow({StringAt(event, {"type"}), StringAt(event, {"reason"}),
                        AgeSince(StringAt(event, {"lastTime"}, ""), now),
                        "x" + IntegerAt(event, {"count"}), StringAt(event, {"message"}, "")});
  }
  out += Items(events).empty() ? "  <none>\n" : Indented(event_table.Render());
  return out;
}

std::string PrintStatusTable(const json& deployments, std::string_view dashboard_url) {
  std::string out;
  if (Items(deployments).empty()) {
    out += "No deployments yet.\n";
  } else {
    TextTable table({{"DEPLOYMENT"}, {"MODE"}, {"READY"}});
    for (const json& deployment : Items(deployments)) {
      table.AddRow({DeploymentKey(deployment), StringAt(deployment, {"spec", "mode"}, "aggregated"),
                    RolesSummary(deployment)});
    }
    out += table.Render();
  }
  if (const std::string workers = WorkersOfStatus(deployments, false); !workers.empty()) {
    out += "\n" + workers;
  }
  out += '\n';
  const bool several = Items(deployments).size() > 1;
  for (const json& deployment : Items(deployments)) {
    out += "Endpoint: " + StringAt(deployment, {"status", "endpoint"}, "<none>");
    if (several) out += " (" + DeploymentKey(deployment) + ")";
    out += '\n';
  }
  out += "Dashboard: " + std::string(dashboard_url) + "\n";
  return out;
}

StatusOr<ObjectFormat> ParseObjectFormat(std::string_view text) {
  if (text == "json") return ObjectFormat::kJson;
  if (text == "yaml") return ObjectFormat::kYaml;
  return InvalidArgumentError("--output: " + Quote(text) + " is not json or yaml");
}

std::string PrintObject(ObjectFormat format, const json& object) {
  if (format == ObjectFormat::kYaml) {
    std::string text = JsonToYaml(object);
    if (!text.ends_with('\n')) text += '\n';
    return text;
  }
  // Names and messages come from manifests and agents; replace rather than
  // throw on bytes that are not UTF-8.
  return object.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string PrintObjects(ObjectFormat format, const json& items) {
  return PrintObject(format, json{{"items", Items(items)}});
}

}  // namespace tessera::cli
