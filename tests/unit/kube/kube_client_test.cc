// KubeClient against a scripted HTTP server on a loopback socket: what goes
// on the wire (paths, queries, headers, bodies) and how answers come back.
// The real API server is exercised by tests/integration/kube/.

#include "kube/kube_client.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/file.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "tests/unit/kube/scripted_server.h"

namespace tessera::kube {
namespace {

using test_server::Chunked;
using test_server::Response;
using test_server::ScriptedResponse;
using test_server::ScriptedServer;
using test_server::SeenRequest;
using ::testing::HasSubstr;

std::unique_ptr<KubeClient> ClientFor(const ScriptedServer& server, KubeConfig config = {},
                                      KubeClientOptions options = {}) {
  config.server = server.url();
  auto client = KubeClient::FromConfig(std::move(config), std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(client).value();
}

const ResourceType kWidgets{"test.tessera.io", "v1", "widgets", "Widget", true};

TEST(KubeClientTest, GetSendsTokenAndAcceptsJson) {
  ScriptedServer server([](const SeenRequest&) {
    return ScriptedResponse{Response(200, R"({"metadata":{"name":"a","resourceVersion":"3"}})")};
  });
  KubeConfig config;
  config.token = "s3cret";
  auto client = ClientFor(server, config);
  const auto object = client->Get(kWidgets, {"ns", "a"});
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ((*object)["metadata"]["resourceVersion"], "3");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/apis/test.tessera.io/v1/namespaces/ns/widgets/a");
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer s3cret");
  EXPECT_EQ(requests[0].headers.at("accept"), "application/json");
  EXPECT_EQ(requests[0].headers.at("user-agent"), "tessera");
}

TEST(KubeClientTest, ErrorsAreMappedWithTheServersMessage) {
  ScriptedServer server([](const SeenRequest&) {
    return ScriptedResponse{Response(
        409,
        R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409,)"
        R"("message":"Operation cannot be fulfilled on widgets.test.tessera.io \"a\": the object has been modified"})")};
  });
  auto client = ClientFor(server);
  const auto updated = client->Update(
      kWidgets, {{"metadata", {{"name", "a"}, {"namespace", "ns"}, {"resourceVersion", "1"}}}});
  EXPECT_EQ(updated.status().code(), StatusCode::kAborted);
  EXPECT_EQ(updated.status().message(),
            "PUT /apis/test.tessera.io/v1/namespaces/ns/widgets/a: Operation cannot be fulfilled "
            "on widgets.test.tessera.io \"a\": the object has been modified (HTTP 409 Conflict)");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(requests[0].body)["metadata"]["resourceVersion"], "1");
}

TEST(KubeClientTest, A401ReReadsTheTokenFileAndRetriesOnce) {
  char pattern[] = "/tmp/tessera-client-token-XXXXXX";
  const std::filesystem::path directory = mkdtemp(pattern);
  const std::filesystem::path token_file = directory / "token";
  ASSERT_TRUE(WriteFileAtomically(token_file, "old-token").ok());
  ScriptedServer server([](const SeenRequest& request) {
    return request.headers.at("authorization") == "Bearer new-token"
               ? ScriptedResponse{Response(200, "{}")}
               : ScriptedResponse{Response(
                     401,
                     R"({"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"})")};
  });
  FakeClock clock;  // never advances: only the 401 may cause a re-read
  KubeConfig config;
  config.token = "old-token";
  config.token_file = token_file.string();
  auto client = ClientFor(server, config, {.clock = &clock});
  ASSERT_TRUE(client->Get(kWidgets, {"ns", "a"}).status().code() == StatusCode::kUnauthenticated);
  EXPECT_EQ(server.requests().size(), 1U) << "an unchanged token is not retried";

  ASSERT_TRUE(WriteFileAtomically(token_file, "new-token\n").ok());
  const auto object = client->Get(kWidgets, {"ns", "a"});
  EXPECT_TRUE(object.ok()) << object.status();
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[1].headers.at("authorization"), "Bearer old-token");
  EXPECT_EQ(requests[2].headers.at("authorization"), "Bearer new-token");
  std::filesystem::remove_all(directory);
}

