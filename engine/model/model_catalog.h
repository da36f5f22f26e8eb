// The built-in catalog of model architectures, so that users can size and
// simulate well-known models without their checkpoints at hand.

#ifndef TESSERA_ENGINE_MODEL_MODEL_CATALOG_H_
#define TESSERA_ENGINE_MODEL_MODEL_CATALOG_H_

#include <span>
#include <string_view>

#include "base/status.h"
#include "engine/model/model_architecture.h"

namespace tessera::model {

// Every catalog entry, in a stable order.
std::span<const ModelArchitecture> CatalogModels();

// Finds a model by its catalog name ("llama-3.1-70b") or its Hugging Face id
// ("meta-llama/Llama-3.1-70B-Instruct"), case-insensitively. Ids the catalog
// does not list still resolve when they only add an organization, a "Meta-"
// prefix or an -Instruct/-Chat/-hf/-Base suffix to a catalog name. NotFound
// lists the catalog names.
StatusOr<ModelArchitecture> FindCatalogModel(std::string_view name);

}  // namespace tessera::model

#endif  // TESSERA_ENGINE_MODEL_MODEL_CATALOG_H_
