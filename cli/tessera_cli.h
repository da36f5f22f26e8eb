// The `tessera` command line: one binary, one subcommand per tool.

#ifndef TESSERA_CLI_TESSERA_CLI_H_
#define TESSERA_CLI_TESSERA_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace tessera::cli {

// Runs `tessera` with `args` (without the program name) and returns the exit
// status. Never throws.
int RunTesseraCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_TESSERA_CLI_H_
