// The two Unicode steps around a byte-level tokenizer: making input valid
// UTF-8 the way Rust's String::from_utf8_lossy does (which is how Hugging Face
// `tokenizers` turns decoded bytes into text), and the Unicode normalization
// forms a tokenizer.json's normalizer may ask for, through ICU.

#ifndef TESSERA_ENGINE_TOKENIZER_UNICODE_TEXT_H_
#define TESSERA_ENGINE_TOKENIZER_UNICODE_TEXT_H_

#include <string>
#include <string_view>

namespace tessera::tokenizer {

// True when every byte is below 0x80.
bool IsAscii(std::string_view text);

// True when `text` is well-formed UTF-8 (no surrogates, no overlong forms).
bool IsValidUtf8(std::string_view text);

// `text` with each maximal ill-formed subsequence replaced by U+FFFD, as
// Rust's String::from_utf8_lossy and the WHATWG decoder do.
std::string ToValidUtf8(std::string_view text);

enum class NormalizationForm { kNfc, kNfd, kNfkc, kNfkd };

// `text` (valid UTF-8) in the given normalization form. ASCII text is its own
// normal form in all four and is returned without a round trip through ICU.
std::string Normalize(NormalizationForm form, std::string_view text);

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_UNICODE_TEXT_H_
