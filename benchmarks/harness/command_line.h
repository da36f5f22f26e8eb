// Runs CLI11's parser for a benchmark's main(), with CLI11's exceptions
// caught here: --help prints the flags, and a bad flag or value prints an
// error that names the flag.

#ifndef TESSERA_BENCHMARKS_HARNESS_COMMAND_LINE_H_
#define TESSERA_BENCHMARKS_HARNESS_COMMAND_LINE_H_

#include <optional>

namespace CLI {
class App;
}  // namespace CLI

namespace tessera::bench {

// Parses argv into the options `app` declares. nullopt when the benchmark
// should run; otherwise the exit status it should end with: 0 after
// --help, 2 after an error, both printed.
std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HARNESS_COMMAND_LINE_H_
