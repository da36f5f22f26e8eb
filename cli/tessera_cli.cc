#include "cli/tessera_cli.h"

#include <algorithm>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/bench_command.h"
#include "cli/deployment_commands.h"
#include "cli/fit_command.h"
#include "cli/up_command.h"

namespace tessera::cli {

int RunTesseraCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Tessera: LLM serving on partitioned GPUs", "tessera");
  app.require_subcommand(1);
  FitFlags fit_flags;
  CLI::App* fit = AddFitCommand(app, fit_flags);
  BenchFlags bench_flags;
  CLI::App* bench = AddBenchCommand(app, bench_flags);
  UpFlags up_flags;
  CLI::App* up = AddUpCommand(app, up_flags);
  DownFlags down_flags;
  CLI::App* down = AddDownCommand(app, down_flags);
  DeploymentCommandFlags deployment_flags;
  const std::vector<CLI::App*> deployment_commands = AddDeploymentCommands(app, deployment_flags);
  try {
    // CLI11 consumes arguments from the back.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help, out, err);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help, out, err);
  } catch (const CLI::ParseError& error) {
    app.exit(error, out, err);
    return 2;
  }
  try {
    if (fit->parsed()) return RunFitCommand(fit_flags, out, err);
    if (bench->parsed()) return RunBenchCommand(bench_flags, out, err);
    if (up->parsed()) return RunUpCommand(up_flags, out, err);
    if (down->parsed()) return RunDownCommand(down_flags, out, err);
    for (const CLI::App* command : deployment_commands) {
      if (command->parsed()) return RunDeploymentCommand(*command, deployment_flags, out, err);
    }
  } catch (const std::exception& error) {
    err << "tessera: internal error: " << error.what() << "\n";
    return 70;  // EX_SOFTWARE
  }
  return 2;
}

}  // namespace tessera::cli
