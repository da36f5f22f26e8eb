#include "agent/supervisor/process_launcher.h"

namespace tessera::agent {

std::string ProcessExit::Describe() const {
  if (exit_code) return "exit code " + std::to_string(*exit_code);
  if (signal) return "killed by signal " + std::to_string(*signal);
  return "exited (adopted; exit status unknown)";
}

}  // namespace tessera::agent
