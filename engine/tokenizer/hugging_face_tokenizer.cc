#include "engine/tokenizer/hugging_face_tokenizer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <utility>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "base/file.h"
#include "engine/tokenizer/byte_level.h"

namespace tessera::tokenizer {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr std::string_view kSupported =
    "Tessera reads byte-level BPE tokenizers (Llama 3, Qwen, DeepSeek, GPT-2)";

// GPT-2's pre-tokenizer pattern, which ByteLevel applies when use_regex.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Ids beyond this would make the id-indexed tables of a malformed file
// exhaust memory; real vocabularies stay under a million.
constexpr uint64_t kMaxTokenId = uint64_t{1} << 24u;

constexpr size_t kMaxQuotedValue = 120;

// The value as it reads in the file, shortened for a message.
std::string Quote(const element& value) {
  std::string text = simdjson::minify(value);
  if (text.size() > kMaxQuotedValue) text = text.substr(0, kMaxQuotedValue) + "...";
  return text;
}

// Builds the messages of one file: "<file>: <json path>: <what>".
class JsonFile {
 public:
  explicit JsonFile(std::string name) : name_(std::move(name)) {}

  Status Malformed(std::string_view path, std::string_view what) const {
    return InvalidArgumentError(name_ + ": " + std::string(path) + ": " + std::string(what));
  }
  Status Unsupported(std::string_view path, const element& value,
                     std::string_view supported) const {
    return UnimplementedError(name_ + ": " + std::string(path) + ": " + Quote(value) +
                              " is not supported; " + std::string(supported));
  }

  StatusOr<object> Object(const element& value, std::string_view path) const {
    object result;
    if (value.get_object().get(result) != simdjson::SUCCESS) {
      return Malformed(path, "must be an object, got " + Quote(value));
    }
    return result;
  }
  StatusOr<array> Array(const element& value, std::string_view path) const {
    array result;
    if (value.get_array().get(result) != simdjson::SUCCESS) {
      return Malformed(path, "must be an array, got " + Quote(value));
    }
    return result;
  }
  StatusOr<std::string_view> String(const element& value, std::string_view path) const {
    std::string_view result;
    if (value.get_string().get(result) != simdjson::SUCCESS) {
      return Malformed(path, "must be a string, got " + Quote(value));
    }
    return result;
  }
  StatusOr<bool> Bool(const element& value, std::string_view path) const {
    bool result = false;
    if (value.get_bool().get(result) != simdjson::SUCCESS) {
      return Malformed(path, "must be true or false, got " + Quote(value));
    }
    return result;
  }
  StatusOr<TokenId> Id(const element& value, std::string_view path) const {
    uint64_t result = 0;
    if (value.get_uint64().get(result) != simdjson::SUCCESS || result >= kMaxTokenId) {
      return Malformed(path, "must be a token id from 0 to " + std::to_string(kMaxTokenId - 1) +
                                 ", got " + Quote(value));
    }
    return static_cast<TokenId>(result);
  }

