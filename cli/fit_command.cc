#include "cli/fit_command.h"

#include <array>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/text_table.h"
#include "base/units.h"
#include "engine/fit/memory_fit.h"
#include "engine/model/resolve_model.h"
#include "hardware/gpu_catalog.h"

namespace tessera::cli {
namespace {

using json = nlohmann::ordered_json;

constexpr int kFits = 0;
constexpr int kDoesNotFit = 1;
constexpr int kInvalidInput = 2;

std::string SignedBytes(int64_t bytes) {
  if (bytes < 0) return "-" + FormatBytes(static_cast<uint64_t>(-bytes));
  return FormatBytes(static_cast<uint64_t>(bytes));
}

// 70553706496 -> "70,553,706,496".
std::string Grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return value < 0 ? "-" + digits : digits;
}

// Fixed two decimals, as the table's other figures are printed.
std::string TwoDecimals(double value) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.2f", value);
  return text.data();
}

std::string Billions(int64_t parameters) {
  return TwoDecimals(static_cast<double>(parameters) / 1e9) + " B";
}

// The draft model of --speculative-model, its weight type and its size.
Status AddDraft(const FitFlags& flags, fit::FitRequest& request) {
  if (flags.speculative_model.empty()) {
    if (flags.num_speculative_tokens != 0) {
      return InvalidArgumentError("--num-speculative-tokens: needs --speculative-model");
    }
    if (flags.speculative_dtype != "auto") {
      return InvalidArgumentError("--speculative-dtype: needs --speculative-model");
    }
    if (flags.speculative_draft_tensor_parallel_size != 0) {
      return InvalidArgumentError(
          "--speculative-draft-tensor-parallel-size: needs --speculative-model");
    }
    return OkStatus();
  }
  fit::DraftModel draft;
  StatusOr<model::ModelArchitecture> architecture = model::ResolveModel(flags.speculative_model);
  if (!architecture.ok()) return architecture.status().WithContext("--speculative-model");
  draft.model = *std::move(architecture);
  draft.weight_type = request.weight_type;
  if (flags.speculative_dtype != "auto") {
    StatusOr<hardware::DataType> type = hardware::ParseDataType(flags.speculative_dtype);
    if (!type.ok()) return type.status().WithContext("--speculative-dtype");
    draft.weight_type = *type;
  }
  if (flags.num_speculative_tokens == 0) {
    return InvalidArgumentError(
        "--num-speculative-tokens: is required with --speculative-model (vLLM requires it too)");
  }
  draft.num_speculative_tokens = flags.num_speculative_tokens;
  if (flags.speculative_draft_tensor_parallel_size != 0) {
    draft.tensor_parallel_size = flags.speculative_draft_tensor_parallel_size;
  }
  request.draft = std::move(draft);
  return OkStatus();
}

StatusOr<fit::FitRequest> BuildRequest(const FitFlags& flags) {
  fit::FitRequest request;
  StatusOr<model::ModelArchitecture> architecture = model::ResolveModel(flags.model);
  if (!architecture.ok()) return architecture.status().WithContext("--model");
  request.model = *std::move(architecture);

  request.weight_type = request.model.weight_type;
  if (flags.dtype != "auto") {
    StatusOr<hardware::DataType> type = hardware::ParseDataType(flags.dtype);
    if (!type.ok()) return type.status().WithContext("--dtype");
    request.weight_type = *type;
  }
  StatusOr<hardware::DataType> kv_type =
      hardware::ParseKvCacheDataType(flags.kv_cache_dtype, request.weight_type);
  if (!kv_type.ok()) return kv_type.status().WithContext("--kv-cache-dtype");
  request.kv_cache_type = *kv_type;

  StatusOr<hardware::PartitionProfile> partition =
      hardware::ResolvePartition(flags.gpu, flags.partition, flags.memory_partition);
  if (!partition.ok()) return partition.status().WithContext("--gpu/--partition");
  request.partition = *partition;

  StatusOr<uint64_t> reserve = ParseByteSize(flags.runtime_reserve);
  if (!reserve.ok()) return reserve.status().WithContext("--runtime-reserve");
  request.runtime_reserve_bytes = static_cast<int64_t>(*reserve);

  TESSERA_RETURN_IF_ERROR(AddDraft(flags, request));

  request.max_model_len =
      flags.max_model_len > 0 ? flags.max_model_len : request.model.max_position_embeddings;
  request.concurrency = flags.concurrency;
  request.tensor_parallel_size = flags.tensor_parallel_size;
  request.pipeline_parallel_size = flags.pipeline_parallel_size;
  request.gpu_memory_utilization = flags.gpu_memory_utilization;
  request.max_num_batched_tokens = flags.max_num_batched_tokens;
  if (Status valid = request.Validate(); !valid.ok()) {
    return fit::NameFieldAsFlag(valid);
  }
  return request;
}

