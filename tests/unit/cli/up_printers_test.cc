#include <chrono>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/time_format.h"
#include "cli/up/printers/human_duration.h"
#include "cli/up/printers/resource_printer.h"

namespace tessera::cli {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// The API's `items` of a recorded answer (tests/fixtures/up/README.md).
json Fixture(const std::string& name) {
  StatusOr<std::string> text = ReadFile(TESSERA_SOURCE_DIR "/tests/fixtures/up/" + name);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? json::parse(*text)["items"] : json::array();
}

// Ten minutes after the recorded deployment became Ready.
TimePoint Now() { return *ParseRfc3339("2026-12-05T06:12:05Z"); }

constexpr std::string_view kDeployments =
    "NAMESPACE  NAME      MODEL                             PREFILL  DECODE  ROUTER  ENDPOINT      "
    "   AGE\n"
    "default    llama-8b  meta-llama/Llama-3.1-8B-Instruct  1/1      2/2     1/1     "
    "http://vm:20004  10m\n";

constexpr std::string_view kRoles =
    "NAMESPACE  DEPLOYMENT  ROLE     DESIRED  READY  UPDATED\n"
    "default    llama-8b    prefill        1      1        1\n"
    "default    llama-8b    decode         2      2        2\n"
    "default    llama-8b    router         1      1        1\n";

constexpr std::string_view kNodes =
    "NAME  BACKEND  GPUS  PARTITIONS  FREE\n"
    "vm    sim         8          64    61\n";

constexpr std::string_view kWorkers =
    "NAME                                 DEPLOYMENT        ROLE     NODE  PARTITIONS  STATE    "
    "PID  RESTARTS  URL              AGE\n"
    "default.llama-8b.decode-3b4fd96e-0   default/llama-8b  decode   -     1           ready  "
    "20099         0  http://vm:20002  10m\n"
    "default.llama-8b.decode-3b4fd96e-1   default/llama-8b  decode   -     2           ready  "
    "20100         0  http://vm:20003  10m\n"
    "default.llama-8b.prefill-84ef8595-0  default/llama-8b  prefill  -     0           ready  "
    "20098         0  http://vm:20000  10m\n"
    "default.llama-8b.router-2504e49b-0   default/llama-8b  router   -     -           ready  "
    "20101         0  http://vm:20004  10m\n";

constexpr std::string_view kDescribe =
    "Name:          llama-8b\n"
    "Namespace:     default\n"
    "Manifest:      /root/.local/state/tessera/manifests/quickstart.yaml\n"
    "Generation:    1 (observed 1)\n"
    "Model:         meta-llama/Llama-3.1-8B-Instruct\n"
    "Engine:        sim\n"
    "Mode:          disaggregated\n"
    "Endpoint:      http://vm:20004\n"
    "Router policy: cache_aware\n"
    "Roles:\n"
    "  ROLE     DESIRED  READY  UPDATED\n"
    "  prefill        1      1        1\n"
    "  decode         2      2        2\n"
    "  router         1      1        1\n"
    "Conditions:\n"
    "  TYPE           STATUS  REASON      SINCE  MESSAGE\n"
    "  Unschedulable  False   AllPlaced   10m    every desired worker has partitions\n"
    "  Degraded       False   AsExpected  10m    no worker is failing\n"
    "  Progressing    False   Complete    10m    every worker runs the current spec\n"
    "  Ready          True    AllReady    10m    every role has its desired workers ready\n"
    "Workers:\n"
    "  WORKER                               ROLE     NODE    PARTITIONS  STATE  URL\n"
    "  default.llama-8b.decode-3b4fd96e-0   decode   node-a  1           ready  http://vm:20002\n"
    "  default.llama-8b.decode-3b4fd96e-1   decode   node-a  2           ready  http://vm:20003\n"
    "  default.llama-8b.prefill-84ef8595-0  prefill  node-a  0           ready  http://vm:20000\n"
    "  default.llama-8b.router-2504e49b-0   router   node-a  -           ready  http://vm:20004\n"
    "Events:\n"
    "  TYPE     REASON           AGE  COUNT  MESSAGE\n"
    "  Warning  NoMatchingNodes  10m     x1  prefill: no GPU node is known; start tessera-agent on "
    "the GPU nodes; decode: no GPU node is known; start tessera-agent on the GPU nodes\n"
    "  Normal   WorkerCreated    10m     x1  started default.llama-8b.prefill-84ef8595-0 on node-a "
    "(partitions 0)\n"
    "  Normal   WorkerCreated    10m     x1  started default.llama-8b.decode-3b4fd96e-0 on node-a "
    "(partitions 1)\n"
    "  Normal   WorkerCreated    10m     x1  started default.llama-8b.decode-3b4fd96e-1 on node-a "
    "(partitions 2)\n"
    "  Normal   WorkerCreated    10m     x1  started default.llama-8b.router-2504e49b-0 on node-a\n"
    "  Normal   Ready            10m     x1  every role has its desired workers ready\n";

constexpr std::string_view kStatusTable =
    "DEPLOYMENT        MODE           READY\n"
    "default/llama-8b  disaggregated  prefill 1/1  decode 2/2  router 1/1\n"
    "\n"
    "WORKER                               ROLE     NODE    PARTITIONS  STATE  URL\n"
    "default.llama-8b.decode-3b4fd96e-0   decode   node-a  1           ready  http://vm:20002\n"
    "default.llama-8b.decode-3b4fd96e-1   decode   node-a  2           ready  http://vm:20003\n"
    "default.llama-8b.prefill-84ef8595-0  prefill  node-a  0           ready  http://vm:20000\n"
    "default.llama-8b.router-2504e49b-0   router   node-a  -           ready  http://vm:20004\n"
    "\n"
    "Endpoint: http://vm:20004\n"
    "Dashboard: http://127.0.0.1:8480\n";

TEST(UpPrintersTest, GetDeployments) {
  EXPECT_EQ(PrintDeployments(Fixture("deployments.json"), Now()), kDeployments);
}

TEST(UpPrintersTest, GetRoles) { EXPECT_EQ(PrintRoles(Fixture("deployments.json")), kRoles); }

TEST(UpPrintersTest, GetNodes) { EXPECT_EQ(PrintNodes(Fixture("nodes.json")), kNodes); }

TEST(UpPrintersTest, GetWorkers) {
  EXPECT_EQ(PrintWorkers(Fixture("workers.json"), Now()), kWorkers);
}

TEST(UpPrintersTest, DescribeDeployment) {
  EXPECT_EQ(DescribeDeployment(Fixture("deployments.json")[0], Fixture("events.json"), Now()),
            kDescribe);
}

TEST(UpPrintersTest, StatusTable) {
  EXPECT_EQ(PrintStatusTable(Fixture("deployments.json"), "http://127.0.0.1:8480"), kStatusTable);
}

// Before the controller's first pass a deployment has no status; an older or
// newer API may miss fields. Nothing throws, and what is unknown reads "-".
json Fresh() {
  return json::parse(R"({"namespace": "team", "name": "qwen", "generation": 1,
  "spec": {"model": {"source": "Qwen/Qwen2.5-7B-Instruct"}, "engine": {"kind": "vllm"},
           "router": {"replicas": 0}},
  "status": null})");
}

