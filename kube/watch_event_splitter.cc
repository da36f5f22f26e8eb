#include "kube/watch_event_splitter.h"

namespace tessera::kube {
namespace {

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

WatchEventSplitter::WatchEventSplitter(size_t max_event_bytes)
    : max_event_bytes_(max_event_bytes) {}

Status WatchEventSplitter::Feed(std::string_view chunk, std::vector<std::string>& lines) {
  if (failed_) return FailedPreconditionError("watch stream: the splitter has already failed");
  buffer_.append(chunk);
  size_t start = 0;
  while (true) {
    const size_t newline = buffer_.find('\n', scanned_);
    if (newline == std::string::npos) break;
    size_t end = newline;
    if (end > start && buffer_[end - 1] == '\r') --end;
    const std::string_view line(buffer_.data() + start, end - start);
    if (!IsBlank(line)) lines.emplace_back(line);
    start = newline + 1;
    scanned_ = start;
  }
  // One erase per chunk keeps the work linear: a line spread over many small
  // chunks is never moved more than once per chunk.
  buffer_.erase(0, start);
  scanned_ = buffer_.size();
  if (buffer_.size() > max_event_bytes_) {
    failed_ = true;
    buffer_.clear();
    scanned_ = 0;
    return ResourceExhaustedError("watch stream: an event is larger than " +
                                  std::to_string(max_event_bytes_) + " bytes");
  }
  return OkStatus();
}

std::optional<std::string> WatchEventSplitter::Finish() {
  std::string rest;
  rest.swap(buffer_);
  scanned_ = 0;
  if (IsBlank(rest)) return std::nullopt;
  return rest;
}

}  // namespace tessera::kube