json OptionJson(const fit::FitOption& option) {
  return json{{"tensor_parallel_size", option.tensor_parallel_size},
              {"pipeline_parallel_size", option.pipeline_parallel_size},
              {"partitions", option.tensor_parallel_size * option.pipeline_parallel_size},
              {"pipeline_stage", option.pipeline_stage},
              {"layers", option.layers},
              {"usable_bytes", option.usable_bytes},
              {"weights_bytes", option.weight_bytes},
              {"target_weights_bytes", option.target_weight_bytes()},
              {"draft_weights_bytes", option.draft_weight_bytes},
              {"kv_bytes_per_token", option.kv_bytes_per_token},
              {"target_kv_bytes_per_token", option.target_kv_bytes_per_token()},
              {"draft_kv_bytes_per_token", option.draft_kv_bytes_per_token},
              {"kv_bytes", option.kv_bytes},
              {"target_kv_bytes", option.target_kv_bytes()},
              {"draft_kv_bytes", option.draft_kv_bytes},
              {"activation_headroom_bytes", option.activation_headroom_bytes},
              {"free_bytes", option.free_bytes},
              {"max_sequences", option.max_sequences},
              {"fits", option.fits},
              {"reason", option.reason}};
}

json DraftJson(const fit::FitRequest& request, const fit::FitReport& report) {
  if (!request.draft) return nullptr;
  const fit::DraftModel& draft = *request.draft;
  return json{
      {"model", draft.model.name},
      {"hugging_face_id", draft.model.hugging_face_id},
      {"dtype", hardware::DataTypeName(draft.weight_type)},
      {"num_speculative_tokens", draft.num_speculative_tokens},
      {"tensor_parallel_size",
       draft.tensor_parallel_size ? json(*draft.tensor_parallel_size) : json(nullptr)},
      {"parameters", report.draft_parameters},
      {"weights_bytes", report.draft_weight_bytes},
      {"kv_bytes_per_token", report.draft_kv_bytes_per_token},
      {"kv_bytes_total", report.draft_kv_bytes},
  };
}

json ReportJson(const fit::FitRequest& request, const fit::FitReport& report) {
  json options = json::array();
  for (const fit::FitOption& option : report.options) options.push_back(OptionJson(option));
  const hardware::PartitionProfile& partition = request.partition;
  return json{
      {"model", request.model.name},
      {"hugging_face_id", request.model.hugging_face_id},
      {"gpu", partition.gpu->name},
      {"partition_mode", hardware::PartitionModeName(partition.mode)},
      {"partition_vram_bytes", partition.vram_bytes},
      {"partition_compute_units", partition.compute_units},
      {"partitions_per_node", partition.PartitionsPerNode()},
      {"dtype", hardware::DataTypeName(request.weight_type)},
      {"kv_cache_dtype", hardware::DataTypeName(request.kv_cache_type)},
      {"max_model_len", request.max_model_len},
      {"tokens_per_sequence", report.tokens_per_sequence},
      {"concurrency", request.concurrency},
      {"gpu_memory_utilization", request.gpu_memory_utilization},
      {"max_num_batched_tokens", request.max_num_batched_tokens},
      {"parameters", report.parameters},
      {"active_parameters", report.active_parameters},
      {"weights_bytes", report.weight_bytes},
      {"kv_bytes_per_token", report.kv_bytes_per_token},
      {"kv_bytes_total", report.kv_bytes},
      {"draft", DraftJson(request, report)},
      {"tensor_parallel_size", request.tensor_parallel_size},
      {"pipeline_parallel_size", request.pipeline_parallel_size},
      {"partitions", request.tensor_parallel_size * request.pipeline_parallel_size},
      {"fits", report.requested.fits},
      {"reason", report.requested.reason},
      {"requested", OptionJson(report.requested)},
      {"min_tensor_parallel_size",
       report.min_tensor_parallel_size ? json(*report.min_tensor_parallel_size) : json(nullptr)},
      {"options", options},
      {"warnings", report.warnings},
  };
}

// "TP 8", or "TP 2 × PP 4 (8 partitions)".
std::string Parallelism(int64_t tensor_parallel_size, int64_t pipeline_parallel_size) {
  std::string text = "TP " + std::to_string(tensor_parallel_size);
  if (pipeline_parallel_size == 1) return text;
  return text + " × PP " + std::to_string(pipeline_parallel_size) + " (" +
         std::to_string(tensor_parallel_size * pipeline_parallel_size) + " partitions)";
}