TEST(KubeClientTest, ListFollowsContinueTokens) {
  ScriptedServer server([](const SeenRequest& request) {
    if (request.target.find("continue=") == std::string::npos) {
      return ScriptedResponse{Response(
          200,
          R"({"kind":"WidgetList","metadata":{"resourceVersion":"77","continue":"p2","remainingItemCount":1},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})")};
    }
    return ScriptedResponse{Response(
        200,
        R"({"kind":"WidgetList","metadata":{"resourceVersion":"77"},"items":[{"metadata":{"name":"c"}}]})")};
  });
  auto client = ClientFor(server);
  const auto list = client->List(kWidgets, "ns", {.label_selector = "app in (x,y)", .limit = 2});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ((*list)["items"].size(), 3U);
  EXPECT_EQ((*list)["items"][2]["metadata"]["name"], "c");
  EXPECT_EQ((*list)["metadata"], nlohmann::json({{"resourceVersion", "77"}}));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].target,
            "/apis/test.tessera.io/v1/namespaces/ns/"
            "widgets?labelSelector=app%20in%20%28x%2Cy%29&limit=2");
  EXPECT_EQ(requests[1].target,
            "/apis/test.tessera.io/v1/namespaces/ns/"
            "widgets?labelSelector=app%20in%20%28x%2Cy%29&limit=2&continue=p2");
}

TEST(KubeClientTest, ExpiredContinueTokenFallsBackToOneFullList) {
  ScriptedServer server([](const SeenRequest& request) {
    if (request.target.find("continue=") != std::string::npos) {
      return ScriptedResponse{Response(
          410,
          R"({"kind":"Status","code":410,"reason":"Expired","message":"The provided continue parameter is too old"})")};
    }
    if (request.target.find("limit=") != std::string::npos) {
      return ScriptedResponse{Response(
          200,
          R"({"metadata":{"resourceVersion":"5","continue":"t"},"items":[{"metadata":{"name":"a"}}]})")};
    }
    return ScriptedResponse{Response(
        200,
        R"({"metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})")};
  });
  auto client = ClientFor(server);
  const auto list = client->List(kWidgets, "", {.limit = 1});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ((*list)["items"].size(), 2U);
  EXPECT_EQ((*list)["metadata"]["resourceVersion"], "9");
  EXPECT_EQ(server.requests().size(), 3U);
  EXPECT_EQ(server.requests()[2].target, "/apis/test.tessera.io/v1/widgets");
}

TEST(KubeClientTest, PatchDeleteAndStatusRequests) {
  ScriptedServer server([](const SeenRequest&) { return ScriptedResponse{Response(200, "{}")}; });
  auto client = ClientFor(server);
  ASSERT_TRUE(
      client
          ->Patch(kWidgets, {"ns", "a"}, {{"status", {{"ready", 1}}}}, PatchType::kMerge, "status")
          .ok());
  ASSERT_TRUE(client->Patch(kWidgets, {"ns", "a"}, nlohmann::json::array(), PatchType::kJson).ok());
  ASSERT_TRUE(
      client
          ->Delete(kWidgets, {"ns", "a"},
                   {.resource_version = "4", .uid = "u-1", .propagation_policy = "Foreground"})
          .ok());
  ASSERT_TRUE(
      client->UpdateStatus(kWidgets, {{"metadata", {{"name", "a"}, {"namespace", "ns"}}}}).ok());
  ASSERT_TRUE(
      client->Create(kWidgets, "", {{"metadata", {{"name", "b"}, {"namespace", "other"}}}}).ok());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5U);
  EXPECT_EQ(requests[0].method, "PATCH");
  EXPECT_EQ(requests[0].target, "/apis/test.tessera.io/v1/namespaces/ns/widgets/a/status");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/merge-patch+json");
  EXPECT_EQ(requests[1].headers.at("content-type"), "application/json-patch+json");
  EXPECT_EQ(requests[2].method, "DELETE");
  EXPECT_EQ(nlohmann::json::parse(requests[2].body),
            nlohmann::json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1",
                "preconditions":{"resourceVersion":"4","uid":"u-1"},"propagationPolicy":"Foreground"})"));
  EXPECT_EQ(requests[3].method, "PUT");
  EXPECT_EQ(requests[3].target, "/apis/test.tessera.io/v1/namespaces/ns/widgets/a/status");
  EXPECT_EQ(requests[4].method, "POST");
  EXPECT_EQ(requests[4].target, "/apis/test.tessera.io/v1/namespaces/other/widgets");
}

