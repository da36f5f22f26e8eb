// EventRecorder against a real kube-apiserver: the Event is accepted by its
// validation, found by a list, and a repeat counts into its series.

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/event_recorder.h"
#include "kube/object_fields.h"
#include "tests/integration/kube/kube_test_environment.h"

namespace tessera::kube::integration {
namespace {

class EventRecorderIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TESSERA_REQUIRE_KUBE();
    client_ = MakeClient(*TokenKubeconfigPath());
    ASSERT_NE(client_, nullptr);
    const Status ready = EnsureTestResources(*client_);
    ASSERT_TRUE(ready.ok()) << ready;
  }

  std::vector<nlohmann::json> EventsAbout(const std::string& name) {
    auto list = client_->List(resource_types::Events(), kNamespace,
                              {.field_selector = "regarding.name=" + name});
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return {};
    return (*list)["items"].get<std::vector<nlohmann::json>>();
  }

  std::unique_ptr<KubeClient> client_;
};

TEST_F(EventRecorderIntegrationTest, RecordsAndCountsRepeatsIntoASeries) {
  const std::string name = UniqueName("evented");
  auto gadget = client_->Create(Gadgets(), kNamespace, Gadget(name, 1));
  ASSERT_TRUE(gadget.ok()) << gadget.status();

  EventRecorder recorder(*client_, {.reporting_instance = "kube-integration-test"});
  const EventReference regarding = EventReference::To(*gadget);
  recorder.Record(regarding, EventType::kWarning, "Unschedulable", "Place",
                  "decode: needs 8 partitions of 21.3 GiB (cpx) on one node; largest free group: 2 "
                  "on node-b" +
                      std::string(2000, '!'));
  ASSERT_TRUE(recorder.Flush(std::chrono::seconds(30)));
  EXPECT_EQ(recorder.failed(), 0U);
  auto events = EventsAbout(name);
  ASSERT_EQ(events.size(), 1U);
  const nlohmann::json& event = events[0];
  EXPECT_EQ(event["reason"], "Unschedulable");
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["action"], "Place");
  EXPECT_EQ(event["reportingController"], "tessera.io/controller");
  EXPECT_EQ(event["reportingInstance"], "kube-integration-test");
  EXPECT_EQ(event["regarding"]["kind"], "Gadget");
  EXPECT_EQ(event["regarding"]["uid"], MetadataString(*gadget, "uid"));
  EXPECT_EQ(event["note"].get<std::string>().size(), kMaxEventNoteBytes);
  EXPECT_THAT(MetadataString(event, "name"), ::testing::StartsWith(name + "."));
  EXPECT_FALSE(event.contains("series"));

  // The same event twice more: one Event object, series count 3.
  for (int i = 0; i < 2; ++i) {
    recorder.Record(regarding, EventType::kWarning, "Unschedulable", "Place",
                    "decode: needs 8 partitions of 21.3 GiB (cpx) on one node; largest free "
                    "group: 2 on node-b" +
                        std::string(2000, '!'));
  }
  // A different note is a different event.
  recorder.Record(regarding, EventType::kNormal, "Placed", "Place", "all workers placed");
  ASSERT_TRUE(recorder.Flush(std::chrono::seconds(30)));
  EXPECT_EQ(recorder.failed(), 0U);
  EXPECT_EQ(recorder.written(), 4U);
  EXPECT_EQ(recorder.dropped(), 0U);
  events = EventsAbout(name);
  ASSERT_EQ(events.size(), 2U);
  const auto repeated = std::find_if(events.begin(), events.end(),
                                     [](const auto& e) { return e["reason"] == "Unschedulable"; });
  ASSERT_NE(repeated, events.end());
  EXPECT_EQ((*repeated)["series"]["count"], 3);
  EXPECT_TRUE((*repeated)["series"].contains("lastObservedTime"));
  // Printed for tests/e2e/test_kube_client.py, which looks for it with kubectl.
  std::printf("recorded event %s/%s\n", std::string(kNamespace).c_str(),
              MetadataString(*repeated, "name").c_str());
}

TEST_F(EventRecorderIntegrationTest, ClusterScopedObjectsEventsGoToDefault) {
  auto ns = client_->Get(resource_types::Namespaces(), {"", std::string(kNamespace)});
  ASSERT_TRUE(ns.ok());
  EventRecorder recorder(*client_, {.reporting_instance = "kube-integration-test"});
  recorder.Record(EventReference::To(*ns), EventType::kNormal, "Observed", "Watch",
                  "namespace seen by the integration test");
  ASSERT_TRUE(recorder.Flush(std::chrono::seconds(30)));
  EXPECT_EQ(recorder.failed(), 0U);
  EXPECT_EQ(recorder.written(), 1U);
}

TEST_F(EventRecorderIntegrationTest, AFullQueueDropsInsteadOfBlocking) {
  EventRecorder recorder(*client_,
                         {.reporting_instance = "kube-integration-test", .queue_capacity = 2});
  const EventReference regarding{"v1", "Namespace", "", std::string(kNamespace), "", ""};
  for (int i = 0; i < 50; ++i) {
    recorder.Record(regarding, EventType::kNormal, "Burst", "Test", "event " + std::to_string(i));
  }
  ASSERT_TRUE(recorder.Flush(std::chrono::seconds(60)));
  EXPECT_GT(recorder.dropped(), 0U);
  EXPECT_EQ(recorder.dropped() + recorder.written() + recorder.failed(), 50U);
}

}  // namespace
}  // namespace tessera::kube::integration
