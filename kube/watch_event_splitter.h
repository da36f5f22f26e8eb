// Cuts a watch response body into events. The API server writes one JSON
// event per line, but the body arrives in chunks that bear no relation to the
// lines: an event may span many chunks, a chunk may hold many events, and a
// cut may fall anywhere, inside a multi-byte UTF-8 character too. Splitting at
// the byte '\n' is safe for UTF-8 (no byte of a multi-byte character is
// 0x0A), so the splitter never decodes text and returns each line's bytes
// exactly as sent.

#ifndef TESSERA_KUBE_WATCH_EVENT_SPLITTER_H_
#define TESSERA_KUBE_WATCH_EVENT_SPLITTER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera::kube {

// etcd stores objects of at most 1.5 MiB by default and a watch event holds
// one; the limit leaves room for larger etcd settings while keeping a stream
// that never sends a newline from exhausting memory.
inline constexpr size_t kDefaultMaxWatchEventBytes = size_t{64} << 20;

// Not thread-safe: one stream's reader owns it.
class WatchEventSplitter {
 public:
  explicit WatchEventSplitter(size_t max_event_bytes = kDefaultMaxWatchEventBytes);

  // Consumes `chunk` and appends every line it completes to `lines`, without
  // the '\n' (nor a '\r' before it); blank lines are skipped. Work is linear
  // in the bytes fed, however the stream is cut. ResourceExhausted when a line
  // grows beyond the limit; the splitter is unusable afterwards.
  Status Feed(std::string_view chunk, std::vector<std::string>& lines);

  // At the end of the stream: the unterminated rest, if it holds anything but
  // blanks. Clears it.
  std::optional<std::string> Finish();

  // Bytes of the line being assembled.
  size_t pending_bytes() const { return buffer_.size(); }

 private:
  size_t max_event_bytes_;
  // The incomplete line; bytes before `scanned_` are known to hold no '\n'.
  std::string buffer_;
  size_t scanned_ = 0;
  bool failed_ = false;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_WATCH_EVENT_SPLITTER_H_
