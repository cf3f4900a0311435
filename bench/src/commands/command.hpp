#pragma once
// A legion-bench command: its name and one-line help, the options it adds to its CLI11 subcommand,
// and what it does, returning the exit status (exit_status.hpp). main parses the command line and
// runs the command given. Adding a subcommand is one file here and its registration in commands.cpp.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace legion::bench::commands {

// The parsed command line, for the commands that record it or ask which options were given.
struct Invocation {
  const CLI::App& app;
  std::vector<std::string> arguments;  // as typed, without the program's name
};

struct Command {
  std::string name;  // empty for the default action, running a suite, whose options are the top-level ones
  std::string help;
  std::function<void(CLI::App&)> add_options;
  std::function<int(const Invocation&)> run;
  // Honours --dry-run itself (checks everything, runs nothing); for the others main stops after
  // parsing their options.
  bool checks_dry_run = false;
};

// The default action first, then the subcommands in the order --help lists them.
const std::vector<Command>& commands();

}  // namespace legion::bench::commands
