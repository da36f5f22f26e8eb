// The admin API's routes on a supervisor on fakes (supervisor_harness.h): no
// socket, no process; requests go straight to AdminRoutes::Handle.

#include "agent/api/admin_routes.h"

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/agent/fakes/supervisor_harness.h"

namespace tessera::agent {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::Return;
using ::testing::SizeIs;
using testing::SupervisorHarness;

constexpr std::string_view kToken = "admin-token-0123456789";

std::string SpecBody(int partition, std::string_view engine = "sim") {
  return nlohmann::json{{"deployment", "llama-8b"},
                        {"role", "aggregated"},
                        {"partitions", {partition}},
                        {"engine", {{"kind", engine}, {"model", "meta-llama/Llama-3.1-8B"}}}}
      .dump();
}

class AdminRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SupervisorOptions options = harness_.DefaultOptions();
    options.scrape_period = std::chrono::hours(1);
    supervisor_ = harness_.Make(options);
    ASSERT_TRUE(supervisor_->Recover().ok());
    routes_ = std::make_unique<AdminRoutes>(*supervisor_, std::string(kToken),
                                            render_metrics_.AsStdFunction(), "node-a",
                                            std::map<std::string, std::string>{{"zone", "a"}});
  }

  ApiResponse Call(std::string method, std::string path, std::string body = "",
                   std::map<std::string, std::string> query = {}) {
    return routes_->Handle({.method = std::move(method),
                            .path = std::move(path),
                            .query = std::move(query),
                            .authorization = "Bearer " + std::string(kToken),
                            .accept_encoding = "",
                            .body = std::move(body)});
  }

  static nlohmann::json Json(const ApiResponse& response) {
    EXPECT_EQ(response.content_type, "application/json");
    return nlohmann::json::parse(response.body);
  }
  static std::string ErrorMessage(const ApiResponse& response) {
    return Json(response)["error"]["message"].get<std::string>();
  }

  SupervisorHarness harness_;
  std::unique_ptr<Supervisor> supervisor_;
  ::testing::MockFunction<std::string(bool gzip)> render_metrics_;
  std::unique_ptr<AdminRoutes> routes_;
};

TEST_F(AdminRoutesTest, HealthAndReadinessNeedNoToken) {
  const ApiResponse health = routes_->Handle({.method = "GET", .path = "/healthz"});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.content_type, "text/plain");
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(routes_->Handle({.method = "GET", .path = "/readyz"}).status, 200);
  EXPECT_EQ(routes_->Screen({.method = "GET", .path = "/readyz"}), std::nullopt);
  EXPECT_EQ(routes_->Handle({.method = "POST", .path = "/healthz"}).status, 400);
}

TEST_F(AdminRoutesTest, NotReadyUntilTheSupervisorHasRecovered) {
  std::unique_ptr<Supervisor> recovering = harness_.Make();
  AdminRoutes routes(*recovering, std::string(kToken), render_metrics_.AsStdFunction(), "node-a");
  const ApiResponse response = routes.Handle({.method = "GET", .path = "/readyz"});
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(ErrorMessage(response), "recovering worker state");
}

TEST_F(AdminRoutesTest, AMissingOrWrongTokenIs401WithWwwAuthenticate) {
  for (const char* path : {"/v1/workers", "/v1/node", "/metrics", "/v1/workers/w-0"}) {
    SCOPED_TRACE(path);
    const ApiResponse missing = routes_->Handle({.method = "GET", .path = path});
    EXPECT_EQ(missing.status, 401);
    EXPECT_THAT(missing.headers, Contains(Pair("WWW-Authenticate", "Bearer")));
    EXPECT_EQ(Json(missing)["error"]["status"], "UNAUTHENTICATED");
    EXPECT_THAT(ErrorMessage(missing), HasSubstr("missing bearer token"));
  }
  const ApiResponse wrong = routes_->Handle(
      {.method = "GET", .path = "/v1/workers", .authorization = "Bearer not-the-token"});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_THAT(wrong.headers, Contains(Pair("WWW-Authenticate", "Bearer")));
  EXPECT_EQ(ErrorMessage(wrong), "invalid bearer token");
  const std::optional<ApiResponse> screened = routes_->Screen(
      {.method = "PUT", .path = "/v1/workers/w-0", .authorization = "Basic YWRtaW46YWRtaW4="});
  ASSERT_TRUE(screened.has_value()) << "refused before the body is read";
  EXPECT_EQ(screened->status, 401);

  EXPECT_EQ(routes_
                ->Handle({.method = "GET",
                          .path = "/v1/workers",
                          .authorization = "bearer " + std::string(kToken)})
                .status,
            200)
      << "the scheme is case-insensitive";
}