TEST(KubeClientTest, BadInputIsRejectedBeforeSending) {
  ScriptedServer server([](const SeenRequest&) { return ScriptedResponse{Response(200, "{}")}; });
  auto client = ClientFor(server);
  EXPECT_THAT(client->Get(kWidgets, {"ns", ""}).status().message(), HasSubstr("no name"));
  EXPECT_THAT(client->Create(kWidgets, "", {{"metadata", {{"name", "x"}}}}).status().message(),
              HasSubstr("no namespace"));
  EXPECT_THAT(client->Update(kWidgets, {{"metadata", {{"name", "x"}}}}).status().message(),
              HasSubstr("metadata.namespace: is required"));
  EXPECT_THAT(client->Update(kWidgets, {{"spec", {}}}).status().message(),
              HasSubstr("metadata: is required"));
  EXPECT_EQ(client->Create(kWidgets, "ns", {{"metadata", {{"name", "\xff"}}}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.requests().empty());
}

TEST(KubeClientTest, FromConfigChecksServerAndTls) {
  EXPECT_THAT(KubeClient::FromConfig({.server = "ftp://x"}).status().message(),
              HasSubstr("server: must be an http:// or https:// URL"));
  KubeConfig bad_ca;
  bad_ca.server = "https://127.0.0.1:1";
  bad_ca.certificate_authority_pem = "nope";
  EXPECT_THAT(KubeClient::FromConfig(bad_ca).status().message(),
              HasSubstr("certificate-authority: holds no PEM certificate"));
}

TEST(KubeClientTest, NothingListeningIsUnavailable) {
  // Bind a port, then close it: nothing listens there now.
  uint16_t port = 0;
  {
    ScriptedServer server([](const SeenRequest&) { return ScriptedResponse{}; });
    port = ParseInteger<uint16_t>(server.url().substr(server.url().rfind(':') + 1)).value_or(0);
  }
  auto client = KubeClient::FromConfig({.server = "http://127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(client.ok());
  const auto object = (*client)->Get(kWidgets, {"ns", "a"});
  EXPECT_EQ(object.status().code(), StatusCode::kUnavailable) << object.status();
  EXPECT_THAT(object.status().message(),
              HasSubstr("GET /apis/test.tessera.io/v1/namespaces/ns/widgets/a: cannot reach"));
}

TEST(KubeClientTest, ACancelledCancellerStopsRequestsUntilReset) {
  ScriptedServer server([](const SeenRequest&) { return ScriptedResponse{Response(200, "{}")}; });
  auto client = ClientFor(server);
  RequestCanceller canceller;
  canceller.Cancel();
  EXPECT_EQ(client->Get(kWidgets, {"ns", "a"}, {.canceller = &canceller}).status().code(),
            StatusCode::kCancelled);
  EXPECT_TRUE(server.requests().empty());
  canceller.Reset();
  EXPECT_TRUE(client->Get(kWidgets, {"ns", "a"}, {.canceller = &canceller}).ok());
}

TEST(KubeClientTest, CancellingAnInFlightRequest) {
  ScriptedServer server([](const SeenRequest&) {
    // Headers promise a body that never comes.
    return ScriptedResponse{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", true};
  });
  auto client = ClientFor(server);
  RequestCanceller canceller;
  std::thread canceller_thread([&] {
    while (server.requests().empty()) std::this_thread::yield();
    canceller.Cancel();
  });
  const auto object = client->Get(kWidgets, {"ns", "a"}, {.canceller = &canceller});
  canceller_thread.join();
  EXPECT_EQ(object.status().code(), StatusCode::kCancelled) << object.status();
}

TEST(KubeClientTest, WatchReadsChunkedEventsCutAnywhere) {
  const std::string events =
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"11"},"note":"caf)"
      "\xc3\xa9"
      R"("}})"
      "\n"
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}})"
      "\n";
  // Cut inside the two-byte character and inside the second event.
  const size_t in_char = events.find("\xc3") + 1;
  ScriptedServer server([&](const SeenRequest&) {
    return ScriptedResponse{Chunked(
        {events.substr(0, in_char), events.substr(in_char, 30), events.substr(in_char + 30), ""})};
  });
  auto client = ClientFor(server);
  auto watch =
      client->Watch(kWidgets, "ns", {.resource_version = "10", .timeout = std::chrono::seconds(7)});
  ASSERT_TRUE(watch.ok()) << watch.status();
  auto first = (*watch)->Next();
  ASSERT_TRUE(first.ok() && first->has_value()) << first.status();
  EXPECT_EQ((*first)->object["note"], "caf\xc3\xa9");
  auto second = (*watch)->Next();
  ASSERT_TRUE(second.ok() && second->has_value()) << second.status();
  EXPECT_EQ((*second)->type, WatchEvent::Type::kBookmark);
  auto end = (*watch)->Next();
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(server.requests()[0].target,
            "/apis/test.tessera.io/v1/namespaces/ns/widgets?watch=1&resourceVersion=10&"
            "allowWatchBookmarks=true&timeoutSeconds=7");
}

