// Encodes a canvas as a PNG file: 8-bit RGB, one IDAT chunk compressed with
// zlib, no filtering.

#ifndef TESSERA_CLI_BENCH_CHART_PNG_ENCODER_H_
#define TESSERA_CLI_BENCH_CHART_PNG_ENCODER_H_

#include <string>

#include "base/status.h"
#include "cli/bench/chart/canvas.h"

namespace tessera::bench::chart {

// The file's bytes. Internal when zlib fails.
StatusOr<std::string> EncodePng(const Canvas& canvas);

}  // namespace tessera::bench::chart

#endif  // TESSERA_CLI_BENCH_CHART_PNG_ENCODER_H_