TEST_F(AdminRoutesTest, PutCreatesThenLeavesAnUnchangedSpecAlone) {
  const ApiResponse created = Call("PUT", "/v1/workers/w-0", SpecBody(0));
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(Json(created)["id"], "w-0");
  EXPECT_EQ(Json(created)["state"], "starting");
  EXPECT_EQ(Json(created)["url"], "http://node-a:20000");

  EXPECT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 200);
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1));

  const nlohmann::json listed = Json(Call("GET", "/v1/workers"));
  ASSERT_THAT(listed["workers"], SizeIs(1));
  EXPECT_EQ(listed["workers"][0]["id"], "w-0");
  EXPECT_EQ(Json(Call("GET", "/v1/workers/w-0"))["state"], "starting");
}

TEST_F(AdminRoutesTest, TheWorkerListCarriesAVersionThatMovesWithEveryChange) {
  const ApiResponse empty = Call("GET", "/v1/workers");
  const std::string first = Json(empty)["resourceVersion"].get<std::string>();
  EXPECT_EQ(empty.hold_for, std::nullopt) << "a plain list is never held";
  EXPECT_EQ(Json(Call("GET", "/v1/workers"))["resourceVersion"], first) << "nothing changed";

  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 201);
  const std::string created = Json(Call("GET", "/v1/workers"))["resourceVersion"];
  EXPECT_NE(created, first);
  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 200);
  EXPECT_EQ(Json(Call("GET", "/v1/workers"))["resourceVersion"], created)
      << "the same spec again changes nothing";
  harness_.Advance(std::chrono::milliseconds(500));
  harness_.health_probes.AnswerAll(std::string("ok"));
  const std::string ready = Json(Call("GET", "/v1/workers"))["resourceVersion"];
  EXPECT_NE(ready, created) << "starting -> ready";
  ASSERT_EQ(Call("DELETE", "/v1/workers/w-0").status, 202);
  EXPECT_NE(Json(Call("GET", "/v1/workers"))["resourceVersion"], ready);
}

TEST_F(AdminRoutesTest, AWaitPastTheCurrentVersionMayBeHeldAndAnyOtherIsAnsweredAtOnce) {
  const std::string version = Json(Call("GET", "/v1/workers"))["resourceVersion"];
  const ApiResponse current =
      Call("GET", "/v1/workers", "", {{"after", version}, {"timeoutSeconds", "7"}});
  EXPECT_EQ(current.status, 200);
  EXPECT_EQ(current.hold_for, std::chrono::seconds(7));
  EXPECT_EQ(Call("GET", "/v1/workers", "", {{"after", version}}).hold_for, std::chrono::seconds(30))
      << "the default timeout";

  const ApiResponse stale =
      Call("GET", "/v1/workers", "", {{"after", "1-0"}, {"timeoutSeconds", "7"}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.hold_for, std::nullopt) << "a version the list is not at: answered at once";
  EXPECT_EQ(Json(stale)["resourceVersion"], version);

  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 201);
  const ApiResponse changed = Call("GET", "/v1/workers", "", {{"after", version}});
  EXPECT_EQ(changed.hold_for, std::nullopt);
  EXPECT_THAT(Json(changed)["workers"], SizeIs(1));
}