std::string Verdict(const fit::FitRequest& request, const fit::FitReport& report) {
  const std::string requested =
      Parallelism(request.tensor_parallel_size, request.pipeline_parallel_size);
  if (report.requested.fits) {
    return "Fits at " + requested + " with " + SignedBytes(report.requested.free_bytes) +
           " to spare per partition; holds " + std::to_string(report.requested.max_sequences) +
           " full-length sequences.";
  }
  std::string verdict = "Does not fit at " + requested + ": " + report.requested.reason + ".";
  if (report.min_tensor_parallel_size) {
    const int64_t size = *report.min_tensor_parallel_size;
    verdict += " Smallest fit: " + Parallelism(size, request.pipeline_parallel_size);
    if (request.pipeline_parallel_size == 1) {
      verdict += " (" + std::to_string(size) + " partitions)";
    }
    verdict += '.';
  }
  return verdict;
}

std::string Bytes(int64_t bytes) { return FormatBytes(static_cast<uint64_t>(bytes)); }

std::string ReportTable(const fit::FitRequest& request, const fit::FitReport& report) {
  const hardware::PartitionProfile& partition = request.partition;
  const bool pipelined = request.pipeline_parallel_size > 1;
  std::string text;
  text += "Model      " + request.model.name + ": " + Billions(report.parameters) +
          " parameters, " + std::string(hardware::DataTypeName(request.weight_type)) + " weights " +
          Bytes(report.weight_bytes) + "\n";
  if (request.draft) {
    const fit::DraftModel& draft = *request.draft;
    text += "Draft      " + draft.model.name + ": " + Billions(report.draft_parameters) +
            " parameters, " + std::string(hardware::DataTypeName(draft.weight_type)) + " weights " +
            Bytes(report.draft_weight_bytes) + "; " + std::to_string(draft.num_speculative_tokens) +
            " speculative tokens" +
            (draft.tensor_parallel_size == 1 ? ", whole on one rank of each group" : "") + "\n";
  }
  text += "KV cache   " + std::string(hardware::DataTypeName(request.kv_cache_type)) + ": " +
          Grouped(report.kv_bytes_per_token) + " bytes/token";
  if (request.draft) {
    text += " + draft " + Grouped(report.draft_kv_bytes_per_token);
  }
  text += "; " + std::to_string(request.concurrency) + " × " + Grouped(request.max_model_len) +
          " tokens";
  if (request.draft) {
    text += " (+ " + std::to_string(request.draft->num_speculative_tokens) + " lookahead)";
  }
  text += " = " + Bytes(report.kv_bytes + report.draft_kv_bytes);
  if (request.draft) {
    text += " (draft " + Bytes(report.draft_kv_bytes) + ")";
  }
  text += '\n';
  if (pipelined) {
    text += "Pipeline   " + std::to_string(request.pipeline_parallel_size) +
            " stages; figures per partition of the stage whose cache holds the fewest tokens\n";
  }
  text += "Partition  " + partition.Name() + ": " + Bytes(partition.vram_bytes) + ", " +
          std::to_string(partition.compute_units) + " CUs; " +
          Bytes(report.requested.usable_bytes) + " usable at utilization " +
          TwoDecimals(request.gpu_memory_utilization) + "\n\n";

  using Align = TextTable::Align;
  std::vector<TextTable::Column> columns = {{"TP", Align::kRight}};
  if (pipelined) {
    columns.push_back({"PP", Align::kRight});
    columns.push_back({"stage", Align::kRight});
  }
  columns.push_back({"weights/part", Align::kRight});
  if (request.draft) columns.push_back({"draft w./part", Align::kRight});
  columns.push_back({"KV/part", Align::kRight});
  if (request.draft) columns.push_back({"draft KV/part", Align::kRight});
  columns.insert(columns.end(), {{"act. headroom", Align::kRight},
                                 {"free", Align::kRight},
                                 {"max seqs", Align::kRight},
                                 {"fits", Align::kLeft}});
  TextTable table(std::move(columns));
  for (const fit::FitOption& option : report.options) {
    std::vector<std::string> row = {std::to_string(option.tensor_parallel_size)};
    if (pipelined) {
      row.push_back(std::to_string(option.pipeline_parallel_size));
      row.push_back(std::to_string(option.pipeline_stage));
    }
    row.push_back(Bytes(option.target_weight_bytes()));
    if (request.draft) row.push_back(Bytes(option.draft_weight_bytes));
    row.push_back(Bytes(option.target_kv_bytes()));
    if (request.draft) row.push_back(Bytes(option.draft_kv_bytes));
    row.push_back(Bytes(option.activation_headroom_bytes));
    row.push_back(SignedBytes(option.free_bytes));
    row.push_back(Grouped(option.max_sequences));
    row.emplace_back(option.fits ? "yes" : "no");
    table.AddRow(row);
  }
  text += table.Render();
  text += "\n" + Verdict(request, report) + "\n";
  for (const std::string& warning : report.warnings) text += "Warning: " + warning + "\n";
  return text;
}

}  // namespace

