#include "base/logging.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Fields are made from these types implicitly; other types must not sneak in
// through a surprising conversion.
static_assert(std::is_convertible_v<int, LogValue>);
static_assert(std::is_convertible_v<uint64_t, LogValue>);
static_assert(std::is_convertible_v<double, LogValue>);
static_assert(std::is_convertible_v<bool, LogValue>);
static_assert(std::is_convertible_v<const char*, LogValue>);
static_assert(std::is_convertible_v<std::string, LogValue>);
static_assert(std::is_convertible_v<std::string_view, LogValue>);
static_assert(std::is_convertible_v<Status, LogValue>);
static_assert(std::is_convertible_v<milliseconds, LogValue>);
static_assert(!std::is_convertible_v<int*, LogValue>);
static_assert(!std::is_convertible_v<char, LogValue>);

// 2026-11-23T20:10:00.123Z.
system_clock::time_point ExampleTime() {
  return std::chrono::sys_days{std::chrono::year{2026} / std::chrono::November /
                               std::chrono::day{23}} +
         std::chrono::hours(20) + std::chrono::minutes(10) + milliseconds(123);
}

class LoggingTest : public ::testing::Test {
 protected:
  LoggingTest() : clock_(ExampleTime()) {}

  Logger MakeLogger(LogLevel minimum_level = LogLevel::kDebug) {
    return Logger({.sink = sink_, .clock = &clock_, .minimum_level = minimum_level});
  }

  // The one line logged so far.
  std::string OnlyLine() {
    const std::vector<std::string> lines = sink_->Lines();
    EXPECT_THAT(lines, SizeIs(1));
    return lines.empty() ? "" : lines.front();
  }

  FakeClock clock_;
  std::shared_ptr<CapturingLogSink> sink_ = std::make_shared<CapturingLogSink>();
};

TEST(LogLevelTest, Names) {
  EXPECT_EQ(LogLevelName(LogLevel::kDebug), "debug");
  EXPECT_EQ(LogLevelName(LogLevel::kInfo), "info");
  EXPECT_EQ(LogLevelName(LogLevel::kWarning), "warning");
  EXPECT_EQ(LogLevelName(LogLevel::kError), "error");
}

TEST(LogLevelTest, ParsesNamesInAnyCase) {
  for (const LogLevel level :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    const StatusOr<LogLevel> parsed = ParseLogLevel(LogLevelName(level));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, level);
  }
  ASSERT_TRUE(ParseLogLevel("WARNING").ok());
  EXPECT_EQ(*ParseLogLevel("WARNING"), LogLevel::kWarning);
  EXPECT_EQ(*ParseLogLevel("Debug"), LogLevel::kDebug);
}

TEST(LogLevelTest, UnknownLevelNamesInputAndValidLevels) {
  for (const char* text : {"verbose", "", "warn", "info "}) {
    const StatusOr<LogLevel> parsed = ParseLogLevel(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(),
                AllOf(HasSubstr("\"" + std::string(text) + "\""),
                      HasSubstr("valid levels: debug, info, warning, error")));
  }
}

TEST(LogLevelTest, OrderedBySeverity) {
  EXPECT_LT(LogLevel::kDebug, LogLevel::kInfo);
  EXPECT_LT(LogLevel::kInfo, LogLevel::kWarning);
  EXPECT_LT(LogLevel::kWarning, LogLevel::kError);
}

TEST_F(LoggingTest, WritesOneLogfmtLine) {
  const Logger agent = MakeLogger().WithComponent("agent");
  agent.Info("worker ready", {{"worker", "w-1"}, {"port", 8001}});
  EXPECT_EQ(OnlyLine(),
            "ts=2026-11-23T20:10:00.123Z level=info component=agent msg=\"worker ready\" "
            "worker=w-1 port=8001");
}

TEST_F(LoggingTest, WithoutComponentOrFields) {
  MakeLogger().Warning("disk almost full");
  EXPECT_EQ(OnlyLine(), "ts=2026-11-23T20:10:00.123Z level=warning msg=\"disk almost full\"");
}

TEST_F(LoggingTest, EachLevelHasItsMethod) {
  const Logger logger = MakeLogger();
  logger.Debug("d");
  logger.Info("i");
  logger.Warning("w");
  logger.Error("e");
  logger.Log(LogLevel::kError, "l");
  const std::vector<std::string> lines = sink_->Lines();
  ASSERT_THAT(lines, SizeIs(5));
  EXPECT_THAT(lines[0], HasSubstr(" level=debug msg=d"));
  EXPECT_THAT(lines[1], HasSubstr(" level=info msg=i"));
  EXPECT_THAT(lines[2], HasSubstr(" level=warning msg=w"));
  EXPECT_THAT(lines[3], HasSubstr(" level=error msg=e"));
  EXPECT_THAT(lines[4], HasSubstr(" level=error msg=l"));
}

