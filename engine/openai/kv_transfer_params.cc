#include "engine/openai/kv_transfer_params.h"

#include "base/json_fields.h"

namespace tessera::openai {
namespace {

constexpr std::string_view kField = "kv_transfer_params";

std::string FieldPath(std::string_view name) {
  return std::string(kField) + "." + std::string(name);
}

// Block ids are indices into the prefill worker's cache: non-negative and
// 32-bit there.
Status ReadBlockIds(const nlohmann::json& value, std::vector<int64_t>& out) {
  const std::string path = FieldPath("remote_block_ids");
  if (!value.is_array()) {
    return InvalidArgumentError(path + ": must be a list of block ids, got " + DescribeJson(value));
  }
  out.reserve(value.size());
  for (size_t index = 0; index < value.size(); ++index) {
    const nlohmann::json& id = value[index];
    // Parsed text holds non-negative numbers as unsigned, built JSON as signed.
    const bool in_range = id.is_number_unsigned() ? id.get<uint64_t>() <= uint64_t{INT32_MAX}
                          : id.is_number_integer()
                              ? id.get<int64_t>() >= 0 && id.get<int64_t>() <= int64_t{INT32_MAX}
                              : false;
    if (!in_range) {
      return InvalidArgumentError(path + "[" + std::to_string(index) +
                                  "]: must be a block id from 0 to " + std::to_string(INT32_MAX) +
                                  ", got " + DescribeJson(id));
    }
    out.push_back(id.get<int64_t>());
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::optional<KvTransferParams>> ReadKvTransferParams(const nlohmann::json& body) {
  const auto found = body.find(kField);
  if (found == body.end() || found->is_null()) return std::optional<KvTransferParams>();
  JsonFields fields(*found, std::string(kField));
  KvTransferParams params;
  std::optional<bool> remote_decode;
  std::optional<bool> remote_prefill;
  std::optional<std::string> engine_id;
  std::optional<std::string> request_id;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<int64_t> tp_size;
  fields.Optional("do_remote_decode", remote_decode);
  fields.Optional("do_remote_prefill", remote_prefill);
  fields.Optional("remote_engine_id", engine_id);
  fields.Optional("remote_request_id", request_id);
  fields.Optional("remote_host", host);
  fields.Optional("remote_port", port, 1, 65535);
  fields.Optional("tp_size", tp_size, 1, 1024);
  const nlohmann::json* block_ids = fields.Child("remote_block_ids");
  // Connectors and proxies add fields of their own; what the simulator does
  // not read it ignores, as vLLM does.
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  if (block_ids != nullptr)
    TESSERA_RETURN_IF_ERROR(ReadBlockIds(*block_ids, params.remote_block_ids));
  params.do_remote_decode = remote_decode.value_or(false);
  params.do_remote_prefill = remote_prefill.value_or(false);
  if (params.do_remote_decode && params.do_remote_prefill) {
    return InvalidArgumentError(FieldPath("do_remote_prefill") +
                                ": cannot be true together with do_remote_decode");
  }
  if (params.do_remote_prefill) {
    const auto missing = [](std::string_view name) {
      return InvalidArgumentError(FieldPath(name) +
                                  ": is required with do_remote_prefill; pass on the "
                                  "kv_transfer_params the prefill worker answered");
    };
    if (!engine_id) return missing("remote_engine_id");
    if (!request_id || request_id->empty()) return missing("remote_request_id");
    if (block_ids == nullptr) return missing("remote_block_ids");
    if (!host || host->empty()) return missing("remote_host");
    if (!port) return missing("remote_port");
  }
  params.remote_engine_id = engine_id.value_or("");
  params.remote_request_id = request_id.value_or("");
  params.remote_host = host.value_or("");
  params.remote_port = port.value_or(0);
  params.tp_size = tp_size.value_or(1);
  return std::optional<KvTransferParams>(std::move(params));
}

nlohmann::json RemotePrefillJson(const KvTransferParams& params) {
  return nlohmann::json{{"do_remote_prefill", true},
                        {"do_remote_decode", false},
                        {"remote_block_ids", params.remote_block_ids},
                        {"remote_engine_id", params.remote_engine_id},
                        {"remote_request_id", params.remote_request_id},
                        {"remote_host", params.remote_host},
                        {"remote_port", params.remote_port},
                        {"tp_size", params.tp_size}};
}

}  // namespace tessera::openai
