// The controller's agent client over a fake transport: which requests it
// makes, how it handles the token, and how it reads the agents' answers.

#include "controller/agents/http_agent_api.h"

#include <filesystem>
#include <fstream>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wire/node_inventory.h"
#include "wire/worker_status.h"

namespace tessera::controller {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Return;

constexpr char kAgent[] = "https://node-1:8470";

class MockTransport : public AgentTransport {
 public:
  MOCK_METHOD(StatusOr<AgentReply>, Send, (const AgentRequest& request), (override));
  MOCK_METHOD(void, SendAsync,
              (const AgentRequest& request, std::chrono::milliseconds timeout, ReplyCallback done),
              (override));
  MOCK_METHOD(void, CancelPending, (), (override));
};

wire::WorkerSpec Spec() {
  return {.deployment = "llama",
          .partitions = {0},
          .engine = "vllm",
          .settings = {.model = "/models/llama"},
          .managed_by = "tessera-controller"};
}

wire::WorkerStatus Worker(wire::WorkerState state) {
  wire::WorkerStatus worker;
  worker.id = "w-0";
  worker.spec = Spec();
  worker.state = state;
  worker.url = "http://node-1:20000";
  return worker;
}

std::string ErrorBody(const std::string& message) {
  return nlohmann::json{{"error", {{"code", 409}, {"message", message}}}}.dump();
}

class HttpAgentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One file per test: ctest runs the tests of this suite side by side.
    token_file_ = std::filesystem::path(::testing::TempDir()) /
                  (std::string("agent-token-") +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    WriteToken("first\n");
  }
  void TearDown() override { std::filesystem::remove(token_file_); }

  void WriteToken(const std::string& token) { std::ofstream(token_file_) << token; }

  std::unique_ptr<HttpAgentApi> Api() {
    auto transport = std::make_unique<MockTransport>();
    transport_ = transport.get();
    StatusOr<std::unique_ptr<HttpAgentApi>> api =
        HttpAgentApi::Create({.token_file = token_file_}, std::move(transport));
    EXPECT_TRUE(api.ok()) << api.status();
    return *std::move(api);
  }

  std::filesystem::path token_file_;
  MockTransport* transport_ = nullptr;
};

TEST_F(HttpAgentApiTest, ObserveReadsTheNodeAndItsWorkers) {
  std::unique_ptr<HttpAgentApi> api = Api();
  wire::NodeInventory node{.hostname = "node-1", .gpu_backend = "sim"};
  node.gpus.push_back(
      {.index = 0, .partitions = {{.index = 0, .vram_total_bytes = 1 << 30, .worker = "w-0"}}});
  EXPECT_CALL(*transport_, Send(AllOf(Field(&AgentRequest::endpoint, kAgent),
                                      Field(&AgentRequest::method, "GET"),
                                      Field(&AgentRequest::path, "/v1/node"),
                                      Field(&AgentRequest::bearer_token, "first"))))
      .WillOnce(Return(AgentReply{.status = 200, .body = wire::NodeInventoryToJson(node).dump()}));
  EXPECT_CALL(*transport_, Send(Field(&AgentRequest::path, "/v1/workers")))
      .WillOnce(Return(
          AgentReply{.status = 200,
                     .body = wire::WorkerListToJson({Worker(wire::WorkerState::kReady)}).dump()}));
  StatusOr<AgentObservation> observed = api->Observe(kAgent);
  ASSERT_TRUE(observed.ok()) << observed.status();
  EXPECT_EQ(observed->hostname, "node-1");
  ASSERT_EQ(observed->partitions.size(), 1U);
  EXPECT_EQ(observed->partitions[0].holder, "w-0");
  ASSERT_EQ(observed->workers.size(), 1U);
  EXPECT_TRUE(observed->workers[0].Ready());
}

