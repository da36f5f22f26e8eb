#include "cli/bench/python_random.h"

#include <algorithm>
#include <array>
#include <bit>

namespace tessera::bench {
namespace {

constexpr size_t kStateWords = 624;

// A seed sequence that writes the state CPython's init_by_array derives
// from `key`, so that std::mt19937 (the reference generator otherwise)
// starts where CPython's does.
class InitByArray {
 public:
  using result_type = uint32_t;

  explicit InitByArray(std::span<const uint32_t> key) : key_(key) {}

  template <typename Iterator>
  void generate(Iterator begin, Iterator /*end*/) const {
    std::array<uint32_t, kStateWords> state{};
    // init_genrand(19650218).
    state[0] = 19650218u;
    for (size_t i = 1; i < kStateWords; ++i) {
      state[i] = 1812433253u * (state[i - 1] ^ (state[i - 1] >> 30)) + static_cast<uint32_t>(i);
    }
    size_t i = 1;
    size_t j = 0;
    for (size_t k = std::max(kStateWords, key_.size()); k > 0; --k) {
      state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) * 1664525u)) + key_[j] +
                 static_cast<uint32_t>(j);
      ++i;
      ++j;
      if (i >= kStateWords) {
        state[0] = state[kStateWords - 1];
        i = 1;
      }
      if (j >= key_.size()) j = 0;
    }
    for (size_t k = kStateWords - 1; k > 0; --k) {
      state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) * 1566083941u)) -
                 static_cast<uint32_t>(i);
      ++i;
      if (i >= kStateWords) {
        state[0] = state[kStateWords - 1];
        i = 1;
      }
    }
    state[0] = 0x80000000u;  // MSB is 1, assuring a non-zero initial state
    std::copy(state.begin(), state.end(), begin);
  }

 private:
  std::span<const uint32_t> key_;
};

}  // namespace

PythonRandom::PythonRandom(uint64_t seed) {
  // CPython seeds with the 32-bit words of abs(seed), least significant
  // first, as many as its bit length needs and at least one (0 is [0]).
  std::array<uint32_t, 2> key{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  InitByArray sequence(std::span<const uint32_t>(key.data(), key[1] == 0 ? 1 : 2));
  engine_.seed(sequence);
}

uint32_t PythonRandom::NextWord() {
  // std::mt19937's result type may be wider than its 32 bits of output.
  return static_cast<uint32_t>(engine_());
}

double PythonRandom::Random() {
  const uint32_t high = NextWord() >> 5;
  const uint32_t low = NextWord() >> 6;
  return (high * 67108864.0 + low) * (1.0 / 9007199254740992.0);
}

uint64_t PythonRandom::GetRandBits(int bits) {
  if (bits <= 0) return 0;
  if (bits <= 32) return NextWord() >> (32 - bits);
  const uint64_t low = NextWord();
  const uint64_t high = NextWord() >> (64 - bits);
  return (high << 32) | low;
}

uint64_t PythonRandom::RandBelow(uint64_t n) {
  const auto bits = static_cast<int>(std::bit_width(n));
  uint64_t value = GetRandBits(bits);
  while (value >= n) value = GetRandBits(bits);
  return value;
}

}  // namespace tessera::bench
