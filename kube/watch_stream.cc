#include "kube/watch_stream.h"

#include <utility>

namespace tessera::kube {
namespace {

// Large enough that a typical event arrives in one read, small enough that a
// stream per informer costs little.
constexpr size_t kReadBufferBytes = size_t{64} << 10;

}  // namespace

WatchStream::WatchStream(std::unique_ptr<ResponseBody> body, std::string description,
                         size_t max_event_bytes)
    : body_(std::move(body)),
      description_(std::move(description)),
      splitter_(max_event_bytes),
      buffer_(kReadBufferBytes) {}

WatchStream::~WatchStream() { Stop(); }

void WatchStream::Stop() {
  stopped_.store(true);
  body_->Cancel();
}

Status WatchStream::ReadChunk() {
  auto read = body_->Read(buffer_.data(), buffer_.size());
  if (stopped_.load()) return CancelledError(description_ + ": stopped");
  if (!read.ok()) return read.status().WithContext(description_);
  if (*read == 0) {
    std::optional<std::string> rest = splitter_.Finish();
    if (!rest) {
      finished_ = OkStatus();
      return OkStatus();
    }
    // The server terminates every event with a newline, so an unterminated
    // rest is an event cut short by a dropped connection: resumable, unless
    // it happens to be complete.
    if (ParseWatchEvent(*rest).ok()) {
      pending_.push_back(std::move(*rest));
      finished_ = OkStatus();
      return OkStatus();
    }
    return UnavailableError(description_ + ": the stream ended inside an event (" +
                            std::to_string(rest->size()) + " bytes)");
  }
  std::vector<std::string> lines;
  TESSERA_RETURN_IF_ERROR(
      splitter_.Feed(std::string_view(buffer_.data(), *read), lines).WithContext(description_));
  for (std::string& line : lines) pending_.push_back(std::move(line));
  return OkStatus();
}

StatusOr<std::optional<WatchEvent>> WatchStream::Next() {
  if (stopped_.load()) return CancelledError(description_ + ": stopped");
  while (pending_.empty()) {
    if (finished_) {
      if (finished_->ok()) return std::optional<WatchEvent>();
      return *finished_;
    }
    if (Status status = ReadChunk(); !status.ok()) {
      finished_ = status;
      return status;
    }
  }
  std::string line = std::move(pending_.front());
  pending_.pop_front();
  auto event = ParseWatchEvent(line);
  if (!event.ok()) {
    finished_ = event.status().WithContext(description_);
    pending_.clear();
    return *finished_;
  }
  return std::optional<WatchEvent>(std::move(event).value());
}

}  // namespace tessera::kube