  // The member `key` of `parent`, or nullopt when absent.
  static std::optional<element> Member(const object& parent, std::string_view key) {
    element value;
    if (parent.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
    return value;
  }
  static bool IsNull(const std::optional<element>& value) {
    return !value || value->type() == element_type::NULL_VALUE;
  }

  // The string member `key`, "" when absent or null.
  StatusOr<std::string_view> OptionalString(const object& parent, std::string_view key,
                                            std::string_view path) const {
    const std::optional<element> value = Member(parent, key);
    if (IsNull(value)) return std::string_view();
    return String(*value, path);
  }
  StatusOr<bool> OptionalBool(const object& parent, std::string_view key, std::string_view path,
                              bool absent) const {
    const std::optional<element> value = Member(parent, key);
    if (IsNull(value)) return absent;
    return Bool(*value, path);
  }
  StatusOr<std::string_view> Type(const object& parent, std::string_view path) const {
    const std::optional<element> value = Member(parent, "type");
    if (!value) return Malformed(path, "has no \"type\"");
    return String(*value, std::string(path) + ".type");
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

struct ParsedJson {
  std::unique_ptr<simdjson::dom::parser> parser = std::make_unique<simdjson::dom::parser>();
  element root;
};

StatusOr<ParsedJson> ParseFile(const std::filesystem::path& path) {
  TESSERA_ASSIGN_OR_RETURN(std::string contents, ReadFile(path, size_t{512} << 20));
  ParsedJson parsed;
  const simdjson::padded_string padded(contents);
  // The DOM copies strings into the parser's own buffers, so `padded` may go.
  if (const auto error = parsed.parser->parse(padded).get(parsed.root);
      error != simdjson::SUCCESS) {
    return InvalidArgumentError(path.string() +
                                ": not valid JSON: " + simdjson::error_message(error));
  }
  return parsed;
}

}  // namespace

// Added tokens by their bytes, for the leftmost-longest search `tokenizers`
// runs (an Aho-Corasick automaton there; a byte trie here, searched from each
// position that can begin a token).
struct HuggingFaceTokenizer::AddedTokenTrie {
  struct Node {
    std::vector<std::pair<unsigned char, int>> children;  // Sorted by byte.
    const AddedToken* token = nullptr;
  };
  std::vector<Node> nodes{Node{}};
  std::array<bool, 256> can_begin{};

  bool empty() const { return nodes.size() == 1; }

  // `token` must outlive the trie.
  void Add(std::string_view content, const AddedToken* token) {
    int node = 0;
    for (const char c : content) {
      const auto byte = static_cast<unsigned char>(c);
      auto& children = nodes[static_cast<size_t>(node)].children;
      auto it =
          std::lower_bound(children.begin(), children.end(), byte,
                           [](const auto& child, unsigned char b) { return child.first < b; });
      if (it != children.end() && it->first == byte) {
        node = it->second;
        continue;
      }
      const int created = static_cast<int>(nodes.size());
      children.insert(it, {byte, created});
      nodes.emplace_back();
      node = created;
    }
    nodes[static_cast<size_t>(node)].token = token;
    if (!content.empty()) can_begin[static_cast<unsigned char>(content[0])] = true;
  }

  // The length and token of the longest token at the start of `text`.
  std::optional<std::pair<size_t, const AddedToken*>> LongestAt(std::string_view text) const {
    std::optional<std::pair<size_t, const AddedToken*>> longest;
    int node = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      const auto& children = nodes[static_cast<size_t>(node)].children;
      auto it =
          std::lower_bound(children.begin(), children.end(), byte,
                           [](const auto& child, unsigned char b) { return child.first < b; });
      if (it == children.end() || it->first != byte) break;
      node = it->second;
      if (const AddedToken* token = nodes[static_cast<size_t>(node)].token) {
        longest = std::make_pair(i + 1, token);
      }
    }
    return longest;
  }

  // Calls on_text for each stretch between tokens and on_token for each
  // token, in order.
  template <typename OnText, typename OnToken>
  void Split(std::string_view text, OnText on_text, OnToken on_token) const {
    if (empty()) {
      if (!text.empty()) on_text(text);
      return;
    }
    size_t stretch_begin = 0;
    size_t at = 0;
    while (at < text.size()) {
      if (!can_begin[static_cast<unsigned char>(text[at])]) {
        ++at;
        continue;
      }
      const auto match = LongestAt(text.substr(at));
      if (!match) {
        ++at;
        continue;
      }
      const AddedToken& token = *match->second;
      size_t start = at;
      size_t stop = at + match->first;
      at = stop;
      if (token.single_word && ((start > 0 && EndsWithWordCharacter(text.substr(0, start))) ||
                                StartsWithWordCharacter(text.substr(stop)))) {
        continue;  // Inside a word: the match is text.
      }
      if (token.lstrip) {
        // Not into what an earlier token already took.
        start = std::max(TrailingWhiteSpaceStart(text.substr(0, start)), stretch_begin);
      }
      if (token.rstrip) stop += LeadingWhiteSpaceLength(text.substr(stop));
      if (start > stretch_begin) on_text(text.substr(stretch_begin, start - stretch_begin));
      on_token(token.id);
      at = stop;
      stretch_begin = stop;
    }
    if (stretch_begin < text.size()) on_text(text.substr(stretch_begin));
  }
};

namespace {

// What Load gathers before building the tokenizer.
struct Parts {
  std::vector<NormalizationForm> normalizers;
  std::vector<Regex> splits;
  bool add_prefix_space = false;
  bool byte_level_regex = false;
};

Status ReadNormalizer(const JsonFile& file, const element& value, std::string_view path,
                      std::vector<NormalizationForm>* normalizers) {
  constexpr std::string_view kSupportedNormalizers =
      "Tessera reads normalizers null, NFC, NFD, NFKC, NFKD and Sequences of them";
  if (value.type() == element_type::NULL_VALUE) return OkStatus();
  TESSERA_ASSIGN_OR_RETURN(object normalizer, file.Object(value, path));
  TESSERA_ASSIGN_OR_RETURN(std::string_view type, file.Type(normalizer, path));
  const std::string type_path = std::string(path) + ".type";
  if (type == "NFC") {
    normalizers->push_back(NormalizationForm::kNfc);
  } else if (type == "NFD") {
    normalizers->push_back(NormalizationForm::kNfd);
  } else if (type == "NFKC") {
    normalizers->push_back(NormalizationForm::kNfkc);
  } else if (type == "NFKD") {
    normalizers->push_back(NormalizationForm::kNfkd);
  } else if (type == "Sequence") {
    const std::string list_path = std::string(path) + ".normalizers";
    const std::optional<element> list = JsonFile::Member(normalizer, "normalizers");
    if (!list) return file.Malformed(list_path, "is missing");
    TESSERA_ASSIGN_OR_RETURN(array items, file.Array(*list, list_path));
    size_t index = 0;
    for (const element item : items) {
      TESSERA_RETURN_IF_ERROR(
          ReadNormalizer(file, item, list_path + "[" + std::to_string(index++) + "]", normalizers));
    }
  } else {
    return file.Unsupported(type_path, *JsonFile::Member(normalizer, "type"),
                            kSupportedNormalizers);
  }
  return OkStatus();
}

Status ReadSplit(const JsonFile& file, const object& split, const std::string& path, Parts* parts) {
  const std::optional<element> pattern_value = JsonFile::Member(split, "pattern");
  if (!pattern_value) return file.Malformed(path + ".pattern", "is missing");
  TESSERA_ASSIGN_OR_RETURN(object pattern, file.Object(*pattern_value, path + ".pattern"));
  std::string_view text;
  bool literal = false;
  std::string pattern_path;
  if (auto regex = JsonFile::Member(pattern, "Regex")) {
    pattern_path = path + ".pattern.Regex";
    TESSERA_ASSIGN_OR_RETURN(text, file.String(*regex, pattern_path));
  } else if (auto string = JsonFile::Member(pattern, "String")) {
    pattern_path = path + ".pattern.String";
    TESSERA_ASSIGN_OR_RETURN(text, file.String(*string, pattern_path));
    literal = true;
  } else {
    return file.Malformed(path + ".pattern",
                          R"(must hold "Regex" or "String", got )" + Quote(*pattern_value));
  }
  const std::optional<element> behavior = JsonFile::Member(split, "behavior");
  if (!behavior) return file.Malformed(path + ".behavior", "is missing");
  TESSERA_ASSIGN_OR_RETURN(std::string_view behavior_name,
                           file.String(*behavior, path + ".behavior"));
  if (behavior_name != "Isolated") {
    return file.Unsupported(path + ".behavior", *behavior,
                            "Tessera reads Split pre-tokenizers with behavior \"Isolated\"");
  }
  TESSERA_ASSIGN_OR_RETURN(bool invert,
                           file.OptionalBool(split, "invert", path + ".invert", false));
  if (invert) {
    return file.Unsupported(path + ".invert", *JsonFile::Member(split, "invert"),
                            "Tessera reads Split pre-tokenizers with invert false");
  }
  StatusOr<Regex> regex = Regex::Compile(text, literal);
  if (!regex.ok()) {
    return file.Malformed(pattern_path, "\"" + std::string(text.substr(0, kMaxQuotedValue)) +
                                            "\" " + regex.status().message());
  }
  parts->splits.push_back(std::move(regex).value());
  return OkStatus();
}

// `seen_byte_level` is set once the ByteLevel step is read: it must come last.
Status ReadPreTokenizer(const JsonFile& file, const element& value, const std::string& path,
                        Parts* parts, bool* seen_byte_level) {
  constexpr std::string_view kSupportedPreTokenizers =
      "Tessera reads pre-tokenizers Split and ByteLevel, and Sequences of Splits ending in "
      "ByteLevel";
  TESSERA_ASSIGN_OR_RETURN(object pre_tokenizer, file.Object(value, path));
  TESSERA_ASSIGN_OR_RETURN(std::string_view type, file.Type(pre_tokenizer, path));
  if (*seen_byte_level) {
    return file.Unsupported(path, value,
                            "Tessera reads byte-level tokenizers whose ByteLevel pre-tokenizer "
                            "comes last");
  }
  if (type == "Sequence") {
    const std::string list_path = path + ".pretokenizers";
    const std::optional<element> list = JsonFile::Member(pre_tokenizer, "pretokenizers");
    if (!list) return file.Malformed(list_path, "is missing");
    TESSERA_ASSIGN_OR_RETURN(array items, file.Array(*list, list_path));
    size_t index = 0;
    for (const element item : items) {
      TESSERA_RETURN_IF_ERROR(ReadPreTokenizer(
          file, item, list_path + "[" + std::to_string(index++) + "]", parts, seen_byte_level));
    }
    return OkStatus();
  }
  if (type == "Split") return ReadSplit(file, pre_tokenizer, path, parts);
  if (type == "ByteLevel") {
    TESSERA_ASSIGN_OR_RETURN(
        parts->add_prefix_space,
        file.OptionalBool(pre_tokenizer, "add_prefix_space", path + ".add_prefix_space", true));
    TESSERA_ASSIGN_OR_RETURN(parts->byte_level_regex, file.OptionalBool(pre_tokenizer, "use_regex",
                                                                        path + ".use_regex", true));
    *seen_byte_level = true;
    return OkStatus();
  }
  return file.Unsupported(path + ".type", *JsonFile::Member(pre_tokenizer, "type"),
                          kSupportedPreTokenizers);
}

// Appends the ids of the special tokens before $A in a TemplateProcessing's
// single sequence.
Status ReadTemplate(const JsonFile& file, const object& processor, const std::string& path,
                    std::vector<TokenId>* prefix) {
  const std::string single_path = path + ".single";
  const std::optional<element> single = JsonFile::Member(processor, "single");
  if (!single) return file.Malformed(single_path, "is missing");
  TESSERA_ASSIGN_OR_RETURN(array items, file.Array(*single, single_path));
  const std::optional<element> special_tokens = JsonFile::Member(processor, "special_tokens");
  object specials;
  if (!JsonFile::IsNull(special_tokens)) {
    TESSERA_ASSIGN_OR_RETURN(specials, file.Object(*special_tokens, path + ".special_tokens"));
  }
  bool seen_sequence = false;
  size_t index = 0;
  for (const element item : items) {
    const std::string item_path = single_path + "[" + std::to_string(index++) + "]";
    TESSERA_ASSIGN_OR_RETURN(object piece, file.Object(item, item_path));
    if (auto sequence = JsonFile::Member(piece, "Sequence")) {
      TESSERA_ASSIGN_OR_RETURN(object sequence_object,
                               file.Object(*sequence, item_path + ".Sequence"));
      TESSERA_ASSIGN_OR_RETURN(
          std::string_view id,
          file.OptionalString(sequence_object, "id", item_path + ".Sequence.id"));
      if (id != "A" || seen_sequence) {
        return file.Unsupported(item_path, item,
                                "Tessera reads a single-sequence template holding $A once");
      }
      seen_sequence = true;
      continue;
    }
    const std::optional<element> special = JsonFile::Member(piece, "SpecialToken");
    if (!special) {
      return file.Malformed(item_path,
                            R"(must hold "Sequence" or "SpecialToken", got )" + Quote(item));
    }
    if (seen_sequence) {
      return file.Unsupported(item_path, item,
                              "Tessera reads templates with special tokens before $A only (the "
                              "Tokenizer interface has a sequence prefix, no suffix)");
    }
    TESSERA_ASSIGN_OR_RETURN(object special_object,
                             file.Object(*special, item_path + ".SpecialToken"));
    TESSERA_ASSIGN_OR_RETURN(
        std::string_view name,
        file.OptionalString(special_object, "id", item_path + ".SpecialToken.id"));
    const std::string ids_path = path + ".special_tokens[\"" + std::string(name) + "\"].ids";
    const std::optional<element> entry = JsonFile::Member(specials, name);
    if (!entry) return file.Malformed(ids_path, "is missing");
    TESSERA_ASSIGN_OR_RETURN(object entry_object, file.Object(*entry, ids_path));
    const std::optional<element> ids = JsonFile::Member(entry_object, "ids");
    if (!ids) return file.Malformed(ids_path, "is missing");
    TESSERA_ASSIGN_OR_RETURN(array id_list, file.Array(*ids, ids_path));
    for (const element id : id_list) {
      TESSERA_ASSIGN_OR_RETURN(TokenId token, file.Id(id, ids_path));
      prefix->push_back(token);
    }
  }
  if (!seen_sequence) {
    return file.Unsupported(single_path, *single, "Tessera reads templates that hold $A");
  }
  return OkStatus();
}

Status ReadPostProcessor(const JsonFile& file, const element& value, const std::string& path,
                         std::vector<TokenId>* prefix) {
  constexpr std::string_view kSupportedPostProcessors =
      "Tessera reads post-processors null, ByteLevel, TemplateProcessing and Sequences of them";
  if (value.type() == element_type::NULL_VALUE) return OkStatus();
  TESSERA_ASSIGN_OR_RETURN(object processor, file.Object(value, path));
  TESSERA_ASSIGN_OR_RETURN(std::string_view type, file.Type(processor, path));
  if (type == "ByteLevel") return OkStatus();  // Offsets only; the ids stay.
  if (type == "TemplateProcessing") return ReadTemplate(file, processor, path, prefix);
  if (type == "Sequence") {
    const std::string list_path = path + ".processors";
    const std::optional<element> list = JsonFile::Member(processor, "processors");
    if (!list) return file.Malformed(list_path, "is missing");
    TESSERA_ASSIGN_OR_RETURN(array items, file.Array(*list, list_path));
    size_t index = 0;
    for (const element item : items) {
      TESSERA_RETURN_IF_ERROR(
          ReadPostProcessor(file, item, list_path + "[" + std::to_string(index++) + "]", prefix));
    }
    return OkStatus();
  }
  return file.Unsupported(path + ".type", *JsonFile::Member(processor, "type"),
                          kSupportedPostProcessors);
}

Status ReadDecoder(const JsonFile& file, const std::optional<element>& value) {
  if (JsonFile::IsNull(value)) {
    return UnimplementedError(file.name() +
                              ": decoder: null is not supported; Tessera reads the ByteLevel "
                              "decoder of byte-level BPE tokenizers");
  }
  TESSERA_ASSIGN_OR_RETURN(object decoder, file.Object(*value, "decoder"));
  TESSERA_ASSIGN_OR_RETURN(std::string_view type, file.Type(decoder, "decoder"));
  if (type != "ByteLevel") {
    return file.Unsupported("decoder.type", *JsonFile::Member(decoder, "type"),
                            "Tessera reads the ByteLevel decoder of byte-level BPE tokenizers");
  }
  return OkStatus();
}

struct Model {
  // Tokens as tokenizer.json writes them (views into the parsed document).
  std::vector<std::pair<std::string_view, TokenId>> vocabulary;
  TokenIdTable id_by_token;
  MergeTable merges;
  bool ignore_merges = false;
};

Status CheckModelOption(const JsonFile& file, const object& model, std::string_view key,
                        std::string_view supported, bool empty_string_allowed) {
  const std::optional<element> value = JsonFile::Member(model, key);
  if (JsonFile::IsNull(value)) return OkStatus();
  std::string_view text;
  if (empty_string_allowed && value->get_string().get(text) == simdjson::SUCCESS && text.empty()) {
    return OkStatus();
  }
  bool flag = true;
  if (!empty_string_allowed && value->get_bool().get(flag) == simdjson::SUCCESS && !flag) {
    return OkStatus();
  }
  return file.Unsupported("model." + std::string(key), *value, supported);
}

StatusOr<Model> ReadModel(const JsonFile& file, const object& root) {
  const std::optional<element> model_value = JsonFile::Member(root, "model");
  if (!model_value) return file.Malformed("model", "is missing");
  TESSERA_ASSIGN_OR_RETURN(object model_object, file.Object(*model_value, "model"));
  if (auto type = JsonFile::Member(model_object, "type")) {
    TESSERA_ASSIGN_OR_RETURN(std::string_view name, file.String(*type, "model.type"));
    if (name != "BPE") return file.Unsupported("model.type", *type, kSupported);
  }
  TESSERA_RETURN_IF_ERROR(CheckModelOption(file, model_object, "byte_fallback",
                                           "Tessera reads byte-level BPE without byte_fallback",
                                           false));
  TESSERA_RETURN_IF_ERROR(
      CheckModelOption(file, model_object, "continuing_subword_prefix",
                       "Tessera reads byte-level BPE without a continuing_subword_prefix", true));
  TESSERA_RETURN_IF_ERROR(
      CheckModelOption(file, model_object, "end_of_word_suffix",
                       "Tessera reads byte-level BPE without an end_of_word_suffix", true));
  if (auto dropout = JsonFile::Member(model_object, "dropout"); !JsonFile::IsNull(dropout)) {
    return file.Unsupported("model.dropout", *dropout,
                            "Tessera reads BPE without dropout (null), as inference runs it");
  }

  Model model;
  TESSERA_ASSIGN_OR_RETURN(model.ignore_merges, file.OptionalBool(model_object, "ignore_merges",
                                                                  "model.ignore_merges", false));

  const std::optional<element> vocab_value = JsonFile::Member(model_object, "vocab");
  if (!vocab_value) return file.Malformed("model.vocab", "is missing");
  TESSERA_ASSIGN_OR_RETURN(object vocab, file.Object(*vocab_value, "model.vocab"));
  model.vocabulary.reserve(vocab.size());
  model.id_by_token = TokenIdTable(vocab.size());
  for (const auto [token, id_value] : vocab) {
    TESSERA_ASSIGN_OR_RETURN(TokenId id,
                             file.Id(id_value, "model.vocab[\"" + std::string(token) + "\"]"));
    model.vocabulary.emplace_back(token, id);
    model.id_by_token.Set(token, id);
  }

  const std::optional<element> merges_value = JsonFile::Member(model_object, "merges");
  if (!merges_value) return file.Malformed("model.merges", "is missing");
  TESSERA_ASSIGN_OR_RETURN(array merges, file.Array(*merges_value, "model.merges"));
  model.merges = MergeTable(merges.size());
  uint32_t rank = 0;
  std::string merged;
  for (const element merge : merges) {
    const std::string path = "model.merges[" + std::to_string(rank) + "]";
    std::string_view left;
    std::string_view right;
    std::string_view line;
    array pair;
    if (merge.get_string().get(line) == simdjson::SUCCESS) {
      const size_t space = line.find(' ');
      if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
        return file.Malformed(path,
                              "must be two tokens separated by one space, got " + Quote(merge));
      }
      left = line.substr(0, space);
      right = line.substr(space + 1);
    } else if (merge.get_array().get(pair) == simdjson::SUCCESS && pair.size() == 2 &&
               pair.at(0).get_string().get(left) == simdjson::SUCCESS &&
               pair.at(1).get_string().get(right) == simdjson::SUCCESS) {
    } else {
      return file.Malformed(path,
                            R"(must be "left right" or ["left", "right"], got )" + Quote(merge));
    }
    merged.assign(left);
    merged.append(right);
    const std::optional<TokenId> left_id = model.id_by_token.Find(left);
    const std::optional<TokenId> right_id = model.id_by_token.Find(right);
    const std::optional<TokenId> merged_id = model.id_by_token.Find(merged);
    if (!left_id || !right_id || !merged_id) {
      return file.Malformed(path, Quote(merge) + " names a token not in model.vocab");
    }
    // A pair listed twice keeps its later rank, as `tokenizers` builds its map.
    model.merges.Set(*left_id, *right_id, MergeTable::Merge{.rank = rank, .merged = *merged_id});
    ++rank;
  }
  return model;
}

StatusOr<std::vector<HuggingFaceTokenizer::AddedToken>> ReadAddedTokens(const JsonFile& file,
                                                                        const object& root) {
  std::vector<HuggingFaceTokenizer::AddedToken> tokens;
  const std::optional<element> list = JsonFile::Member(root, "added_tokens");
  if (JsonFile::IsNull(list)) return tokens;
  TESSERA_ASSIGN_OR_RETURN(array items, file.Array(*list, "added_tokens"));
  size_t index = 0;
  for (const element item : items) {
    const std::string path = "added_tokens[" + std::to_string(index++) + "]";
    TESSERA_ASSIGN_OR_RETURN(object token, file.Object(item, path));
    const std::optional<element> id = JsonFile::Member(token, "id");
    if (!id) return file.Malformed(path + ".id", "is missing");
    const std::optional<element> content = JsonFile::Member(token, "content");
    if (!content) return file.Malformed(path + ".content", "is missing");
    HuggingFaceTokenizer::AddedToken added;
    TESSERA_ASSIGN_OR_RETURN(added.id, file.Id(*id, path + ".id"));
    TESSERA_ASSIGN_OR_RETURN(std::string_view text, file.String(*content, path + ".content"));
    if (text.empty()) return file.Malformed(path + ".content", "must not be empty");
    added.content = std::string(text);
    TESSERA_ASSIGN_OR_RETURN(bool special,
                             file.OptionalBool(token, "special", path + ".special", false));
    TESSERA_ASSIGN_OR_RETURN(
        added.normalized, file.OptionalBool(token, "normalized", path + ".normalized", !special));
    TESSERA_ASSIGN_OR_RETURN(added.lstrip,
                             file.OptionalBool(token, "lstrip", path + ".lstrip", false));
    TESSERA_ASSIGN_OR_RETURN(added.rstrip,
                             file.OptionalBool(token, "rstrip", path + ".rstrip", false));
    TESSERA_ASSIGN_OR_RETURN(added.single_word,
                             file.OptionalBool(token, "single_word", path + ".single_word", false));
    tokens.push_back(std::move(added));
  }
  return tokens;
}

// The transformers classes whose constructor replaces tokenizer.json's
// post-processor by a template built from add_bos_token and add_eos_token
// (LlamaTokenizerFast.update_post_processor and its copies).
bool BuildsOwnTemplate(std::string_view tokenizer_class) {
  constexpr std::array<std::string_view, 6> kClasses = {
      "LlamaTokenizer",         "LlamaTokenizerFast", "CodeLlamaTokenizer",
      "CodeLlamaTokenizerFast", "GemmaTokenizer",     "GemmaTokenizerFast"};
  return std::find(kClasses.begin(), kClasses.end(), tokenizer_class) != kClasses.end();
}

// tokenizer_config.json, read with nlohmann rather than simdjson: configs
// hold integers beyond 64 bits (model_max_length 1e30 in Llama 3's), which
// simdjson refuses.
StatusOr<nlohmann::json> ReadConfig(const std::filesystem::path& path) {
  TESSERA_ASSIGN_OR_RETURN(std::string contents, ReadFile(path));
  nlohmann::json config = nlohmann::json::parse(contents, nullptr, false);
  if (config.is_discarded()) return InvalidArgumentError(path.string() + ": not valid JSON");
  if (!config.is_object()) {
    return InvalidArgumentError(path.string() + ": must hold a JSON object");
  }
  return config;
}

// The prefix transformers puts before a sequence when tokenizer_config.json
// names a class that builds its own template; nullopt when it does not, and
// tokenizer.json's post-processor decides.
StatusOr<std::optional<std::vector<TokenId>>> ReadConfigPrefix(
    const nlohmann::json& config, const std::string& name,
    const std::function<std::optional<TokenId>(std::string_view)>& id_of) {
  const auto malformed = [&](std::string_view key, std::string_view what) {
    return InvalidArgumentError(name + ": " + std::string(key) + ": " + std::string(what));
  };
  const auto member = [&](const char* key) -> const nlohmann::json* {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return nullptr;
    return &*it;
  };
  std::string tokenizer_class;
  if (const nlohmann::json* value = member("tokenizer_class")) {
    if (!value->is_string()) return malformed("tokenizer_class", "must be a string");
    tokenizer_class = value->get<std::string>();
  }
  if (!BuildsOwnTemplate(tokenizer_class)) return std::optional<std::vector<TokenId>>();
  bool add_bos = true;
  bool add_eos = false;
  if (const nlohmann::json* value = member("add_bos_token")) {
    if (!value->is_boolean()) return malformed("add_bos_token", "must be true or false");
    add_bos = value->get<bool>();
  }
  if (const nlohmann::json* value = member("add_eos_token")) {
    if (!value->is_boolean()) return malformed("add_eos_token", "must be true or false");
    add_eos = value->get<bool>();
  }
  if (add_eos) {
    return UnimplementedError(name +
                              ": add_eos_token: true is not supported; the Tokenizer interface "
                              "has a sequence prefix, no suffix");
  }
  std::vector<TokenId> prefix;
  if (!add_bos) return std::optional<std::vector<TokenId>>(prefix);
  const nlohmann::json* bos = member("bos_token");
  if (bos == nullptr) {
    return malformed("bos_token", "is missing, yet add_bos_token is true for " + tokenizer_class);
  }
  std::string content;
  if (bos->is_object() && bos->contains("content") && (*bos)["content"].is_string()) {
    content = (*bos)["content"].get<std::string>();
  } else if (bos->is_string()) {
    content = bos->get<std::string>();
  } else {
    return malformed("bos_token", "must be a string or an object with a \"content\" string");
  }
  const std::optional<TokenId> id = id_of(content);
  if (!id)
    return malformed("bos_token", "\"" + content + "\" is not a token of the tokenizer.json");
  prefix.push_back(*id);
  return std::optional<std::vector<TokenId>>(prefix);
}

// A Jinja string literal's text with its escapes read (\n, \t, \\, \', \").
std::string UnescapeJinjaLiteral(std::string_view literal) {
  std::string text;
  text.reserve(literal.size());
  for (size_t i = 0; i < literal.size(); ++i) {
    if (literal[i] != '\\' || i + 1 == literal.size()) {
      text.push_back(literal[i]);
      continue;
    }
    const char escaped = literal[++i];
    text.push_back(escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped);
  }
  return text;
}

// Whether `text`, inside a literal opened by `quote`, holds an unescaped
// `quote`: the literal ends there and the rest is template code.
bool ClosesLiteral(std::string_view text, char quote) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      return true;
    }
  }
  return false;
}

