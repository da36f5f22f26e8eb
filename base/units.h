// Byte sizes and durations as people write them in flags and manifests
// ("24GiB", "80Gi", "1m30s"), and back into text for humans.

#ifndef TESSERA_BASE_UNITS_H_
#define TESSERA_BASE_UNITS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera {

// Parses a byte count: a non-negative decimal number, optionally followed by
// blanks and a unit.
//
//   no unit, B                    bytes
//   kB KB MB GB TB PB EB          powers of 1000 (SI)
//   KiB MiB GiB TiB PiB EiB       powers of 1024 (IEC); these alone are also
//                                 accepted in any letter case ("gib", "GIB")
//   k M G T P E                   Kubernetes decimal quantity suffixes
//   Ki Mi Gi Ti Pi Ei             Kubernetes binary quantity suffixes
//
// Every other spelling is rejected rather than guessed at: "gb", "Mb" and "K"
// could mean bits or the other base, and a silently wrong memory size is worse
// than an error. The exa units go beyond what most inputs need but make every
// FormatBytes() output parseable.
//
// Fractions are allowed ("1.5GiB") and the result is rounded to the nearest
// byte, halves up. The arithmetic is exact decimal, never floating point, so
// "24GiB" is exactly 25769803776 and "0.1GB" exactly 100000000.
// Blanks around the whole text are ignored.
//
// Errors are InvalidArgument and quote the input: empty text, a sign of "-",
// a missing number, an unknown unit (listing the valid ones), text after the
// unit, or a value above 2^64 - 1 bytes.
StatusOr<uint64_t> ParseByteSize(std::string_view text);

// Parses a Go-style duration: one or more <number><unit> terms with no blanks
// between them, e.g. "30s", "1.5s", "1h2m3.5s", "250us". Units: ns, us (also
// µs), ms, s, m, h. A bare "0" means zero; any other number without a unit is
// an error, since "30" could mean seconds or milliseconds. Fractions are exact
// and rounded to the nearest nanosecond. Blanks around the whole text are
// ignored.
//
// Errors are InvalidArgument and quote the input: empty text, a negative sign,
// a missing unit or number, an unknown unit, or a total beyond the ~292 years
// that std::chrono::nanoseconds can hold.
StatusOr<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Formats a byte count for humans in binary units: "512 B", "24 GiB" when the
// count is an exact multiple of the unit, otherwise two decimals rounded to
// nearest, "1.50 GiB". The unit is the largest that keeps the number >= 1.
// ParseByteSize() accepts the result (up to that rounding).
std::string FormatBytes(uint64_t bytes);

// Formats a duration the way Go does, which ParseDuration() reads back
// exactly: "0s", "250ms", "1.5s", "1m30s", "1h0m0s", "-2s". Sub-second values
// use the largest of ns, us, ms that keeps the number >= 1, with as many
// decimals as needed and no trailing zeros. Microseconds are written "us"
// rather than Go's "µs" to keep logs and terminals ASCII.
std::string FormatDuration(std::chrono::nanoseconds duration);

}  // namespace tessera

#endif  // TESSERA_BASE_UNITS_H_
