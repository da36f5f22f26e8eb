#include "controller/store/directory_store.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/file.h"
#include "controller/store/events/directory_events.h"
#include "tests/unit/controller/fake_fleet.h"

namespace tessera::controller {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using resources::ObjectKey;

constexpr std::string_view kManifest = R"(apiVersion: serving.tessera.io/v1alpha1
kind: ModelDeployment
metadata:
  name: llama-8b
spec:
  model:
    source: meta-llama/Llama-3.1-8B-Instruct
  engine:
    kind: sim
  mode: disaggregated
  prefill:
    replicas: 1
  decode:
    replicas: 2
)";

ObjectKey Key() { return {.namespace_name = "default", .name = "llama-8b"}; }

fs::path MakeTemporaryDirectory() {
  std::string pattern = "/tmp/tessera-directory-store-test-XXXXXX";
  return mkdtemp(pattern.data());
}

class DirectoryStoreEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteFileAtomically(directory_ / "quickstart.yaml", kManifest).ok());
    ASSERT_TRUE(store_.Rescan().ok());
  }
  void TearDown() override { fs::remove_all(directory_); }

  DeploymentRecord Record() const { return store_.Get(Key()).value(); }

  std::string EventsFile() const {
    StatusOr<std::string> text = ReadFile(directory_ / "default.llama-8b.events.jsonl");
    return text.ok() ? *text : text.status().message();
  }

  // Made before the store, which takes its path.
  fs::path directory_ = MakeTemporaryDirectory();
  FakeClock clock_;
  DirectoryDeploymentStore store_{{.directory = directory_}, testing::QuietLogger(), clock_};
};

TEST_F(DirectoryStoreEventsTest, WritesOneLinePerEventInTheApiShape) {
  store_.RecordEvent(Record(), EventType::kNormal, "WorkerCreated", "started w-0 on node-a");
  EXPECT_EQ(EventsFile(),
            R"({"count":1,"deployment":"default/llama-8b","firstTime":"2026-01-01T00:00:00Z",)"
            R"("lastTime":"2026-01-01T00:00:00Z","message":"started w-0 on node-a",)"
            R"("reason":"WorkerCreated","type":"Normal"})"
            "\n");
  EXPECT_EQ(store_.EventsPath(Key()), directory_ / "default.llama-8b.events.jsonl");
}

TEST_F(DirectoryStoreEventsTest, ARepeatOfTheNewestEventIsCountedNotAdded) {
  store_.RecordEvent(Record(), EventType::kWarning, "AgentRejected", "node-a: no");
  clock_.Advance(std::chrono::seconds(5));
  store_.RecordEvent(Record(), EventType::kWarning, "AgentRejected", "node-a: no");
  StatusOr<std::vector<json>> events = ReadDeploymentEvents(directory_, Key());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1U);
  EXPECT_EQ((*events)[0]["count"], 2);
  EXPECT_EQ((*events)[0]["type"], "Warning");
  EXPECT_EQ((*events)[0]["firstTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ((*events)[0]["lastTime"], "2026-01-01T00:00:05Z");

  // Same reason, another message: a new event. Then the first again: it is
  // no longer the newest, so it is added, not counted.
  store_.RecordEvent(Record(), EventType::kWarning, "AgentRejected", "node-b: no");
  store_.RecordEvent(Record(), EventType::kWarning, "AgentRejected", "node-a: no");
  events = ReadDeploymentEvents(directory_, Key());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3U);
  EXPECT_EQ((*events)[1]["message"], "node-b: no");
  EXPECT_EQ((*events)[2]["count"], 1);
}

TEST_F(DirectoryStoreEventsTest, KeepsTheNewestHundredEvents) {
  for (int i = 0; i < 130; ++i) {
    store_.RecordEvent(Record(), EventType::kNormal, "WorkerCreated", "w-" + std::to_string(i));
  }
  StatusOr<std::vector<json>> events = ReadDeploymentEvents(directory_, Key());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), kMaxEventsPerDeployment);
  EXPECT_EQ(events->front()["message"], "w-30");
  EXPECT_EQ(events->back()["message"], "w-129");
}

TEST_F(DirectoryStoreEventsTest, TheEventsFileIsNeverReadAsAManifest) {
  store_.RecordEvent(Record(), EventType::kNormal, "WorkerCreated", "started w-0");
  // An events file whose deployment has no manifest (the manifest of
  // another, older run) must not become a deployment either.
  ASSERT_TRUE(WriteFileAtomically(directory_ / "default.other.events.jsonl", EventsFile()).ok());
  ASSERT_TRUE(store_.Rescan().ok());
  EXPECT_EQ(store_.Keys(), std::vector<ObjectKey>{Key()});
  EXPECT_TRUE(store_.Get(Key())->error.ok());
}

TEST_F(DirectoryStoreEventsTest, RemovingTheManifestRemovesTheEventsFile) {
  const DeploymentRecord record = Record();
  store_.RecordEvent(record, EventType::kNormal, "WorkerCreated", "started w-0");
  ASSERT_TRUE(fs::exists(store_.EventsPath(Key())));
  ASSERT_TRUE(store_.WriteStatus(record, {}).ok());
  fs::remove(directory_ / "quickstart.yaml");
  ASSERT_TRUE(store_.Rescan().ok());
  EXPECT_FALSE(fs::exists(store_.EventsPath(Key())));
  EXPECT_FALSE(fs::exists(store_.StatusPath(Key())));

  // Draining the removed deployment records events; they must not bring its
  // file back.
  store_.RecordEvent(record, EventType::kNormal, "WorkerRemoved", "removed w-0");
  EXPECT_FALSE(fs::exists(store_.EventsPath(Key())));

  // Put back, it starts with no events of its past.
  ASSERT_TRUE(WriteFileAtomically(directory_ / "quickstart.yaml", kManifest).ok());
  ASSERT_TRUE(store_.Rescan().ok());
  store_.RecordEvent(Record(), EventType::kNormal, "WorkerCreated", "started w-1");
  StatusOr<std::vector<json>> events = ReadDeploymentEvents(directory_, Key());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1U);
  EXPECT_EQ((*events)[0]["message"], "started w-1");
}