// The default system turn of a ChatML template: the text of a quoted
// '<|im_start|>system\n…<|im_end|>' literal, which templates write when the
// first message is not the system's. A turn built from the first message
// ('<|im_start|>system\n' + messages[0]['content'] + …) closes its literal
// before <|im_end|> and is passed over.
std::string DefaultSystemTurnOf(std::string_view chat_template) {
  constexpr std::string_view kOpen = "<|im_start|>system";
  constexpr std::string_view kClose = "<|im_end|>";
  for (size_t at = chat_template.find(kOpen); at != std::string_view::npos;
       at = chat_template.find(kOpen, at + kOpen.size())) {
    if (at == 0 || (chat_template[at - 1] != '\'' && chat_template[at - 1] != '"')) continue;
    const char quote = chat_template[at - 1];
    std::string_view rest = chat_template.substr(at + kOpen.size());
    // The newline after the role, escaped in the literal or written out.
    if (rest.starts_with("\\n")) {
      rest.remove_prefix(2);
    } else if (rest.starts_with('\n')) {
      rest.remove_prefix(1);
    } else {
      continue;
    }
    const size_t close = rest.find(kClose);
    if (close == std::string_view::npos || close == 0) continue;
    const std::string_view literal = rest.substr(0, close);
    if (ClosesLiteral(literal, quote)) continue;
    return UnescapeJinjaLiteral(literal);
  }
  return {};
}

