#include "base/process.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strings.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace tessera {
namespace {

// posix_spawn's C interface takes arrays of mutable C strings.
class CStringArray {
 public:
  explicit CStringArray(std::vector<std::string> strings) : strings_(std::move(strings)) {
    for (std::string& text : strings_) pointers_.push_back(text.data());
    pointers_.push_back(nullptr);
  }
  char* const* Pointers() { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    merged.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  for (const auto& [name, value] : overrides) merged[name] = value;
  std::vector<std::string> entries;
  entries.reserve(merged.size());
  for (const auto& [name, value] : merged) {
    std::string entry = name;
    entry += '=';
    entry += value;
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string ErrnoText(int error) { return std::strerror(error); }  // NOLINT(concurrency-mt-unsafe)

}  // namespace

std::string ProcessExit::Describe() const {
  if (exit_code) return "exit code " + std::to_string(*exit_code);
  if (signal) return "killed by signal " + std::to_string(*signal);
  return "exited (adopted; exit status unknown)";
}

StatusOr<ProcessIdentity> LaunchProcess(const ProcessSpec& spec) {
  if (spec.argv.empty()) return InvalidArgumentError("empty command");
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, spec.log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  if (!spec.working_directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.working_directory.c_str());
  }
  // The agent's listening sockets must not outlive it inside a worker, or a
  // restarted agent could not bind its port again.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);

  sigset_t no_signals;
  sigset_t all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  CStringArray argv(spec.argv);
  CStringArray envp(MergedEnvironment(spec.env));
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, spec.argv[0].c_str(), &actions, &attributes, argv.Pointers(),
                                 envp.Pointers());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return UnavailableError("cannot start " + Quote(spec.argv[0]) + ": " + ErrnoText(error));
  }
  // The child exists until we reap it, so its start time is readable now.
  const StatusOr<std::optional<uint64_t>> start_ticks = ReadProcessStartTicks(pid);
  return ProcessIdentity{.pid = pid,
                         .start_ticks = start_ticks.ok() ? start_ticks->value_or(0) : uint64_t{0}};
}

StatusOr<std::optional<uint64_t>> ReadProcessStartTicks(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    const int error = errno;
    if (error == ENOENT || error == ESRCH) return std::optional<uint64_t>();
    return UnavailableError("cannot read " + path + ": " + ErrnoText(error));
  }
  std::array<char, 1024> buffer{};
  const ssize_t length = ::read(descriptor, buffer.data(), buffer.size() - 1);
  const int read_error = errno;
  ::close(descriptor);
  if (length < 0) {
    // The process exited between open and read.
    if (read_error == ESRCH) return std::optional<uint64_t>();
    return UnavailableError("cannot read " + path + ": " + ErrnoText(read_error));
  }
  const std::string_view line(buffer.data(), static_cast<size_t>(length));
  // The command name (field 2) may hold spaces and parentheses; the fields
  // after the last ')' are plain.
  const size_t close = line.rfind(')');
  if (close == std::string_view::npos) {
    return UnavailableError(path + " does not read as a process status (masked?)");
  }
  std::istringstream fields{std::string(line.substr(close + 1))};
  std::string state;
  fields >> state;  // field 3
  if (state == "Z" || state == "X") return std::optional<uint64_t>();
  std::string skipped;
  for (int field = 4; field < 22; ++field) fields >> skipped;
  uint64_t start_ticks = 0;
  if (!(fields >> start_ticks)) {
    return UnavailableError(path + " does not read as a process status (masked?)");
  }
  return std::optional<uint64_t>(start_ticks);
}

bool IsAlive(const ProcessIdentity& identity) {
  if (identity.pid <= 0) return false;
  const StatusOr<std::optional<uint64_t>> start_ticks = ReadProcessStartTicks(identity.pid);
  return start_ticks.ok() && *start_ticks && **start_ticks == identity.start_ticks;
}

Status SignalProcessGroup(const ProcessIdentity& identity, int pidfd, int signal) {
  if (identity.pid <= 0) return OkStatus();
  const std::string process = "process " + std::to_string(identity.pid);
  if (pidfd >= 0) {
    // Signal 0 through the pidfd asks whether that very process lives.
    if (::syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) != 0) {
      const int error = errno;
      if (error == ESRCH) return OkStatus();
      return UnavailableError("cannot check " + process + ": " + ErrnoText(error));
    }
  } else {
    const StatusOr<std::optional<uint64_t>> start_ticks = ReadProcessStartTicks(identity.pid);
    if (!start_ticks.ok()) return start_ticks.status();
    if (!*start_ticks || **start_ticks != identity.start_ticks) return OkStatus();
  }
  // The worker leads its own session and group; signal the process alone if
  // the group is gone.
  if (::kill(-identity.pid, signal) == 0) return OkStatus();
  if (errno == ESRCH && ::kill(identity.pid, signal) == 0) return OkStatus();
  const int error = errno;
  if (error == ESRCH) return OkStatus();
  return UnavailableError("cannot signal " + process + ": " + ErrnoText(error));
}

int OpenProcessDescriptor(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

bool ProcessExited(int pidfd) {
  pollfd descriptor{.fd = pidfd, .events = POLLIN, .revents = 0};
  return ::poll(&descriptor, 1, 0) == 1 && (descriptor.revents & (POLLIN | POLLHUP)) != 0;
}

ProcessExit ReapExited(pid_t pid) {
  int status = 0;
  const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
  if (reaped != pid) return {};
  if (WIFEXITED(status)) return {.exit_code = WEXITSTATUS(status)};
  if (WIFSIGNALED(status)) return {.signal = WTERMSIG(status)};
  return {};
}

}  // namespace tessera
