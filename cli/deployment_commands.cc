#include "cli/deployment_commands.h"

#include <chrono>

#include "base/environment.h"
#include "base/strings.h"
#include "cli/up/manifest_directory.h"
#include "cli/up/printers/resource_printer.h"
#include "cli/up/up_instance.h"
#include "cli/up/up_paths.h"
#include "cli/up/up_session.h"
#include "http/http_client.h"
#include "http/http_url.h"

namespace tessera::cli {
namespace {

using nlohmann::json;

constexpr int kNotThere = 1;
constexpr int kInvalid = 2;

void AddStateDirectory(CLI::App* command, DeploymentCommandFlags& flags) {
  command->add_option("--state-dir", flags.state_dir,
                      "State directory of tessera up (default: $TESSERA_HOME, "
                      "$XDG_STATE_HOME/tessera or ~/.local/state/tessera)");
}

void AddNamespace(CLI::App* command, DeploymentCommandFlags& flags) {
  command->add_option("-n,--namespace", flags.namespace_name, "The deployment's namespace");
}

void AddOutput(CLI::App* command, DeploymentCommandFlags& flags) {
  command->add_option("-o,--output", flags.output, "json or yaml instead of a table");
}

// The singular, plural and short spellings kubectl users type.
std::optional<std::string> ResourceType(std::string_view type) {
  const std::string lower = AsciiLower(type);
  for (const auto& [canonical, spellings] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"deployments",
            {"deployments", "deployment", "deploy", "modeldeployments", "modeldeployment", "md"}},
           {"roles", {"roles", "role"}},
           {"nodes", {"nodes", "node", "no", "gpunodes", "gpunode"}},
           {"workers", {"workers", "worker"}}}) {
    for (const std::string& spelling : spellings) {
      if (lower == spelling) return canonical;
    }
  }
  return std::nullopt;
}

class Command {
 public:
  Command(const DeploymentCommandFlags& flags, std::ostream& out, std::ostream& err,
          std::string name)
      : flags_(flags), out_(out), err_(err), name_(std::move(name)) {}

  int Fail(int code, std::string_view message) const {
    err_ << "tessera " << name_ << ": " << message << "\n";
    return code;
  }

  StatusOr<UpPaths> Paths() const { return ResolveUpPaths(flags_.state_dir, ProcessEnvironment); }

  // The API of the running instance, or why there is none.
  StatusOr<std::string> ApiUrl() const {
    TESSERA_ASSIGN_OR_RETURN(UpPaths paths, Paths());
    std::optional<UpInstance> instance = FindRunningInstance(paths.instance());
    if (!instance) {
      return UnavailableError("tessera up is not running in " + paths.root.string() +
                              "; start it with `tessera up`");
    }
    return instance->api_url;
  }

  StatusOr<json> Fetch(std::string_view path) const {
    TESSERA_ASSIGN_OR_RETURN(std::string api_url, ApiUrl());
    return FetchApiJson(api_url, path);
  }

  resources::ObjectKey Key() const {
    return {.namespace_name = flags_.namespace_name.empty() ? "default" : flags_.namespace_name,
            .name = flags_.name};
  }

  const DeploymentCommandFlags& flags_;
  std::ostream& out_;
  std::ostream& err_;
  std::string name_;
};

int Apply(const Command& command) {
  const DeploymentCommandFlags& flags = command.flags_;
  if (flags.files.empty()) return command.Fail(kInvalid, "-f: required");
  StatusOr<std::vector<ManifestObject>> manifests = ReadManifests(flags.files);
  if (!manifests.ok()) return command.Fail(kInvalid, manifests.status().message());
  StatusOr<UpPaths> paths = command.Paths();
  if (!paths.ok()) return command.Fail(kInvalid, paths.status().message());
  if (Status prepared = PrepareUpPaths(*paths); !prepared.ok()) {
    return command.Fail(kNotThere, prepared.ToString());
  }
  const ManifestDirectory directory(paths->manifests());
  for (const ManifestObject& manifest : *manifests) {
    StatusOr<ApplyResult> result = directory.Apply(manifest);
    if (!result.ok()) return command.Fail(kNotThere, result.status().ToString());
    command.out_ << "modeldeployment " << manifest.key.ToString() << " " << ApplyResultName(*result)
                 << "\n";
  }
  if (!FindRunningInstance(paths->instance())) {
    command.out_ << "tessera up is not running in " << paths->root.string()
                 << "; `tessera up` runs what was applied\n";
  }
  return 0;
}

