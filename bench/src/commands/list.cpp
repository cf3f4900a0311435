#include <iomanip>
#include <iostream>

#include "command.hpp"
#include "legion/adapters/adapter.hpp"
#include "legion/datasets/published.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/datasets/suites.hpp"
#include "legion/report/document.hpp"
#include "stress/suite.hpp"

namespace legion::bench::commands {
namespace {

int list_everything() {
  std::cout << "Suites:\n";
  for (const auto& s : datasets::load_suites()) {
    std::cout << "  " << s.name << " — " << s.description << "\n    scenarios:";
    for (const auto& n : s.scenarios) std::cout << " " << n;
    std::cout << "\n";
    for (const auto& p : s.sweeps) {
      std::cout << "    sweep: " << p.scenario << " " << p.sweep.param << "=";
      for (std::size_t i = 0; i < p.sweep.values.size(); ++i) std::cout << (i ? "," : "") << p.sweep.values[i];
      std::cout << "\n";
    }
    for (const auto& p : s.concurrency) {
      std::cout << "    concurrency: " << p.scenario << " at";
      for (const auto level : p.levels) std::cout << " " << level;
      std::cout << "\n";
    }
  }
  for (const auto& suite : stress::stress_suites())
    std::cout << "  " << suite.name << " — stress suite: " << suite.description << "\n";
  std::cout << "\nScenarios (" << datasets::default_scenario_dir().string() << "):\n";
  for (const auto& file : datasets::scenario_files(datasets::default_scenario_dir())) {
    auto spec = datasets::load_scenario(file);
    std::cout << "  " << std::left << std::setw(26) << spec.name << std::setw(14) << core::to_string(spec.pattern)
              << spec.agents.size() << " agents";
    if (!spec.params.empty()) {
      std::cout << "  params:";
      for (const auto& [k, v] : spec.params) std::cout << " " << k << "=" << v;
    }
    std::cout << "\n    " << spec.description << "\n";
  }
  std::cout << "\nPublished figures (datasets/published, docs/reproducing.md):\n";
  for (const auto& f : datasets::load_published())
    std::cout << "  " << std::left << std::setw(44) << f.id << f.value_text << " " << f.unit << "  — " << f.source.title << "\n";
  std::cout << "\nSystems:\n";
  for (const auto& a : adapters::adapter_registry())
    std::cout << "  " << std::left << std::setw(17) << a.name << a.description << " (dialect " << a.dialect << ")\n";
  std::cout << "\nDocuments (legion-bench report DIR --format NAME|FORMAT,... selects among the run's):\n";
  for (const auto& document : report::documents()) {
    std::cout << "  " << document.name << " — " << document.description << "\n";
    for (const auto& f : document.files)
      std::cout << "    " << std::left << std::setw(16) << f.name << std::setw(6) << f.format << std::setw(26) << f.file_name
                << f.description << "\n";
  }
  return 0;
}

}  // namespace

Command list_command() {
  return {"list", "List suites, scenarios, systems and documents", [](CLI::App&) {}, [](const Invocation&) { return list_everything(); }};
}

}  // namespace legion::bench::commands
