#include "kube/informer_cache.h"

#include <utility>

#include "kube/object_fields.h"

namespace tessera::kube {

std::vector<CacheDelta> InformerCache::Replace(std::vector<nlohmann::json> items) {
  std::map<resources::ObjectKey, nlohmann::json> fresh;
  for (nlohmann::json& item : items) {
    auto key = ObjectKeyOf(item);
    if (!key.ok()) continue;
    fresh.insert_or_assign(std::move(key).value(), std::move(item));
  }
  std::vector<CacheDelta> deltas;
  // Both maps are ordered by key: one merge pass finds all three kinds.
  auto old_it = objects_.begin();
  auto new_it = fresh.begin();
  while (old_it != objects_.end() || new_it != fresh.end()) {
    if (new_it == fresh.end() || (old_it != objects_.end() && old_it->first < new_it->first)) {
      deltas.push_back({CacheDelta::Type::kDeleted, old_it->first, old_it->second, old_it->second});
      ++old_it;
    } else if (old_it == objects_.end() || new_it->first < old_it->first) {
      deltas.push_back({CacheDelta::Type::kAdded, new_it->first, nullptr, new_it->second});
      ++new_it;
    } else {
      if (ResourceVersionOf(old_it->second) != ResourceVersionOf(new_it->second)) {
        deltas.push_back(
            {CacheDelta::Type::kUpdated, new_it->first, old_it->second, new_it->second});
      }
      ++old_it;
      ++new_it;
    }
  }
  objects_ = std::move(fresh);
  return deltas;
}

std::optional<CacheDelta> InformerCache::Apply(WatchEvent::Type type, nlohmann::json object) {
  if (type == WatchEvent::Type::kBookmark || type == WatchEvent::Type::kError) return std::nullopt;
  auto key = ObjectKeyOf(object);
  if (!key.ok()) return std::nullopt;
  const auto it = objects_.find(*key);
  if (type == WatchEvent::Type::kDeleted) {
    CacheDelta delta{CacheDelta::Type::kDeleted, *key, nullptr, std::move(object)};
    if (it != objects_.end()) {
      delta.old_object = std::move(it->second);
      objects_.erase(it);
    }
    return delta;
  }
  if (it == objects_.end()) {
    objects_.emplace(*key, object);
    return CacheDelta{CacheDelta::Type::kAdded, *key, nullptr, std::move(object)};
  }
  if (ResourceVersionOf(it->second) == ResourceVersionOf(object)) return std::nullopt;
  CacheDelta delta{CacheDelta::Type::kUpdated, *key, std::move(it->second), object};
  it->second = std::move(object);
  return delta;
}

const nlohmann::json* InformerCache::Find(const resources::ObjectKey& key) const {
  const auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : &it->second;
}

std::vector<nlohmann::json> InformerCache::List() const {
  std::vector<nlohmann::json> items;
  items.reserve(objects_.size());
  for (const auto& [key, object] : objects_) items.push_back(object);
  return items;
}

}  // namespace tessera::kube