// The chat template's default system turn; chat_template is one template,
// or a list of {"name", "template"} of which the "default" one is read.
StatusOr<std::string> ReadDefaultSystemPrompt(const nlohmann::json& config,
                                              const std::string& name) {
  const auto found = config.find("chat_template");
  if (found == config.end() || found->is_null()) return std::string();
  if (found->is_string()) return DefaultSystemTurnOf(found->get_ref<const std::string&>());
  if (found->is_array()) {
    for (const nlohmann::json& entry : *found) {
      if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") ||
          !entry["name"].is_string() || !entry["template"].is_string()) {
        return InvalidArgumentError(
            name + R"(: chat_template: a list must hold {"name", "template"} strings)");
      }
      if (entry["name"].get_ref<const std::string&>() == "default") {
        return DefaultSystemTurnOf(entry["template"].get_ref<const std::string&>());
      }
    }
    return std::string();
  }
  return InvalidArgumentError(name + ": chat_template: must be a string or a list of templates");
}

}  // namespace

HuggingFaceTokenizer::HuggingFaceTokenizer() = default;
HuggingFaceTokenizer::~HuggingFaceTokenizer() = default;

StatusOr<std::unique_ptr<HuggingFaceTokenizer>> HuggingFaceTokenizer::Load(
    const std::filesystem::path& tokenizer_json,
    const std::optional<std::filesystem::path>& tokenizer_config_json) {
  std::unique_ptr<HuggingFaceTokenizer> tokenizer(new HuggingFaceTokenizer());
  tokenizer->name_ = tokenizer_json.string();
  const JsonFile file(tokenizer->name_);

  TESSERA_ASSIGN_OR_RETURN(ParsedJson parsed, ParseFile(tokenizer_json));
  TESSERA_ASSIGN_OR_RETURN(object root, file.Object(parsed.root, "(top level)"));

  TESSERA_ASSIGN_OR_RETURN(Model model, ReadModel(file, root));

  Parts parts;
  if (auto normalizer = JsonFile::Member(root, "normalizer")) {
    TESSERA_RETURN_IF_ERROR(ReadNormalizer(file, *normalizer, "normalizer", &parts.normalizers));
  }
  const std::optional<element> pre_tokenizer = JsonFile::Member(root, "pre_tokenizer");
  bool seen_byte_level = false;
  if (!JsonFile::IsNull(pre_tokenizer)) {
    TESSERA_RETURN_IF_ERROR(
        ReadPreTokenizer(file, *pre_tokenizer, "pre_tokenizer", &parts, &seen_byte_level));
  }
  if (!seen_byte_level) {
    return UnimplementedError(file.name() + ": pre_tokenizer: has no ByteLevel step; " +
                              std::string(kSupported));
  }
  std::vector<TokenId> template_prefix;
  if (auto post_processor = JsonFile::Member(root, "post_processor")) {
    TESSERA_RETURN_IF_ERROR(
        ReadPostProcessor(file, *post_processor, "post_processor", &template_prefix));
  }
  TESSERA_RETURN_IF_ERROR(ReadDecoder(file, JsonFile::Member(root, "decoder")));
  TESSERA_ASSIGN_OR_RETURN(tokenizer->added_tokens_, ReadAddedTokens(file, root));
  const std::vector<AddedToken>& added_tokens = tokenizer->added_tokens_;

  // Ids: the vocabulary's tokens in their bytes, then added tokens over them.
  TokenId largest_id = 0;
  for (const auto& [token, id] : model.vocabulary) largest_id = std::max(largest_id, id);
  for (const AddedToken& added : added_tokens) largest_id = std::max(largest_id, added.id);
  // What Decode writes for each id, gathered first and laid out end to end
  // after: an id-indexed vector of strings would let a malformed file with
  // a large id claim gigabytes.
  std::vector<std::pair<TokenId, std::string>> decoded;
  decoded.reserve(model.vocabulary.size() + added_tokens.size());
  TokenIdTable vocabulary_by_bytes(model.vocabulary.size());
  tokenizer->id_by_content_ = TokenIdTable(model.vocabulary.size() + added_tokens.size());
  for (const auto& [token, id] : model.vocabulary) {
    std::optional<std::string> bytes = FromByteLevel(token);
    // `tokenizers`' ByteLevel decoder writes a token holding a character
    // outside the alphabet as its own UTF-8.
    decoded.emplace_back(id, bytes ? *bytes : std::string(token));
    if (bytes) vocabulary_by_bytes.Set(*bytes, id);
    tokenizer->id_by_content_.Set(bytes ? *bytes : std::string(token), id);
  }
  tokenizer->raw_added_tokens_ = std::make_unique<AddedTokenTrie>();
  tokenizer->normalized_added_tokens_ = std::make_unique<AddedTokenTrie>();
  for (const AddedToken& added : added_tokens) {
    std::optional<std::string> bytes = FromByteLevel(added.content);
    decoded.emplace_back(added.id, bytes ? *bytes : added.content);
    tokenizer->id_by_content_.Set(added.content, added.id);
    if (added.normalized) {
      std::string content = added.content;
      for (const NormalizationForm form : parts.normalizers) content = Normalize(form, content);
      tokenizer->normalized_added_tokens_->Add(content, &added);
    } else {
      tokenizer->raw_added_tokens_->Add(added.content, &added);
    }
  }

  // An added token's text wins over the vocabulary's for the same id, as in
  // `tokenizers`' id_to_token.
  std::stable_sort(decoded.begin(), decoded.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  tokenizer->id_exists_.assign(static_cast<size_t>(largest_id) + 1, false);
  tokenizer->decode_offsets_.assign(static_cast<size_t>(largest_id) + 2, 0);
  size_t next = 0;
  for (TokenId id = 0; id <= largest_id; ++id) {
    tokenizer->decode_offsets_[id] = static_cast<uint32_t>(tokenizer->decode_bytes_.size());
    while (next < decoded.size() && decoded[next].first == id) {
      if (next + 1 == decoded.size() || decoded[next + 1].first != id) {
        tokenizer->decode_bytes_ += decoded[next].second;
        tokenizer->id_exists_[id] = true;
      }
      ++next;
    }
  }
  tokenizer->decode_offsets_[static_cast<size_t>(largest_id) + 1] =
      static_cast<uint32_t>(tokenizer->decode_bytes_.size());

  tokenizer->normalizers_ = std::move(parts.normalizers);
  tokenizer->splits_ = std::move(parts.splits);
  tokenizer->add_prefix_space_ = parts.add_prefix_space;
  if (parts.byte_level_regex) {
    TESSERA_ASSIGN_OR_RETURN(Regex regex, Regex::Compile(kGpt2Pattern));
    tokenizer->byte_level_regex_ = std::move(regex);
  }
  tokenizer->encoder_ = std::make_unique<BytePairEncoder>(
      std::move(vocabulary_by_bytes), std::move(model.merges), model.ignore_merges);

  tokenizer->sequence_prefix_ = std::move(template_prefix);
  if (tokenizer_config_json) {
    const std::string config_name = tokenizer_config_json->string();
    TESSERA_ASSIGN_OR_RETURN(const nlohmann::json config, ReadConfig(*tokenizer_config_json));
    const HuggingFaceTokenizer* self = tokenizer.get();
    TESSERA_ASSIGN_OR_RETURN(
        std::optional<std::vector<TokenId>> config_prefix,
        ReadConfigPrefix(config, config_name,
                         // transformers names tokens as tokenizer.json writes them.
                         [self](std::string_view token) {
                           const std::optional<std::string> text = FromByteLevel(token);
                           return self->TokenIdOf(text ? *text : token);
                         }));
    if (config_prefix) tokenizer->sequence_prefix_ = std::move(*config_prefix);
    TESSERA_ASSIGN_OR_RETURN(tokenizer->default_system_prompt_,
                             ReadDefaultSystemPrompt(config, config_name));
  }
  for (const TokenId id : tokenizer->sequence_prefix_) {
    if (id >= tokenizer->id_exists_.size() || !tokenizer->id_exists_[id]) {
      return file.Malformed("post_processor", "puts id " + std::to_string(id) +
                                                  " before a sequence, which is no token");
    }
  }

  TESSERA_ASSIGN_OR_RETURN(const Regex word_piece, Regex::Compile(R"(^ \p{L}+$)"));
  for (TokenId id = 0; id <= largest_id; ++id) {
    if (!tokenizer->id_exists_[id]) continue;
    const std::string text(tokenizer->BytesOf(id));
    if (text.size() < 2 || text[0] != ' ' || !IsValidUtf8(text)) continue;
    if (word_piece.FindAll(text).empty()) continue;
    const std::vector<TokenId> alone = tokenizer->Encode(text);
    if (alone.size() != 1 || alone[0] != id) continue;
    tokenizer->word_pieces_.push_back(WordPiece{.id = id, .text = text});
  }
  if (tokenizer->word_pieces_.empty()) {
    return file.Malformed("model.vocab",
                          "has no word pieces (tokens of one space and letters that encode to "
                          "themselves), which building prompts of a given length needs");
  }
  return tokenizer;
}

std::vector<TokenId> HuggingFaceTokenizer::Encode(std::string_view text) const {
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  if (IsValidUtf8(text)) {
    EncodeRaw(text, &ids);
  } else {
    EncodeRaw(ToValidUtf8(text), &ids);
  }
  return ids;
}

void HuggingFaceTokenizer::EncodeRaw(std::string_view text, std::vector<TokenId>* ids) const {
  raw_added_tokens_->Split(
      text,
      [&](std::string_view stretch) {
        if (normalizers_.empty()) {
          EncodeNormalized(stretch, ids);
          return;
        }
        std::string normalized(stretch);
        for (const NormalizationForm form : normalizers_) normalized = Normalize(form, normalized);
        EncodeNormalized(normalized, ids);
      },
      [&](TokenId id) { ids->push_back(id); });
}

void HuggingFaceTokenizer::EncodeNormalized(std::string_view text,
                                            std::vector<TokenId>* ids) const {
  normalized_added_tokens_->Split(
      text,
      [&](std::string_view stretch) {
        // Each Split cuts every piece the one before it left.
        std::vector<std::string_view> pieces{stretch};
        std::vector<std::string_view> next;
        for (const Regex& split : splits_) {
          next.clear();
          for (const std::string_view piece : pieces) {
            size_t done = 0;
            for (const auto& [begin, end] : split.FindAll(piece)) {
              if (begin > done) next.push_back(piece.substr(done, begin - done));
              next.push_back(piece.substr(begin, end - begin));
              done = end;
            }
            if (done < piece.size()) next.push_back(piece.substr(done));
          }
          pieces.swap(next);
        }
        for (const std::string_view piece : pieces) EncodePreToken(piece, ids);
      },
      [&](TokenId id) { ids->push_back(id); });
}

void HuggingFaceTokenizer::EncodePreToken(std::string_view piece, std::vector<TokenId>* ids) const {
  std::string with_space;
  if (add_prefix_space_ && !piece.starts_with(' ')) {
    with_space.reserve(piece.size() + 1);
    with_space.push_back(' ');
    with_space.append(piece);
    piece = with_space;
  }
  if (!byte_level_regex_) {
    encoder_->Encode(piece, ids);
    return;
  }
  size_t done = 0;
  for (const auto& [begin, end] : byte_level_regex_->FindAll(piece)) {
    if (begin > done) encoder_->Encode(piece.substr(done, begin - done), ids);
    encoder_->Encode(piece.substr(begin, end - begin), ids);
    done = end;
  }
  if (done < piece.size()) encoder_->Encode(piece.substr(done), ids);
}

std::span<const TokenId> HuggingFaceTokenizer::SequencePrefix() const { return sequence_prefix_; }

std::string HuggingFaceTokenizer::Decode(std::span<const TokenId> ids) const {
  std::string bytes;
  for (const TokenId id : ids) {
    if (id < id_exists_.size() && id_exists_[id]) bytes += BytesOf(id);
  }
  return ToValidUtf8(bytes);
}

std::string_view HuggingFaceTokenizer::BytesOf(TokenId id) const {
  return std::string_view(decode_bytes_)
      .substr(decode_offsets_[id], decode_offsets_[id + 1] - decode_offsets_[id]);
}

std::optional<TokenId> HuggingFaceTokenizer::TokenIdOf(std::string_view content) const {
  return id_by_content_.Find(content);
}

std::span<const WordPiece> HuggingFaceTokenizer::WordPieces() const { return word_pieces_; }

const std::string& HuggingFaceTokenizer::Name() const { return name_; }

std::string_view HuggingFaceTokenizer::DefaultSystemPrompt() const {
  return default_system_prompt_;
}

}  // namespace tessera::tokenizer
