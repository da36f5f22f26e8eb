// Base64 as kubeconfigs carry certificates and keys: the *-data fields,
// decoded as Go's encoding/base64.StdEncoding decodes them.

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "kube/kube_config.h"
#include "tests/unit/kube/test_credentials.h"

namespace tessera::kube {
namespace {

using test_credentials::Base64;
using ::testing::HasSubstr;

class Base64Test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/tessera-base64-test-XXXXXX";
    directory_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  // `data` as a kubeconfig's certificate-authority-data, decoded.
  StatusOr<std::string> Decode(const std::string& data) {
    const nlohmann::json kubeconfig = {
        {"current-context", "c"},
        {"clusters",
         {{{"name", "k"},
           {"cluster", {{"server", "https://h:1"}, {"certificate-authority-data", data}}}}}},
        {"contexts", {{{"name", "c"}, {"context", {{"cluster", "k"}}}}}}};
    const std::filesystem::path path = directory_ / "config";
    EXPECT_TRUE(WriteFileAtomically(path, kubeconfig.dump()).ok());
    StatusOr<KubeConfig> config = LoadKubeconfig(path);
    if (!config.ok()) return config.status();
    return config->certificate_authority_pem;
  }

  std::filesystem::path directory_;
};

TEST_F(Base64Test, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const StatusOr<std::string> decoded = Decode(Base64(bytes));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST_F(Base64Test, KnownVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(*Decode(""), "");
}

TEST_F(Base64Test, LineBreaksAreSkipped) { EXPECT_EQ(*Decode("Zm9v\r\nYmFy\n"), "foobar"); }

TEST_F(Base64Test, RejectsWhatGoRejects) {
  EXPECT_THAT(
      Decode("Zm9v YmFy").status().message(),
      HasSubstr("certificate-authority-data: not valid base64: unexpected character at offset 4"));
  EXPECT_THAT(Decode("Zm9").status().message(), HasSubstr("multiple of 4"));
  EXPECT_THAT(Decode("Z===").status().message(), HasSubstr("padding"));
  EXPECT_THAT(Decode("Zg==Zg==").status().message(), HasSubstr("padding"));
  EXPECT_THAT(Decode("Zm9v-_").status().message(), HasSubstr("unexpected character at offset 4"));
  EXPECT_EQ(Decode("Zg=").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Decode("Zg=a").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::kube
