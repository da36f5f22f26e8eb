#include "base/time_format.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

using std::chrono::system_clock;

const system_clock::time_point kInstant =
    std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours(10) +
    std::chrono::minutes(4) + std::chrono::seconds(5) + std::chrono::microseconds(123456);

TEST(TimeFormatTest, FormatsSecondsAndMicroseconds) {
  EXPECT_EQ(FormatRfc3339(kInstant), "2026-12-02T10:04:05Z");
  EXPECT_EQ(FormatRfc3339Micros(kInstant), "2026-12-02T10:04:05.123456Z");
}

TEST(TimeFormatTest, FormatsMillisecondsAsLogLinesCarryThem) {
  EXPECT_EQ(FormatRfc3339Millis(kInstant), "2026-12-02T10:04:05.123Z");
  EXPECT_EQ(FormatRfc3339Millis(system_clock::time_point()), "1970-01-01T00:00:00.000Z");
}

TEST(TimeFormatTest, TruncatesToTheDigitsShown) {
  EXPECT_EQ(FormatRfc3339Millis(kInstant + std::chrono::microseconds(543)),
            "2026-12-02T10:04:05.123Z");
  EXPECT_EQ(FormatRfc3339Millis(system_clock::time_point() - std::chrono::microseconds(1)),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Micros(system_clock::time_point() - std::chrono::nanoseconds(1)),
            "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(system_clock::time_point() - std::chrono::nanoseconds(1)),
            "1969-12-31T23:59:59Z");
}

TEST(TimeFormatTest, ParsesWhatItFormatsAndOffsets) {
  StatusOr<system_clock::time_point> micros = ParseRfc3339("2026-12-02T10:04:05.123456Z");
  ASSERT_TRUE(micros.ok()) << micros.status();
  EXPECT_EQ(*micros, kInstant);
  StatusOr<system_clock::time_point> offset = ParseRfc3339("2026-12-02T12:04:05.123456+02:00");
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ(*offset, kInstant);
  StatusOr<system_clock::time_point> nanos = ParseRfc3339("2026-12-02T10:04:05.123456789Z");
  ASSERT_TRUE(nanos.ok());
  EXPECT_EQ(*nanos - kInstant, std::chrono::nanoseconds(789));
}

TEST(TimeFormatTest, RejectsMalformedText) {
  for (const char* text :
       {"", "2026-12-02", "2026-12-02T10:04:05", "2026-13-02T10:04:05Z", "2026-02-30T10:04:05Z",
        "2026-12-02T10:04:05.Z", "2026-12-02T10:04:05Zx", "2026-12-02T25:04:05Z"}) {
    StatusOr<system_clock::time_point> parsed = ParseRfc3339(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find("RFC 3339"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace tessera
