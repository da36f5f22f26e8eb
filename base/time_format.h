// RFC 3339 timestamps, as Kubernetes writes them: metav1.Time in whole
// seconds ("2026-12-02T10:00:00Z") and metav1.MicroTime with six fractional
// digits ("2026-12-02T10:00:00.123456Z"), both in UTC; and with three, as
// log lines carry them. Formatting truncates, so that nothing appears to
// happen later than it did.

#ifndef TESSERA_BASE_TIME_FORMAT_H_
#define TESSERA_BASE_TIME_FORMAT_H_

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera {

// "2026-12-02T10:00:00Z"; the fraction of a second is dropped.
std::string FormatRfc3339(std::chrono::system_clock::time_point time);

// "2026-12-02T10:00:00.123Z".
std::string FormatRfc3339Millis(std::chrono::system_clock::time_point time);

// "2026-12-02T10:00:00.123456Z".
std::string FormatRfc3339Micros(std::chrono::system_clock::time_point time);

// Reads either form above, any number of fractional digits (nanoseconds kept),
// and a "Z" or "+hh:mm"/"-hh:mm" offset. InvalidArgument quotes the text.
StatusOr<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

}  // namespace tessera

#endif  // TESSERA_BASE_TIME_FORMAT_H_
