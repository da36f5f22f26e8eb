// The Informer's reflector loop against a scripted API server: list, watch,
// resume, relist on 410 (as an ERROR event and as an HTTP answer) with the
// deletions the relist reveals. The waits here are for the informer's own
// thread; the backoff is shortened to a millisecond, so nothing sleeps long.

#include "kube/informer.h"

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/numbers.h"
#include "kube/object_fields.h"
#include "tests/unit/kube/scripted_server.h"

namespace tessera::kube {
namespace {

using test_server::Chunked;
using test_server::Response;
using test_server::ScriptedResponse;
using test_server::ScriptedServer;
using test_server::SeenRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const ResourceType kWidgets{"test.tessera.io", "v1", "widgets", "Widget", true};

std::string Object(const std::string& name, const std::string& version) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"ns","resourceVersion":")" + version +
         R"("}})";
}

std::string List(const std::string& version, const std::vector<std::string>& items) {
  std::string body =
      R"({"kind":"WidgetList","metadata":{"resourceVersion":")" + version + R"("},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) body += (i == 0 ? "" : ",") + items[i];
  return body + "]}";
}

std::string Event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}

// What the handlers saw, waitable.
class Seen {
 public:
  InformerHandlers Handlers() {
    return {.on_change = [this](const ObjectKey& key) { Add("change " + key.name); },
            .on_add = [this](const nlohmann::json& o) { Add("add " + Describe(o)); },
            .on_update = [this](const nlohmann::json&,
                                const nlohmann::json& o) { Add("update " + Describe(o)); },
            .on_delete = [this](const nlohmann::json& o) { Add("delete " + Describe(o)); }};
  }

  bool WaitFor(const std::string& entry) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] {
      return std::find(entries_.begin(), entries_.end(), entry) != entries_.end();
    });
  }

  std::vector<std::string> Entries() {
    const std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  static std::string Describe(const nlohmann::json& object) {
    return MetadataString(object, "name") + "@" + ResourceVersionOf(object);
  }
  void Add(std::string entry) {
    const std::lock_guard lock(mutex_);
    if (entry.starts_with("change ")) return;  // checked separately where it matters
    entries_.push_back(std::move(entry));
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> entries_;
};

InformerOptions FastOptions() {
  InformerOptions options;
  options.namespace_name = "ns";
  options.backoff = {.initial = std::chrono::milliseconds(1), .factor = 1};
  options.random = SeededUniformRandom(3);
  options.logger = Logger({.sink = std::make_shared<CapturingLogSink>()});
  return options;
}

std::unique_ptr<KubeClient> ClientFor(const ScriptedServer& server) {
  auto client = KubeClient::FromConfig({.server = server.url()});
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(client).value();
}

TEST(InformerTest, RelistsAfterAGoneErrorEventAndReportsWhatItDeleted) {
  int lists = 0;
  int watches = 0;
  std::promise<void> second_watch;
  ScriptedServer server([&](const SeenRequest& request) {
    if (request.target.find("watch=1") == std::string::npos) {
      return ++lists == 1
                 ? ScriptedResponse{Response(200, List("10", {Object("a", "5"), Object("b", "6")}))}
                 : ScriptedResponse{
                       Response(200, List("20", {Object("b", "6"), Object("c", "19")}))};
    }
    if (++watches == 1) {
      return ScriptedResponse{Chunked(
          {Event("MODIFIED", Object("a", "11")) +
               Event("BOOKMARK", R"({"kind":"Widget","metadata":{"resourceVersion":"12"}})"),
           Event(
               "ERROR",
               R"({"kind":"Status","apiVersion":"v1","status":"Failure",)"
               R"json("message":"too old resource version: 12 (15)","reason":"Expired","code":410})json"),
           ""})};
    }
    second_watch.set_value();
    return ScriptedResponse{Chunked({}), /*hold_open=*/true};
  });
  auto client = ClientFor(server);
  Seen seen;
  Informer informer(*client, kWidgets, FastOptions(), seen.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(30)));
  ASSERT_TRUE(seen.WaitFor("add c@19"));
  ASSERT_EQ(second_watch.get_future().wait_for(std::chrono::seconds(30)),
            std::future_status::ready);
  EXPECT_THAT(seen.Entries(), ElementsAre("add a@5", "add b@6", "update a@11",
                                          // the relist: a is gone, b unchanged, c new
                                          "delete a@11", "add c@19"));
  EXPECT_EQ(informer.LastSyncResourceVersion(), "20");
  EXPECT_FALSE(informer.Get({"ns", "a"}));
  EXPECT_TRUE(informer.Get({"ns", "c"}));
  informer.Stop();

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4U);
  EXPECT_EQ(requests[0].target, "/apis/test.tessera.io/v1/namespaces/ns/widgets?limit=500");
  EXPECT_THAT(requests[1].target,
              HasSubstr("?watch=1&resourceVersion=10&allowWatchBookmarks=true"));
  EXPECT_EQ(requests[2].target, "/apis/test.tessera.io/v1/namespaces/ns/widgets?limit=500");
  EXPECT_THAT(requests[3].target, HasSubstr("resourceVersion=20"));
  // timeoutSeconds is drawn from [300, 600).
  const size_t at = requests[3].target.find("timeoutSeconds=");
  ASSERT_NE(at, std::string::npos);
  const std::string_view rest = std::string_view(requests[3].target).substr(at + 15);
  const std::optional<int> timeout = ParseInteger<int>(rest.substr(0, rest.find('&')));
  ASSERT_TRUE(timeout.has_value()) << requests[3].target;
  EXPECT_GE(*timeout, 300);
  EXPECT_LT(*timeout, 600);
  const InformerStats stats = informer.stats();
  EXPECT_EQ(stats.lists, 2U);
  EXPECT_EQ(stats.relists, 1U);
}

