#include "kube/bearer_token.h"

#include <utility>

#include "base/file.h"

namespace tessera::kube {

BearerTokenSource::BearerTokenSource(std::string static_token, std::string token_file,
                                     const Clock& clock, std::chrono::nanoseconds refresh_period)
    : token_file_(std::move(token_file)),
      clock_(clock),
      refresh_period_(refresh_period),
      token_(std::move(static_token)) {}

std::string BearerTokenSource::Token() {
  const std::lock_guard lock(mutex_);
  if (!token_file_.empty() && (!last_read_ || clock_.Now() - *last_read_ >= refresh_period_)) {
    ReadLocked();
  }
  return token_;
}

std::string BearerTokenSource::Refresh() {
  const std::lock_guard lock(mutex_);
  if (!token_file_.empty()) ReadLocked();
  return token_;
}

Status BearerTokenSource::last_error() const {
  const std::lock_guard lock(mutex_);
  return last_error_;
}

void BearerTokenSource::ReadLocked() {
  // A failed read counts as a read: retrying on every request would turn a
  // missing file into a stat per request.
  last_read_ = clock_.Now();
  auto contents = ReadFile(token_file_, size_t{1} << 20);
  if (!contents.ok()) {
    last_error_ = contents.status().WithContext("token file");
    return;
  }
  const std::string& text = *contents;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    last_error_ = InvalidArgumentError("token file " + token_file_ + ": is empty");
    return;
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  token_ = text.substr(first, last - first + 1);
  last_error_ = OkStatus();
}

}  // namespace tessera::kube
