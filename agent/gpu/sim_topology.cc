#include "agent/gpu/sim_topology.h"

#include "base/file.h"
#include "base/json_fields.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "base/yaml_json.h"

namespace tessera::agent {
namespace {

constexpr int kMaxGpus = 64;

}  // namespace

StatusOr<SimTopology> ParseSimTopology(std::string_view yaml) {
  TESSERA_ASSIGN_OR_RETURN(nlohmann::json json, YamlToJson(yaml));
  SimTopology topology;
  JsonFields fields(json, "");
  fields.Optional("hostname", topology.hostname);
  const nlohmann::json* gpus = fields.Child("gpus");
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (gpus == nullptr || !gpus->is_array() || gpus->empty()) {
    return InvalidArgumentError("gpus: must list at least one {product, count} entry");
  }
  int total = 0;
  for (size_t i = 0; i < gpus->size(); ++i) {
    const std::string path = "gpus[" + std::to_string(i) + "]";
    JsonFields gpu((*gpus)[i], path);
    std::string product;
    std::optional<int> count;
    std::optional<std::string> compute;
    std::optional<std::string> memory;
    gpu.Required("product", product);
    gpu.Optional("count", count, 1, kMaxGpus);
    gpu.Optional("compute_partition", compute);
    gpu.Optional("memory_partition", memory);
    TESSERA_RETURN_IF_ERROR(gpu.Finish());
    StatusOr<hardware::PartitionProfile> profile =
        hardware::ResolvePartition(product, compute.value_or(""), memory.value_or(""));
    if (!profile.ok()) return profile.status().WithContext(path);
    total += count.value_or(1);
    topology.groups.push_back({.count = count.value_or(1), .profile = *profile});
  }
  if (total > kMaxGpus) {
    return InvalidArgumentError("gpus: at most " + std::to_string(kMaxGpus) + " GPUs per node");
  }
  return topology;
}

StatusOr<SimTopology> LoadSimTopology(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  StatusOr<SimTopology> topology = ParseSimTopology(text);
  if (!topology.ok()) return topology.status().WithContext(path);
  return topology;
}

StatusOr<SimTopology> ParseSimTopologyShorthand(std::string_view text) {
  int count = 1;
  std::string_view rest = text;
  if (const size_t x = text.find('x'); x != std::string_view::npos && x > 0) {
    if (const std::optional<int> parsed = ParseInteger<int>(text.substr(0, x))) {
      count = *parsed;
      rest = text.substr(x + 1);
    }
  }
  if (count < 1 || count > kMaxGpus) {
    return InvalidArgumentError("GPU count must be 1-" + std::to_string(kMaxGpus) + " in " +
                                Quote(text));
  }
  std::string_view product = rest;
  std::string_view compute;
  std::string_view memory;
  if (const size_t colon = rest.find(':'); colon != std::string_view::npos) {
    product = rest.substr(0, colon);
    compute = rest.substr(colon + 1);
    if (const size_t slash = compute.find('/'); slash != std::string_view::npos) {
      memory = compute.substr(slash + 1);
      compute = compute.substr(0, slash);
    }
  }
  StatusOr<hardware::PartitionProfile> profile =
      hardware::ResolvePartition(product, compute, memory);
  if (!profile.ok()) {
    return InvalidArgumentError(Quote(text) + ": " + profile.status().message() +
                                " (expected e.g. 8xmi300x:cpx/nps4)");
  }
  return SimTopology{.hostname = "", .groups = {{.count = count, .profile = *profile}}};
}

}  // namespace tessera::agent
