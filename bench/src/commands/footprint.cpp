#include <memory>
#include <sstream>

#include "command.hpp"
#include "footprint.hpp"
#include "options.hpp"

namespace legion::bench::commands {
namespace {

struct FootprintCommandOptions {
  FootprintOptions run;
  std::string systems, out;  // empty: systems_with_footprint()
};

void add_footprint_options(CLI::App& cmd, FootprintCommandOptions& o) {
  cmd.add_option("--systems", o.systems, "Comma-separated frameworks (default: every one with a construction file and an environment)");
  cmd.add_option("--import-samples", o.run.import_samples, "Cold imports per framework, one per round in rotated order")
      ->capture_default_str()
      ->transform(integer_in(1, 1000));
  cmd.add_option("--rounds", o.run.rounds, "Construction processes per framework, in rotated order")
      ->capture_default_str()
      ->transform(integer_in(1, 100));
  cmd.add_option("--iterations", o.run.iterations, "Timed constructions per process (0: each framework's source count)")
      ->capture_default_str()
      ->transform(integer_in(0, 1'000'000));
  cmd.add_option("--warmups", o.run.warmups, "Warm-up constructions per process")->capture_default_str()->transform(integer_in(0, 10'000));
  cmd.add_option("--out", o.out, "Folder for FOOTPRINT.md and footprint.json");
}

}  // namespace

Command footprint_command() {
  auto o = std::make_shared<FootprintCommandOptions>();
  return {"footprint",
          "Cold import and agent construction time and memory per framework (Agno's and PraisonAI's methods) beside the published figures",
          [o](CLI::App& cmd) { add_footprint_options(cmd, *o); },
          [o](const Invocation&) {
            std::istringstream names(o->systems);
            for (std::string s; std::getline(names, s, ',');)
              if (!s.empty()) o->run.systems.push_back(s);
            if (o->systems.empty()) o->run.systems = systems_with_footprint();
            o->run.out = o->out;
            return bench::footprint_command(o->run);
          }};
}

}  // namespace legion::bench::commands
