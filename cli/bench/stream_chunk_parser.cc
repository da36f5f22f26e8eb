#include "cli/bench/stream_chunk_parser.h"

#include <simdjson.h>

namespace tessera::bench {
namespace ondemand = simdjson::ondemand;

struct StreamChunkParser::Impl {
  ondemand::parser parser;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input.
  std::string padded;
};

StreamChunkParser::StreamChunkParser() : impl_(std::make_unique<Impl>()) {}
StreamChunkParser::~StreamChunkParser() = default;

namespace {

bool Failed(simdjson::error_code error) { return error != simdjson::SUCCESS; }

// The string at `value` (null or absent reads as empty).
simdjson::error_code AppendString(ondemand::value value, std::string& out) {
  bool is_null = false;
  if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) return simdjson::SUCCESS;
  std::string_view text;
  if (const auto error = value.get_string().get(text); Failed(error)) return error;
  out.append(text);
  return simdjson::SUCCESS;
}

simdjson::error_code ReadChoices(ondemand::array choices, StreamChunk& chunk) {
  for (auto element : choices) {
    ondemand::object choice;
    if (const auto error = element.get_object().get(choice); Failed(error)) return error;
    const bool first = !chunk.has_choices;
    chunk.has_choices = true;
    if (!first) continue;  // n = 1: only the first choice carries text
    for (auto field : choice) {
      std::string_view key;
      if (const auto error = field.unescaped_key().get(key); Failed(error)) return error;
      ondemand::value value;
      if (const auto error = field.value().get(value); Failed(error)) return error;
      if (key == "text") {
        if (const auto error = AppendString(value, chunk.text); Failed(error)) return error;
      } else if (key == "delta") {
        ondemand::object delta;
        if (value.get_object().get(delta) != simdjson::SUCCESS) continue;
        ondemand::value content;
        if (delta.find_field_unordered("content").get(content) == simdjson::SUCCESS) {
          if (const auto error = AppendString(content, chunk.text); Failed(error)) return error;
        }
      }
    }
  }
  return simdjson::SUCCESS;
}

simdjson::error_code ReadUsage(ondemand::object usage, StreamChunk& chunk) {
  for (auto field : usage) {
    std::string_view key;
    ondemand::value value;
    if (const auto error = field.unescaped_key().get(key); Failed(error)) return error;
    if (const auto error = field.value().get(value); Failed(error)) return error;
    int64_t count = 0;
    if (key == "prompt_tokens" && value.get_int64().get(count) == simdjson::SUCCESS) {
      chunk.prompt_tokens = count;
    } else if (key == "completion_tokens" && value.get_int64().get(count) == simdjson::SUCCESS) {
      chunk.completion_tokens = count;
    }
  }
  return simdjson::SUCCESS;
}

std::string ErrorMessage(ondemand::value error) {
  ondemand::object object;
  if (error.get_object().get(object) == simdjson::SUCCESS) {
    std::string_view message;
    if (object.find_field_unordered("message").get_string().get(message) == simdjson::SUCCESS) {
      return std::string(message);
    }
    return "the server reported an error";
  }
  std::string_view text;
  if (error.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  return "the server reported an error";
}

// Calls `read_field(key, value, chunk)` for each top-level field of the JSON
// object `data`; InvalidArgument quoting the event when it is not one, or
// when a field reads wrongly.
template <typename ReadField>
StatusOr<StreamChunk> ParseObject(ondemand::parser& parser, std::string& padded,
                                  std::string_view data, ReadField&& read_field) {
  padded.assign(data);
  padded.resize(data.size() + simdjson::SIMDJSON_PADDING);
  const auto invalid = [&] {
    constexpr size_t kQuoted = 200;
    return InvalidArgumentError("stream event is not a JSON object: " +
                                std::string(data.substr(0, kQuoted)));
  };
  ondemand::document document;
  if (Failed(parser.iterate(padded.data(), data.size(), padded.size()).get(document))) {
    return invalid();
  }
  ondemand::object object;
  if (Failed(document.get_object().get(object))) return invalid();
  StreamChunk chunk;
  for (auto field : object) {
    std::string_view key;
    ondemand::value value;
    if (Failed(field.unescaped_key().get(key)) || Failed(field.value().get(value))) {
      return invalid();
    }
    if (Failed(read_field(key, value, chunk))) return invalid();
  }
  return chunk;
}

}  // namespace

StatusOr<StreamChunk> StreamChunkParser::Parse(std::string_view data) {
  return ParseObject(impl_->parser, impl_->padded, data,
                     [](std::string_view key, ondemand::value value, StreamChunk& chunk) {
                       if (key == "choices") {
                         ondemand::array choices;
                         if (const auto error = value.get_array().get(choices); Failed(error))
                           return error;
                         return ReadChoices(choices, chunk);
                       }
                       if (key == "usage") {
                         ondemand::object usage;
                         // "usage": null on the content chunks of some servers.
                         if (value.get_object().get(usage) == simdjson::SUCCESS)
                           return ReadUsage(usage, chunk);
                       } else if (key == "error") {
                         chunk.error = ErrorMessage(value);
                       }
                       return simdjson::SUCCESS;
                     });
}

StatusOr<StreamChunk> StreamChunkParser::ParseGenerate(std::string_view data) {
  StatusOr<StreamChunk> parsed =
      ParseObject(impl_->parser, impl_->padded, data,
                  [](std::string_view key, ondemand::value value, StreamChunk& chunk) {
                    if (key == "text") {
                      if (const auto error = AppendString(value, chunk.text); Failed(error))
                        return error;
                      // SGLang's client times an event only when its text is not empty.
                      chunk.has_choices = !chunk.text.empty();
                    } else if (key == "meta_info") {
                      // Its prompt_tokens and completion_tokens, as usage's.
                      ondemand::object meta_info;
                      if (value.get_object().get(meta_info) == simdjson::SUCCESS) {
                        return ReadUsage(meta_info, chunk);
                      }
                    } else if (key == "error") {
                      chunk.error = ErrorMessage(value);
                    }
                    return simdjson::SUCCESS;
                  });
  if (parsed.ok()) parsed->cumulative_text = true;
  return parsed;
}

}  // namespace tessera::bench
