// YAML in, JSON inside. Manifests are written in YAML, APIs speak JSON, and
// everything between works on nlohmann::json; these functions are the border
// crossings. They never throw: every parser error becomes an InvalidArgument
// Status that says where ("line 3, column 7") and what.

#ifndef TESSERA_BASE_YAML_JSON_H_
#define TESSERA_BASE_YAML_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera {

// Documents nested deeper than this are rejected (yaml-cpp's parser stops
// YAML written out that deep even earlier, at a few hundred levels). Real
// manifests nest a few dozen levels at most; the limit keeps recursive code,
// here and in callers, from exhausting the stack, and stops YAML aliases that
// refer to themselves.
inline constexpr size_t kMaxNestingDepth = 1000;

// Converts one YAML document to JSON.
//
// Plain (unquoted) scalars are typed by the YAML 1.2 core schema, as JSON
// would type them:
//   null, Null, NULL, ~, or nothing       -> null
//   true, True, TRUE, false, False, FALSE -> boolean
//   123, -7, +7, 0x1F, 0o17               -> integer (int64, or uint64 if only
//                                            that fits; beyond both, double)
//   1.5, 1e3, -.5, .inf, -.inf, .nan      -> double
//   anything else                         -> string
// yes/no/on/off/y/n stay strings. YAML 1.1 made them booleans, and some
// Kubernetes tooling still follows 1.1, but a label value "on" or a country
// code "no" silently turning into a boolean is the classic YAML trap, and
// 1.2 removed it. Likewise 010 is the integer 10, not octal, and 1_000 is a
// string.
//
// Quoted scalars ('x' or "x") are always strings. Explicit tags are honoured:
// !!str, !!int, !!float, !!bool, !!null on scalars, !!map and !!seq on
// collections; a value that does not fit its tag, or any other tag, is an
// error. Anchors and aliases are expanded, within a budget of values
// proportional to the input so that an alias bomb cannot exhaust memory.
// Merge keys ("<<") are a YAML 1.1 extension and are kept as an ordinary key.
//
// JSON object keys are strings, so scalar keys become their text as written
// (1 -> "1", true -> "true", and a null key -> "null"); a mapping or sequence
// used as a key is an error, as is a key that appears twice (after that
// conversion), naming both places. Empty input is null. Errors are
// InvalidArgument with a 1-based line and column. Input with more than one
// non-empty document is an error; use YamlDocumentsToJson() for streams.
StatusOr<nlohmann::json> YamlToJson(std::string_view yaml);

// Converts every document of a "---"-separated stream, in order, by the rules
// of YamlToJson(). Empty documents (and documents that are only null) are
// skipped, so a stray "---" at the start or end of a file is harmless.
// Content after the end of a document without "---" (or "...") before it is
// an error, though yaml-cpp alone would quietly start a new document there:
// it is nearly always a mis-indented line, not an intended document.
StatusOr<std::vector<nlohmann::json>> YamlDocumentsToJson(std::string_view yaml);

// Parses strict JSON (RFC 8259: no comments, no trailing commas). Errors are
// InvalidArgument and carry nlohmann's line and column. A repeated object key
// keeps its last value, as most JSON parsers do.
StatusOr<nlohmann::json> ParseJson(std::string_view text);

}  // namespace tessera

#endif  // TESSERA_BASE_YAML_JSON_H_
