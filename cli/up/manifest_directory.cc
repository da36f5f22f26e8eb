#include "cli/up/manifest_directory.h"

#include <algorithm>
#include <array>
#include <set>

#include "base/file.h"
#include "base/json_to_yaml.h"
#include "base/strings.h"
#include "base/yaml_json.h"
#include "resources/model_deployment.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsManifestFile(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name.empty() || name.front() == '.' || name.ends_with(".status.yaml")) return false;
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

Status ReadManifestFile(const fs::path& path, std::vector<ManifestObject>& objects) {
  TESSERA_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  StatusOr<std::vector<json>> documents = YamlDocumentsToJson(text);
  if (!documents.ok()) return documents.status().WithContext(path.string());
  for (size_t index = 0; index < documents->size(); ++index) {
    json& document = (*documents)[index];
    const std::string source =
        path.string() + (documents->size() > 1 ? " document " + std::to_string(index + 1) : "");
    if (document.is_null()) continue;  // an empty document between "---"
    // Compared as JSON: value("kind", "") would throw on a kind that is not a string.
    if (!document.is_object() ||
        document.value("kind", json()) != json(resources::kModelDeploymentKind)) {
      return InvalidArgumentError(source + ": kind: expected " +
                                  std::string(resources::kModelDeploymentKind));
    }
    if (!document.contains("metadata") || !document["metadata"].is_object()) {
      return InvalidArgumentError(source + ": metadata: required");
    }
    if (!document["metadata"].contains("namespace")) document["metadata"]["namespace"] = "default";
    StatusOr<resources::ModelDeployment> parsed = resources::ModelDeploymentFromJson(document);
    if (!parsed.ok()) return parsed.status().WithContext(source);
    objects.push_back({.key = parsed->metadata.key(), .object = document, .source = source});
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<ManifestObject>> ReadManifests(const std::vector<std::string>& paths) {
  std::vector<ManifestObject> objects;
  for (const std::string& given : paths) {
    const fs::path path = given;
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<fs::path> files;
      for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
        if (entry.is_regular_file() && IsManifestFile(entry.path())) files.push_back(entry.path());
      }
      if (error) return InvalidArgumentError("-f " + given + ": " + error.message());
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) TESSERA_RETURN_IF_ERROR(ReadManifestFile(file, objects));
    } else if (fs::exists(path, error)) {
      TESSERA_RETURN_IF_ERROR(ReadManifestFile(path, objects));
    } else {
      return NotFoundError("-f " + given + ": no such file or directory");
    }
  }
  std::set<resources::ObjectKey> seen;
  for (const ManifestObject& object : objects) {
    if (!seen.insert(object.key).second) {
      return InvalidArgumentError(object.source + ": " + object.key.ToString() +
                                  " is defined twice");
    }
  }
  return objects;
}

std::string_view ApplyResultName(ApplyResult result) {
  switch (result) {
    case ApplyResult::kCreated:
      return "created";
    case ApplyResult::kConfigured:
      return "configured";
    case ApplyResult::kUnchanged:
      return "unchanged";
  }
  return "unchanged";
}

ManifestDirectory::ManifestDirectory(fs::path directory) : directory_(std::move(directory)) {}

fs::path ManifestDirectory::PathOf(const resources::ObjectKey& key) const {
  return directory_ / (key.namespace_name + "." + key.name + ".yaml");
}

StatusOr<ApplyResult> ManifestDirectory::Apply(const ManifestObject& manifest) const {
  const fs::path path = PathOf(manifest.key);
  StatusOr<std::string> existing = ReadFile(path);
  ApplyResult result = ApplyResult::kCreated;
  if (existing.ok()) {
    StatusOr<json> current = YamlToJson(*existing);
    if (current.ok() && *current == manifest.object) return ApplyResult::kUnchanged;
    result = ApplyResult::kConfigured;
  }
  TESSERA_RETURN_IF_ERROR(WriteFileAtomically(
      path,
      "# Applied by tessera apply from " + manifest.source + "\n" + JsonToYaml(manifest.object)));
  return result;
}

Status ManifestDirectory::Scale(const resources::ObjectKey& key, std::string_view role,
                                int replicas) const {
  const fs::path path = PathOf(key);
  StatusOr<std::string> text = ReadFile(path);
  if (!text.ok())
    return NotFoundError("deployment " + key.ToString() + " not found in " + directory_.string());
  TESSERA_ASSIGN_OR_RETURN(json object, YamlToJson(*text));
  if (replicas < 0) return InvalidArgumentError("--replicas: must be 0 or more");
  json& spec = object["spec"];
  const std::string role_key(role);
  static constexpr std::array<std::string_view, 4> kRoles = {"worker", "prefill", "decode",
                                                             "router"};
  // Every deployment has a router, written out or defaulted (1 replica).
  if (role_key == "router" && !spec.contains(role_key)) spec[role_key] = json::object();
  if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end() || !spec.contains(role_key) ||
      !spec[role_key].is_object()) {
    std::vector<std::string> roles;
    for (const std::string_view candidate : kRoles) {
      if (spec.contains(candidate)) roles.emplace_back(candidate);
    }
    return InvalidArgumentError("--role: " + key.ToString() + " has no role " + Quote(role) +
                                "; it has " + Join(roles, ", "));
  }
  spec[role_key]["replicas"] = replicas;
  StatusOr<resources::ModelDeployment> parsed = resources::ModelDeploymentFromJson(object);
  if (!parsed.ok()) return parsed.status().WithContext(key.ToString());
  return WriteFileAtomically(path, "# Scaled by tessera scale\n" + JsonToYaml(object));
}

Status ManifestDirectory::Delete(const resources::ObjectKey& key) const {
  std::error_code error;
  if (!fs::remove(PathOf(key), error)) {
    if (error) return UnavailableError("removing " + PathOf(key).string() + ": " + error.message());
    return NotFoundError("deployment " + key.ToString() + " not found in " + directory_.string());
  }
  return OkStatus();
}

bool ManifestDirectory::Empty() const {
  std::error_code error;
  fs::directory_iterator entries(directory_, error);
  return std::ranges::none_of(entries, [](const fs::directory_entry& entry) {
    return entry.is_regular_file() && IsManifestFile(entry.path());
  });
}

ManifestObject QuickstartManifest(std::string_view engine_kind) {
  json object = {
      {"apiVersion", resources::kApiVersion},
      {"kind", resources::kModelDeploymentKind},
      {"metadata", {{"name", "llama-8b"}, {"namespace", "default"}}},
      {"spec",
       {{"model", {{"source", "meta-llama/Llama-3.1-8B-Instruct"}}},
        {"engine", {{"kind", engine_kind}, {"kvCacheDtype", "fp8"}, {"maxModelLen", 8192}}},
        {"mode", "disaggregated"},
        {"prefill", {{"replicas", 1}}},
        {"decode", {{"replicas", 2}}},
        {"router", {{"replicas", 1}, {"policy", "cache_aware"}}}}}};
  return {.key = {.namespace_name = "default", .name = "llama-8b"},
          .object = std::move(object),
          .source = "the built-in quickstart"};
}

}  // namespace tessera::cli
