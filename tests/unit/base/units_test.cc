#include "base/units.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = kKiB * 1024;
constexpr uint64_t kGiB = kMiB * 1024;
constexpr uint64_t kTiB = kGiB * 1024;
constexpr uint64_t kPiB = kTiB * 1024;
constexpr uint64_t kEiB = kPiB * 1024;
constexpr uint64_t kMaxBytes = std::numeric_limits<uint64_t>::max();

uint64_t Bytes(std::string_view text) {
  const StatusOr<uint64_t> bytes = ParseByteSize(text);
  EXPECT_TRUE(bytes.ok()) << text << ": " << bytes.status();
  return bytes.ok() ? *bytes : 0;
}

Status ByteSizeError(std::string_view text) {
  const StatusOr<uint64_t> bytes = ParseByteSize(text);
  EXPECT_FALSE(bytes.ok()) << text << " parsed as " << (bytes.ok() ? *bytes : 0);
  return bytes.status();
}

nanoseconds Duration(std::string_view text) {
  const StatusOr<nanoseconds> duration = ParseDuration(text);
  EXPECT_TRUE(duration.ok()) << text << ": " << duration.status();
  return duration.ok() ? *duration : nanoseconds(-1);
}

Status DurationError(std::string_view text) {
  const StatusOr<nanoseconds> duration = ParseDuration(text);
  EXPECT_FALSE(duration.ok()) << text << " parsed as " << (duration.ok() ? duration->count() : 0)
                              << "ns";
  return duration.status();
}

// ---- ParseByteSize ----------------------------------------------------------

TEST(ParseByteSizeTest, PlainIntegersAreBytes) {
  EXPECT_EQ(Bytes("0"), 0u);
  EXPECT_EQ(Bytes("512"), 512u);
  EXPECT_EQ(Bytes("0001"), 1u);
  EXPECT_EQ(Bytes("18446744073709551615"), kMaxBytes);
}

