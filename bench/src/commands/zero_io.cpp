#include <memory>
#include <sstream>

#include "command.hpp"
#include "options.hpp"
#include "zero_io.hpp"

namespace legion::bench::commands {
namespace {

struct ZeroIoCommandOptions {
  ZeroIoOptions run;
  std::string systems, out;  // empty: systems_with_zero_io_workloads()
};

void add_zero_io_options(CLI::App& cmd, ZeroIoCommandOptions& o) {
  cmd.add_option("--systems", o.systems, "Comma-separated systems (default: native and every framework with zero-I/O workloads)");
  cmd.add_option("--rounds", o.run.rounds, "Processes per system, in rotated order")->capture_default_str()->transform(integer_in(1, 1000));
  cmd.add_option("--batches", o.run.batches, "Timed batches of each workload per process")
      ->capture_default_str()
      ->transform(integer_in(1, 1000));
  cmd.add_option("--iterations", o.run.iterations, "Invocations per batch, Python systems")
      ->capture_default_str()
      ->transform(integer_in(1, 10'000'000));
  cmd.add_option("--native-iterations", o.run.native_iterations, "Invocations per batch, native engine")
      ->capture_default_str()
      ->transform(integer_in(1, 1'000'000'000));
  cmd.add_option("--out", o.out, "Folder for ZERO_IO.md and zero_io.json");
}

}  // namespace

Command zero_io_command() {
  auto o = std::make_shared<ZeroIoCommandOptions>();
  return {"zero-io", "Engine overhead with no model and no I/O (the NeoGraph benchmark's seq and par graphs) beside the published figures",
          [o](CLI::App& cmd) { add_zero_io_options(cmd, *o); },
          [o](const Invocation&) {
            std::istringstream names(o->systems);
            for (std::string s; std::getline(names, s, ',');)
              if (!s.empty()) o->run.systems.push_back(s);
            if (o->systems.empty()) o->run.systems = systems_with_zero_io_workloads();
            o->run.out = o->out;
            return bench::zero_io_command(o->run);
          }};
}

}  // namespace legion::bench::commands
