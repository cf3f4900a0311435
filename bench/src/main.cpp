// legion-bench: run a suite (the default), or one of the subcommands in commands/. Errors in
// options, configuration or scenario files are reported here, with their location, and mapped to
// exit status 2 (the table is in exit_status.hpp).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/command.hpp"
#include "commands/run.hpp"
#include "exit_status.hpp"
#include "legion/report/escape.hpp"

int main(int argc, char** argv) {
  using namespace legion::bench;
  CLI::App app{"legion-bench: multi-agent framework benchmarks against a scripted model server"};
  app.require_subcommand(0, 1);
  for (const auto& command : commands::commands())
    command.add_options(command.name.empty() ? app : *app.add_subcommand(command.name, command.help));

  spdlog::set_level(spdlog::level::warn);
  try {
    commands::Invocation invocation{app, {argv + 1, argv + argc}};
    try {
      app.parse(argc, argv);
      commands::resume_if_asked(app);
    } catch (const CLI::ParseError& e) {
      const int status = app.exit(e);  // prints help, or the error with a hint
      return status == 0 ? kExitOk : kExitUsage;
    }
    const auto given = app.get_subcommands();  // at most one; none: the default action, named ""
    const std::string name = given.empty() ? "" : given.front()->get_name();
    for (const auto& command : commands::commands()) {
      if (command.name != name) continue;
      if (app.get_option("--dry-run")->count() > 0 && !command.checks_dry_run) {
        std::cout << "--dry-run: the options of `legion-bench " << name << "` parse; nothing run (its inputs are read when it runs)\n";
        return kExitOk;
      }
      return command.run(invocation);
    }
    return kExitUsage;  // not reached: every subcommand is a registered command
  } catch (const std::exception& e) {
    std::cerr << "legion-bench: " << legion::report::printable(e.what()) << "\n";
    return kExitUsage;
  }
}
