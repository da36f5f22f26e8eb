// The YAML 1.2 core schema: the type a plain (unquoted) scalar takes, and
// the values of scalars tagged !!null, !!bool, !!int and !!float. YamlToJson()
// types scalars by these rules and JsonToYaml() quotes a string exactly when
// its plain form would read back as something else.

#ifndef TESSERA_BASE_YAML_CORE_SCHEMA_H_
#define TESSERA_BASE_YAML_CORE_SCHEMA_H_

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tessera {

// null, Null, NULL, ~, or nothing.
bool IsCoreNull(std::string_view text);

// true, True, TRUE, false, False, FALSE; nullopt for anything else (yes, on).
std::optional<bool> ParseCoreBoolean(std::string_view text);

// [-+]? [0-9]+, or 0o [0-7]+, or 0x [0-9a-fA-F]+, as an int64 when it fits,
// else a uint64 when that fits, else (beyond both) a double, approximately,
// as JSON parsers read such numbers; nullopt when `text` is not an integer.
std::optional<nlohmann::json> ParseCoreInteger(std::string_view text);

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?, or
// [-+]? \.(inf|Inf|INF), or \.(nan|NaN|NAN); out-of-range values become
// infinity or zero. nullopt when `text` is not a float.
std::optional<double> ParseCoreFloat(std::string_view text);

// The value a plain scalar takes: null, a boolean, an integer, a double, or
// else the string itself.
nlohmann::json ResolvePlainScalar(std::string_view text);

}  // namespace tessera

#endif  // TESSERA_BASE_YAML_CORE_SCHEMA_H_
