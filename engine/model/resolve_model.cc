#include "engine/model/resolve_model.h"

#include <filesystem>
#include <string>
#include <system_error>

#include "engine/model/hugging_face_directory.h"
#include "engine/model/model_catalog.h"

namespace tessera::model {

StatusOr<ModelArchitecture> ResolveModel(std::string_view name_or_path) {
  if (name_or_path.empty()) return InvalidArgumentError("model: must not be empty");
  const std::filesystem::path path(name_or_path);
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return LoadHuggingFaceDirectory(path);
  if (name_or_path.starts_with('/') || name_or_path.starts_with("./") ||
      name_or_path.starts_with("../")) {
    return NotFoundError("model directory " + std::string(name_or_path) + " does not exist");
  }
  return FindCatalogModel(name_or_path);
}

}  // namespace tessera::model
