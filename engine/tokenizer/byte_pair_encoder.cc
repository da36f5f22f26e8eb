#include "engine/tokenizer/byte_pair_encoder.h"

#include <mutex>
#include <queue>
#include <unordered_map>
#include <utility>

namespace tessera::tokenizer {
namespace {

// Pre-tokens longer than this are rare (long runs of one character) and not
// worth keeping.
constexpr size_t kLongestCachedWord = 64;
constexpr size_t kCacheShards = 16;
constexpr size_t kWordsPerShard = 8192;

// Hashes std::string and std::string_view alike so that lookups by a view
// allocate nothing.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct Symbol {
  TokenId id = 0;
  int previous = -1;
  int next = -1;
  bool removed = false;
};

struct Candidate {
  uint32_t rank = 0;
  int position = 0;
  TokenId merged = 0;
  // std::priority_queue puts the greatest first: the lowest rank, then the
  // leftmost position, must compare greatest.
  bool operator<(const Candidate& other) const {
    if (rank != other.rank) return rank > other.rank;
    return position > other.position;
  }
};

}  // namespace

struct BytePairEncoder::Cache {
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>> words;
  };
  std::array<Shard, kCacheShards> shards;
};

BytePairEncoder::BytePairEncoder(TokenIdTable vocabulary, MergeTable merges, bool ignore_merges)
    : vocabulary_(std::move(vocabulary)),
      merges_(std::move(merges)),
      ignore_merges_(ignore_merges),
      cache_(std::make_unique<Cache>()) {
  for (unsigned value = 0; value < 256u; ++value) {
    const char byte = static_cast<char>(value);
    byte_ids_[value] = vocabulary_.Find(std::string_view(&byte, 1));
  }
}

BytePairEncoder::~BytePairEncoder() = default;

std::optional<TokenId> BytePairEncoder::IdOfBytes(std::string_view bytes) const {
  return vocabulary_.Find(bytes);
}

void BytePairEncoder::Encode(std::string_view word, std::vector<TokenId>* ids) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const std::optional<TokenId> id = vocabulary_.Find(word)) {
      ids->push_back(*id);
      return;
    }
  }
  if (word.size() == 1) {
    if (auto id = byte_ids_[static_cast<unsigned char>(word[0])]) ids->push_back(*id);
    return;
  }
  if (word.size() > kLongestCachedWord) {
    ApplyMerges(word, ids);
    return;
  }
  const size_t hash = StringHash{}(word);
  Cache::Shard& shard = cache_->shards[hash % kCacheShards];
  {
    const std::lock_guard<std::mutex> lock(shard.mutex);
    if (auto it = shard.words.find(word); it != shard.words.end()) {
      ids->insert(ids->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = ids->size();
  ApplyMerges(word, ids);
  std::vector<TokenId> encoded(ids->begin() + static_cast<std::ptrdiff_t>(first), ids->end());
  const std::lock_guard<std::mutex> lock(shard.mutex);
  // A full shard starts over rather than tracking recency: the words of a
  // workload come back quickly.
  if (shard.words.size() >= kWordsPerShard) shard.words.clear();
  shard.words.emplace(std::string(word), std::move(encoded));
}

void BytePairEncoder::ApplyMerges(std::string_view word, std::vector<TokenId>* ids) const {
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  for (const char c : word) {
    const std::optional<TokenId> id = byte_ids_[static_cast<unsigned char>(c)];
    if (!id) continue;
    const int position = static_cast<int>(symbols.size());
    symbols.push_back(Symbol{.id = *id, .previous = position - 1, .next = -1, .removed = false});
    if (position > 0) symbols[static_cast<size_t>(position) - 1].next = position;
  }

  std::vector<Candidate> storage;
  storage.reserve(symbols.size());
  std::priority_queue<Candidate, std::vector<Candidate>, std::less<>> queue(std::less<>(),
                                                                            std::move(storage));
  const auto consider = [&](int left) {
    const Symbol& symbol = symbols[static_cast<size_t>(left)];
    if (symbol.next < 0) return;
    const MergeTable::Merge* merge =
        merges_.Find(symbol.id, symbols[static_cast<size_t>(symbol.next)].id);
    if (merge == nullptr) return;
    queue.push(Candidate{.rank = merge->rank, .position = left, .merged = merge->merged});
  };
  for (int position = 0; position + 1 < static_cast<int>(symbols.size()); ++position) {
    consider(position);
  }

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(top.position)];
    if (left.removed || left.next < 0) continue;
    Symbol& right = symbols[static_cast<size_t>(left.next)];
    // The pair may have changed since it was queued; only a pair that still
    // merges into the queued token is merged.
    const MergeTable::Merge* merge = merges_.Find(left.id, right.id);
    if (merge == nullptr || merge->merged != top.merged) continue;
    left.id = top.merged;
    right.removed = true;
    left.next = right.next;
    if (left.next >= 0) symbols[static_cast<size_t>(left.next)].previous = top.position;
    if (left.previous >= 0) consider(left.previous);
    consider(top.position);
  }

  for (const Symbol& symbol : symbols) {
    if (!symbol.removed) ids->push_back(symbol.id);
  }
}

}  // namespace tessera::tokenizer