TEST_F(HttpAgentApiTest, AnUnreadableAnswerNamesTheAgentAndTheField) {
  std::unique_ptr<HttpAgentApi> api = Api();
  EXPECT_CALL(*transport_, Send(Field(&AgentRequest::path, "/v1/node")))
      .WillOnce(Return(AgentReply{.status = 200, .body = R"({"hostname": "node-1"})"}));
  EXPECT_CALL(*transport_, Send(Field(&AgentRequest::path, "/v1/workers")))
      .WillOnce(Return(AgentReply{.status = 200, .body = R"({"workers": []})"}));
  StatusOr<AgentObservation> observed = api->Observe(kAgent);
  ASSERT_FALSE(observed.ok());
  EXPECT_THAT(observed.status().message(), HasSubstr(kAgent));
  EXPECT_THAT(observed.status().message(), HasSubstr("node.gpus: is required"));
}

TEST_F(HttpAgentApiTest, PutSendsTheSpecAndReadsTheWorker) {
  std::unique_ptr<HttpAgentApi> api = Api();
  EXPECT_CALL(
      *transport_,
      Send(AllOf(Field(&AgentRequest::method, "PUT"), Field(&AgentRequest::path, "/v1/workers/w-0"),
                 Field(&AgentRequest::body, wire::WorkerSpecToJson(Spec()).dump()))))
      .WillOnce(Return(AgentReply{
          .status = 201,
          .body = wire::WorkerStatusToJson(Worker(wire::WorkerState::kStarting)).dump()}));
  StatusOr<ObservedWorker> worker = api->PutWorker(kAgent, "w-0", Spec());
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_EQ(worker->state, wire::WorkerState::kStarting);
  EXPECT_EQ(worker->spec, Spec());
}

