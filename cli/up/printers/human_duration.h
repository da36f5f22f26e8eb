// How long ago something happened, as kubectl's AGE column writes it.

#ifndef TESSERA_CLI_UP_PRINTERS_HUMAN_DURATION_H_
#define TESSERA_CLI_UP_PRINTERS_HUMAN_DURATION_H_

#include <chrono>
#include <string>
#include <string_view>

namespace tessera::cli {

// kubectl's rounding (apimachinery's duration.HumanDuration), so that ages
// read the same in `tessera get` as in `kubectl get`: "45s" and "119s" under
// two minutes, "5m30s" under ten, "42m" under three hours, "5h20m" under
// eight, "20h" under two days, "3d4h" under eight, "120d" under two years,
// "2y30d" under eight, then "9y". A duration just below zero (a clock a
// second ahead) is "0s"; further below, "<invalid>".
std::string HumanDuration(std::chrono::nanoseconds duration);

// The age of an RFC 3339 timestamp at `now`: HumanDuration(now - time), or
// "-" when `time` is empty or not RFC 3339.
std::string AgeSince(std::string_view time, std::chrono::system_clock::time_point now);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_PRINTERS_HUMAN_DURATION_H_
