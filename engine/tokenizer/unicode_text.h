// The two Unicode steps around a byte-level tokenizer: making input valid
// UTF-8 the way Rust's String::from_utf8_lossy does (which is how Hugging Face
// `tokenizers` turns decoded bytes into text), and the Unicode normalization
// forms a tokenizer.json's normalizer may ask for, through ICU.

#ifndef TESSERA_ENGINE_TOKENIZER_UNICODE_TEXT_H_
#define TESSERA_ENGINE_TOKENIZER_UNICODE_TEXT_H_

#include <cstddef>
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

// Where the run of whitespace (Unicode White_Space) that ends `text` begins;
// text.size() when `text` does not end in whitespace.
size_t TrailingWhiteSpaceStart(std::string_view text);

// The length of the run of whitespace that begins `text`.
size_t LeadingWhiteSpaceLength(std::string_view text);

// Whether the first (last) code point of `text` is a word character as the
// Rust regex crate's \w has it: Alphabetic, a mark, a decimal digit, a
// connector punctuation or a join control.
bool StartsWithWordCharacter(std::string_view text);
bool EndsWithWordCharacter(std::string_view text);

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_UNICODE_TEXT_H_
