// Bearer tokens, as the agent's and the router's admin APIs take them: read
// from a file a Secret is mounted as, and compared in constant time.

#ifndef TESSERA_BASE_BEARER_TOKEN_H_
#define TESSERA_BASE_BEARER_TOKEN_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera {

inline constexpr size_t kMinimumTokenLength = 16;

// The tokens in `path`: one per line, surrounding blanks and empty lines
// ignored, each at least kMinimumTokenLength characters (a short token is
// guessable). Errors name the file and the line.
StatusOr<std::vector<std::string>> ReadTokenFile(const std::string& path);

// Whether `authorization` (an Authorization header's value) is
// "Bearer <one of tokens>", the scheme in any letter case. Takes the same
// time wherever a token first differs.
bool BearerTokenMatches(std::string_view authorization, const std::vector<std::string>& tokens);

// Compares in time independent of where the strings first differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tessera

#endif  // TESSERA_BASE_BEARER_TOKEN_H_
