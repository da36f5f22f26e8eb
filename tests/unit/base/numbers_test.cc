#include "base/numbers.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(ParseIntegerTest, ReadsWholeDecimalIntegers) {
  EXPECT_EQ(ParseInteger<int>("8470"), 8470);
  EXPECT_EQ(ParseInteger<int>("-7"), -7);
  EXPECT_EQ(ParseInteger<int>("0"), 0);
  EXPECT_EQ(ParseInteger<int64_t>("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInteger<uint64_t>("18446744073709551615"), UINT64_MAX);
}

TEST(ParseIntegerTest, RejectsWhatStoiWouldAccept) {
  for (const char* text : {"12abc", " 12", "12 ", "+12", "", "-", "0x10", "1e3", "1.5"}) {
    EXPECT_EQ(ParseInteger<int>(text), std::nullopt) << text;
  }
}

TEST(ParseIntegerTest, RejectsValuesOutOfRange) {
  EXPECT_EQ(ParseInteger<int>("2147483648"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint16_t>("65536"), std::nullopt);
  EXPECT_EQ(ParseInteger<unsigned>("-1"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint64_t>("18446744073709551616"), std::nullopt);
}

TEST(ParseIntegerTest, ReadsOtherBasesWithoutAPrefix) {
  EXPECT_EQ(ParseInteger<unsigned>("1f", 16), 31U);
  EXPECT_EQ(ParseInteger<unsigned>("1F", 16), 31U);
  EXPECT_EQ(ParseInteger<int64_t>("-ff", 16), -255);
  EXPECT_EQ(ParseInteger<unsigned>("17", 8), 15U);
  EXPECT_EQ(ParseInteger<uint64_t>("ffffffffffffffff", 16), UINT64_MAX);
  for (const char* text : {"0x1f", "1g", "", " 1", "-1"}) {
    EXPECT_EQ(ParseInteger<unsigned>(text, 16), std::nullopt) << text;
  }
  EXPECT_EQ(ParseInteger<uint64_t>("10000000000000000", 16), std::nullopt);
}

}  // namespace
}  // namespace tessera
