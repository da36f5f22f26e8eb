// Random text of a known number of tokens under a given tokenizer: prompts
// the benchmark client builds, and the output the engine simulator streams.

#ifndef TESSERA_ENGINE_TOKENIZER_TEXT_GENERATOR_H_
#define TESSERA_ENGINE_TOKENIZER_TEXT_GENERATOR_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "engine/tokenizer/tokenizer.h"

namespace tessera::tokenizer {

class TextGenerator {
 public:
  TextGenerator(std::shared_ptr<const Tokenizer> tokenizer, uint64_t seed);

  // `count` random word pieces: tokenizer.CountTokens(Words(n)) == n. The
  // text begins with a space, as a run of a BPE vocabulary's words does.
  std::string Words(int64_t count);

  // One token of output as an engine streams it.
  const WordPiece& NextOutputToken();

  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::mt19937_64 random_;
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_TEXT_GENERATOR_H_
