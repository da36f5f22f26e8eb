#include "base/logging.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "base/strings.h"
#include "base/time_format.h"

namespace tessera {
namespace {

constexpr std::array<LogLevel, 4> kAllLevels = {LogLevel::kDebug, LogLevel::kInfo,
                                                LogLevel::kWarning, LogLevel::kError};

bool IsControl(unsigned char byte) { return byte < 0x20 || byte == 0x7f; }

// logfmt splits pairs on blanks and keys from values on '=', and uses '"' to
// delimit values; anything else may appear bare.
bool NeedsQuotes(std::string_view value) {
  return value.empty() || std::ranges::any_of(value, [](char c) {
           return c == ' ' || c == '=' || c == '"' || IsControl(static_cast<unsigned char>(c));
         });
}

void AppendValue(std::string_view value, std::string& line) {
  // A quoted logfmt value is a JSON string, which log pipelines unquote.
  if (NeedsQuotes(value)) {
    line += JsonQuote(value);
  } else {
    line += value;
  }
}

void AppendKey(std::string_view key, std::string& line) {
  if (key.empty()) {
    line += '_';
    return;
  }
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    line += (c == ' ' || c == '=' || c == '"' || IsControl(byte)) ? '_' : c;
  }
}

void AppendField(std::string_view key, std::string_view value, std::string& line) {
  line += ' ';
  AppendKey(key, line);
  line += '=';
  AppendValue(value, line);
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

StatusOr<LogLevel> ParseLogLevel(std::string_view text) {
  const std::string lower = AsciiLower(text);
  for (LogLevel level : kAllLevels) {
    if (LogLevelName(level) == lower) return level;
  }
  return InvalidArgumentError("unknown log level \"" + std::string(text) +
                              "\"; valid levels: debug, info, warning, error");
}

void StderrLogSink::Write(std::string_view line) {
  std::string with_newline;
  with_newline.reserve(line.size() + 1);
  with_newline += line;
  with_newline += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  // A failing stderr leaves nowhere to report the failure, so it is ignored.
  static_cast<void>(std::fwrite(with_newline.data(), 1, with_newline.size(), stderr));
  static_cast<void>(std::fflush(stderr));
}

StatusOr<std::shared_ptr<FileLogSink>> FileLogSink::Open(const std::string& path) {
  const int descriptor = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (descriptor < 0)
    return UnavailableError("opening " + path + ": " +
                            std::error_code(errno, std::generic_category()).message());
  return std::shared_ptr<FileLogSink>(new FileLogSink(descriptor));
}

FileLogSink::~FileLogSink() { close(descriptor_); }

void FileLogSink::Write(std::string_view line) {
  std::string with_newline;
  with_newline.reserve(line.size() + 1);
  with_newline += line;
  with_newline += '\n';
  // A failing log file leaves nowhere to report the failure, so it is ignored.
  static_cast<void>(::write(descriptor_, with_newline.data(), with_newline.size()));
}

void CapturingLogSink::Write(std::string_view line) {
  std::lock_guard<std::mutex> lock(mutex_);
  lines_.emplace_back(line);
}

std::vector<std::string> CapturingLogSink::Lines() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_;
}

void CapturingLogSink::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  lines_.clear();
}

std::string LogValue::FormatFloatingPoint(double value) {
  std::array<char, 64> buffer{};
  const std::to_chars_result result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (result.ec != std::errc()) return "nan";  // Unreachable: the buffer fits any double.
  return {buffer.data(), result.ptr};
}

Logger::Logger(LoggerOptions options)
    : shared_(std::make_shared<Shared>(
          options.sink != nullptr ? std::move(options.sink) : std::make_shared<StderrLogSink>(),
          options.clock != nullptr ? options.clock : &SystemClock::Default(),
          options.minimum_level)) {}

Logger Logger::WithComponent(std::string_view component) const {
  Logger child = *this;
  if (!child.component_.empty()) child.component_ += '.';
  child.component_ += component;
  return child;
}

Logger Logger::With(std::initializer_list<LogField> fields) const {
  Logger child = *this;
  for (const LogField& field : fields) {
    AppendField(field.key, field.value.text(), child.fixed_fields_);
  }
  return child;
}

void Logger::SetMinimumLevel(LogLevel level) {
  shared_->minimum_level.store(level, std::memory_order_relaxed);
}

LogLevel Logger::MinimumLevel() const {
  return shared_->minimum_level.load(std::memory_order_relaxed);
}

bool Logger::IsEnabled(LogLevel level) const { return level >= MinimumLevel(); }

void Logger::Log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) const {
  if (!IsEnabled(level)) return;
  std::string line = "ts=";
  line += FormatRfc3339Millis(shared_->clock->WallNow());
  line += " level=";
  line += LogLevelName(level);
  if (!component_.empty()) AppendField("component", component_, line);
  AppendField("msg", message, line);
  line += fixed_fields_;
  for (const LogField& field : fields) AppendField(field.key, field.value.text(), line);
  shared_->sink->Write(line);
}

void Logger::Debug(std::string_view message, std::initializer_list<LogField> fields) const {
  Log(LogLevel::kDebug, message, fields);
}

void Logger::Info(std::string_view message, std::initializer_list<LogField> fields) const {
  Log(LogLevel::kInfo, message, fields);
}

void Logger::Warning(std::string_view message, std::initializer_list<LogField> fields) const {
  Log(LogLevel::kWarning, message, fields);
}

void Logger::Error(std::string_view message, std::initializer_list<LogField> fields) const {
  Log(LogLevel::kError, message, fields);
}

}  // namespace tessera