TEST_F(AdminRoutesTest, ABadWaitIs400NamingTheParameter) {
  for (const char* timeout : {"0", "301", "ten", "-5"}) {
    SCOPED_TRACE(timeout);
    const ApiResponse response =
        Call("GET", "/v1/workers", "", {{"after", "1-0"}, {"timeoutSeconds", timeout}});
    EXPECT_EQ(response.status, 400);
    EXPECT_THAT(ErrorMessage(response),
                HasSubstr("timeoutSeconds: must be an integer from 1 to 300"));
  }
  const ApiResponse alone = Call("GET", "/v1/workers", "", {{"timeoutSeconds", "5"}});
  EXPECT_EQ(alone.status, 400);
  EXPECT_THAT(ErrorMessage(alone), HasSubstr("only with after=<resourceVersion>"));
  const ApiResponse long_version =
      Call("GET", "/v1/workers", "", {{"after", std::string(65, '1')}});
  EXPECT_EQ(long_version.status, 400);
  EXPECT_THAT(ErrorMessage(long_version),
              HasSubstr("after: a resourceVersion is at most 64 bytes"));
}

TEST_F(AdminRoutesTest, PutOnAHeldPartitionIs409NamingTheHolder) {
  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 201);
  const ApiResponse conflict = Call("PUT", "/v1/workers/w-1", SpecBody(0));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Json(conflict)["error"]["status"], "ALREADY_EXISTS");
  EXPECT_EQ(ErrorMessage(conflict), "partitions: partition 0 is held by worker \"w-0\" (starting)");
}

TEST_F(AdminRoutesTest, ABadSpecIs400NamingTheField) {
  const ApiResponse no_engine =
      Call("PUT", "/v1/workers/w-0", R"({"deployment": "d", "partitions": [0]})");
  EXPECT_EQ(no_engine.status, 400);
  EXPECT_EQ(ErrorMessage(no_engine), "engine: is required");
  EXPECT_THAT(ErrorMessage(Call("PUT", "/v1/workers/w-0", "{not json")),
              HasSubstr("body: not valid JSON"));
  const ApiResponse engine = Call("PUT", "/v1/workers/w-0", SpecBody(0, "tgi"));
  EXPECT_EQ(engine.status, 400);
  EXPECT_THAT(ErrorMessage(engine), HasSubstr("engine.kind: \"tgi\""));
  const ApiResponse partition = Call("PUT", "/v1/workers/w-0", SpecBody(42));
  EXPECT_EQ(partition.status, 400);
  EXPECT_THAT(ErrorMessage(partition), HasSubstr("partitions[0]: partition 42 does not exist"));
  const ApiResponse id = Call("PUT", "/v1/workers/Bad_Id", SpecBody(0));
  EXPECT_EQ(id.status, 400);
  EXPECT_THAT(ErrorMessage(id), HasSubstr("worker id \"Bad_Id\""));
  EXPECT_THAT(harness_.processes.launched(), IsEmpty());
}

TEST_F(AdminRoutesTest, UnknownWorkersAndRoutesAre404) {
  const ApiResponse get = Call("GET", "/v1/workers/nope");
  EXPECT_EQ(get.status, 404);
  EXPECT_EQ(ErrorMessage(get), "no worker \"nope\" on this node");
  EXPECT_EQ(Call("DELETE", "/v1/workers/nope").status, 404);
  EXPECT_EQ(Call("GET", "/v1/workers/nope/logs").status, 404);
  const ApiResponse route = Call("GET", "/v1/nothing");
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(ErrorMessage(route), "no route GET /v1/nothing");
  EXPECT_EQ(Call("GET", "/v1/workers/w-0/status").status, 404);
  EXPECT_EQ(Call("POST", "/v1/workers/w-0").status, 400);
}

