// An Informer against a real kube-apiserver: adds, updates and deletes arrive
// through the watch; a deletion made while the informer is not watching is
// found by its relist; short watch timeouts resume without relisting.

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/informer.h"
#include "kube/object_fields.h"
#include "tests/integration/kube/kube_test_environment.h"

namespace tessera::kube::integration {
namespace {

using std::chrono::seconds;

// What the handlers saw, in order, as "add ns/name", "update ...", "delete ...".
class Recorder {
 public:
  InformerHandlers Handlers() {
    return {
        .on_change = [this](const ObjectKey& key) { Add("change " + key.name); },
        .on_add = [this](const nlohmann::json& object) { Add("add " + Name(object)); },
        .on_update = [this](const nlohmann::json&,
                            const nlohmann::json& object) { Add("update " + Name(object)); },
        .on_delete = [this](const nlohmann::json& object) { Add("delete " + Name(object)); },
    };
  }

  bool Saw(const std::string& entry) const {
    const std::lock_guard lock(mutex_);
    return std::find(entries_.begin(), entries_.end(), entry) != entries_.end();
  }

  std::string All() const {
    const std::lock_guard lock(mutex_);
    std::string all;
    for (const std::string& entry : entries_) all += entry + "; ";
    return all;
  }

 private:
  static std::string Name(const nlohmann::json& object) { return MetadataString(object, "name"); }
  void Add(std::string entry) {
    const std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }

  mutable std::mutex mutex_;
  std::vector<std::string> entries_;
};

class InformerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TESSERA_REQUIRE_KUBE();
    client_ = MakeClient(*TokenKubeconfigPath());
    ASSERT_NE(client_, nullptr);
    const Status ready = EnsureTestResources(*client_);
    ASSERT_TRUE(ready.ok()) << ready;
  }

  std::unique_ptr<KubeClient> client_;
};

TEST_F(InformerIntegrationTest, SeesChangesAndDeletionsAfterRelist) {
  const std::string run = UniqueName("inf");
  const auto labels = std::map<std::string, std::string>{{"run", run}};
  const std::string existing = run + "-existing";
  const std::string fresh = run + "-fresh";
  const std::string doomed = run + "-doomed";
  const std::string born_while_stopped = run + "-late";
  ASSERT_TRUE(client_->Create(Gadgets(), kNamespace, Gadget(existing, 1, labels)).ok());
  ASSERT_TRUE(client_->Create(Gadgets(), kNamespace, Gadget(doomed, 1, labels)).ok());

  Recorder recorder;
  InformerOptions options;
  options.namespace_name = std::string(kNamespace);
  options.label_selector = "run=" + run;
  options.page_size = 1;                   // the first list is paginated
  options.min_watch_timeout = seconds(1);  // watches expire every 1-2s and resume
  options.random = SeededUniformRandom(1);
  Informer informer(*client_, Gadgets(), options, recorder.Handlers());
  EXPECT_FALSE(informer.HasSynced());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(30)));
  EXPECT_TRUE(recorder.Saw("add " + existing)) << recorder.All();
  EXPECT_TRUE(recorder.Saw("change " + existing));
  EXPECT_EQ(informer.List().size(), 2U);

  // Through the watch.
  ASSERT_TRUE(client_->Create(Gadgets(), kNamespace, Gadget(fresh, 1, labels)).ok());
  ASSERT_TRUE(Eventually([&] { return recorder.Saw("add " + fresh); }, std::chrono::seconds(30)))
      << recorder.All();
  ASSERT_TRUE(client_
                  ->Patch(Gadgets(), {std::string(kNamespace), fresh},
                          {{"spec", {{"replicas", 7}}}}, PatchType::kMerge)
                  .ok());
  ASSERT_TRUE(Eventually([&] { return recorder.Saw("update " + fresh); }, std::chrono::seconds(30)))
      << recorder.All();
  ASSERT_TRUE(Eventually(
      [&] {
        const auto cached = informer.Get({std::string(kNamespace), fresh});
        return cached && (*cached)["spec"]["replicas"] == 7;
      },
      std::chrono::seconds(5)));
  ASSERT_TRUE(client_->Delete(Gadgets(), {std::string(kNamespace), fresh}).ok());
  ASSERT_TRUE(Eventually([&] { return recorder.Saw("delete " + fresh); }, std::chrono::seconds(30)))
      << recorder.All();
  EXPECT_FALSE(informer.Get({std::string(kNamespace), fresh}));

  // Let a few short watches expire: each is resumed, none relists.
  ASSERT_TRUE(
      Eventually([&] { return informer.stats().watch_resumes >= 2; }, std::chrono::seconds(30)));
  EXPECT_EQ(informer.stats().relists, 0U);

  // While the informer is down: a deletion (no watch will ever report it)
  // and a creation. The relist on restart must find both.
  informer.Stop();
  ASSERT_TRUE(client_->Delete(Gadgets(), {std::string(kNamespace), doomed}).ok());
  ASSERT_TRUE(client_->Create(Gadgets(), kNamespace, Gadget(born_while_stopped, 1, labels)).ok());
  EXPECT_TRUE(informer.Get({std::string(kNamespace), doomed})) << "the cache is kept while stopped";
  informer.Start();
  ASSERT_TRUE(
      Eventually([&] { return recorder.Saw("delete " + doomed); }, std::chrono::seconds(30)))
      << recorder.All();
  EXPECT_TRUE(recorder.Saw("change " + doomed));
  ASSERT_TRUE(Eventually([&] { return recorder.Saw("add " + born_while_stopped); },
                         std::chrono::seconds(30)))
      << recorder.All();
  EXPECT_FALSE(informer.Get({std::string(kNamespace), doomed}));
  EXPECT_EQ(informer.List().size(), 2U);
  EXPECT_GE(informer.stats().relists, 1U);
  informer.Stop();
  const InformerStats stats = informer.stats();
  std::printf("informer: %llu lists, %llu watches, %llu resumed, %llu errors\n",
              static_cast<unsigned long long>(stats.lists),
              static_cast<unsigned long long>(stats.watches),
              static_cast<unsigned long long>(stats.watch_resumes),
              static_cast<unsigned long long>(stats.errors));
}

TEST_F(InformerIntegrationTest, ClusterScopedTypes) {
  Informer informer(*client_, resource_types::Namespaces(), {}, {});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(30)));
  EXPECT_TRUE(informer.Get({"", "default"}));
  EXPECT_TRUE(informer.Get({"", std::string(kNamespace)}));
  informer.Stop();
}

TEST_F(InformerIntegrationTest, StopDuringBackoffIsPrompt) {
  // A type the server does not serve: every list fails and the informer
  // backs off; Stop() must not wait the backoff out.
  const ResourceType missing{"test.tessera.io", "v1", "nonexistents", "Nonexistent", true};
  Informer informer(*client_, missing, {.namespace_name = std::string(kNamespace)}, {});
  informer.Start();
  ASSERT_TRUE(Eventually([&] { return informer.stats().errors >= 1; }, std::chrono::seconds(10)));
  const auto started = std::chrono::steady_clock::now();
  informer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_FALSE(informer.HasSynced());
}

}  // namespace
}  // namespace tessera::kube::integration
