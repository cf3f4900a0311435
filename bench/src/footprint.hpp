#pragma once
// legion-bench footprint: what each framework costs before any model is called — its cold import
// and the construction of an agent with one tool (time and memory) — measured the way Agno's
// cookbook/performance and PraisonAI's instantiation benchmark measure them, and set beside their
// published figures (datasets/published/agno-performance.yaml, praisonai-instantiation.yaml) with a
// verdict for each.
#include <filesystem>
#include <string>
#include <vector>

namespace legion::bench {

struct FootprintOptions {
  std::vector<std::string> systems;  // frameworks with construction files (adapters/python/footprint/ENV_agents.py)
  int import_samples = 10;           // rounds of one cold import per framework (the source's 10 samples)
  int rounds = 1;                    // construction processes per framework, in rotated order
  int iterations = 0;                // timed calls per process; 0: each framework's source count
  int warmups = 10;                  // untimed-for-the-median calls first (PerformanceEval's 10)
  std::filesystem::path out;         // FOOTPRINT.md and footprint.json; empty: print only
};

// Every registered framework, and every environment with a construction file that is not yet a
// registered system, whose environment is set up: the default of `legion-bench footprint`. `left_out`
// receives those with a construction file but no environment, each with why.
std::vector<std::string> systems_with_footprint(std::vector<std::string>* left_out = nullptr);

// Prints the tables; returns 0, or 1 when a framework failed or built something other than asked.
int footprint_command(const FootprintOptions& options);

}  // namespace legion::bench