TEST_F(AdminRoutesTest, DeleteDrainsAndAnswersWithTheWorkerOnItsWayOut) {
  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 201);
  harness_.Advance(std::chrono::milliseconds(500));
  harness_.health_probes.AnswerAll(std::string("ok"));

  const ApiResponse bad = Call("DELETE", "/v1/workers/w-0", "", {{"graceSeconds", "soon"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorMessage(bad), "graceSeconds: must be an integer from 0 to 86400, got \"soon\"");
  const ApiResponse draining = Call("DELETE", "/v1/workers/w-0", "", {{"graceSeconds", "5"}});
  EXPECT_EQ(draining.status, 202);
  EXPECT_EQ(Json(draining)["state"], "draining");
}

TEST_F(AdminRoutesTest, DeletingAWorkerWithNoProcessRemovesItAtOnce) {
  harness_.processes.set_launch_error(UnavailableError("cannot start \"tessera-engine-sim\""));
  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 201);
  const ApiResponse deleted = Call("DELETE", "/v1/workers/w-0");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(Json(deleted), (nlohmann::json{{"id", "w-0"}, {"state", "stopped"}}));
  EXPECT_EQ(Call("GET", "/v1/workers/w-0").status, 404);
}

TEST_F(AdminRoutesTest, NodeReportsPartitionsWithTheirHolders) {
  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(2)).status, 201);
  const ApiResponse response = Call("GET", "/v1/node");
  EXPECT_EQ(response.status, 200);
  const nlohmann::json node = Json(response);
  EXPECT_EQ(node["hostname"], "node-a");
  EXPECT_EQ(node["labels"], (nlohmann::json{{"zone", "a"}}));
  EXPECT_EQ(node["partitions"]["total"], 8);
  EXPECT_EQ(node["partitions"]["free"], 7);
  ASSERT_THAT(node["gpus"], SizeIs(1));
  EXPECT_EQ(node["gpus"][0]["partitions"][2]["worker"], "w-0");
  EXPECT_TRUE(node["gpus"][0]["partitions"][3]["worker"].is_null());
}

TEST_F(AdminRoutesTest, LogsTailIsValidated) {
  ASSERT_EQ(Call("PUT", "/v1/workers/w-0", SpecBody(0)).status, 201);
  std::ofstream(harness_.root / "logs" / "w-0.log") << "one\ntwo\nthree\n";

  const ApiResponse tail = Call("GET", "/v1/workers/w-0/logs", "", {{"tail", "2"}});
  EXPECT_EQ(tail.status, 200);
  EXPECT_EQ(tail.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(tail.body, "two\nthree\n");
  EXPECT_EQ(Call("GET", "/v1/workers/w-0/logs").body, "one\ntwo\nthree\n");
  for (const char* bad : {"0", "-1", "abc", "100001", "2x"}) {
    SCOPED_TRACE(bad);
    const ApiResponse refused = Call("GET", "/v1/workers/w-0/logs", "", {{"tail", bad}});
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(ErrorMessage(refused),
              "tail: must be an integer from 1 to 100000, got \"" + std::string(bad) + "\"");
  }
  EXPECT_EQ(Call("PUT", "/v1/workers/w-0/logs").status, 400);
}

TEST_F(AdminRoutesTest, MetricsAreCompressedWhenTheScraperAcceptsGzip) {
  EXPECT_CALL(render_metrics_, Call(true)).WillOnce(Return("gzipped"));
  ApiResponse response = routes_->Handle({.method = "GET",
                                          .path = "/metrics",
                                          .authorization = "Bearer " + std::string(kToken),
                                          .accept_encoding = "gzip, deflate"});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_encoding, "gzip");
  EXPECT_EQ(response.body, "gzipped");

  // Compression failed: the text instead, marked as such.
  EXPECT_CALL(render_metrics_, Call(true)).WillOnce(Return(""));
  EXPECT_CALL(render_metrics_, Call(false)).WillOnce(Return("# text\n"));
  response = routes_->Handle({.method = "GET",
                              .path = "/metrics",
                              .authorization = "Bearer " + std::string(kToken),
                              .accept_encoding = "gzip"});
  EXPECT_EQ(response.content_encoding, "");
  EXPECT_EQ(response.body, "# text\n");
  EXPECT_THAT(response.content_type, HasSubstr("text/plain; version=0.0.4"));
}

}  // namespace
}  // namespace tessera::agent
