// Turns what a user writes for a model (a catalog name, a Hugging Face id or
// a model directory) into its architecture.

#ifndef TESSERA_ENGINE_MODEL_RESOLVE_MODEL_H_
#define TESSERA_ENGINE_MODEL_RESOLVE_MODEL_H_

#include <string_view>

#include "base/status.h"
#include "engine/model/model_architecture.h"

namespace tessera::model {

// An existing directory is read as a Hugging Face model directory; anything
// else is looked up in the catalog. A path that does not exist (one starting
// with '/', './' or '../') is reported as a missing directory, not as an
// unknown catalog name.
StatusOr<ModelArchitecture> ResolveModel(std::string_view name_or_path);

}  // namespace tessera::model

#endif  // TESSERA_ENGINE_MODEL_RESOLVE_MODEL_H_
