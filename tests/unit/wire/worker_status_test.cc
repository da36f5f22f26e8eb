#include "wire/worker_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::wire {
namespace {

using std::chrono::system_clock;
using ::testing::HasSubstr;

WorkerStatus EveryField() {
  WorkerStatus status;
  status.id = "serving.llama.prefill-1a2b3c4d-0";
  status.spec = {.deployment = "llama",
                 .namespace_name = "serving",
                 .role = WorkerRole::kPrefill,
                 .partitions = {2, 3},
                 .engine = "sglang",
                 .settings = {.model = "/models/llama", .tensor_parallel_size = 2},
                 .bootstrap_port = 8998};
  status.state = WorkerState::kBackoff;
  status.state_since = system_clock::time_point(std::chrono::seconds(1'796'000'000));
  status.pid = 4242;
  status.port = 30001;
  status.bootstrap_port = 8998;
  status.url = "http://node-1:30001";
  status.restarts = 3;
  status.crash_loop = true;
  status.reason = "exited with status 1";
  status.last_exit = "exit status 1";
  status.last_failure = "health probe failed";
  status.last_exit_code = 1;
  status.last_output = {"loading weights", "RuntimeError: HIP out of memory"};
  status.startup_seconds = 12.5;
  status.in_flight = 7;
  status.next_restart = system_clock::time_point(std::chrono::seconds(1'796'000'040));
  status.dialect = MetricDialect::kSglang;
  status.adopted = true;
  status.replacing = true;
  return status;
}

void ExpectSame(const WorkerStatus& a, const WorkerStatus& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.spec, b.spec);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.state_since, b.state_since);
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.bootstrap_port, b.bootstrap_port);
  EXPECT_EQ(a.url, b.url);
  EXPECT_EQ(a.restarts, b.restarts);
  EXPECT_EQ(a.crash_loop, b.crash_loop);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.last_exit, b.last_exit);
  EXPECT_EQ(a.last_failure, b.last_failure);
  EXPECT_EQ(a.last_exit_code, b.last_exit_code);
  EXPECT_EQ(a.last_output, b.last_output);
  EXPECT_EQ(a.startup_seconds, b.startup_seconds);
  EXPECT_EQ(a.in_flight, b.in_flight);
  EXPECT_EQ(a.next_restart, b.next_restart);
  EXPECT_EQ(a.dialect, b.dialect);
  EXPECT_EQ(a.adopted, b.adopted);
  EXPECT_EQ(a.replacing, b.replacing);
}

TEST(WorkerStatusTest, EveryFieldRoundTrips) {
  const WorkerStatus status = EveryField();
  StatusOr<WorkerStatus> read = WorkerStatusFromJson(WorkerStatusToJson(status));
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(*read, status);
}

TEST(WorkerStatusTest, AbsentOptionalsStayAbsent) {
  WorkerStatus status;
  status.id = "w-0";
  status.spec = {
      .deployment = "llama", .partitions = {0}, .engine = "sim", .settings = {.model = "m"}};
  const nlohmann::json json = WorkerStatusToJson(status);
  EXPECT_TRUE(json.at("pid").is_null());
  EXPECT_FALSE(json.contains("lastExit"));
  EXPECT_FALSE(json.contains("inFlightRequests"));
  EXPECT_FALSE(json.at("ready").get<bool>());
  StatusOr<WorkerStatus> read = WorkerStatusFromJson(json);
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(*read, status);
}

TEST(WorkerStatusTest, ReadyIsTheReadyState) {
  WorkerStatus status = EveryField();
  status.state = WorkerState::kReady;
  EXPECT_TRUE(WorkerStatusToJson(status).at("ready").get<bool>());
  EXPECT_TRUE(status.Ready());
  EXPECT_FALSE(status.Terminating());
  status.state = WorkerState::kDraining;
  EXPECT_TRUE(status.Terminating());
}

TEST(WorkerStatusTest, FieldsANewerAgentAddsAreIgnored) {
  nlohmann::json json = WorkerStatusToJson(EveryField());
  json["gpuSeconds"] = 12;
  EXPECT_TRUE(WorkerStatusFromJson(json).ok());
}

TEST(WorkerStatusTest, ErrorsNameTheWorkerAndTheField) {
  nlohmann::json json = WorkerStatusToJson(EveryField());
  json["state"] = "sleeping";
  StatusOr<WorkerStatus> read = WorkerStatusFromJson(json);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(),
              HasSubstr("worker \"serving.llama.prefill-1a2b3c4d-0\".state: unknown worker state"));

  json = WorkerStatusToJson(EveryField());
  json["spec"]["engine"].erase("model");
  read = WorkerStatusFromJson(json);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr(".spec"));
  EXPECT_THAT(read.status().message(), HasSubstr("engine.model: is required"));

  read = WorkerStatusFromJson(nlohmann::json::array());
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("worker"));
}

TEST(WorkerStatusTest, ListRoundTripsAndRejectsAMissingList) {
  StatusOr<std::vector<WorkerStatus>> read =
      WorkerListFromJson(WorkerListToJson({EveryField(), EveryField()}));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2U);
  ExpectSame(read->back(), EveryField());
  read = WorkerListFromJson(nlohmann::json::object());
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("workers: must be a list"));
}

}  // namespace
}  // namespace tessera::wire
