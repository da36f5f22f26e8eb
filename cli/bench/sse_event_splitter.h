// Splits a text/event-stream body, fed in pieces as they arrive, into the
// data of each event. Lines of one event are joined with "\n"; comment lines
// (":") and fields other than data are skipped; CRLF line ends are
// accepted.

#ifndef TESSERA_CLI_BENCH_SSE_EVENT_SPLITTER_H_
#define TESSERA_CLI_BENCH_SSE_EVENT_SPLITTER_H_

#include <string>
#include <string_view>

namespace tessera::bench {

class SseEventSplitter {
 public:
  // Calls `on_event(std::string_view data)` for each event completed by
  // `piece`. The view is valid only during the call.
  template <typename OnEvent>
  void Feed(std::string_view piece, OnEvent&& on_event) {
    buffer_.append(piece);
    size_t start = 0;
    for (size_t end; (end = buffer_.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string_view line(buffer_.data() + start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        if (has_data_) on_event(std::string_view(data_));
        data_.clear();
        has_data_ = false;
      } else {
        AddLine(line);
      }
    }
    buffer_.erase(0, start);
  }

  // Bytes of an unfinished line or event.
  bool has_pending() const { return !buffer_.empty() || has_data_; }

 private:
  void AddLine(std::string_view line);

  std::string buffer_;  // the unfinished line
  std::string data_;    // the data of the unfinished event
  bool has_data_ = false;
};

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_SSE_EVENT_SPLITTER_H_