TEST(ParseByteSizeTest, DecimalUnits) {
  EXPECT_EQ(Bytes("7B"), 7u);
  EXPECT_EQ(Bytes("1kB"), 1'000u);
  EXPECT_EQ(Bytes("1KB"), 1'000u);
  EXPECT_EQ(Bytes("2MB"), 2'000'000u);
  EXPECT_EQ(Bytes("80GB"), 80'000'000'000u);
  EXPECT_EQ(Bytes("3TB"), 3'000'000'000'000u);
  EXPECT_EQ(Bytes("1PB"), 1'000'000'000'000'000u);
  EXPECT_EQ(Bytes("18EB"), 18'000'000'000'000'000'000u);
}

TEST(ParseByteSizeTest, BinaryUnits) {
  EXPECT_EQ(Bytes("1KiB"), kKiB);
  EXPECT_EQ(Bytes("1MiB"), kMiB);
  EXPECT_EQ(Bytes("24GiB"), 25'769'803'776u);
  EXPECT_EQ(Bytes("80GiB"), 80 * kGiB);
  EXPECT_EQ(Bytes("2TiB"), 2 * kTiB);
  EXPECT_EQ(Bytes("1PiB"), kPiB);
  EXPECT_EQ(Bytes("15EiB"), 15 * kEiB);
}

TEST(ParseByteSizeTest, KubernetesQuantitySuffixes) {
  EXPECT_EQ(Bytes("1k"), 1'000u);
  EXPECT_EQ(Bytes("1M"), 1'000'000u);
  EXPECT_EQ(Bytes("1G"), 1'000'000'000u);
  EXPECT_EQ(Bytes("1T"), 1'000'000'000'000u);
  EXPECT_EQ(Bytes("1P"), 1'000'000'000'000'000u);
  EXPECT_EQ(Bytes("1E"), 1'000'000'000'000'000'000u);
  EXPECT_EQ(Bytes("1Ki"), kKiB);
  EXPECT_EQ(Bytes("1Mi"), kMiB);
  EXPECT_EQ(Bytes("80Gi"), 80 * kGiB);
  EXPECT_EQ(Bytes("1Ti"), kTiB);
  EXPECT_EQ(Bytes("1Pi"), kPiB);
  EXPECT_EQ(Bytes("1Ei"), kEiB);
}

TEST(ParseByteSizeTest, BinaryUnitsWithBAcceptAnyCase) {
  EXPECT_EQ(Bytes("1gib"), kGiB);
  EXPECT_EQ(Bytes("1GIB"), kGiB);
  EXPECT_EQ(Bytes("1Gib"), kGiB);
  EXPECT_EQ(Bytes("1kib"), kKiB);
  EXPECT_EQ(Bytes("1mIb"), kMiB);
}

TEST(ParseByteSizeTest, BlanksBetweenNumberAndUnitAndAround) {
  EXPECT_EQ(Bytes("24 GiB"), 24 * kGiB);
  EXPECT_EQ(Bytes("24\tGi"), 24 * kGiB);
  EXPECT_EQ(Bytes("  24GiB  "), 24 * kGiB);
  EXPECT_EQ(Bytes("1.50 GiB"), 1'610'612'736u);
  EXPECT_EQ(Bytes("+1KiB"), kKiB);
}

TEST(ParseByteSizeTest, FractionsAreExactAndRoundToNearestByte) {
  EXPECT_EQ(Bytes("1.5GiB"), 1'610'612'736u);
  EXPECT_EQ(Bytes("2.5Gi"), 2'684'354'560u);
  EXPECT_EQ(Bytes("0.1GB"), 100'000'000u);
  EXPECT_EQ(Bytes("1.1MiB"), 1'153'434u);  // 1153433.6
  EXPECT_EQ(Bytes("0.5B"), 1u);            // Halves round up.
  EXPECT_EQ(Bytes("0.49999B"), 0u);
  EXPECT_EQ(Bytes("2.5"), 3u);
  EXPECT_EQ(Bytes("0.0009765625KiB"), 1u);
  EXPECT_EQ(Bytes(".5KiB"), 512u);
  EXPECT_EQ(Bytes("1.KiB"), kKiB);
  EXPECT_EQ(Bytes("1.000GiB"), kGiB);
  // More digits than any floating-point type holds, still exact.
  EXPECT_EQ(Bytes("1.123456789012345678901234567890GiB"), 1'206'302'542u);
  // 2^64 - 1.15 rounds to the largest representable count.
  EXPECT_EQ(Bytes("15.999999999999999999EiB"), kMaxBytes);
}

TEST(ParseByteSizeTest, EmptyIsAnError) {
  const Status empty = ByteSizeError("");
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.message(), AllOf(HasSubstr("byte size \"\""), HasSubstr("empty")));
  const Status blank = ByteSizeError("   ");
  EXPECT_EQ(blank.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(blank.message(), AllOf(HasSubstr("\"   \""), HasSubstr("empty")));
}

TEST(ParseByteSizeTest, NegativeIsAnError) {
  const Status status = ByteSizeError("-1GiB");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "byte size must not be negative: \"-1GiB\"");
  EXPECT_EQ(ByteSizeError("-0").code(), StatusCode::kInvalidArgument);
}

TEST(ParseByteSizeTest, MissingNumberIsAnError) {
  for (const char* text : {"GiB", ".", "+", "abc", ".GiB"}) {
    const Status status = ByteSizeError(text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), AllOf(HasSubstr("\"" + std::string(text) + "\""),
                                        HasSubstr("does not start with a number")));
  }
}

TEST(ParseByteSizeTest, UnknownUnitIsAnErrorListingValidUnits) {
  for (const char* text : {"24gb", "24Mb", "1K", "1b", "1gi", "1e3", "0x10", "5 bytes"}) {
    const Status status = ByteSizeError(text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), AllOf(HasSubstr("\"" + std::string(text) + "\""),
                                        HasSubstr("unknown unit"), HasSubstr("GiB, TiB")));
  }
  EXPECT_THAT(ByteSizeError("24gb").message(), HasSubstr("unknown unit \"gb\""));
}

TEST(ParseByteSizeTest, TrailingTextIsAnError) {
  const Status after_unit = ByteSizeError("1GiB extra");
  EXPECT_EQ(after_unit.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(after_unit.message(),
              AllOf(HasSubstr("\"1GiB extra\""), HasSubstr("unexpected text \"extra\"")));
  const Status after_number = ByteSizeError("1.2.3");
  EXPECT_THAT(after_number.message(),
              AllOf(HasSubstr("\"1.2.3\""), HasSubstr("unexpected text \".3\" after the number")));
  EXPECT_THAT(ByteSizeError("1 2").message(), HasSubstr("unexpected text \"2\""));
  EXPECT_THAT(ByteSizeError("1GiB/s").message(), HasSubstr("unexpected text \"/s\""));
}

TEST(ParseByteSizeTest, OverflowIsAnError) {
  for (const char* text : {"18446744073709551616", "16EiB", "20E", "18446744073709551615.5",
                           "99999999999999999999999999999PiB"}) {
    const Status status = ByteSizeError(text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), AllOf(HasSubstr("\"" + std::string(text) + "\""),
                                        HasSubstr("exceeds the maximum of 18446744073709551615")));
  }
}

TEST(ParseByteSizeTest, ControlCharactersAreEscapedInErrors) {
  EXPECT_THAT(ByteSizeError("1\x01").message(), HasSubstr("\"1\\x01\""));
}

// ---- ParseDuration ----------------------------------------------------------

TEST(ParseDurationTest, GoStyleDurations) {
  EXPECT_EQ(Duration("30s"), seconds(30));
  EXPECT_EQ(Duration("500ms"), milliseconds(500));
  EXPECT_EQ(Duration("1m30s"), seconds(90));
  EXPECT_EQ(Duration("2h"), hours(2));
  EXPECT_EQ(Duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(Duration("250us"), microseconds(250));
  EXPECT_EQ(Duration("250\u00b5s"), microseconds(250));
  EXPECT_EQ(Duration("250\u03bcs"), microseconds(250));
  EXPECT_EQ(Duration("10ns"), nanoseconds(10));
  EXPECT_EQ(Duration("1h2m3.5s"), hours(1) + minutes(2) + milliseconds(3500));
  EXPECT_EQ(Duration("1s1s"), seconds(2));
  EXPECT_EQ(Duration("0.5h"), minutes(30));
  EXPECT_EQ(Duration(".5s"), milliseconds(500));
  EXPECT_EQ(Duration("+5s"), seconds(5));
  EXPECT_EQ(Duration(" 5s "), seconds(5));
}

TEST(ParseDurationTest, ZeroNeedsNoUnit) {
  EXPECT_EQ(Duration("0"), nanoseconds::zero());
  EXPECT_EQ(Duration("0s"), nanoseconds::zero());
  EXPECT_EQ(Duration("0h0m"), nanoseconds::zero());
}

TEST(ParseDurationTest, FractionsAreExactAndRoundToNearestNanosecond) {
  EXPECT_EQ(Duration("1.0000000005s"), nanoseconds(1'000'000'001));
  EXPECT_EQ(Duration("1.0000000004s"), nanoseconds(1'000'000'000));
  EXPECT_EQ(Duration("0.1s"), milliseconds(100));
  EXPECT_EQ(Duration("1.000000001h"), hours(1) + nanoseconds(3600));
}

TEST(ParseDurationTest, LimitsOfNanoseconds) {
  EXPECT_EQ(Duration("2562047h47m16.854775807s"), nanoseconds::max());
  EXPECT_EQ(Duration("9223372036854775807ns"), nanoseconds::max());
}

TEST(ParseDurationTest, EmptyIsAnError) {
  const Status status = DurationError("");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("duration \"\""), HasSubstr("empty")));
  EXPECT_THAT(DurationError(" ").message(), AllOf(HasSubstr("\" \""), HasSubstr("empty")));
}

TEST(ParseDurationTest, NegativeIsAnError) {
  const Status status = DurationError("-1s");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "duration must not be negative: \"-1s\"");
  EXPECT_EQ(DurationError("-0").code(), StatusCode::kInvalidArgument);
}

TEST(ParseDurationTest, BareNumberOtherThanZeroIsMissingAUnit) {
  for (const char* text : {"30", "0.0", "00", "1.5"}) {
    const Status status = DurationError(text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), AllOf(HasSubstr("\"" + std::string(text) + "\""),
                                        HasSubstr("missing a unit"), HasSubstr("ms, s, m, h")));
  }
  EXPECT_THAT(DurationError("1m30").message(),
              AllOf(HasSubstr("\"1m30\""), HasSubstr("missing a unit after \"30\"")));
}

TEST(ParseDurationTest, MissingNumberIsAnError) {
  const Status status = DurationError("s");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("\"s\""), HasSubstr("missing a number")));
  EXPECT_THAT(DurationError("1hm").message(),
              AllOf(HasSubstr("\"1hm\""), HasSubstr("unknown unit \"hm\"")));
  EXPECT_THAT(DurationError("1h.s").message(),
              AllOf(HasSubstr("\"1h.s\""), HasSubstr("unexpected text \".s\"")));
}

TEST(ParseDurationTest, UnknownUnitIsAnErrorListingValidUnits) {
  for (const char* text : {"5d", "1sec", "1S", "3 s", "1m 30s", "1.5.5s", "2w"}) {
    const Status status = DurationError(text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), HasSubstr("\"" + std::string(text) + "\""));
  }
  EXPECT_THAT(DurationError("5d").message(),
              AllOf(HasSubstr("unknown unit \"d\""), HasSubstr("ns, us, \u00b5s, ms, s, m, h")));
  EXPECT_THAT(DurationError("3 s").message(), HasSubstr("unexpected text \" s\" after \"3\""));
  EXPECT_THAT(DurationError("1m 30s").message(), HasSubstr("unexpected text \" 30s\""));
}

TEST(ParseDurationTest, OverflowIsAnError) {
  for (const char* text : {"3000000h", "2562047h47m16.854775808s", "9223372036854775808ns",
                           "9223372036854775807ns1ns", "99999999999999999999999h"}) {
    const Status status = DurationError(text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), AllOf(HasSubstr("\"" + std::string(text) + "\""),
                                        HasSubstr("exceeds the maximum of 2562047h47m16")));
  }
}

// ---- FormatBytes ------------------------------------------------------------

TEST(FormatBytesTest, SmallCountsInBytes) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1), "1 B");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
}

TEST(FormatBytesTest, ExactMultiplesHaveNoDecimals) {
  EXPECT_EQ(FormatBytes(kKiB), "1 KiB");
  EXPECT_EQ(FormatBytes(24 * kGiB), "24 GiB");
  EXPECT_EQ(FormatBytes(80 * kGiB), "80 GiB");
  EXPECT_EQ(FormatBytes(1023 * kMiB), "1023 MiB");
  EXPECT_EQ(FormatBytes(3 * kTiB), "3 TiB");
  EXPECT_EQ(FormatBytes(kPiB), "1 PiB");
  EXPECT_EQ(FormatBytes(kEiB), "1 EiB");
}

TEST(FormatBytesTest, OtherCountsHaveTwoDecimals) {
  EXPECT_EQ(FormatBytes(kGiB + kGiB / 2), "1.50 GiB");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(1152), "1.13 KiB");  // 1.125 rounds half up.
  EXPECT_EQ(FormatBytes(kGiB + 1), "1.00 GiB");
  EXPECT_EQ(FormatBytes(80'000'000'000), "74.51 GiB");
  EXPECT_EQ(FormatBytes(kEiB + kEiB / 4), "1.25 EiB");
}

TEST(FormatBytesTest, RoundingUpCarriesIntoTheNextUnit) {
  EXPECT_EQ(FormatBytes(kMiB - 1), "1.00 MiB");
  EXPECT_EQ(FormatBytes(2 * kKiB - 1), "2.00 KiB");
  EXPECT_EQ(FormatBytes(kMaxBytes), "16.00 EiB");
}

TEST(FormatBytesTest, ExactMultiplesReadBack) {
  for (const uint64_t bytes :
       {uint64_t{0}, uint64_t{999}, kKiB, 7 * kMiB, 24 * kGiB, 5 * kTiB, kPiB, 15 * kEiB}) {
    EXPECT_EQ(Bytes(FormatBytes(bytes)), bytes) << FormatBytes(bytes);
  }
}

// ---- FormatDuration ---------------------------------------------------------

TEST(FormatDurationTest, GoStyle) {
  EXPECT_EQ(FormatDuration(nanoseconds::zero()), "0s");
  EXPECT_EQ(FormatDuration(nanoseconds(1)), "1ns");
  EXPECT_EQ(FormatDuration(nanoseconds(999)), "999ns");
  EXPECT_EQ(FormatDuration(nanoseconds(1500)), "1.5us");
  EXPECT_EQ(FormatDuration(microseconds(250)), "250us");
  EXPECT_EQ(FormatDuration(milliseconds(1)), "1ms");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(microseconds(2500)), "2.5ms");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(seconds(1) + nanoseconds(1)), "1.000000001s");
  EXPECT_EQ(FormatDuration(seconds(30)), "30s");
  EXPECT_EQ(FormatDuration(seconds(60)), "1m0s");
  EXPECT_EQ(FormatDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(hours(1)), "1h0m0s");
  EXPECT_EQ(FormatDuration(hours(1) + minutes(2) + milliseconds(3500)), "1h2m3.5s");
  EXPECT_EQ(FormatDuration(hours(48)), "48h0m0s");
}

TEST(FormatDurationTest, Negative) {
  EXPECT_EQ(FormatDuration(seconds(-2)), "-2s");
  EXPECT_EQ(FormatDuration(milliseconds(-1500)), "-1.5s");
  EXPECT_EQ(FormatDuration(nanoseconds(-5)), "-5ns");
}

TEST(FormatDurationTest, Limits) {
  EXPECT_EQ(FormatDuration(nanoseconds::max()), "2562047h47m16.854775807s");
  EXPECT_EQ(FormatDuration(nanoseconds::min()), "-2562047h47m16.854775808s");
}

TEST(FormatDurationTest, ReadsBackExactly) {
  for (const nanoseconds duration :
       {nanoseconds(0), nanoseconds(1), nanoseconds(1500), nanoseconds(999'999'999),
        nanoseconds(1'000'000'001), nanoseconds(59'999'999'999), nanoseconds(3'723'500'000'000),
        nanoseconds(86'400'000'000'123), nanoseconds::max()}) {
    EXPECT_EQ(Duration(FormatDuration(duration)), duration) << FormatDuration(duration);
  }
}

}  // namespace
}  // namespace tessera
