// The bearer token a KubeClient sends. A static token never changes; a token
// file (a projected service-account token) is rotated by kubelet under the
// running process, so it is re-read at most once per refresh period, as
// client-go's cachingTokenSource does, and at once after a 401.

#ifndef TESSERA_KUBE_BEARER_TOKEN_H_
#define TESSERA_KUBE_BEARER_TOKEN_H_

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"

namespace tessera::kube {

// client-go re-reads token files once a minute; kubelet refreshes projected
// tokens when 80% of their (at least ten-minute) lifetime has passed, so a
// minute is well inside the window in which both the old and new token work.
inline constexpr std::chrono::seconds kTokenRefreshPeriod{60};

// Thread-safe.
class BearerTokenSource {
 public:
  // `token_file` empty means `static_token` always. Otherwise the file's
  // contents, trimmed of surrounding blanks, are the token, and `static_token`
  // is what is sent until the file has been read successfully. `clock` must
  // outlive the source.
  BearerTokenSource(std::string static_token, std::string token_file, const Clock& clock,
                    std::chrono::nanoseconds refresh_period = kTokenRefreshPeriod);

  // The token to send now; empty means send none. Reads the file when it has
  // not been read for a refresh period (or ever). A failed or empty read keeps
  // the previous token: a file being rewritten must not log the process out.
  std::string Token();

  // Re-reads the file now, for when the server has answered 401, and returns
  // the token to send from now on. A caller retries only when that differs
  // from the token that was refused (another thread may already have
  // refreshed it). Without a token file, the static token.
  std::string Refresh();

  // Whether a token file is configured.
  bool rotates() const { return !token_file_.empty(); }

  // The error of the most recent read, OK when it succeeded (or none was due).
  Status last_error() const;

 private:
  // Precondition: mutex_ held.
  void ReadLocked();

  const std::string token_file_;
  const Clock& clock_;
  const std::chrono::nanoseconds refresh_period_;
  mutable std::mutex mutex_;
  std::string token_;
  std::optional<std::chrono::steady_clock::time_point> last_read_;
  Status last_error_;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_BEARER_TOKEN_H_
