#include "controller/agents/agent_json.h"

#include "base/strings.h"

namespace tessera::controller {
namespace {

using nlohmann::json;

// Field readers that record the first error with its path; the agent's
// answers carry more fields than the controller needs, so unknown fields
// are fine here.
class Reader {
 public:
  Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) Fail("", "must be an object");
  }

  template <typename T>
  T Get(const char* field, T fallback, bool required = true) {
    if (!error_.ok()) return fallback;
    const auto it = object_.find(field);
    if (it == object_.end() || it->is_null()) {
      if (required) Fail(field, "is missing");
      return fallback;
    }
    if constexpr (std::is_same_v<T, std::string>) {
      if (!it->is_string()) {
        Fail(field, "must be a string");
        return fallback;
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) {
        Fail(field, "must be a boolean");
        return fallback;
      }
    } else if constexpr (std::is_integral_v<T>) {
      if (!it->is_number_integer()) {
        Fail(field, "must be an integer");
        return fallback;
      }
    } else {
      if (!it->is_number()) {
        Fail(field, "must be a number");
        return fallback;
      }
    }
    return it->get<T>();
  }

  const json* Child(const char* field) {
    if (!error_.ok()) return nullptr;
    const auto it = object_.find(field);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  void Fail(std::string_view field, std::string_view reason) {
    if (!error_.ok()) return;
    const std::string where = field.empty() ? path_ : path_ + "." + std::string(field);
    error_ = InvalidArgumentError(where + ": " + std::string(reason));
  }

  const Status& Result() const { return error_; }

 private:
  const json& object_;
  std::string path_;
  Status error_;
};

}  // namespace

Status ReadNodeJson(const json& node, AgentObservation& observation) {
  Reader reader(node, "/v1/node");
  observation.hostname = reader.Get<std::string>("hostname", "");
  if (const json* labels = reader.Child("labels"); labels != nullptr) {
    if (!labels->is_object()) return InvalidArgumentError("/v1/node.labels: must be an object");
    for (const auto& [key, value] : labels->items()) {
      if (value.is_string()) observation.labels[key] = value.get<std::string>();
    }
  }
  const json* gpus = reader.Child("gpus");
  TESSERA_RETURN_IF_ERROR(reader.Result());
  if (gpus == nullptr || !gpus->is_array())
    return InvalidArgumentError("/v1/node.gpus: must be a list");
  for (size_t g = 0; g < gpus->size(); ++g) {
    const std::string gpu_path = "/v1/node.gpus[" + std::to_string(g) + "]";
    Reader gpu_reader((*gpus)[g], gpu_path);
    GpuView gpu;
    gpu.index = gpu_reader.Get<int>("index", 0);
    gpu.product = gpu_reader.Get<std::string>("product", "", false);
    const auto compute = gpu_reader.Get<std::string>("computePartition", "spx");
    const auto memory = gpu_reader.Get<std::string>("memoryPartition", "nps1");
    const json* partitions = gpu_reader.Child("partitions");
    TESSERA_RETURN_IF_ERROR(gpu_reader.Result());
    StatusOr<hardware::ComputePartition> compute_mode = hardware::ParseComputePartition(compute);
    if (!compute_mode.ok())
      return compute_mode.status().WithContext(gpu_path + ".computePartition");
    StatusOr<hardware::MemoryPartition> memory_mode = hardware::ParseMemoryPartition(memory);
    if (!memory_mode.ok()) return memory_mode.status().WithContext(gpu_path + ".memoryPartition");
    gpu.mode = {.compute = *compute_mode, .memory = *memory_mode};
    if (partitions == nullptr || !partitions->is_array()) {
      return InvalidArgumentError(gpu_path + ".partitions: must be a list");
    }
    for (size_t p = 0; p < partitions->size(); ++p) {
      Reader partition_reader((*partitions)[p],
                              gpu_path + ".partitions[" + std::to_string(p) + "]");
      PartitionView partition;
      partition.gpu = gpu.index;
      partition.index = partition_reader.Get<int>("index", 0);
      partition.index_in_gpu = partition_reader.Get<int>("indexInGpu", 0);
      partition.vram_bytes = partition_reader.Get<int64_t>("vramTotalBytes", 0);
      partition.compute_units = partition_reader.Get<int>("computeUnits", 0, false);
      partition.holder = partition_reader.Get<std::string>("worker", "", false);
      TESSERA_RETURN_IF_ERROR(partition_reader.Result());
      observation.partitions.push_back(std::move(partition));
    }
    observation.gpus.push_back(std::move(gpu));
  }
  return OkStatus();
}

StatusOr<ObservedWorker> ReadWorkerJson(const json& body) {
  Reader reader(body, "worker");
  ObservedWorker worker;
  worker.id = reader.Get<std::string>("id", "");
  worker.state = reader.Get<std::string>("state", "");
  worker.ready = reader.Get<bool>("ready", false);
  worker.url = reader.Get<std::string>("url", "", false);
  worker.crash_loop = reader.Get<bool>("crashLoop", false, false);
  worker.restarts = reader.Get<int>("restarts", 0, false);
  worker.reason = reader.Get<std::string>("reason", "", false);
  if (reader.Child("bootstrapPort") != nullptr) {
    worker.bootstrap_port = reader.Get<int>("bootstrapPort", 0);
  }
  if (reader.Child("inFlightRequests") != nullptr) {
    worker.in_flight = reader.Get<double>("inFlightRequests", 0);
  }
  const json* spec = reader.Child("spec");
  TESSERA_RETURN_IF_ERROR(reader.Result());
  if (spec == nullptr)
    return InvalidArgumentError("worker " + Quote(worker.id) + ".spec: is missing");
  StatusOr<agent::WorkerSpec> parsed = agent::WorkerSpecFromJson(*spec);
  if (!parsed.ok()) return parsed.status().WithContext("worker " + Quote(worker.id) + ".spec");
  worker.spec = *std::move(parsed);
  return worker;
}

StatusOr<std::vector<ObservedWorker>> ReadWorkersJson(const json& body) {
  if (!body.is_object() || !body.contains("workers") || !body["workers"].is_array()) {
    return InvalidArgumentError("/v1/workers: must be an object with a workers list");
  }
  std::vector<ObservedWorker> workers;
  for (const json& entry : body["workers"]) {
    TESSERA_ASSIGN_OR_RETURN(ObservedWorker worker, ReadWorkerJson(entry));
    workers.push_back(std::move(worker));
  }
  return workers;
}

}  // namespace tessera::controller