TEST_F(LoggingTest, TimestampComesFromTheInjectedClock) {
  const Logger logger = MakeLogger();
  logger.Info("first");
  clock_.Advance(milliseconds(1500));
  logger.Info("second");
  EXPECT_THAT(sink_->Lines(), ElementsAre(StartsWith("ts=2026-11-23T20:10:00.123Z "),
                                          StartsWith("ts=2026-11-23T20:10:01.623Z ")));
}

TEST_F(LoggingTest, ValuesOfEveryFieldType) {
  const std::string owned = "owned";
  const std::string_view view = "view";
  MakeLogger().Info("types", {{"string", owned},
                              {"view", view},
                              {"literal", "lit"},
                              {"int", -42},
                              {"int64", int64_t{-9'000'000'000}},
                              {"uint64", uint64_t{18'446'744'073'709'551'615u}},
                              {"unsigned", 7u},
                              {"short", static_cast<short>(3)},
                              {"double", 0.1},
                              {"float", 1.5f},
                              {"large", 1e21},
                              {"true", true},
                              {"false", false},
                              {"duration", milliseconds(1500)},
                              {"ok", OkStatus()}});
  EXPECT_THAT(OnlyLine(),
              HasSubstr(" msg=types string=owned view=view literal=lit int=-42 "
                        "int64=-9000000000 uint64=18446744073709551615 unsigned=7 short=3 "
                        "double=0.1 float=1.5 large=1e+21 true=true false=false duration=1.5s "
                        "ok=OK"));
}

TEST_F(LoggingTest, StatusValuesAreQuotedWithTheirCode) {
  MakeLogger().Error("reconcile failed", {{"error", NotFoundError("pod \"p-1\" not found")}});
  EXPECT_THAT(OnlyLine(), HasSubstr(" error=\"NOT_FOUND: pod \\\"p-1\\\" not found\""));
}

TEST_F(LoggingTest, QuotesAndEscapesValuesThatNeedIt) {
  MakeLogger().Info("quoting", {{"space", "a b"},
                                {"quote", "say \"hi\""},
                                {"equals", "a=b"},
                                {"empty", ""},
                                {"newline", "line1\nline2"},
                                {"tab", "a\tb"},
                                {"return", "a\rb"},
                                {"control", std::string_view("a\x01z", 3)},
                                {"delete", "a\x7f"},
                                {"backslash_quoted", "C:\\dir name"}});
  EXPECT_THAT(OnlyLine(),
              HasSubstr(" space=\"a b\" quote=\"say \\\"hi\\\"\" equals=\"a=b\" empty=\"\" "
                        "newline=\"line1\\nline2\" tab=\"a\\tb\" return=\"a\\rb\" "
                        "control=\"a\\u0001z\" delete=\"a\\u007f\" "
                        "backslash_quoted=\"C:\\\\dir name\""));
}

TEST_F(LoggingTest, LeavesSafeValuesBare) {
  MakeLogger().Info("bare", {{"path", "/var/lib/tessera"},
                             {"backslash", "C:\\dir"},
                             {"url", "http://host:8000/v1?x"},
                             {"unicode", "gr\u00fc\u00dfe"}});
  EXPECT_THAT(OnlyLine(), HasSubstr(" path=/var/lib/tessera backslash=C:\\dir "
                                    "url=http://host:8000/v1?x unicode=gr\u00fc\u00dfe"));
}

TEST_F(LoggingTest, MessageIsQuotedOnlyWhenNeeded) {
  const Logger logger = MakeLogger();
  logger.Info("started");
  logger.Info("");
  logger.Info("a=b");
  EXPECT_THAT(sink_->Lines(), ElementsAre(HasSubstr(" msg=started"), HasSubstr(" msg=\"\""),
                                          HasSubstr(" msg=\"a=b\"")));
}

TEST_F(LoggingTest, UnusableKeyCharactersBecomeUnderscores) {
  MakeLogger().Info("keys", {{"two words", 1}, {"a=b", 2}, {"q\"", 3}, {"", 4}, {"nl\n", 5}});
  EXPECT_THAT(OnlyLine(), HasSubstr(" msg=keys two_words=1 a_b=2 q_=3 _=4 nl_=5"));
}

TEST_F(LoggingTest, MinimumLevelDropsLowerEvents) {
  const Logger logger = MakeLogger(LogLevel::kWarning);
  EXPECT_FALSE(logger.IsEnabled(LogLevel::kDebug));
  EXPECT_FALSE(logger.IsEnabled(LogLevel::kInfo));
  EXPECT_TRUE(logger.IsEnabled(LogLevel::kWarning));
  EXPECT_TRUE(logger.IsEnabled(LogLevel::kError));
  logger.Debug("d");
  logger.Info("i");
  logger.Warning("w");
  logger.Error("e");
  EXPECT_THAT(sink_->Lines(), ElementsAre(HasSubstr("msg=w"), HasSubstr("msg=e")));
}

TEST_F(LoggingTest, DefaultMinimumLevelIsInfo) {
  const Logger logger({.sink = sink_, .clock = &clock_});
  EXPECT_EQ(logger.MinimumLevel(), LogLevel::kInfo);
  logger.Debug("hidden");
  logger.Info("shown");
  EXPECT_THAT(OnlyLine(), HasSubstr("msg=shown"));
}

TEST_F(LoggingTest, SetMinimumLevelAppliesToTheWholeFamily) {
  Logger root = MakeLogger(LogLevel::kInfo);
  const Logger child = root.WithComponent("agent");
  const Logger copy = root;
  root.SetMinimumLevel(LogLevel::kError);
  EXPECT_EQ(child.MinimumLevel(), LogLevel::kError);
  child.Warning("dropped");
  copy.Warning("dropped");
  Logger other_child = child.With({{"worker", "w-1"}});
  other_child.SetMinimumLevel(LogLevel::kDebug);
  root.Debug("kept");
  EXPECT_THAT(OnlyLine(), HasSubstr("msg=kept"));
}

TEST_F(LoggingTest, ComponentsNest) {
  const Logger probe = MakeLogger().WithComponent("agent").WithComponent("probe");
  probe.Info("tick");
  EXPECT_THAT(OnlyLine(), HasSubstr(" level=info component=agent.probe msg=tick"));
}

TEST_F(LoggingTest, ComponentIsQuotedWhenNeeded) {
  MakeLogger().WithComponent("my agent").Info("tick");
  EXPECT_THAT(OnlyLine(), HasSubstr(" component=\"my agent\" msg=tick"));
}

TEST_F(LoggingTest, FixedFieldsComeAfterMessageAndBeforeCallFields) {
  const Logger worker =
      MakeLogger().WithComponent("agent").With({{"worker", "w-1"}}).With({{"gpu", 0}});
  worker.Info("ready", {{"port", 8001}});
  EXPECT_EQ(OnlyLine(),
            "ts=2026-11-23T20:10:00.123Z level=info component=agent msg=ready worker=w-1 gpu=0 "
            "port=8001");
}

TEST_F(LoggingTest, DerivingDoesNotChangeTheParent) {
  const Logger parent = MakeLogger();
  const Logger child = parent.WithComponent("agent").With({{"worker", "w-1"}});
  parent.Info("from parent");
  EXPECT_EQ(OnlyLine(), "ts=2026-11-23T20:10:00.123Z level=info msg=\"from parent\"");
}

TEST_F(LoggingTest, ConcurrentEventsStayWholeLines) {
  const Logger logger = MakeLogger();
  constexpr int kThreads = 4;
  constexpr int kEventsPerThread = 500;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&logger, thread] {
      const Logger worker = logger.With({{"thread", thread}});
      for (int event = 0; event < kEventsPerThread; ++event) {
        worker.Info("event with a long enough message to interleave", {{"event", event}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = sink_->Lines();
  ASSERT_THAT(lines, SizeIs(kThreads * kEventsPerThread));
  for (const std::string& line : lines) {
    ASSERT_THAT(line, AllOf(StartsWith("ts=2026-11-23T20:10:00.123Z level=info msg="),
                            HasSubstr(" thread="), HasSubstr(" event=")));
  }
}

TEST(CapturingLogSinkTest, KeepsLinesInOrderAndClears) {
  CapturingLogSink sink;
  sink.Write("one");
  sink.Write("two");
  EXPECT_THAT(sink.Lines(), ElementsAre("one", "two"));
  sink.Clear();
  EXPECT_THAT(sink.Lines(), SizeIs(0));
}

TEST(StderrLogSinkTest, WritesLineAndNewline) {
  StderrLogSink sink;
  ::testing::internal::CaptureStderr();
  sink.Write("ts=x level=info msg=hello");
  sink.Write("second");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "ts=x level=info msg=hello\nsecond\n");
}

TEST(LoggerTest, DefaultsToStderrAndTheSystemClock) {
  const Logger logger;
  ::testing::internal::CaptureStderr();
  logger.Debug("not shown at the default level");
  logger.Info("hello", {{"n", 1}});
  const std::string output = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(output, AllOf(StartsWith("ts="), HasSubstr("Z level=info msg=hello n=1\n")));
  EXPECT_THAT(output, ::testing::Not(HasSubstr("not shown")));
}

TEST(FileLogSinkTest, AppendsWholeLines) {
  const std::string path = ::testing::TempDir() + "/file_log_sink_test.log";
  std::remove(path.c_str());
  {
    auto sink = FileLogSink::Open(path);
    ASSERT_TRUE(sink.ok()) << sink.status();
    (*sink)->Write("first");
    (*sink)->Write("second");
  }
  auto sink = FileLogSink::Open(path);
  ASSERT_TRUE(sink.ok());
  (*sink)->Write("third");
  std::ifstream file(path);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "first\nsecond\nthird\n");
  EXPECT_FALSE(FileLogSink::Open("/nonexistent-directory/x.log").ok());
}

}  // namespace
}  // namespace tessera
