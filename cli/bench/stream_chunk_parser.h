// Reads the fields a benchmark needs from one streamed OpenAI chunk
// (completions or chat) or SGLang /generate event: whether it carries
// output, the text, the token counts, or the error it reports. Uses simdjson's on-demand parser,
// which touches only those fields: at 100,000 chunks a second, a full DOM parse would cost the
// client a large share of its core.

#ifndef TESSERA_CLI_BENCH_STREAM_CHUNK_PARSER_H_
#define TESSERA_CLI_BENCH_STREAM_CHUNK_PARSER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::bench {

struct StreamChunk {
  bool has_choices = false;  // a non-empty "choices" list; for /generate, non-empty text
  std::string text;          // choices[0].text, or choices[0].delta.content
  // /generate's text is all the output so far, not this event's addition.
  bool cumulative_text = false;
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> completion_tokens;
  std::optional<std::string> error;  // the server reported a failure mid-stream
};

class StreamChunkParser {
 public:
  StreamChunkParser();
  StreamChunkParser(const StreamChunkParser&) = delete;
  StreamChunkParser& operator=(const StreamChunkParser&) = delete;
  ~StreamChunkParser();

  // InvalidArgument when `data` is not a JSON object.
  StatusOr<StreamChunk> Parse(std::string_view data);
  // One event of SGLang's native /generate stream: "text" (cumulative),
  // "meta_info" (prompt_tokens, completion_tokens), or "error".
  StatusOr<StreamChunk> ParseGenerate(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_STREAM_CHUNK_PARSER_H_
