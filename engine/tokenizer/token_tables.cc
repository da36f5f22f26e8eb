#include "engine/tokenizer/token_tables.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <utility>

namespace tessera::tokenizer {
namespace {

// libstdc++'s string hash (MurmurHash2 over 8 bytes at a time), which the
// table's low bits take as they are.
uint64_t HashText(std::string_view text) { return std::hash<std::string_view>{}(text); }

// A power of two at least twice `entries`, so that the table stays at most
// half full.
size_t SlotCountFor(size_t entries) { return std::bit_ceil(std::max<size_t>(16, entries * 2)); }

}  // namespace

TokenIdTable::TokenIdTable(size_t expected_entries) : slots_(SlotCountFor(expected_entries), 0) {
  entries_.reserve(expected_entries);
}

size_t TokenIdTable::SlotOf(std::string_view text, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t slot = static_cast<size_t>(hash) & mask;; slot = (slot + 1) & mask) {
    const uint32_t index = slots_[slot];
    if (index == 0) return slot;
    const Entry& entry = entries_[index - 1];
    if (entry.hash == hash && std::string_view(text_).substr(entry.offset, entry.length) == text) {
      return slot;
    }
  }
}

void TokenIdTable::Set(std::string_view text, TokenId id) {
  if ((entries_.size() + 1) * 2 > slots_.size()) Grow();
  const uint64_t hash = HashText(text);
  const size_t slot = SlotOf(text, hash);
  if (slots_[slot] != 0) {
    entries_[slots_[slot] - 1].id = id;
    return;
  }
  entries_.push_back(Entry{.offset = static_cast<uint32_t>(text_.size()),
                           .length = static_cast<uint32_t>(text.size()),
                           .hash = hash,
                           .id = id});
  text_.append(text);
  slots_[slot] = static_cast<uint32_t>(entries_.size());
}

std::optional<TokenId> TokenIdTable::Find(std::string_view text) const {
  const uint32_t index = slots_[SlotOf(text, HashText(text))];
  if (index == 0) return std::nullopt;
  return entries_[index - 1].id;
}

void TokenIdTable::Grow() {
  std::vector<uint32_t> slots(slots_.size() * 2, 0);
  const size_t mask = slots.size() - 1;
  for (uint32_t index = 1; index <= entries_.size(); ++index) {
    size_t slot = static_cast<size_t>(entries_[index - 1].hash) & mask;
    while (slots[slot] != 0) slot = (slot + 1) & mask;
    slots[slot] = index;
  }
  slots_ = std::move(slots);
}

MergeTable::MergeTable(size_t expected_entries)
    : slots_(SlotCountFor(expected_entries)), mask_(slots_.size() - 1) {}

void MergeTable::Set(TokenId left, TokenId right, Merge merge) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const uint64_t key = Key(left, right);
  for (size_t slot = Hash(key) & mask_;; slot = (slot + 1) & mask_) {
    Slot& candidate = slots_[slot];
    if (candidate.key == key) {
      candidate.merge = merge;
      return;
    }
    if (candidate.key == kEmpty) {
      candidate = Slot{.key = key, .merge = merge};
      ++size_;
      return;
    }
  }
}

void MergeTable::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.key == kEmpty) continue;
    size_t at = Hash(slot.key) & mask_;
    while (slots_[at].key != kEmpty) at = (at + 1) & mask_;
    slots_[at] = slot;
  }
}

}  // namespace tessera::tokenizer