TEST_F(DirectoryStoreEventsTest, ARestartedStoreContinuesTheFile) {
  store_.RecordEvent(Record(), EventType::kNormal, "Ready", "every role is ready");
  clock_.Advance(std::chrono::minutes(1));
  DirectoryDeploymentStore restarted({.directory = directory_}, testing::QuietLogger(), clock_);
  ASSERT_TRUE(restarted.Rescan().ok());
  restarted.RecordEvent(*restarted.Get(Key()), EventType::kNormal, "Ready", "every role is ready");
  StatusOr<std::vector<json>> events = ReadDeploymentEvents(directory_, Key());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1U);
  EXPECT_EQ((*events)[0]["count"], 2);
  EXPECT_EQ((*events)[0]["lastTime"], "2026-01-01T00:01:00Z");
}

TEST_F(DirectoryStoreEventsTest, AnUnreadableEventsFileIsStartedAnew) {
  ASSERT_TRUE(WriteFileAtomically(store_.EventsPath(Key()), "not json\n").ok());
  store_.RecordEvent(Record(), EventType::kNormal, "WorkerCreated", "started w-0");
  StatusOr<std::vector<json>> events = ReadDeploymentEvents(directory_, Key());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), 1U);
}

class DirectoryEventsTest : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(directory_); }

  fs::path directory_ = MakeTemporaryDirectory();
};

TEST_F(DirectoryEventsTest, NoFileIsNoEvents) {
  StatusOr<std::vector<json>> events = ReadDeploymentEvents(directory_, Key());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());
  StatusOr<std::vector<json>> all = ReadAllDeploymentEvents(directory_);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(all->empty());
}

TEST_F(DirectoryEventsTest, ReadsEveryDeploymentsEventsOldestFirst) {
  const auto at = [](int seconds) {
    return std::chrono::system_clock::time_point(FakeClock::kDefaultWallStart) +
           std::chrono::seconds(seconds);
  };
  const ObjectKey other{.namespace_name = "team", .name = "qwen"};
  std::vector<json> llama;
  AddDeploymentEvent(llama, Key(), {.type = "Normal", .reason = "A", .message = "a", .now = at(1)});
  AddDeploymentEvent(llama, Key(), {.type = "Normal", .reason = "C", .message = "c", .now = at(3)});
  std::vector<json> qwen;
  AddDeploymentEvent(qwen, other, {.type = "Normal", .reason = "B", .message = "b", .now = at(2)});
  AddDeploymentEvent(qwen, other, {.type = "Normal", .reason = "D", .message = "d", .now = at(3)});
  ASSERT_TRUE(WriteFileAtomically(DeploymentEventsPath(directory_, Key()),
                                  DeploymentEventsToJsonLines(llama))
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(DeploymentEventsPath(directory_, other),
                                  DeploymentEventsToJsonLines(qwen))
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(directory_ / "quickstart.yaml", kManifest).ok());

  StatusOr<std::vector<json>> all = ReadAllDeploymentEvents(directory_);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> reasons;
  for (const json& event : *all) reasons.push_back(event["reason"]);
  // C and D share a second: the files' name order decides.
  EXPECT_EQ(reasons, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ((*all)[1]["deployment"], "team/qwen");
}

TEST_F(DirectoryEventsTest, ABadLineIsNamedByFileAndLine) {
  const std::string good =
      R"({"count":1,"deployment":"default/llama-8b","firstTime":"2026-01-01T00:00:00Z",)"
      R"("lastTime":"2026-01-01T00:00:00Z","message":"m","reason":"R","type":"Normal"})";
  struct Case {
    std::string line;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"{not json", "default.llama-8b.events.jsonl:3: not JSON"},
      {"[1, 2]", "default.llama-8b.events.jsonl:3: must be a JSON object, got array of 2 elements"},
      {R"({"deployment":"default/llama-8b"})", "default.llama-8b.events.jsonl:3.type: is required"},
      {R"({"count":0,"deployment":"d","firstTime":"x","lastTime":"x","message":"m",)"
       R"("reason":"R","type":"Normal"})",
       "default.llama-8b.events.jsonl:3.count"},
      {R"({"count":1,"deployment":"d","firstTime":"yesterday","lastTime":"x","message":"m",)"
       R"("reason":"R","type":"Normal"})",
       "default.llama-8b.events.jsonl:3.firstTime: "},
  };
  for (const Case& test : cases) {
    ASSERT_TRUE(WriteFileAtomically(DeploymentEventsPath(directory_, Key()),
                                    good + "\n\n" + test.line + "\n")
                    .ok());
    StatusOr<std::vector<json>> events = ReadDeploymentEvents(directory_, Key());
    ASSERT_FALSE(events.ok()) << test.line;
    EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(events.status().message().starts_with(test.error)) << events.status();
    EXPECT_FALSE(ReadAllDeploymentEvents(directory_).ok()) << test.line;
  }
}

}  // namespace
}  // namespace tessera::controller
