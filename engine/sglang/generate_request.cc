#include "engine/sglang/generate_request.h"

#include <algorithm>
#include <string_view>

namespace tessera::sglang {
namespace {

using nlohmann::json;

// Token ids are 32-bit in every tokenizer the engines ship.
constexpr uint64_t kMaxTokenId = 0xffffffff;

bool IsStringList(const json& value) {
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const json& item) { return item.is_string(); });
}

bool IsIntegerList(const json& value) {
  return value.is_array() && std::all_of(value.begin(), value.end(),
                                         [](const json& item) { return item.is_number_integer(); });
}

bool IsIntegerListList(const json& value) {
  return value.is_array() && std::all_of(value.begin(), value.end(), IsIntegerList);
}

bool IsObjectList(const json& value) {
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const json& item) { return item.is_object(); });
}

bool Present(const json& body, const char* field) {
  const auto it = body.find(field);
  return it != body.end() && !it->is_null();
}

// One element of a field SGLang accepts as a value or a list of values
// (one per prompt of a batch); the simulator serves batches of one.
const json& Single(const json& value) {
  return value.is_array() && value.size() == 1 ? value[0] : value;
}

// Python's spelling of a number in SGLang's messages: a float keeps its
// ".0".
std::string PythonNumber(const json& value) {
  if (value.is_number_float()) {
    std::string text = value.dump();
    if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    return text;
  }
  return value.dump();
}

StatusOr<double> ReadNumber(const json& params, const char* field, double fallback) {
  const auto it = params.find(field);
  if (it == params.end() || it->is_null()) return fallback;
  if (!it->is_number()) {
    return InvalidArgumentError(std::string(field) + " must be a number, got " + it->dump() + ".");
  }
  return it->get<double>();
}

Status ReadSamplingParams(const json& params, GenerateRequest& request) {
  if (const auto it = params.find("max_new_tokens"); it != params.end()) {
    if (it->is_null()) {
      request.max_new_tokens_unbounded = true;
    } else if (!it->is_number_integer() ||
               (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX})) {
      return InvalidArgumentError("max_new_tokens must be an integer, got " + it->dump() + ".");
    } else if (it->get<int64_t>() < 0) {
      return InvalidArgumentError("max_new_tokens must be at least 0, got " + it->dump() + ".");
    } else if (it->get<int64_t>() == 0) {
      return InvalidArgumentError(
          "max_new_tokens: 0 is not supported by tessera-engine-sim, which always samples at "
          "least one token");
    } else {
      request.max_new_tokens = it->get<int64_t>();
    }
  }
  TESSERA_ASSIGN_OR_RETURN(request.temperature, ReadNumber(params, "temperature", 1.0));
  if (request.temperature < 0) {
    return InvalidArgumentError("temperature must be non-negative, got " +
                                PythonNumber(params["temperature"]) + ".");
  }
  TESSERA_ASSIGN_OR_RETURN(const double top_p, ReadNumber(params, "top_p", 1.0));
  if (top_p <= 0 || top_p > 1) {
    return InvalidArgumentError("top_p must be in (0, 1], got " + PythonNumber(params["top_p"]) +
                                ".");
  }
  TESSERA_ASSIGN_OR_RETURN(const double min_p, ReadNumber(params, "min_p", 0.0));
  if (min_p < 0 || min_p > 1) {
    return InvalidArgumentError("min_p must be in [0, 1], got " + PythonNumber(params["min_p"]) +
                                ".");
  }
  TESSERA_ASSIGN_OR_RETURN(const double top_k, ReadNumber(params, "top_k", -1));
  if (top_k < 1 && top_k != -1) {
    return InvalidArgumentError("top_k must be -1 (disable) or at least 1, got " +
                                PythonNumber(params["top_k"]) + ".");
  }
  if (const auto n = params.find("n"); n != params.end() && !n->is_null()) {
    if (!n->is_number_integer() || n->get<int64_t>() != 1) {
      return InvalidArgumentError("n: only n=1 is supported by tessera-engine-sim, got " +
                                  n->dump());
    }
  }
  if (const auto ignore_eos = params.find("ignore_eos");
      ignore_eos != params.end() && !ignore_eos->is_null()) {
    if (!ignore_eos->is_boolean()) {
      return InvalidArgumentError("ignore_eos must be a boolean, got " + ignore_eos->dump() + ".");
    }
    request.ignore_eos = ignore_eos->get<bool>();
  }
  if (const auto stop = params.find("stop"); stop != params.end() && !stop->is_null()) {
    if (stop->is_string()) {
      request.stop = {stop->get<std::string>()};
    } else if (IsStringList(*stop)) {
      request.stop = stop->get<std::vector<std::string>>();
    } else {
      return InvalidArgumentError("stop must be a string or a list of strings, got " +
                                  stop->dump() + ".");
    }
  }
  // Other sampling parameters (top_k's kin, penalties, grammars) shape which
  // tokens a real model picks, which the simulator does not model; newer
  // SGLang releases add more, so unknown ones are accepted.
  return OkStatus();
}

}  // namespace

