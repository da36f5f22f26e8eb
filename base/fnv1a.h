// FNV-1a, 64 bits: a hash that is the same on every platform, build and run,
// for names and fingerprints that must survive a restart (std::hash need
// not).

#ifndef TESSERA_BASE_FNV1A_H_
#define TESSERA_BASE_FNV1A_H_

#include <cstdint>
#include <string_view>

namespace tessera {

constexpr uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace tessera

#endif  // TESSERA_BASE_FNV1A_H_
