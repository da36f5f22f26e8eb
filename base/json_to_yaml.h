// JSON out as YAML, for files people read: the directory store's status
// files. Written with yaml-cpp's YAML::Emitter; what is quoted, and how
// multi-line strings are written, is decided here so that YamlToJson()
// (base/yaml_json.h) reads every value back to an equal one.

#ifndef TESSERA_BASE_JSON_TO_YAML_H_
#define TESSERA_BASE_JSON_TO_YAML_H_

#include <string>

#include <nlohmann/json.hpp>

namespace tessera {

// Renders JSON as block-style YAML that YamlToJson() reads back to an equal
// value: maps and sequences in block style (empty ones as {} and []), object
// keys in the object's iteration order (sorted for nlohmann::json, insertion
// order for nlohmann::ordered_json), numbers, booleans and null plain, and
// strings plain unless they would read back as something else or contain
// YAML syntax: "true", "123", "null", "", "1e3", " padded", "a: b", "#x" are
// double-quoted. A multi-line string ending in one newline is a literal
// block (|) when that reads back exactly; other multi-line strings are
// double-quoted with escapes. Keys longer than YAML allows an implicit key
// (1024 characters) take the explicit "? key" form. NaN and infinities become
// .nan, .inf and -.inf.
//
// Strings must be valid UTF-8, as JSON requires. Binary values (which JSON
// text cannot hold) are written as a flow sequence of byte values.
std::string JsonToYaml(const nlohmann::json& value);
std::string JsonToYaml(const nlohmann::ordered_json& value);

}  // namespace tessera

#endif  // TESSERA_BASE_JSON_TO_YAML_H_
