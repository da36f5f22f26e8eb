#include "kube/event_recorder.h"

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/clock.h"
#include "kube/event_series.h"
#include "tests/unit/kube/scripted_server.h"

namespace tessera::kube {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::StartsWith;

EventSeriesKey Key(const std::string& note) {
  return {"serving.tessera.io/v1alpha1\nModelDeployment\nns\nllama\nuid-1", "Unschedulable",
          "Place", note};
}

TEST(EventSeriesTest, RepeatsWithinTheWindowCountIntoTheSeries) {
  FakeClock clock;
  EventSeriesCache series(minutes(10));
  EXPECT_FALSE(series.Observe(Key("no fit"), clock.Now()));
  series.Created(Key("no fit"), "ns", "llama.1", clock.Now());

  clock.Advance(minutes(3));
  auto repeat = series.Observe(Key("no fit"), clock.Now());
  ASSERT_TRUE(repeat);
  EXPECT_EQ(repeat->name, "llama.1");
  EXPECT_EQ(repeat->namespace_name, "ns");
  EXPECT_EQ(repeat->count, 2);

  // The window runs from the last observation, so a steady repeat keeps one series.
  for (int64_t count = 3; count <= 6; ++count) {
    clock.Advance(minutes(9));
    repeat = series.Observe(Key("no fit"), clock.Now());
    ASSERT_TRUE(repeat);
    EXPECT_EQ(repeat->count, count);
  }

  // A different note is a different event.
  EXPECT_FALSE(series.Observe(Key("other"), clock.Now()));

  clock.Advance(minutes(10));
  EXPECT_FALSE(series.Observe(Key("no fit"), clock.Now())) << "the window passed";
  EXPECT_FALSE(series.Observe(Key("no fit"), clock.Now())) << "until created again";
}

TEST(EventSeriesTest, ForgetAndEviction) {
  FakeClock clock;
  EventSeriesCache series(minutes(10), 2);
  series.Created(Key("a"), "ns", "a.1", clock.Now());
  series.Forget(Key("a"));
  EXPECT_FALSE(series.Observe(Key("a"), clock.Now()));

  series.Created(Key("a"), "ns", "a.1", clock.Now());
  clock.Advance(seconds(1));
  series.Created(Key("b"), "ns", "b.1", clock.Now());
  clock.Advance(seconds(1));
  series.Created(Key("c"), "ns", "c.1", clock.Now());  // evicts the oldest, a
  EXPECT_EQ(series.size(), 2U);
  EXPECT_FALSE(series.Observe(Key("a"), clock.Now()));
  EXPECT_TRUE(series.Observe(Key("b"), clock.Now()));
  EXPECT_TRUE(series.Observe(Key("c"), clock.Now()));
}

TEST(EventRecorderTest, NotesAreCutOnACharacterBoundary) {
  EXPECT_EQ(TruncateUtf8("short", 1024), "short");
  const std::string euros = std::string(1022, 'x') + "\xe2\x82\xac";  // 1025 bytes
  EXPECT_EQ(TruncateUtf8(euros, kMaxEventNoteBytes), std::string(1022, 'x'));
  const std::string two = std::string(1023, 'x') + "\xc3\xa9";
  EXPECT_EQ(TruncateUtf8(two, kMaxEventNoteBytes), std::string(1023, 'x'));
  EXPECT_EQ(TruncateUtf8(std::string(2000, 'y'), kMaxEventNoteBytes).size(), 1024U);
}

TEST(EventRecorderTest, NamesAreTheObjectsNameAndAHexSuffix) {
  EXPECT_EQ(EventName("llama-70b", 0x18c2a4f00d3e5a10ULL), "llama-70b.18c2a4f00d3e5a10");
  EXPECT_EQ(EventName("x", 0), "x.0");
  const std::string long_name = EventName(std::string(300, 'a'), 0xffffffffffffffffULL);
  EXPECT_EQ(long_name.size(), 253U);
  EXPECT_EQ(EventName(std::string(236, 'a') + "-b", 0xffffffffffffffffULL),
            std::string(236, 'a') + ".ffffffffffffffff");
}

TEST(EventRecorderTest, BuildsAnEventsV1Event) {
  FakeClock clock;
  clock.Advance(std::chrono::microseconds(1234567));
  const EventReference regarding{
      "serving.tessera.io/v1alpha1", "ModelDeployment", "serving", "llama", "uid-1", "42"};
  const nlohmann::json event =
      BuildEvent(regarding, EventType::kWarning, "Unschedulable", "Place", std::string(1500, 'n'),
                 "llama.abc", clock.WallNow(), "tessera.io/controller", "controller-0");
  EXPECT_EQ(event["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(event["kind"], "Event");
  EXPECT_EQ(event["metadata"]["name"], "llama.abc");
  EXPECT_EQ(event["metadata"]["namespace"], "serving");
  EXPECT_EQ(event["eventTime"], "2026-01-01T00:00:01.234567Z");
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "Unschedulable");
  EXPECT_EQ(event["action"], "Place");
  EXPECT_EQ(event["note"].get<std::string>().size(), 1024U);
  EXPECT_EQ(event["reportingController"], "tessera.io/controller");
  EXPECT_EQ(event["reportingInstance"], "controller-0");
  EXPECT_EQ(event["regarding"], nlohmann::json({{"apiVersion", "serving.tessera.io/v1alpha1"},
                                                {"kind", "ModelDeployment"},
                                                {"namespace", "serving"},
                                                {"name", "llama"},
                                                {"uid", "uid-1"},
                                                {"resourceVersion", "42"}}));
  EXPECT_FALSE(event.contains("series"));
}

TEST(EventRecorderTest, ClusterScopedObjectsEventsGoToDefault) {
  const EventReference node = EventReference::To(
      {{"apiVersion", "serving.tessera.io/v1alpha1"},
       {"kind", "GPUNode"},
       {"metadata", {{"name", "node-a"}, {"uid", "u"}, {"resourceVersion", "3"}}}});
  EXPECT_EQ(node.kind, "GPUNode");
  EXPECT_EQ(node.name, "node-a");
  EXPECT_EQ(EventNamespace(node), "default");
  const nlohmann::json event = BuildEvent(node, EventType::kNormal, "Ready", "Heartbeat", "ok",
                                          "node-a.1", FakeClock().WallNow(), "c", "i");
  EXPECT_EQ(event["metadata"]["namespace"], "default");
  EXPECT_FALSE(event["regarding"].contains("namespace"));
  EXPECT_EQ(event["type"], "Normal");
}

TEST(EventRecorderTest, SeriesPatch) {
  FakeClock clock;
  EXPECT_EQ(SeriesPatch(3, clock.WallNow()),
            nlohmann::json::parse(
                R"({"series":{"count":3,"lastObservedTime":"2026-01-01T00:00:00.000000Z"}})"));
  EXPECT_THAT(SeriesPatch(2, clock.WallNow()).dump(), StartsWith("{\"series\""));
}

TEST(EventRecorderTest, RepeatsPatchTheSeriesAndAVanishedEventIsRecreated) {
  using test_server::Response;
  using test_server::ScriptedResponse;
  using test_server::SeenRequest;
  int patches = 0;
  test_server::ScriptedServer server([&](const SeenRequest& request) {
    if (request.method == "POST") return ScriptedResponse{Response(201, request.body)};
    if (++patches == 2) {
      return ScriptedResponse{
          Response(404, R"({"kind":"Status","code":404,"reason":"NotFound","message":"expired"})")};
    }
    return ScriptedResponse{Response(200, "{}")};
  });
  auto client = KubeClient::FromConfig({.server = server.url()});
  ASSERT_TRUE(client.ok()) << client.status();
  FakeClock clock;
  EventRecorder recorder(**client, {.reporting_instance = "unit-test", .clock = &clock});
  const EventReference regarding{
      "serving.tessera.io/v1alpha1", "ModelDeployment", "ns", "llama", "uid-1", "7"};
  for (int i = 0; i < 3; ++i) {
    recorder.Record(regarding, EventType::kWarning, "Unschedulable", "Place", "no fit");
    clock.Advance(minutes(1));
  }
  clock.Advance(minutes(11));  // the series window has passed
  recorder.Record(regarding, EventType::kWarning, "Unschedulable", "Place", "no fit");
  ASSERT_TRUE(recorder.Flush(std::chrono::seconds(30)));
  EXPECT_EQ(recorder.written(), 4U);
  EXPECT_EQ(recorder.failed(), 0U);

  const auto requests = server.requests();
  std::vector<std::string> methods;
  for (const auto& request : requests) methods.push_back(request.method);
  // create; count 2; count 3 finds the Event expired, so create again; the
  // window passes, so create again.
  EXPECT_THAT(methods, ::testing::ElementsAre("POST", "PATCH", "PATCH", "POST", "POST"));
  const auto first = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(requests[0].target, "/apis/events.k8s.io/v1/namespaces/ns/events");
  EXPECT_EQ(first["eventTime"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(first["reportingInstance"], "unit-test");
  EXPECT_EQ(requests[1].target, "/apis/events.k8s.io/v1/namespaces/ns/events/" +
                                    first["metadata"]["name"].get<std::string>());
  EXPECT_EQ(requests[1].headers.at("content-type"), "application/merge-patch+json");
  EXPECT_EQ(nlohmann::json::parse(requests[1].body),
            SeriesPatch(2, FakeClock::kDefaultWallStart + minutes(1)));
  EXPECT_EQ(nlohmann::json::parse(requests[2].body)["series"]["count"], 3);
  const auto recreated = nlohmann::json::parse(requests[3].body);
  EXPECT_NE(recreated["metadata"]["name"], first["metadata"]["name"]);
  EXPECT_FALSE(recreated.contains("series"));
}

}  // namespace
}  // namespace tessera::kube
