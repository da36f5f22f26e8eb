#include "benchmarks/harness/command_line.h"

#include <CLI/CLI.hpp>

namespace tessera::bench {

std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    (void)app.exit(error);
    return 2;
  }
  return std::nullopt;
}

}  // namespace tessera::bench
