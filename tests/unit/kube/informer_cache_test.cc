#include "kube/informer_cache.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::kube {
namespace {

using Type = CacheDelta::Type;

nlohmann::json Object(const std::string& name, const std::string& version,
                      const std::string& namespace_name = "ns") {
  return {
      {"metadata", {{"name", name}, {"namespace", namespace_name}, {"resourceVersion", version}}}};
}

struct Change {
  Type type;
  std::string key;
  friend bool operator==(const Change&, const Change&) = default;
};

std::ostream& operator<<(std::ostream& out, const Change& change) {
  return out << static_cast<int>(change.type) << ":" << change.key;
}

std::vector<Change> Changes(const std::vector<CacheDelta>& deltas) {
  std::vector<Change> changes;
  for (const CacheDelta& delta : deltas) changes.push_back({delta.type, delta.key.ToString()});
  return changes;
}

TEST(InformerCacheTest, FirstListAddsEverything) {
  InformerCache cache;
  const auto deltas = cache.Replace({Object("b", "2"), Object("a", "1"), Object("c", "1", "")});
  EXPECT_THAT(Changes(deltas),
              ::testing::ElementsAre(Change{Type::kAdded, "c"}, Change{Type::kAdded, "ns/a"},
                                     Change{Type::kAdded, "ns/b"}));
  EXPECT_EQ(cache.size(), 3U);
  ASSERT_NE(cache.Find({"ns", "a"}), nullptr);
  EXPECT_EQ(cache.Find({"", "c"})->at("metadata").at("resourceVersion"), "1");
}

TEST(InformerCacheTest, RelistReportsDeletionsThatHappenedWhileNotWatching) {
  InformerCache cache;
  cache.Replace({Object("kept", "1"), Object("changed", "1"), Object("deleted", "1")});
  const auto deltas =
      cache.Replace({Object("kept", "1"), Object("changed", "5"), Object("new", "6")});
  EXPECT_THAT(Changes(deltas), ::testing::ElementsAre(Change{Type::kUpdated, "ns/changed"},
                                                      Change{Type::kDeleted, "ns/deleted"},
                                                      Change{Type::kAdded, "ns/new"}));
  // The deleted object's last known state goes with the notification.
  EXPECT_EQ(deltas[1].object["metadata"]["name"], "deleted");
  EXPECT_EQ(deltas[0].old_object["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(deltas[0].object["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(cache.Find({"ns", "deleted"}), nullptr);
  EXPECT_EQ(cache.size(), 3U);
}

TEST(InformerCacheTest, RelistToEmptyDeletesAll) {
  InformerCache cache;
  cache.Replace({Object("a", "1"), Object("b", "1")});
  EXPECT_THAT(Changes(cache.Replace({})), ::testing::ElementsAre(Change{Type::kDeleted, "ns/a"},
                                                                 Change{Type::kDeleted, "ns/b"}));
  EXPECT_EQ(cache.size(), 0U);
}

TEST(InformerCacheTest, NamelessItemsAreIgnored) {
  InformerCache cache;
  const auto deltas =
      cache.Replace({nlohmann::json{{"metadata", {{"namespace", "x"}}}}, 7, Object("a", "1")});
  EXPECT_EQ(deltas.size(), 1U);
}

TEST(InformerCacheTest, WatchEvents) {
  InformerCache cache;
  auto added = cache.Apply(WatchEvent::Type::kAdded, Object("a", "1"));
  ASSERT_TRUE(added);
  EXPECT_EQ(added->type, Type::kAdded);

  // The same version again (a relist and a watch can overlap) changes nothing.
  EXPECT_FALSE(cache.Apply(WatchEvent::Type::kModified, Object("a", "1")));
  EXPECT_FALSE(cache.Apply(WatchEvent::Type::kAdded, Object("a", "1")));

  auto modified = cache.Apply(WatchEvent::Type::kModified, Object("a", "2"));
  ASSERT_TRUE(modified);
  EXPECT_EQ(modified->type, Type::kUpdated);
  EXPECT_EQ(modified->old_object["metadata"]["resourceVersion"], "1");

  // ADDED of a held key is an update; MODIFIED of an unknown one an add.
  EXPECT_EQ(cache.Apply(WatchEvent::Type::kAdded, Object("a", "3"))->type, Type::kUpdated);
  EXPECT_EQ(cache.Apply(WatchEvent::Type::kModified, Object("b", "4"))->type, Type::kAdded);

  auto deleted = cache.Apply(WatchEvent::Type::kDeleted, Object("a", "5"));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->type, Type::kDeleted);
  EXPECT_EQ(deleted->object["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(deleted->old_object["metadata"]["resourceVersion"], "3");
  EXPECT_EQ(cache.Find({"ns", "a"}), nullptr);

  EXPECT_FALSE(
      cache.Apply(WatchEvent::Type::kBookmark, {{"metadata", {{"resourceVersion", "9"}}}}));
  EXPECT_FALSE(cache.Apply(WatchEvent::Type::kError, {{"kind", "Status"}}));
  EXPECT_EQ(cache.List().size(), 1U);
}

}  // namespace
}  // namespace tessera::kube
