// A few distinct error messages out of the thousands a saturated load can
// produce: enough to say what went wrong without flooding the report.

#ifndef TESSERA_BENCHMARKS_HARNESS_ERROR_SAMPLES_H_
#define TESSERA_BENCHMARKS_HARNESS_ERROR_SAMPLES_H_

#include <cstddef>
#include <string>
#include <vector>

namespace tessera::bench {

// Keeps the first `limit` distinct messages added to `samples`.
void AddErrorSample(std::vector<std::string>& samples, const std::string& message,
                    size_t limit = 3);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HARNESS_ERROR_SAMPLES_H_
