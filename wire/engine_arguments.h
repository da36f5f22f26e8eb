// Which engine flags a worker spec's `extraArgs` (and a ModelDeployment's
// spec.engine.extraArgs) may carry: a reviewed allow-list per engine kind,
// enforced by the controller on every manifest and by the agent's adapters
// on every launch. docs/resources.md#extra-engine-arguments lists the
// flags; this file is their source.
//
// extraArgs are argv elements, never a shell line. They are read as flags:
//   - an element starting with "--" is a flag, "--name" or "--name=value";
//     its name must be on the engine's allow-list;
//   - the other elements are values of the flags before them: the first
//     element must be a flag (so no positional argument, such as a second
//     model, leads the list), and a short option ("-tp") is refused.
// The CRD's CEL rules check the same (crds/serving.tessera.io_modeldeployments.yaml).
// Flags Tessera sets itself from the spec (port, host, model, parallel
// sizes, speculative decoding, ...) are refused with the field that sets
// them, so extraArgs can never contradict what placement decided.
// Workers of kind tessera-router get their arguments from the controller
// (spec.router), not from a user: they are not checked here.

#ifndef TESSERA_WIRE_ENGINE_ARGUMENTS_H_
#define TESSERA_WIRE_ENGINE_ARGUMENTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "wire/engine_kind.h"

namespace tessera::wire {

// Where the allow-lists are documented, for error messages.
inline constexpr std::string_view kExtraArgumentsDoc = "docs/resources.md#extra-engine-arguments";

// OK when every element of `arguments` passes the rules above for `kind`;
// otherwise InvalidArgument for the first that does not, named
// "<path>[<index>]" with the reason ("spec.engine.extraArgs[0]:
// --trust-remote-code is not on vllm's extraArgs allow-list (...)").
Status CheckEngineExtraArguments(EngineKind kind, const std::vector<std::string>& arguments,
                                 std::string_view path);

// The flags `kind` allows in extraArgs, sorted; empty for tessera-router.
std::vector<std::string_view> AllowedExtraFlags(EngineKind kind);

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_ENGINE_ARGUMENTS_H_
