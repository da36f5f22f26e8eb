// Bearer tokens, as the agent's and the router's admin APIs take them: read
// from a file a Secret is mounted as, and compared in constant time.

#ifndef TESSERA_BASE_BEARER_TOKEN_H_
#define TESSERA_BASE_BEARER_TOKEN_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
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

// The tokens of a file a Secret is mounted as, followed across rotations: a
// bearer header that matches none of the tokens read makes the file be read
// again (at most once per `reread_after`), so a process whose token was
// rotated under it — a router the agent re-adopted after restarting with a
// new token — accepts the new one without a restart. A read that fails
// keeps the tokens it had. Not thread-safe.
class TokenFile {
 public:
  // Reads `path`; errors as ReadTokenFile(). `clock` must outlive the file.
  static StatusOr<TokenFile> Open(std::string path, const Clock& clock,
                                  std::chrono::nanoseconds reread_after = std::chrono::seconds(1));

  // Whether `authorization` carries one of the tokens, reading the file
  // again first when it does not and the last read is old enough.
  bool Accepts(std::string_view authorization);

 private:
  TokenFile(std::string path, const Clock& clock, std::chrono::nanoseconds reread_after,
            std::vector<std::string> tokens);

  std::string path_;
  const Clock* clock_;
  std::chrono::nanoseconds reread_after_;
  std::vector<std::string> tokens_;
  std::chrono::steady_clock::time_point read_at_;
};

}  // namespace tessera

#endif  // TESSERA_BASE_BEARER_TOKEN_H_
