// `tessera up`, `tessera down` and `tessera status`: the embedded default,
// a whole deployment on one machine with one command (see cli/up/).

#ifndef TESSERA_CLI_UP_COMMAND_H_
#define TESSERA_CLI_UP_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace tessera::cli {

struct UpFlags {
  std::vector<std::string> files{};
  bool detach = false;
  std::string state_dir{};
  std::string listen = "127.0.0.1:8480";
  std::string gpu_backend = "auto";
  std::string sim_topology = "8xmi300x:cpx/nps4";
  int timeout_seconds = 600;
};

struct DownFlags {
  std::string state_dir{};
  int timeout_seconds = 120;
};

CLI::App* AddUpCommand(CLI::App& app, UpFlags& flags);
CLI::App* AddDownCommand(CLI::App& app, DownFlags& flags);

// 0 once serving (with -d) or after a clean stop; 1 when it could not
// start or serve; 2 for invalid input, named.
int RunUpCommand(const UpFlags& flags, std::ostream& out, std::ostream& err);
// 0 once nothing of the instance runs (also when nothing ran).
int RunDownCommand(const DownFlags& flags, std::ostream& out, std::ostream& err);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_COMMAND_H_