int Scale(const Command& command) {
  const DeploymentCommandFlags& flags = command.flags_;
  if (!ResourceType(flags.type) || *ResourceType(flags.type) != "deployments") {
    return command.Fail(kInvalid, "only deployments scale; got " + Quote(flags.type));
  }
  StatusOr<UpPaths> paths = command.Paths();
  if (!paths.ok()) return command.Fail(kInvalid, paths.status().message());
  const Status scaled =
      ManifestDirectory(paths->manifests()).Scale(command.Key(), flags.role, flags.replicas);
  if (!scaled.ok()) {
    return command.Fail(scaled.code() == StatusCode::kNotFound ? kNotThere : kInvalid,
                        scaled.message());
  }
  command.out_ << "modeldeployment " << command.Key().ToString() << " scaled (" << flags.role
               << ": " << flags.replicas << ")\n";
  return 0;
}

int Delete(const Command& command) {
  const DeploymentCommandFlags& flags = command.flags_;
  StatusOr<UpPaths> paths = command.Paths();
  if (!paths.ok()) return command.Fail(kInvalid, paths.status().message());
  std::vector<resources::ObjectKey> keys;
  if (!flags.files.empty()) {
    StatusOr<std::vector<ManifestObject>> manifests = ReadManifests(flags.files);
    if (!manifests.ok()) return command.Fail(kInvalid, manifests.status().message());
    for (const ManifestObject& manifest : *manifests) keys.push_back(manifest.key);
  } else {
    if (!ResourceType(flags.type) || *ResourceType(flags.type) != "deployments" ||
        flags.name.empty()) {
      return command.Fail(kInvalid, "expected `delete deployment NAME` or `delete -f FILE`");
    }
    keys.push_back(command.Key());
  }
  const ManifestDirectory directory(paths->manifests());
  for (const resources::ObjectKey& key : keys) {
    if (Status deleted = directory.Delete(key); !deleted.ok()) {
      return command.Fail(kNotThere, deleted.message());
    }
    command.out_ << "modeldeployment " << key.ToString() << " deleted\n";
  }
  return 0;
}

bool InNamespace(const json& item, std::string_view namespace_name) {
  if (namespace_name.empty()) return true;
  const json spec = item.value("spec", json::object());
  return item.value("namespace", spec.is_object() ? spec.value("namespace", "default") : "") ==
         namespace_name;
}

int Get(const Command& command) {
  const DeploymentCommandFlags& flags = command.flags_;
  const std::optional<std::string> type = ResourceType(flags.type);
  if (!type) {
    return command.Fail(kInvalid, "unknown resource type " + Quote(flags.type) +
                                      "; expected deployments, roles, nodes or workers");
  }
  std::optional<ObjectFormat> format;
  if (!flags.output.empty()) {
    StatusOr<ObjectFormat> parsed = ParseObjectFormat(flags.output);
    if (!parsed.ok()) return command.Fail(kInvalid, parsed.status().message());
    format = *parsed;
  }
  const std::string resource = *type == "roles" ? "deployments" : *type;
  StatusOr<json> listing = command.Fetch("/api/v1/" + resource);
  if (!listing.ok()) return command.Fail(kNotThere, listing.status().message());
  json items = json::array();
  for (const json& item : listing->value("items", json::array())) {
    const std::string name = item.value("name", item.value("id", item.value("hostname", "")));
    if (!flags.name.empty() && name != flags.name) continue;
    if (*type != "nodes" && !InNamespace(item, flags.namespace_name)) continue;
    items.push_back(item);
  }
  if (!flags.name.empty() && items.empty()) {
    return command.Fail(kNotThere, *type + " " + Quote(flags.name) + " not found");
  }
  if (format) {
    command.out_ << (flags.name.empty() ? PrintObjects(*format, items)
                                        : PrintObject(*format, items[0]));
    return 0;
  }
  const auto now = std::chrono::system_clock::now();
  if (*type == "deployments") command.out_ << PrintDeployments(items, now);
  if (*type == "roles") command.out_ << PrintRoles(items);
  if (*type == "nodes") command.out_ << PrintNodes(items);
  if (*type == "workers") command.out_ << PrintWorkers(items, now);
  return 0;
}

