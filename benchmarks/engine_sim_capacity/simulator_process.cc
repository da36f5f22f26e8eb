#include "benchmarks/engine_sim_capacity/simulator_process.h"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchmarks/harness/host_machine.h"

namespace tessera::bench {
namespace {

// The number after `key=` in `line`.
std::optional<double> LogField(std::string_view line, std::string_view key) {
  const size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  return std::strtod(std::string(line.substr(at + key.size())).c_str(), nullptr);
}

}  // namespace

SimulatorProcess::~SimulatorProcess() {
  Kill();
  (void)::unlink(log_path_.c_str());
}

void SimulatorProcess::Kill() {
  if (pid_ <= 0) return;
  (void)::kill(pid_, SIGKILL);
  (void)::waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

StatusOr<std::unique_ptr<SimulatorProcess>> SimulatorProcess::Start(const std::string& binary,
                                                                    std::vector<std::string> args,
                                                                    int cpu) {
  std::string log_path = "/tmp/engine-sim-capacity-XXXXXX";
  const int log_fd = ::mkstemp(log_path.data());
  if (log_fd < 0) return InternalError("cannot create a log file in /tmp");
  args.insert(args.begin(), binary);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return InternalError("fork failed");
  }
  if (pid == 0) {
    // Dies with this process, whatever ends it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log_fd, STDERR_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::close(log_fd);
    if (cpu >= 0) PinToCpu(cpu);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  std::unique_ptr<SimulatorProcess> process(new SimulatorProcess(pid, std::move(log_path)));
  if (Status ready = process->AwaitReady(std::chrono::seconds(10)); !ready.ok()) return ready;
  return process;
}

std::string SimulatorProcess::Log() const {
  std::ifstream file(log_path_);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

Status SimulatorProcess::AwaitReady(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return UnavailableError("tessera-engine-sim exited before it was ready:\n" + Log());
    }
    const std::string log = Log();
    std::istringstream lines(log);
    std::string line;
    bool ready = false;
    while (std::getline(lines, line)) {
      if (line.find("msg=listening") != std::string::npos) {
        port_ = static_cast<uint16_t>(LogField(line, " port=").value_or(0));
      } else if (line.find("msg=\"engine ready\"") != std::string::npos) {
        max_concurrency_ = LogField(line, " max_concurrency=").value_or(0);
        ready = true;
      }
    }
    if (ready && port_ != 0) return OkStatus();
    ::usleep(20'000);
  }
  return DeadlineExceededError("tessera-engine-sim was not ready after " +
                               std::to_string(limit.count()) + " s:\n" + Log());
}

}  // namespace tessera::bench