TEST(KubeClientTest, WatchErrorsAtOpenAreMapped) {
  ScriptedServer server([](const SeenRequest&) {
    return ScriptedResponse{Response(
        410,
        R"({"kind":"Status","code":410,"reason":"Gone","message":"too old resource version"})")};
  });
  auto client = ClientFor(server);
  const auto watch = client->Watch(kWidgets, "ns", {.resource_version = "1"});
  EXPECT_EQ(watch.status().code(), StatusCode::kOutOfRange);
  EXPECT_THAT(watch.status().message(),
              HasSubstr("watch /apis/test.tessera.io/v1/namespaces/ns/widgets: too old"));
}

TEST(KubeClientTest, StoppingAWatchFromAnotherThread) {
  ScriptedServer server([](const SeenRequest&) {
    return ScriptedResponse{
        Chunked({R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"2"}}})"
                 "\n"}),
        true};
  });
  auto client = ClientFor(server);
  auto watch = client->Watch(kWidgets, "ns", {});
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_TRUE((*watch)->Next().ok());
  std::thread stopper([&] { (*watch)->Stop(); });
  const auto next = (*watch)->Next();  // blocks until Stop
  stopper.join();
  EXPECT_EQ(next.status().code(), StatusCode::kCancelled) << next.status();
}

TEST(KubeClientTest, DestroyingTheClientEndsItsWatches) {
  ScriptedServer server([](const SeenRequest&) { return ScriptedResponse{Chunked({}), true}; });
  auto client = ClientFor(server);
  auto watch = client->Watch(kWidgets, "ns", {});
  ASSERT_TRUE(watch.ok()) << watch.status();
  std::thread destroyer([&] { client.reset(); });
  const auto next = (*watch)->Next();
  destroyer.join();
  EXPECT_EQ(next.status().code(), StatusCode::kCancelled) << next.status();
}

}  // namespace
}  // namespace tessera::kube
