#include <iostream>
#include <string>
#include <vector>

#include "cli/tessera_cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return tessera::cli::RunTesseraCli(args, std::cout, std::cerr);
}
