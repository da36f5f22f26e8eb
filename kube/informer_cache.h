// The object cache of an Informer and what each change to it means, apart
// from the threads and I/O that feed it, so the delicate part — replacing the
// whole cache after a relist — is tested on its own.
//
// Relisting is how a watcher recovers from a gap (a watch that could not
// resume, 410 Gone): objects deleted during the gap never produce a DELETED
// event, so Replace() reports every cached object the new list lacks as
// deleted ("deletion handling after relist", client-go's DeltaFIFO.Replace).

#ifndef TESSERA_KUBE_INFORMER_CACHE_H_
#define TESSERA_KUBE_INFORMER_CACHE_H_

#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/watch_event.h"
#include "resources/object_meta.h"

namespace tessera::kube {

struct CacheDelta {
  enum class Type { kAdded, kUpdated, kDeleted };

  Type type = Type::kAdded;
  resources::ObjectKey key;
  // The state before the change; null for kAdded.
  nlohmann::json old_object;
  // The state after it; for kDeleted the last state known (the DELETED
  // event's object, or what the cache held when a relist dropped it).
  nlohmann::json object;
};

// Not thread-safe; the Informer guards it.
class InformerCache {
 public:
  // Makes the cache hold exactly `items` (a complete, fresh list) and returns
  // the changes, in key order: kAdded for keys it did not hold, kUpdated for
  // held keys whose resourceVersion differs (unchanged objects are not
  // reported), kDeleted for held keys the list lacks. Items without a name
  // are ignored.
  std::vector<CacheDelta> Replace(std::vector<nlohmann::json> items);

  // Applies one watch event. ADDED and MODIFIED store the object (an ADDED of
  // a held key is an update, a MODIFIED of an unknown one an add: after a
  // relist the two can cross); DELETED removes it. nullopt for events that
  // change nothing: bookmarks, errors, nameless objects, and an ADDED or
  // MODIFIED carrying the resourceVersion already held.
  std::optional<CacheDelta> Apply(WatchEvent::Type type, nlohmann::json object);

  // Null when absent.
  const nlohmann::json* Find(const resources::ObjectKey& key) const;
  std::vector<nlohmann::json> List() const;
  size_t size() const { return objects_.size(); }

 private:
  std::map<resources::ObjectKey, nlohmann::json> objects_;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_INFORMER_CACHE_H_