TEST(InformerTest, ResumesFromTheLastVersionAfterACleanEndAndRelistsOnHttp410) {
  int lists = 0;
  int watches = 0;
  std::promise<void> third_watch;
  ScriptedServer server([&](const SeenRequest& request) {
    if (request.target.find("watch=1") == std::string::npos) {
      ++lists;
      return ScriptedResponse{Response(200, List(lists == 1 ? "10" : "40", {Object("a", "5")}))};
    }
    switch (++watches) {
      case 1:  // the server's timeout: a clean end after a bookmark
        return ScriptedResponse{Chunked(
            {Event("BOOKMARK", R"({"kind":"Widget","metadata":{"resourceVersion":"30"}})"), ""})};
      case 2:  // resuming from 30 is no longer possible
        return ScriptedResponse{Response(
            410,
            R"({"kind":"Status","code":410,"reason":"Gone","message":"too old resource version"})")};
      default:
        if (watches == 3) third_watch.set_value();
        return ScriptedResponse{Chunked({}), true};
    }
  });
  auto client = ClientFor(server);
  Seen seen;
  Informer informer(*client, kWidgets, FastOptions(), seen.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(30)));
  ASSERT_EQ(third_watch.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  informer.Stop();
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5U);
  EXPECT_THAT(requests[1].target, HasSubstr("resourceVersion=10"));
  EXPECT_THAT(requests[2].target, HasSubstr("resourceVersion=30")) << "resumed from the bookmark";
  EXPECT_EQ(requests[3].target.find("watch=1"), std::string::npos) << "relisted after 410";
  EXPECT_THAT(requests[4].target, HasSubstr("resourceVersion=40"));
  EXPECT_THAT(seen.Entries(), ElementsAre("add a@5"));  // the relist changed nothing
  EXPECT_EQ(informer.stats().relists, 1U);
}

TEST(InformerTest, ListFailuresBackOffAndStopIsPrompt) {
  ScriptedServer server([](const SeenRequest&) {
    return ScriptedResponse{Response(
        403,
        R"({"kind":"Status","code":403,"reason":"Forbidden","message":"widgets is forbidden"})")};
  });
  auto client = ClientFor(server);
  InformerOptions options = FastOptions();
  options.backoff.initial = std::chrono::minutes(10);
  Informer informer(*client, kWidgets, options, {.on_change = {}});
  informer.Start();
  // The first list fails; the informer is now in a ten-minute backoff.
  while (informer.stats().errors == 0) std::this_thread::yield();
  const auto stopping = std::chrono::steady_clock::now();
  informer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::minutes(1))
      << "Stop waited out the backoff";
  EXPECT_EQ(server.requests().size(), 1U);
  EXPECT_FALSE(informer.HasSynced());
}

}  // namespace
}  // namespace tessera::kube