std::optional<SchemaError> CheckGenerateSchema(const json& body) {
  if (!body.is_object()) {
    return SchemaError{.field = "body", .message = "Input should be an object"};
  }
  if (Present(body, "text") && !body["text"].is_string() && !IsStringList(body["text"])) {
    return SchemaError{.field = "text",
                       .message = "Input should be a valid string or a list of strings"};
  }
  if (Present(body, "input_ids") && !IsIntegerList(body["input_ids"]) &&
      !IsIntegerListList(body["input_ids"])) {
    return SchemaError{.field = "input_ids",
                       .message = "Input should be a list of integers or a list of such lists"};
  }
  if (Present(body, "sampling_params") && !body["sampling_params"].is_object() &&
      !IsObjectList(body["sampling_params"])) {
    return SchemaError{.field = "sampling_params",
                       .message = "Input should be a valid dictionary or a list of them"};
  }
  if (Present(body, "stream") && !body["stream"].is_boolean()) {
    return SchemaError{.field = "stream", .message = "Input should be a valid boolean"};
  }
  if (Present(body, "rid") && !body["rid"].is_string() && !IsStringList(body["rid"])) {
    return SchemaError{.field = "rid",
                       .message = "Input should be a valid string or a list of strings"};
  }
  return std::nullopt;
}

StatusOr<GenerateRequest> ParseGenerateRequest(const json& body) {
  GenerateRequest request;
  const bool has_text = Present(body, "text");
  const bool has_ids = Present(body, "input_ids");
  if (!has_text && !has_ids) {
    return InvalidArgumentError("Either text, input_ids or input_embeds should be provided.");
  }
  size_t batch_size = 1;
  // SGLang sizes the batch from the text when it has one, and tokenizes
  // only when input_ids are absent.
  if (has_text) {
    const json& text = body["text"];
    request.batch = text.is_array();
    batch_size = text.is_array() ? text.size() : 1;
    if (text.is_string()) request.text = text.get<std::string>();
    if (text.is_array() && text.size() == 1) request.text = text[0].get<std::string>();
  }
  if (has_ids) {
    const json& ids = body["input_ids"];
    if (ids.empty()) return InvalidArgumentError("input_ids cannot be empty.");
    const bool nested = ids[0].is_array();
    if (!has_text) {
      request.batch = nested;
      batch_size = nested ? ids.size() : 1;
    }
    const json& single = nested && ids.size() == 1 ? ids[0] : ids;
    if (!nested || ids.size() == 1) {
      if (single.empty()) return InvalidArgumentError("input_ids cannot be empty.");
      std::vector<int64_t>& parsed = request.input_ids.emplace();
      parsed.reserve(single.size());
      for (const json& id : single) {
        if (!id.is_number_unsigned() || id.get<uint64_t>() > kMaxTokenId) {
          return InvalidArgumentError("input_ids: token ids must be from 0 to " +
                                      std::to_string(kMaxTokenId) + ", got " + id.dump());
        }
        parsed.push_back(id.get<int64_t>());
      }
    }
  }
  if (batch_size != 1) {
    return InvalidArgumentError(
        "a batch of " + std::to_string(batch_size) +
        " prompts is not supported by tessera-engine-sim; send one prompt per request");
  }
  // A list of per-prompt values must have one for the one prompt.
  for (const char* field : {"rid", "sampling_params"}) {
    if (Present(body, field) && body[field].is_array() && body[field].size() != 1) {
      return InvalidArgumentError(std::string(field) + ": a list must hold one value per prompt, " +
                                  "got " + std::to_string(body[field].size()) + " for 1 prompt");
    }
  }
  if (Present(body, "rid")) request.rid = Single(body["rid"]).get<std::string>();
  if (Present(body, "sampling_params")) {
    TESSERA_RETURN_IF_ERROR(ReadSamplingParams(Single(body["sampling_params"]), request));
  }
  if (Present(body, "stream")) request.stream = body["stream"].get<bool>();
  StatusOr<std::optional<openai::Bootstrap>> bootstrap = openai::ReadBootstrap(body);
  if (!bootstrap.ok()) return bootstrap.status();
  request.bootstrap = *std::move(bootstrap);
  return request;
}

}  // namespace tessera::sglang