CLI::App* AddFitCommand(CLI::App& app, FitFlags& flags) {
  CLI::App* fit = app.add_subcommand(
      "fit", "Check whether a model fits a GPU partition and at which tensor-parallel size");
  fit->add_option("--model", flags.model,
                  "Catalog name (llama-3.1-70b), Hugging Face id, or model directory")
      ->required();
  fit->add_option("--dtype", flags.dtype, "Weight type: auto, float16, bfloat16, fp8, int8, ...")
      ->capture_default_str();
  fit->add_option("--kv-cache-dtype", flags.kv_cache_dtype, "auto, float16, bfloat16, fp8, ...")
      ->capture_default_str();
  fit->add_option("--max-model-len", flags.max_model_len,
                  "Tokens per sequence (default: the model's limit)")
      ->check(CLI::PositiveNumber);
  fit->add_option("--concurrency", flags.concurrency, "Full-length sequences resident at once")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  fit->add_option("--gpu", flags.gpu, "mi300x, mi325x, mi355x, h100, h200")->capture_default_str();
  fit->add_option("--partition", flags.partition, "Compute partition mode: spx, dpx, qpx, cpx");
  fit->add_option("--memory-partition", flags.memory_partition,
                  "Memory partition mode: nps1, nps2, nps4 (default: the GPU's usual one)");
  fit->add_option("--tensor-parallel-size,--tp", flags.tensor_parallel_size,
                  "Partitions the model is sharded over")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  fit->add_option("--pipeline-parallel-size,--pp", flags.pipeline_parallel_size,
                  "Pipeline stages the layers are split over; a worker uses TP × PP partitions")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  fit->add_option("--speculative-model", flags.speculative_model,
                  "Draft model for speculative decoding: catalog name, Hugging Face id, or "
                  "model directory");
  fit->add_option("--num-speculative-tokens", flags.num_speculative_tokens,
                  "Tokens the draft proposes per step (required with --speculative-model)")
      ->check(CLI::PositiveNumber);
  fit->add_option("--speculative-dtype", flags.speculative_dtype,
                  "Draft weight type (default: the target's --dtype)")
      ->capture_default_str();
  fit->add_option("--speculative-draft-tensor-parallel-size",
                  flags.speculative_draft_tensor_parallel_size,
                  "1 to put the draft whole on one rank; default: the target's TP")
      ->check(CLI::PositiveNumber);
  fit->add_option("--gpu-memory-utilization", flags.gpu_memory_utilization,
                  "Fraction of partition memory the engine may use")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  fit->add_option("--max-num-batched-tokens", flags.max_num_batched_tokens,
                  "Tokens per forward pass, which sizes the activations")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  fit->add_option("--runtime-reserve", flags.runtime_reserve,
                  "Memory the runtime keeps outside activations and KV cache")
      ->capture_default_str();
  fit->add_option("-o,--output", flags.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  return fit;
}

int RunFitCommand(const FitFlags& flags, std::ostream& out, std::ostream& err) {
  StatusOr<fit::FitRequest> request = BuildRequest(flags);
  if (!request.ok()) {
    err << "tessera fit: " << request.status().message() << "\n";
    return kInvalidInput;
  }
  StatusOr<fit::FitReport> report = fit::EvaluateFit(*request);
  if (!report.ok()) {
    err << "tessera fit: " << report.status().message() << "\n";
    return kInvalidInput;
  }
  if (flags.output == "json") {
    out << ReportJson(*request, *report).dump(2) << "\n";
  } else {
    out << ReportTable(*request, *report);
  }
  if (report->requested.fits) return kFits;
  if (!report->min_tensor_parallel_size) {
    err << "tessera fit: " << request->model.name << " does not fit any tensor-parallel size on "
        << request->partition.Name() << " partitions: " << report->options.back().reason << "\n";
  }
  return kDoesNotFit;
}

}  // namespace tessera::cli