int Describe(const Command& command) {
  const DeploymentCommandFlags& flags = command.flags_;
  if (!ResourceType(flags.type) || *ResourceType(flags.type) != "deployments") {
    return command.Fail(kInvalid, "describe knows deployments; got " + Quote(flags.type));
  }
  const resources::ObjectKey key = command.Key();
  StatusOr<json> deployment =
      command.Fetch("/api/v1/deployments/" + http::PercentEncode(key.namespace_name) + "/" +
                    http::PercentEncode(key.name));
  if (!deployment.ok()) return command.Fail(kNotThere, deployment.status().message());
  if (!flags.output.empty()) {
    StatusOr<ObjectFormat> format = ParseObjectFormat(flags.output);
    if (!format.ok()) return command.Fail(kInvalid, format.status().message());
    command.out_ << PrintObject(*format, *deployment);
    return 0;
  }
  command.out_ << DescribeDeployment(*deployment, deployment->value("events", json::array()),
                                     std::chrono::system_clock::now());
  return 0;
}

int Logs(const Command& command) {
  const DeploymentCommandFlags& flags = command.flags_;
  if (flags.tail <= 0) return command.Fail(kInvalid, "--tail: must be 1 or more");
  StatusOr<std::string> api_url = command.ApiUrl();
  if (!api_url.ok()) return command.Fail(kNotThere, api_url.status().message());
  StatusOr<http::HttpClientResponse> response =
      http::FetchAndWait({.url = *api_url + "/api/v1/workers/" + http::PercentEncode(flags.name) +
                                 "/logs?tail=" + std::to_string(flags.tail)});
  if (!response.ok()) return command.Fail(kNotThere, response.status().message());
  if (response->status != 200) {
    return command.Fail(kNotThere, "worker " + Quote(flags.name) + ": " + response->body);
  }
  command.out_ << response->body;
  return 0;
}

int PrintEndpoint(const Command& command) {
  const DeploymentCommandFlags& flags = command.flags_;
  StatusOr<json> listing = command.Fetch("/api/v1/deployments");
  if (!listing.ok()) return command.Fail(kNotThere, listing.status().message());
  std::vector<std::string> names;
  for (const json& deployment : listing->value("items", json::array())) {
    const std::string name = deployment.value("name", "");
    if (!InNamespace(deployment, flags.namespace_name)) continue;
    names.push_back(name);
    if (!flags.name.empty() && name != flags.name) continue;
    const json status = deployment.value("status", json::object());
    const std::string endpoint = status.is_object() ? status.value("endpoint", "") : std::string();
    if (endpoint.empty()) {
      return command.Fail(kNotThere, "deployment " + Quote(name) + " has no ready router yet");
    }
    command.out_ << endpoint << "\n";
    return 0;
  }
  return command.Fail(kNotThere, flags.name.empty()
                                     ? std::string("no deployment is applied")
                                     : "no deployment " + Quote(flags.name) + "; there are " +
                                           (names.empty() ? "none" : Join(names, ", ")));
}

