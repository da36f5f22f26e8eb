#include "cli/bench/sse_event_splitter.h"

namespace tessera::bench {

void SseEventSplitter::AddLine(std::string_view line) {
  if (line.front() == ':') return;  // a comment, e.g. a keep-alive
  const size_t colon = line.find(':');
  if (line.substr(0, colon) != "data") return;
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (has_data_) data_ += '\n';
  data_.append(value);
  has_data_ = true;
}

}  // namespace tessera::bench
