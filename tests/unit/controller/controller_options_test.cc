#include "controller/controller_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ControllerOptionsTest, LeaderElectionIsOnUnlessTurnedOffAndHelpSaysSo) {
  std::string help;
  StatusOr<ControllerOptions> defaults = ParseControllerOptions({}, help);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_TRUE(defaults->leader_elect);
  EXPECT_TRUE(defaults->identity.empty()) << "the hostname, chosen at start";
  StatusOr<ControllerOptions> off = ParseControllerOptions({"--no-leader-elect"}, help);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->leader_elect);

  StatusOr<ControllerOptions> asked = ParseControllerOptions({"--help"}, help);
  ASSERT_EQ(asked.status().code(), StatusCode::kCancelled);
  EXPECT_THAT(help, HasSubstr("holding the lease (default: on)"));
  EXPECT_THAT(help, Not(HasSubstr("{false}")));
  EXPECT_THAT(help, HasSubstr("default: the hostname"));
}

TEST(ControllerOptionsTest, BadValuesNameTheFlag) {
  std::string help;
  EXPECT_THAT(ParseControllerOptions({"--poll-period", "soon"}, help).status().message(),
              HasSubstr("--poll-period"));
  EXPECT_THAT(ParseControllerOptions({"--node-lost-timeout", "0s"}, help).status().message(),
              HasSubstr("--node-lost-timeout: must be positive"));
  EXPECT_THAT(ParseControllerOptions({"--manifests", "/tmp/x"}, help).status().message(),
              HasSubstr("--agent: at least one is needed with --manifests"));
}

TEST(ControllerOptionsTest, MetricsAreServedOnlyWhereAsked) {
  std::string help;
  EXPECT_FALSE(ParseControllerOptions({}, help)->metrics_listen.has_value());
  StatusOr<ControllerOptions> asked = ParseControllerOptions({"--metrics-listen", ":8080"}, help);
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_EQ(asked->metrics_listen->host, "0.0.0.0");
  EXPECT_EQ(asked->metrics_listen->port, 8080);
  EXPECT_THAT(ParseControllerOptions({"--metrics-listen", "8080"}, help).status().message(),
              HasSubstr("--metrics-listen: expected HOST:PORT"));
}

TEST(ControllerOptionsTest, TheChangeWaitIsWholeSecondsUpToTheAgentsLimitOrOff) {
  std::string help;
  StatusOr<ControllerOptions> defaults = ParseControllerOptions({}, help);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->agent_change_wait, std::chrono::seconds(30));
  StatusOr<ControllerOptions> off = ParseControllerOptions({"--agent-change-wait", "0s"}, help);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->agent_change_wait, std::chrono::seconds(0));
  StatusOr<ControllerOptions> longest = ParseControllerOptions({"--agent-change-wait", "5m"}, help);
  ASSERT_TRUE(longest.ok()) << longest.status();
  EXPECT_EQ(longest->agent_change_wait, std::chrono::seconds(300));
  for (const char* bad : {"1.5s", "301s", "-1s", "often"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseControllerOptions({"--agent-change-wait", bad}, help).status().message(),
                HasSubstr("--agent-change-wait"));
  }
}

}  // namespace
}  // namespace tessera::controller