int PrintStatus(const Command& command) {
  StatusOr<std::string> api_url = command.ApiUrl();
  if (!api_url.ok()) return command.Fail(kNotThere, api_url.status().message());
  StatusOr<json> overview = FetchApiJson(*api_url, "/api/v1/overview");
  if (!overview.ok()) return command.Fail(kNotThere, overview.status().message());
  command.out_ << UpStatusTable(*overview, *api_url + "/");
  return 0;
}

}  // namespace

std::vector<CLI::App*> AddDeploymentCommands(CLI::App& app, DeploymentCommandFlags& flags) {
  CLI::App* apply = app.add_subcommand(
      "apply", "Apply ModelDeployment manifests to tessera up (the same files kubectl applies)");
  apply->add_option("-f,--filename", flags.files, "Manifest files or directories")->required();
  AddStateDirectory(apply, flags);

  CLI::App* get = app.add_subcommand("get", "List deployments, roles, nodes or workers");
  get->add_option("type", flags.type, "deployments, roles, nodes or workers")->required();
  get->add_option("name", flags.name, "Only this one");
  AddNamespace(get, flags);
  AddOutput(get, flags);
  AddStateDirectory(get, flags);

  CLI::App* describe =
      app.add_subcommand("describe", "A deployment's spec, roles, conditions, workers and events");
  describe->add_option("type", flags.type, "deployment")->required();
  describe->add_option("name", flags.name, "The deployment")->required();
  AddNamespace(describe, flags);
  AddOutput(describe, flags);
  AddStateDirectory(describe, flags);

  CLI::App* scale = app.add_subcommand("scale", "Set the replicas of one role of a deployment");
  scale->add_option("type", flags.type, "deployment")->required();
  scale->add_option("name", flags.name, "The deployment")->required();
  scale->add_option("--role", flags.role, "worker, prefill, decode or router")->required();
  scale->add_option("--replicas", flags.replicas, "How many")
      ->required()
      ->check(CLI::NonNegativeNumber);
  AddNamespace(scale, flags);
  AddStateDirectory(scale, flags);

  CLI::App* remove =
      app.add_subcommand("delete", "Delete a deployment; its workers drain and stop");
  remove->add_option("type", flags.type, "deployment");
  remove->add_option("name", flags.name, "The deployment");
  remove->add_option("-f,--filename", flags.files, "The deployments these manifests define");
  AddNamespace(remove, flags);
  AddStateDirectory(remove, flags);

  CLI::App* logs = app.add_subcommand("logs", "The last lines a worker wrote");
  logs->add_option("worker", flags.name, "The worker's name (tessera get workers)")->required();
  logs->add_option("--tail", flags.tail, "How many lines")->capture_default_str();
  AddStateDirectory(logs, flags);

  CLI::App* status = app.add_subcommand(
      "status", "The deployments, workers, endpoints and dashboard of tessera up");
  AddStateDirectory(status, flags);
  CLI::App* endpoint = app.add_subcommand(
      "endpoint", "The URL of a deployment's OpenAI endpoint (its router), for scripts");
  endpoint->add_option("name", flags.name, "The deployment (default: the first)");
  AddNamespace(endpoint, flags);
  AddStateDirectory(endpoint, flags);
  return {apply, get, describe, scale, remove, logs, status, endpoint};
}

int RunDeploymentCommand(const CLI::App& command, const DeploymentCommandFlags& flags,
                         std::ostream& out, std::ostream& err) {
  const std::string& name = command.get_name();
  const Command context(flags, out, err, name);
  if (name == "apply") return Apply(context);
  if (name == "get") return Get(context);
  if (name == "describe") return Describe(context);
  if (name == "scale") return Scale(context);
  if (name == "delete") return Delete(context);
  if (name == "logs") return Logs(context);
  if (name == "status") return PrintStatus(context);
  if (name == "endpoint") return PrintEndpoint(context);
  return context.Fail(kInvalid, "unknown command");
}

}  // namespace tessera::cli
