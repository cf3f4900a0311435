#pragma once
// legion-bench zero-io: each system's engine overhead with no model and no I/O — the workloads of
// the NeoGraph engine benchmark (a 3-node counter chain `seq`, a 5-way fan-out and join `par`),
// compiled once and invoked in a hot loop — measured in rounds with the systems interleaved, and
// set beside the published figures (datasets/published/neograph.yaml) with a verdict for each.
#include <filesystem>
#include <string>
#include <vector>

namespace legion::bench {

struct ZeroIoOptions {
  std::vector<std::string> systems;  // native and registered Python systems
  int rounds = 5;                    // processes per system, in rotated order
  int batches = 5;                   // timed batches per workload in each process
  int iterations = 200;              // invocations per batch for a Python system
  int native_iterations = 100000;    // and for the native engine (microseconds per invocation)
  std::filesystem::path out;         // ZERO_IO.md and zero_io.json; empty: print only
};

// The native engine and every registered framework with zero-I/O workloads, in the systems' order:
// the default of `legion-bench zero-io`.
std::vector<std::string> systems_with_zero_io_workloads();

// Prints the table; returns 0, or 1 when a workload gave a wrong result or a system failed.
int zero_io_command(const ZeroIoOptions& options);

}  // namespace legion::bench
