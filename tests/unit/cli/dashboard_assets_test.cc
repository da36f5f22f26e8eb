#include "cli/up/dashboard_assets.h"

#include <set>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const DashboardAsset* Find(std::string_view path) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

TEST(DashboardAssetsTest, ServesThePageAtTheRootAsHtml) {
  const DashboardAsset* page = Find("/");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_THAT(std::string(page->body), StartsWith("<!doctype html>"));
  EXPECT_EQ(&DashboardAssets().front(), page) << "index.html comes first";
}

TEST(DashboardAssetsTest, HasTheScriptAndStyleSheetWithTheirTypes) {
  const DashboardAsset* script = Find("/dashboard.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  // The page polls the API of docs/up-api.md.
  EXPECT_THAT(std::string(script->body), HasSubstr("/api/v1/overview"));
  EXPECT_THAT(std::string(script->body), HasSubstr("/api/v1/metrics"));

  const DashboardAsset* style = Find("/dashboard.css");
  ASSERT_NE(style, nullptr);
  EXPECT_EQ(style->content_type, "text/css; charset=utf-8");
}

TEST(DashboardAssetsTest, ThePageReferencesEveryOtherAsset) {
  const DashboardAsset* page = Find("/");
  ASSERT_NE(page, nullptr);
  for (const DashboardAsset& asset : DashboardAssets()) {
    if (asset.path == "/") continue;
    EXPECT_THAT(std::string(page->body), HasSubstr("\"" + std::string(asset.path) + "\""))
        << asset.path << " is compiled in but index.html does not load it";
  }
}

TEST(DashboardAssetsTest, EveryAssetIsWholeAndServedOnce) {
  std::set<std::string_view> paths;
  for (const DashboardAsset& asset : DashboardAssets()) {
    EXPECT_TRUE(paths.insert(asset.path).second) << asset.path << " appears twice";
    EXPECT_THAT(std::string(asset.path), StartsWith("/"));
    EXPECT_FALSE(asset.content_type.empty()) << asset.path;
    EXPECT_FALSE(asset.body.empty()) << asset.path;
    // The bytes are the file's, with no terminator added.
    EXPECT_NE(asset.body.back(), '\0') << asset.path;
  }
  EXPECT_EQ(paths.size(), 3u);
}

TEST(DashboardAssetsTest, LoadsNothingFromOutsideTheBinary) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    EXPECT_THAT(std::string(asset.body), ::testing::Not(HasSubstr("https://")))
        << asset.path << " must not load from a CDN or any other site";
  }
}

}  // namespace
}  // namespace tessera::cli