TEST_F(HttpAgentApiTest, PutMembershipSendsTheWholeSetWithTheAgentTokenAndReadsTheAnswer) {
  std::unique_ptr<HttpAgentApi> api = Api();
  RouterMembership membership;
  membership.Add({.url = "http://node-1:20002", .role = wire::WorkerRole::kDecode});
  membership.Add(
      {.url = "http://node-1:20001", .role = wire::WorkerRole::kPrefill, .bootstrap_port = 8998});
  EXPECT_CALL(
      *transport_,
      Send(AllOf(
          Field(&AgentRequest::endpoint, "http://node-1:20004"),
          Field(&AgentRequest::method, "PUT"), Field(&AgentRequest::path, "/admin/workers"),
          Field(&AgentRequest::bearer_token, "first"),
          Field(
              &AgentRequest::body,
              R"({"workers":[{"bootstrapPort":8998,"role":"prefill","url":"http://node-1:20001"},)"
              R"({"role":"decode","url":"http://node-1:20002"}]})"))))
      .WillOnce(Return(AgentReply{
          .status = 200,
          .body = R"({"workers":[{"url":"http://node-1:20002","role":"decode","healthy":true,)"
                  R"("inFlight":0,"draining":false},{"url":"http://node-1:20001","role":"prefill",)"
                  R"("bootstrapPort":8998,"healthy":false,"inFlight":2,"draining":false}]})"}));
  StatusOr<RouterMembership> answer = api->PutMembership("http://node-1:20004", membership);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, membership) << "the router's own fields are not the controller's business";
}

TEST_F(HttpAgentApiTest, PutMembershipRereadsTheTokenOn401AndNamesTheRouterOnRefusal) {
  std::unique_ptr<HttpAgentApi> api = Api();
  WriteToken("second\n");
  EXPECT_CALL(*transport_, Send(Field(&AgentRequest::bearer_token, "first")))
      .WillOnce(Return(AgentReply{.status = 401, .body = "unauthorized"}));
  EXPECT_CALL(*transport_, Send(Field(&AgentRequest::bearer_token, "second")))
      .WillOnce(Return(AgentReply{.status = 400, .body = "workers[0].role: unknown role"}));
  StatusOr<RouterMembership> answer = api->PutMembership("http://node-1:20004", {});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(answer.status().message(),
              HasSubstr("PUT http://node-1:20004/admin/workers: workers[0].role: unknown role"));
}

TEST_F(HttpAgentApiTest, RefusalsBecomeStatusesWithTheAgentsMessage) {
  std::unique_ptr<HttpAgentApi> api = Api();
  EXPECT_CALL(*transport_, Send(_))
      .WillOnce(Return(
          AgentReply{.status = 409, .body = ErrorBody("partition 0 is held by worker \"x\"")}))
      .WillOnce(Return(AgentReply{.status = 400, .body = ErrorBody("engine.kind: unknown")}))
      .WillOnce(Return(AgentReply{.status = 403, .body = ErrorBody("not allowed")}))
      .WillOnce(Return(AgentReply{.status = 429, .body = ErrorBody("slow down")}))
      .WillOnce(Return(AgentReply{.status = 503, .body = ErrorBody("recovering worker state")}))
      .WillOnce(Return(UnavailableError("agent https://node-1:8470: connection refused")));
  Status held = api->PutWorker(kAgent, "w-0", Spec()).status();
  EXPECT_EQ(held.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(held.message(), HasSubstr("PUT https://node-1:8470/v1/workers/w-0: partition 0"));
  Status invalid = api->PutWorker(kAgent, "w-0", Spec()).status();
  EXPECT_EQ(invalid.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(invalid.message(), HasSubstr("engine.kind: unknown"));
  // Refusals the reconciler does not retry at once keep their meaning...
  EXPECT_EQ(api->PutWorker(kAgent, "w-0", Spec()).status().code(), StatusCode::kPermissionDenied);
  // ...what asks to come back later does not.
  EXPECT_EQ(api->PutWorker(kAgent, "w-0", Spec()).status().code(), StatusCode::kUnavailable);
  Status busy = api->PutWorker(kAgent, "w-0", Spec()).status();
  EXPECT_EQ(busy.code(), StatusCode::kUnavailable);
  EXPECT_THAT(busy.message(), HasSubstr("(HTTP 503)"));
  EXPECT_EQ(api->PutWorker(kAgent, "w-0", Spec()).status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpAgentApiTest, DeleteAsksForTheGraceAndAWorkerAlreadyGoneIsFine) {
  std::unique_ptr<HttpAgentApi> api = Api();
  EXPECT_CALL(*transport_,
              Send(AllOf(Field(&AgentRequest::method, "DELETE"),
                         Field(&AgentRequest::path, "/v1/workers/w-0?graceSeconds=30"))))
      .WillOnce(Return(AgentReply{.status = 202, .body = "{}"}))
      .WillOnce(Return(AgentReply{.status = 404, .body = ErrorBody("no worker \"w-0\"")}));
  EXPECT_TRUE(api->DeleteWorker(kAgent, "w-0", 30).ok());
  EXPECT_TRUE(api->DeleteWorker(kAgent, "w-0", 30).ok());
}

TEST_F(HttpAgentApiTest, A401RereadsTheTokenFileAndTriesOnceMore) {
  std::unique_ptr<HttpAgentApi> api = Api();
  WriteToken("rotated\n");
  EXPECT_CALL(*transport_, Send(Field(&AgentRequest::bearer_token, "first")))
      .WillOnce(Return(AgentReply{.status = 401, .body = ErrorBody("invalid bearer token")}));
  EXPECT_CALL(*transport_, Send(Field(&AgentRequest::bearer_token, "rotated")))
      .WillOnce(Return(AgentReply{.status = 401, .body = ErrorBody("invalid bearer token")}));
  Status status = api->DeleteWorker(kAgent, "w-0", 0);
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(status.message(), HasSubstr("invalid bearer token"));
}

// Answers a SendAsync at once with `reply`.
auto AnswerWith(StatusOr<AgentReply> reply) {
  return [reply](const AgentRequest& /*request*/, std::chrono::milliseconds /*timeout*/,
                 const AgentTransport::ReplyCallback& done) { done(reply); };
}

std::string WorkerList(const std::string& version) {
  nlohmann::json body = wire::WorkerListToJson({});
  if (!version.empty()) body["resourceVersion"] = version;
  return body.dump();
}

TEST_F(HttpAgentApiTest, AWaitAsksPastTheVersionAndAllowsForTheAgentsTimeout) {
  std::unique_ptr<HttpAgentApi> api = Api();
  EXPECT_CALL(
      *transport_,
      SendAsync(AllOf(Field(&AgentRequest::path, "/v1/workers?after=1733-7&timeoutSeconds=30"),
                      Field(&AgentRequest::bearer_token, "first")),
                std::chrono::milliseconds(40'000), _))
      .WillOnce(AnswerWith(AgentReply{.status = 200, .body = WorkerList("1733-8")}));
  std::optional<StatusOr<std::string>> version;
  api->WaitForWorkersChange(kAgent, "1733-7", std::chrono::seconds(30),
                            [&](StatusOr<std::string> answer) { version = std::move(answer); });
  ASSERT_TRUE(version.has_value());
  ASSERT_TRUE(version->ok()) << version->status();
  EXPECT_EQ(**version, "1733-8");

  EXPECT_CALL(*transport_, SendAsync(Field(&AgentRequest::path, "/v1/workers"), _, _))
      .WillOnce(AnswerWith(AgentReply{.status = 200, .body = WorkerList("1733-8")}));
  api->WaitForWorkersChange(kAgent, "", std::chrono::seconds(30),
                            [&](StatusOr<std::string> answer) { version = std::move(answer); });
  EXPECT_EQ(**version, "1733-8") << "no version yet: the current one, at once";
}

TEST_F(HttpAgentApiTest, AWaitOnAnAgentThatCannotWaitOrAnswersBadlyIsAnError) {
  std::unique_ptr<HttpAgentApi> api = Api();
  std::optional<StatusOr<std::string>> version;
  auto keep = [&](StatusOr<std::string> answer) { version = std::move(answer); };

  EXPECT_CALL(*transport_, SendAsync)
      .WillOnce(AnswerWith(AgentReply{.status = 200, .body = WorkerList("")}))
      .WillOnce(AnswerWith(AgentReply{.status = 200, .body = WorkerList("1 2")}))
      .WillOnce(AnswerWith(AgentReply{.status = 400, .body = ErrorBody("timeoutSeconds: bad")}))
      .WillOnce(AnswerWith(UnavailableError("agent https://node-1:8470: connection refused")));
  api->WaitForWorkersChange(kAgent, "", std::chrono::seconds(30), keep);
  EXPECT_EQ(version->status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(version->status().message(), HasSubstr("reports no resourceVersion"));
  api->WaitForWorkersChange(kAgent, "", std::chrono::seconds(30), keep);
  EXPECT_EQ(version->status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(version->status().message(), HasSubstr("resourceVersion: must be 1-64 letters"));
  api->WaitForWorkersChange(kAgent, "1-1", std::chrono::seconds(30), keep);
  EXPECT_EQ(version->status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(version->status().message(), HasSubstr("timeoutSeconds: bad"));
  api->WaitForWorkersChange(kAgent, "1-1", std::chrono::seconds(30), keep);
  EXPECT_EQ(version->status().code(), StatusCode::kUnavailable);

  api->WaitForWorkersChange(kAgent, "1&x=2", std::chrono::seconds(30), keep);
  EXPECT_EQ(version->status().code(), StatusCode::kInvalidArgument)
      << "never sent: it would change the query";
}

TEST_F(HttpAgentApiTest, CancellingWaitsCancelsTheTransportsPendingRequests) {
  std::unique_ptr<HttpAgentApi> api = Api();
  EXPECT_CALL(*transport_, CancelPending());
  api->CancelWaits();
}

TEST(HttpAgentApiCreateTest, AMissingTokenFileIsNamed) {
  StatusOr<std::unique_ptr<HttpAgentApi>> api = HttpAgentApi::Create(
      {.token_file = "/nonexistent/agent-token"}, std::make_unique<MockTransport>());
  ASSERT_FALSE(api.ok());
  EXPECT_THAT(api.status().message(), HasSubstr("--agent-token-file"));
}

}  // namespace
}  // namespace tessera::controller
