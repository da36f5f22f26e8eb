#include "benchmarks/harness/error_samples.h"

#include <algorithm>

namespace tessera::bench {

void AddErrorSample(std::vector<std::string>& samples, const std::string& message, size_t limit) {
  if (samples.size() >= limit) return;
  if (std::find(samples.begin(), samples.end(), message) == samples.end()) {
    samples.push_back(message);
  }
}

}  // namespace tessera::bench
