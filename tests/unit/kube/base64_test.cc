#include "kube/base64.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::kube {
namespace {

using ::testing::HasSubstr;

TEST(Base64Test, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const StatusOr<std::string> decoded = DecodeBase64(EncodeBase64(bytes));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST(Base64Test, KnownVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*DecodeBase64("Zm9vYg=="), "foob");
  EXPECT_EQ(*DecodeBase64("Zm9vYmE="), "fooba");
  EXPECT_EQ(*DecodeBase64(""), "");
}

TEST(Base64Test, LineBreaksAreSkipped) { EXPECT_EQ(*DecodeBase64("Zm9v\r\nYmFy\n"), "foobar"); }

TEST(Base64Test, RejectsWhatGoRejects) {
  EXPECT_THAT(DecodeBase64("Zm9v YmFy").status().message(),
              HasSubstr("unexpected character at offset 4"));
  EXPECT_THAT(DecodeBase64("Zm9").status().message(), HasSubstr("not a multiple of 4"));
  EXPECT_THAT(DecodeBase64("Z===").status().message(), HasSubstr("unexpected '='"));
  EXPECT_THAT(DecodeBase64("Zg==Zg==").status().message(), HasSubstr("data after padding"));
  EXPECT_THAT(DecodeBase64("Zm9v-_").status().message(), HasSubstr("unexpected character"));
  EXPECT_EQ(DecodeBase64("Zg=").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::kube
