#include "benchmarks/engine_sim_capacity/capacity_workload.h"

#include <sstream>

namespace tessera::bench {

std::vector<std::string> EngineFlagArguments() {
  std::vector<std::string> words;
  std::istringstream stream{std::string(kEngineFlags)};
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

int64_t DrawMaxTokens(std::mt19937_64& random, int64_t mean) {
  return std::uniform_int_distribution<int64_t>(mean / 2, mean + mean / 2)(random);
}

}  // namespace tessera::bench
