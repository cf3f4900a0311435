// The registered commands. A new subcommand: its file in this folder, declared and listed here.
#include "command.hpp"

namespace legion::bench::commands {

// Each defined in the file of its name.
Command run_command();
Command list_command();
Command oracle_command();
Command analyze_command();
Command report_command();
Command publish_command();
Command compare_command();
Command ab_command();
Command calibrate_command();
Command plan_command();
Command zero_io_command();
Command footprint_command();
Command stress_engine_command();
Command worker_command();

const std::vector<Command>& commands() {
  static const std::vector<Command> all{
      run_command(),     list_command(),     oracle_command(),    analyze_command(), report_command(),        publish_command(),
      compare_command(), ab_command(),       calibrate_command(), plan_command(),    zero_io_command(),       footprint_command(),
      stress_engine_command(), worker_command(),
  };
  return all;
}

}  // namespace legion::bench::commands