TEST(UpPrintersTest, ADeploymentBeforeItsFirstStatus) {
  json deployments = Fixture("deployments.json");
  deployments.push_back(Fresh());
  EXPECT_EQ(PrintDeployments(deployments, Now()),
            "NAMESPACE  NAME      MODEL                             PREFILL  DECODE  ROUTER  "
            "ENDPOINT         AGE\n"
            "default    llama-8b  meta-llama/Llama-3.1-8B-Instruct  1/1      2/2     1/1     "
            "http://vm:20004  10m\n"
            "team       qwen      Qwen/Qwen2.5-7B-Instruct          -        -       -       "
            "-                -\n");
  EXPECT_EQ(PrintRoles(json::array({Fresh()})), "No roles found.\n");
  EXPECT_EQ(DescribeDeployment(Fresh(), json::array(), Now()),
            "Name:          qwen\n"
            "Namespace:     team\n"
            "Manifest:      -\n"
            "Generation:    1 (observed -)\n"
            "Model:         Qwen/Qwen2.5-7B-Instruct\n"
            "Engine:        vllm\n"
            "Mode:          aggregated\n"
            "Endpoint:      <none>\n"
            "Router policy: <none>\n"
            "Roles:\n"
            "  <none>\n"
            "Conditions:\n"
            "  <none>\n"
            "Workers:\n"
            "  <none>\n"
            "Events:\n"
            "  <none>\n");
  EXPECT_EQ(PrintStatusTable(deployments, "http://127.0.0.1:8480")
                .substr(PrintStatusTable(deployments, "http://127.0.0.1:8480").find("Endpoint")),
            "Endpoint: http://vm:20004 (default/llama-8b)\n"
            "Endpoint: <none> (team/qwen)\n"
            "Dashboard: http://127.0.0.1:8480\n");
}

TEST(UpPrintersTest, AggregatedDeploymentsGetAWorkerColumn) {
  const json deployment = json::parse(R"({"namespace": "default", "name": "small",
    "spec": {"model": {"source": "m"}},
    "status": {"worker": {"desired": 3, "ready": 2, "updated": 3},
               "conditions": [{"type": "Ready", "status": "False",
                               "lastTransitionTime": "2026-12-05T04:00:00Z"}]}})");
  EXPECT_EQ(PrintDeployments(json::array({deployment}), Now()),
            "NAMESPACE  NAME   MODEL  WORKER  ENDPOINT  AGE\n"
            "default    small  m      2/3     -         132m\n");
}

