// Structured logging: one logfmt line per event, e.g.
//
//   ts=2026-11-23T20:10:00.123Z level=info component=agent msg="worker ready" worker=w-1 port=8001
//
// logfmt because it is both greppable by eye and parseable by log pipelines
// (Loki, Vector) without a schema. Messages stay constant ("worker ready") and
// the variable parts go into fields, so events can be counted and filtered.
//
//   Logger logger;  // standard error, system clock, level info
//   Logger agent = logger.WithComponent("agent");
//   agent.Info("worker ready", {{"worker", id}, {"port", port}});
//   agent.Error("probe failed", {{"error", status}, {"after", elapsed}});

#ifndef TESSERA_BASE_LOGGING_H_
#define TESSERA_BASE_LOGGING_H_

#include <atomic>
#include <chrono>
#include <concepts>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/units.h"

namespace tessera {

// Ordered by severity.
enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning", "error": the spelling in log lines and flags.
std::string_view LogLevelName(LogLevel level);

// Parses a level name as LogLevelName() spells it, in any letter case.
// InvalidArgument names the input and the valid levels otherwise.
StatusOr<LogLevel> ParseLogLevel(std::string_view text);

// Where finished lines go. Write() is called concurrently from many threads
// and must keep each line intact, not interleaved with another.
class LogSink {
 public:
  virtual ~LogSink() = default;

  // `line` is one complete event without a trailing newline.
  virtual void Write(std::string_view line) = 0;
};

// Writes each line and its newline to standard error in a single write, so
// lines stay whole even when other threads log at the same time.
class StderrLogSink final : public LogSink {
 public:
  void Write(std::string_view line) override;

 private:
  std::mutex mutex_;
};

// Appends each line and its newline to a file in a single write(2) on a
// descriptor opened with O_APPEND: whole lines, even when another process
// appends to the same file. A file that cannot be opened drops the lines;
// Open() says so first.
class FileLogSink final : public LogSink {
 public:
  static StatusOr<std::shared_ptr<FileLogSink>> Open(const std::string& path);
  ~FileLogSink() override;
  FileLogSink(const FileLogSink&) = delete;
  FileLogSink& operator=(const FileLogSink&) = delete;

  void Write(std::string_view line) override;

 private:
  explicit FileLogSink(int descriptor) : descriptor_(descriptor) {}
  int descriptor_;
};

// Keeps lines in memory so tests can assert on what was logged.
class CapturingLogSink final : public LogSink {
 public:
  void Write(std::string_view line) override;

  // A copy of every line written so far, oldest first.
  std::vector<std::string> Lines() const;

  void Clear();

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

namespace logging_internal {

// Integer types that print as numbers. Character types are left out:
// {"separator", ','} printing 44 would surprise; pass a string instead.
template <typename T>
concept Integer =
    std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
    !std::same_as<T, signed char> && !std::same_as<T, unsigned char> && !std::same_as<T, wchar_t> &&
    !std::same_as<T, char8_t> && !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

}  // namespace logging_internal

// The value of a field, rendered to text when the field is built. Converts
// implicitly from the types fields are made of, so call sites can write
// {"port", 8001} or {"error", status}.
class LogValue {
 public:
  // NOLINTBEGIN(google-explicit-constructor): implicit by design, see above.
  LogValue(std::string_view text) : text_(text) {}
  LogValue(std::string text) : text_(std::move(text)) {}
  LogValue(const char* text) : text_(text == nullptr ? "" : text) {}

  // A template so that pointers and other scalars do not silently become bool.
  template <std::same_as<bool> T>
  LogValue(T value) : text_(value ? "true" : "false") {}

  template <logging_internal::Integer T>
  LogValue(T value) : text_(std::to_string(value)) {}

  template <std::floating_point T>
  LogValue(T value) : text_(FormatFloatingPoint(static_cast<double>(value))) {}

  // "OK" or "INVALID_ARGUMENT: ..." as Status::ToString() has it.
  LogValue(const Status& status) : text_(status.ToString()) {}

  // Go-style, as FormatDuration() writes it: "1.5s", "250ms".
  template <typename Rep, typename Period>
  LogValue(std::chrono::duration<Rep, Period> duration)
      : text_(FormatDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(duration))) {}
  // NOLINTEND(google-explicit-constructor)

  // The unquoted text; quoting happens when the line is assembled.
  const std::string& text() const { return text_; }

 private:
  // Shortest text that reads back as the same double: 0.1 is "0.1", not
  // "0.100000".
  static std::string FormatFloatingPoint(double value);

  std::string text_;
};

// One key=value pair. Keys should be short identifiers such as "worker" or
// "http_status"; characters that logfmt cannot carry in a key (blanks, '=',
// quotes, control characters) are replaced with '_' so the line stays
// parseable.
struct LogField {
  LogField(std::string_view field_key, LogValue field_value)
      : key(field_key), value(std::move(field_value)) {}

  std::string key;
  LogValue value;
};

struct LoggerOptions {
  // Null means a StderrLogSink.
  std::shared_ptr<LogSink> sink;
  // Source of the ts= field. Null means SystemClock::Default(). Not owned: it
  // must outlive the logger and every logger derived from it.
  const Clock* clock = nullptr;
  LogLevel minimum_level = LogLevel::kInfo;
};

// Formats events and hands each finished line to the sink in one Write().
// Cheap to copy; copies and derived loggers share the sink, the clock and the
// minimum level. All methods are thread-safe.
class Logger {
 public:
  explicit Logger(LoggerOptions options = {});

  // A logger whose lines carry component=<component> after the level, e.g.
  // "agent". Deriving from a logger that already has a component nests it:
  // "agent" then "probe" gives component=agent.probe.
  Logger WithComponent(std::string_view component) const;

  // A logger whose lines carry `fields` after the message, before the fields
  // of each call; for context such as the worker a whole subsystem serves.
  Logger With(std::initializer_list<LogField> fields) const;

  // Changes the level below which events are dropped, for this logger and
  // every logger sharing its root, e.g. when a config reload changes it.
  void SetMinimumLevel(LogLevel level);
  LogLevel MinimumLevel() const;

  // Whether an event at `level` would be written; lets a caller skip costly
  // field computation for suppressed debug events.
  bool IsEnabled(LogLevel level) const;

  void Log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {}) const;
  void Debug(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Info(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Warning(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Error(std::string_view message, std::initializer_list<LogField> fields = {}) const;

 private:
  // What a logger and all loggers derived from it have in common.
  struct Shared {
    Shared(std::shared_ptr<LogSink> shared_sink, const Clock* shared_clock, LogLevel level)
        : sink(std::move(shared_sink)), clock(shared_clock), minimum_level(level) {}

    const std::shared_ptr<LogSink> sink;
    const Clock* const clock;
    std::atomic<LogLevel> minimum_level;
  };

  std::shared_ptr<Shared> shared_;
  std::string component_;
  // The With() fields, already rendered as " key=value" pairs.
  std::string fixed_fields_;
};

}  // namespace tessera

#endif  // TESSERA_BASE_LOGGING_H_
