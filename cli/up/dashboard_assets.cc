#include "cli/up/dashboard_assets.h"

#include <span>

namespace tessera::cli {

// Defined in the source cmake/TesseraEmbedFiles.cmake generates from the
// files of cli/up/dashboard/ (see cli/up/dashboard/CMakeLists.txt).
extern const std::span<const DashboardAsset> kEmbeddedDashboardAssets;

std::span<const DashboardAsset> DashboardAssets() { return kEmbeddedDashboardAssets; }

}  // namespace tessera::cli
