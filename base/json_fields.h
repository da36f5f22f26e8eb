// Typed, path-naming reads of a JSON object, for API bodies and manifests:
//
//   JsonFields fields(body, "engine");
//   std::string kind;
//   std::optional<int> max_len;
//   fields.Required("kind", kind);
//   fields.Optional("maxModelLen", max_len, 1, 10'000'000);
//   TESSERA_RETURN_IF_ERROR(fields.Finish());  // also rejects unknown fields
//
// The first error wins and names its path ("engine.maxModelLen: must be an
// integer, got \"8k\""); later reads are no-ops.

#ifndef TESSERA_BASE_JSON_FIELDS_H_
#define TESSERA_BASE_JSON_FIELDS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera {

class JsonFields {
 public:
  // `path` prefixes every error; empty for a top-level object.
  JsonFields(const nlohmann::json& object, std::string path);

  void Required(std::string_view name, std::string& out);
  void Required(std::string_view name, int& out, int minimum, int maximum);
  void Optional(std::string_view name, std::string& out);
  void Optional(std::string_view name, std::optional<std::string>& out);
  void Optional(std::string_view name, std::optional<int>& out, int minimum, int maximum);
  void Optional(std::string_view name, std::optional<int64_t>& out, int64_t minimum,
                int64_t maximum);
  void Optional(std::string_view name, std::optional<double>& out, double minimum, double maximum);
  void Optional(std::string_view name, std::optional<bool>& out);
  void Optional(std::string_view name, std::vector<std::string>& out);
  void Optional(std::string_view name, std::map<std::string, std::string>& out);
  // A nested value for the caller to read; null when absent.
  const nlohmann::json* Child(std::string_view name);

  // The path of a field, for errors the caller reports itself.
  std::string PathOf(std::string_view name) const;
  // Records an error unless one is already recorded.
  void Fail(std::string_view name, std::string_view reason);

  // The first error, or an error naming the first field nobody read.
  Status Finish() const;
  // The first error; fields nobody read are fine. For reading what a newer
  // peer may have extended (an agent's answers), never for what a user wrote.
  Status FinishIgnoringUnknown() const { return error_; }

 private:
  const nlohmann::json* Find(std::string_view name);

  const nlohmann::json& object_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
  Status error_;
};

// A short rendering of a JSON value for error messages: `number 7`,
// `string "8k"` (strings cut after 40 characters), `array of 3 elements`,
// `object of 2 fields`. Never renders more than a scalar.
std::string DescribeJson(const nlohmann::json& value);

}  // namespace tessera

#endif  // TESSERA_BASE_JSON_FIELDS_H_
