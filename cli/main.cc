// tessera: the user's command line (fit, bench).
//
// Threads. One: `fit` computes and prints; `bench` runs its load generator
// (cli/bench/) on an event loop in this thread — arrivals on a timer, every
// request a stream on one HTTP client — and prints when the loop ends.

#include <iostream>
#include <string>
#include <vector>

#include "cli/tessera_cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return tessera::cli::RunTesseraCli(args, std::cout, std::cerr);
}
