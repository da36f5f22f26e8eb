#ifndef TESSERA_CLI_UP_DASHBOARD_ASSETS_H_
#define TESSERA_CLI_UP_DASHBOARD_ASSETS_H_

#include <span>
#include <string_view>

namespace tessera::cli {

// One file of the `tessera up` dashboard, compiled into the binary from
// cli/up/dashboard/ so that the dashboard is served without reading anything
// from disk and always matches the binary's API.
struct DashboardAsset {
  // The URL path it is served at: "/" for index.html, "/<file>" otherwise.
  std::string_view path;
  // The Content-Type header to send with it ("text/html; charset=utf-8", ...).
  std::string_view content_type;
  // The file's bytes.
  std::string_view body;
};

// Every file of the dashboard, index.html first. The views point into static
// storage and stay valid for the life of the program; the page reads
// /api/v1/overview and /api/v1/metrics (docs/up-api.md) and nothing else.
std::span<const DashboardAsset> DashboardAssets();

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_DASHBOARD_ASSETS_H_
