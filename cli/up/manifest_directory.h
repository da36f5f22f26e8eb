// What `tessera apply`, `scale` and `delete` do to the manifests directory
// the embedded controller watches: the directory is the desired state, and
// these write it as kubectl writes the API server. Each deployment applied
// here lives in its own file, <namespace>.<name>.yaml, so an apply replaces
// exactly one object and a delete removes exactly one.
//
// Every object is checked with the same parser the controller uses before
// anything is written: a bad manifest is refused whole, naming the file,
// the document and the field, and nothing that runs is touched.

#ifndef TESSERA_CLI_UP_MANIFEST_DIRECTORY_H_
#define TESSERA_CLI_UP_MANIFEST_DIRECTORY_H_

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "resources/object_meta.h"

namespace tessera::cli {

struct ManifestObject {
  resources::ObjectKey key{};
  nlohmann::json object{};  // the document as written, namespace filled in
  std::string source{};     // "file.yaml" or "file.yaml document 2", for messages
};

// Reads the ModelDeployments of `paths` (files, or directories whose *.yaml,
// *.yml and *.json files are read in name order). An error names the first
// object that does not parse; a key defined twice is an error too.
StatusOr<std::vector<ManifestObject>> ReadManifests(const std::vector<std::string>& paths);

enum class ApplyResult { kCreated, kConfigured, kUnchanged };
std::string_view ApplyResultName(ApplyResult result);  // "created", ...

class ManifestDirectory {
 public:
  explicit ManifestDirectory(std::filesystem::path directory);

  StatusOr<ApplyResult> Apply(const ManifestObject& manifest) const;

  // Sets spec.<role>.replicas; NotFound names the deployments there are;
  // InvalidArgument when the role is not one the deployment has.
  Status Scale(const resources::ObjectKey& key, std::string_view role, int replicas) const;

  // Removes the deployment's manifest; its workers drain.
  Status Delete(const resources::ObjectKey& key) const;

  // Whether any deployment is defined here.
  bool Empty() const;

  std::filesystem::path PathOf(const resources::ObjectKey& key) const;

 private:
  std::filesystem::path directory_;
};

// The deployment `tessera up` applies when given nothing to run: Llama 3.1
// 8B with an FP8 KV cache, 1 prefill and 2 decode workers behind a
// cache-aware router; on the engine simulator unless `engine_kind` is a
// real engine (vllm when the machine has AMD GPUs).
ManifestObject QuickstartManifest(std::string_view engine_kind);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_MANIFEST_DIRECTORY_H_
