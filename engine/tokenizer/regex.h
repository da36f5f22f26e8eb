// A compiled PCRE2 pattern, as the Split and ByteLevel pre-tokenizers of a
// Hugging Face tokenizer.json use one: Unicode code points and properties
// (PCRE2_UTF | PCRE2_UCP), JIT-compiled where the platform allows.
//
// Immutable after Compile and safe to share between threads: each search owns
// its match data.

#ifndef TESSERA_ENGINE_TOKENIZER_REGEX_H_
#define TESSERA_ENGINE_TOKENIZER_REGEX_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera::tokenizer {

class Regex {
 public:
  // InvalidArgument, with PCRE2's message and the offset of the fault, when
  // `pattern` does not compile. `literal` matches `pattern` as plain text.
  static StatusOr<Regex> Compile(std::string_view pattern, bool literal = false);

  // The [begin, end) byte ranges of the successive non-overlapping,
  // non-empty matches in `text`, leftmost first. Precondition: `text` is
  // valid UTF-8. Should PCRE2 give up on a pathological input (its match
  // limits), the rest of the text is returned as no match.
  std::vector<std::pair<size_t, size_t>> FindAll(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct CodeDeleter {
    void operator()(void* code) const;
  };

  Regex(std::string pattern, void* code, bool jit);

  std::string pattern_;
  std::shared_ptr<void> code_;
  bool jit_ = false;
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_REGEX_H_
