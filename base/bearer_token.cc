#include "base/bearer_token.h"

#include <algorithm>

#include "base/file.h"
#include "base/strings.h"

namespace tessera {

StatusOr<std::vector<std::string>> ReadTokenFile(const std::string& path) {
  StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  std::vector<std::string> tokens;
  std::string_view rest = *text;
  for (int line = 1; !rest.empty(); ++line) {
    const size_t end = std::min(rest.find('\n'), rest.size());
    const std::string_view token = TrimWhitespace(rest.substr(0, end));
    rest.remove_prefix(std::min(end + 1, rest.size()));
    if (token.empty()) continue;
    if (token.size() < kMinimumTokenLength) {
      return InvalidArgumentError(path + ":" + std::to_string(line) +
                                  ": a token must be at least " +
                                  std::to_string(kMinimumTokenLength) + " characters");
    }
    tokens.emplace_back(token);
  }
  if (tokens.empty()) return InvalidArgumentError(path + ": holds no token");
  return tokens;
}

bool BearerTokenMatches(std::string_view authorization, const std::vector<std::string>& tokens) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size() ||
      AsciiLower(authorization.substr(0, kScheme.size())) != kScheme) {
    return false;
  }
  const std::string_view presented = authorization.substr(kScheme.size());
  bool matched = false;
  for (const std::string& token : tokens) matched |= ConstantTimeEquals(presented, token);
  return matched;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Every byte of the longer string is visited whatever the inputs.
  const size_t length = std::max(a.size(), b.size());
  unsigned difference = a.size() == b.size() ? 0U : 1U;
  for (size_t i = 0; i < length; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    difference |= static_cast<unsigned>(x ^ y);
  }
  return difference == 0;
}

StatusOr<TokenFile> TokenFile::Open(std::string path, const Clock& clock,
                                    std::chrono::nanoseconds reread_after) {
  StatusOr<std::vector<std::string>> tokens = ReadTokenFile(path);
  if (!tokens.ok()) return tokens.status();
  return TokenFile(std::move(path), clock, reread_after, *std::move(tokens));
}

TokenFile::TokenFile(std::string path, const Clock& clock, std::chrono::nanoseconds reread_after,
                     std::vector<std::string> tokens)
    : path_(std::move(path)),
      clock_(&clock),
      reread_after_(reread_after),
      tokens_(std::move(tokens)),
      read_at_(clock.Now()) {}

bool TokenFile::Accepts(std::string_view authorization) {
  if (BearerTokenMatches(authorization, tokens_)) return true;
  const auto now = clock_->Now();
  if (now - read_at_ < reread_after_) return false;
  read_at_ = now;
  StatusOr<std::vector<std::string>> tokens = ReadTokenFile(path_);
  if (!tokens.ok()) return false;
  tokens_ = *std::move(tokens);
  return BearerTokenMatches(authorization, tokens_);
}

}  // namespace tessera
