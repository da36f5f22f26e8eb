#include "engine/tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <array>
#include <utility>

#include <pcre2.h>

namespace tessera::tokenizer {
namespace {

pcre2_code* AsCode(void* code) { return static_cast<pcre2_code*>(code); }

std::string ErrorText(int error_code) {
  std::array<PCRE2_UCHAR, 256> buffer{};
  const int length = pcre2_get_error_message(error_code, buffer.data(), buffer.size());
  if (length < 0) return "PCRE2 error " + std::to_string(error_code);
  return {reinterpret_cast<const char*>(buffer.data()), static_cast<size_t>(length)};
}

// Frees the match data whatever way the search ends.
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

size_t NextCodePointStart(std::string_view text, size_t at) {
  ++at;
  while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0u) == 0x80u) ++at;
  return at;
}

// Unicode's White_Space property, which Oniguruma's \s (the regex engine of
// `tokenizers`) matches. PCRE2's \s under PCRE2_UCP also matches U+180E
// MONGOLIAN VOWEL SEPARATOR (through \h), which is no longer whitespace.
constexpr std::string_view kWhiteSpace =
    R"(\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// `pattern` with \s and \S spelled as the White_Space class. A \S inside a
// character class cannot be spelled so and stays as PCRE2's (it then differs
// only on U+180E).
std::string WithOnigurumaWhitespace(std::string_view pattern) {
  std::string rewritten;
  rewritten.reserve(pattern.size() + 64);
  bool in_class = false;
  size_t at = 0;
  while (at < pattern.size()) {
    const char c = pattern[at];
    if (c == '\\' && at + 1 < pattern.size()) {
      const char next = pattern[at + 1];
      if (next == 's') {
        rewritten += in_class ? std::string(kWhiteSpace) : "[" + std::string(kWhiteSpace) + "]";
      } else if (next == 'S' && !in_class) {
        rewritten += "[^" + std::string(kWhiteSpace) + "]";
      } else {
        rewritten += pattern.substr(at, 2);
      }
      at += 2;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      rewritten += c;
      ++at;
      // A ']' right after '[' or '[^' is a literal member.
      if (at < pattern.size() && pattern[at] == '^') rewritten += pattern[at++];
      if (at < pattern.size() && pattern[at] == ']') rewritten += pattern[at++];
      continue;
    }
    if (in_class && c == '[' && at + 1 < pattern.size() && pattern[at + 1] == ':') {
      // A POSIX class such as [:alpha:] inside a class.
      const size_t close = pattern.find(":]", at + 2);
      if (close != std::string_view::npos) {
        rewritten += pattern.substr(at, close + 2 - at);
        at = close + 2;
        continue;
      }
    }
    if (in_class && c == ']') in_class = false;
    rewritten += c;
    ++at;
  }
  return rewritten;
}

}  // namespace

void Regex::CodeDeleter::operator()(void* code) const { pcre2_code_free(AsCode(code)); }

Regex::Regex(std::string pattern, void* code, bool jit)
    : pattern_(std::move(pattern)), code_(code, CodeDeleter{}), jit_(jit) {}

StatusOr<Regex> Regex::Compile(std::string_view pattern, bool literal) {
  const std::string compiled = literal ? std::string(pattern) : WithOnigurumaWhitespace(pattern);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  uint32_t options = PCRE2_UTF | PCRE2_UCP;
  if (literal) options |= PCRE2_LITERAL;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(),
                                   options, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    // Where the fault is in the pattern as written: compile that one for the
    // offset (the rewriting moves what follows a \s).
    if (pcre2_code* original =
            pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                          &error_code, &error_offset, nullptr)) {
      pcre2_code_free(original);
    }
    return InvalidArgumentError("does not compile as a PCRE2 pattern: " + ErrorText(error_code) +
                                " at offset " + std::to_string(error_offset));
  }
  // Without JIT (an unsupported platform) the interpreter gives the same
  // matches, only slower.
  const bool jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return Regex(std::string(pattern), code, jit);
}

std::vector<std::pair<size_t, size_t>> Regex::FindAll(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  pcre2_code* code = AsCode(code_.get());
  const std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(
      pcre2_match_data_create_from_pattern(code, nullptr));
  if (data == nullptr) return matches;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t offset = 0;
  while (offset < text.size()) {
    int result = jit_ ? pcre2_jit_match(code, subject, text.size(), offset, 0, data.get(), nullptr)
                      : pcre2_match(code, subject, text.size(), offset, PCRE2_NO_UTF_CHECK,
                                    data.get(), nullptr);
    if (result == PCRE2_ERROR_JIT_STACKLIMIT) {
      // The interpreter keeps its backtracking on the heap, which goes deeper
      // than JIT's default stack.
      result = pcre2_match(code, subject, text.size(), offset, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                           data.get(), nullptr);
    }
    if (result < 0) break;  // No further match, or PCRE2 gave up.
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    const size_t begin = ovector[0];
    const size_t end = ovector[1];
    if (end <= begin) {
      // An empty match selects nothing; the search resumes one code point on,
      // as Oniguruma's find_iter does.
      offset = NextCodePointStart(text, begin);
      continue;
    }
    matches.emplace_back(begin, end);
    offset = end;
  }
  return matches;
}

}  // namespace tessera::tokenizer