TEST(UpPrintersTest, RepeatedEventsShowTheirCountAndNewestAge) {
  const json events = json::parse(R"([{"type": "Warning", "reason": "AgentRejected",
    "message": "node-a: engine kind vllm is not allowed", "count": 3,
    "firstTime": "2026-12-05T06:00:00Z", "lastTime": "2026-12-05T06:12:00Z"}])");
  const std::string described = DescribeDeployment(Fresh(), events, Now());
  EXPECT_EQ(described.substr(described.find("Events:")),
            "Events:\n"
            "  TYPE     REASON         AGE  COUNT  MESSAGE\n"
            "  Warning  AgentRejected  5s      x3  node-a: engine kind vllm is not allowed\n");
}

TEST(UpPrintersTest, ACrashLoopingWorkerSaysSo) {
  json worker = Fixture("workers.json")[0];
  worker["crashLoop"] = true;
  worker["state"] = "failed";
  worker["restarts"] = 4;
  worker["node"] = "node-a";
  worker.erase("pid");
  EXPECT_EQ(PrintWorkers(json::array({worker}), Now()),
            "NAME                                DEPLOYMENT        ROLE    NODE    PARTITIONS  "
            "STATE                PID  RESTARTS  URL              AGE\n"
            "default.llama-8b.decode-3b4fd96e-0  default/llama-8b  decode  node-a  1           "
            "failed (crash loop)    -         4  http://vm:20002  10m\n");
}

TEST(UpPrintersTest, NoItems) {
  for (const json& nothing : {json::array(), json(), json::object()}) {
    EXPECT_EQ(PrintDeployments(nothing, Now()), "No deployments found.\n");
    EXPECT_EQ(PrintRoles(nothing), "No roles found.\n");
    EXPECT_EQ(PrintNodes(nothing), "No nodes found.\n");
    EXPECT_EQ(PrintWorkers(nothing, Now()), "No workers found.\n");
    EXPECT_EQ(PrintStatusTable(nothing, "http://127.0.0.1:8480"),
              "No deployments yet.\n\nDashboard: http://127.0.0.1:8480\n");
  }
}

TEST(UpPrintersTest, ObjectsAsJsonAndYaml) {
  const json node = json::parse(R"({"hostname": "vm", "partitions": {"free": 61, "total": 64}})");
  EXPECT_EQ(PrintObjects(ObjectFormat::kJson, json::array({node})),
            "{\n"
            "  \"items\": [\n"
            "    {\n"
            "      \"hostname\": \"vm\",\n"
            "      \"partitions\": {\n"
            "        \"free\": 61,\n"
            "        \"total\": 64\n"
            "      }\n"
            "    }\n"
            "  ]\n"
            "}\n");
  EXPECT_EQ(PrintObjects(ObjectFormat::kYaml, json::array({node})),
            "items:\n"
            "  - hostname: vm\n"
            "    partitions:\n"
            "      free: 61\n"
            "      total: 64\n");
  EXPECT_EQ(PrintObject(ObjectFormat::kYaml, node),
            "hostname: vm\n"
            "partitions:\n"
            "  free: 61\n"
            "  total: 64\n");
  EXPECT_EQ(PrintObjects(ObjectFormat::kJson, json()), "{\n  \"items\": []\n}\n");
}

TEST(UpPrintersTest, ParseObjectFormat) {
  EXPECT_EQ(ParseObjectFormat("json").value(), ObjectFormat::kJson);
  EXPECT_EQ(ParseObjectFormat("yaml").value(), ObjectFormat::kYaml);
  const StatusOr<ObjectFormat> wide = ParseObjectFormat("wide");
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.status().message(), "--output: \"wide\" is not json or yaml");
}

TEST(HumanDurationTest, RoundsAsKubectlDoes) {
  EXPECT_EQ(HumanDuration(seconds(-5)), "<invalid>");
  EXPECT_EQ(HumanDuration(std::chrono::milliseconds(-500)), "0s");
  EXPECT_EQ(HumanDuration(seconds(0)), "0s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(minutes(2)), "2m");
  EXPECT_EQ(HumanDuration(minutes(5) + seconds(30)), "5m30s");
  EXPECT_EQ(HumanDuration(minutes(42) + seconds(59)), "42m");
  EXPECT_EQ(HumanDuration(hours(3)), "3h");
  EXPECT_EQ(HumanDuration(hours(5) + minutes(20)), "5h20m");
  EXPECT_EQ(HumanDuration(hours(20) + minutes(59)), "20h");
  EXPECT_EQ(HumanDuration(hours(24 * 3 + 4)), "3d4h");
  EXPECT_EQ(HumanDuration(hours(24 * 120 + 5)), "120d");
  EXPECT_EQ(HumanDuration(hours(24 * (365 * 2 + 30))), "2y30d");
  EXPECT_EQ(HumanDuration(hours(24 * 365 * 9)), "9y");
}

TEST(HumanDurationTest, AgeSinceATimestamp) {
  EXPECT_EQ(AgeSince("2026-12-05T06:11:50Z", Now()), "15s");
  EXPECT_EQ(AgeSince("", Now()), "-");
  EXPECT_EQ(AgeSince("yesterday", Now()), "-");
}

}  // namespace
}  // namespace tessera::cli
