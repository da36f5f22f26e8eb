#include "base/strings.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(StringsTest, AsciiLowerLeavesOtherBytesAlone) {
  EXPECT_EQ(AsciiLower("MI300X:CPX"), "mi300x:cpx");
  EXPECT_EQ(AsciiLower("Ä-B"), "Ä-b");
}

TEST(StringsTest, QuoteEscapesWhatWouldBeAmbiguous) {
  EXPECT_EQ(Quote("24GiB"), "\"24GiB\"");
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote(std::string("\x01\n", 2)), "\"\\x01\\x0a\"");
}

TEST(StringsTest, JsonQuoteWritesAJsonStringLiteral) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(JsonQuote(std::string("\x00\x1f\x7f", 3)), "\"\\u0000\\u001f\\u007f\"");
  EXPECT_EQ(JsonQuote("gr\u00fc\u00dfe"), "\"gr\u00fc\u00dfe\"");
}

TEST(StringsTest, Join) {
  EXPECT_EQ(Join(std::vector<std::string>{}, ", "), "");
  EXPECT_EQ(Join(std::vector<std::string>{"a"}, ", "), "a");
  EXPECT_EQ(Join(std::vector<std::string_view>{"a", "b", "c"}, ", "), "a, b, c");
}

TEST(StringsTest, CountOfPutsAnSOnAnythingButOne) {
  EXPECT_EQ(CountOf(0, "worker"), "0 workers");
  EXPECT_EQ(CountOf(1, "worker"), "1 worker");
  EXPECT_EQ(CountOf(12, "partition"), "12 partitions");
}

TEST(StringsTest, JoinWritesIntegersInDecimal) {
  EXPECT_EQ(Join(std::vector<int>{0, 7, -3}, ","), "0,7,-3");
  EXPECT_EQ(Join(std::vector<int64_t>{}, ","), "");
}

}  // namespace
}  // namespace tessera
