// legion-zero-io: the engine's zero-I/O overhead in a process that holds nothing else (it links
// legion::core only), so that its peak RSS is the engine's. Runs `seq` and `par`
// (bench/micro/zero_io.hpp), each compiled once and invoked in a hot loop, and prints the time per
// invocation and the process's peak RSS (VmHWM).
//
//   legion-zero-io [ITERATIONS]                                  one batch each, as text
//   legion-zero-io --json --batches B --iterations N             the protocol of legion-bench zero-io
//                                                                (adapters/python/zero_io/run.py)
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "legion/core/process_status.hpp"
#include "legion/version.hpp"
#include "zero_io.hpp"

namespace {

// Nanoseconds per invocation over `iterations` invocations.
template <class State, class Graph>
double nanoseconds_per_run(legion::core::EventLoop& loop, const Graph& graph, State& state, long iterations) {
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) graph.invoke(loop, state);
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(iterations);
}

int usage() {
  std::cerr << "usage: legion-zero-io [ITERATIONS] | --json --batches B --iterations N\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace z = legion::bench::zero_io;
  bool json = false;
  long iterations = 1000000, batches = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") json = true;
    else if ((arg == "--batches" || arg == "--iterations") && i + 1 < argc) (arg == "--batches" ? batches : iterations) = std::atol(argv[++i]);
    else if (i == 1 && argc == 2) iterations = std::atol(argv[i]);
    else return usage();
  }
  if (iterations <= 0 || batches <= 0) return usage();

  legion::core::EventLoop loop;
  const auto seq = z::seq_graph();
  const auto par = z::par_graph();
  z::SeqState seq_state;
  z::ParState par_state;
  long seq_runs = 0;
  // Warm-up, then the batches of seq and par alternating, as the Python systems' driver does.
  for (long i = 0; i < iterations / 10 + 1; ++i) seq.invoke(loop, seq_state), par.invoke(loop, par_state), ++seq_runs;
  std::map<std::string, std::vector<double>> us;
  for (long b = 0; b < batches; ++b) {
    us["seq"].push_back(nanoseconds_per_run(loop, seq, seq_state, iterations) / 1000.0);
    seq_runs += iterations;
    us["par"].push_back(nanoseconds_per_run(loop, par, par_state, iterations) / 1000.0);
  }
  const bool correct = seq_state.counter == 3 * seq_runs && par_state.summary == z::kParSummary;
  const long rss_kb = static_cast<long>(legion::core::read_process_status().peak_rss_kb);
  if (json) {
    std::cout << nlohmann::json{{"per_invocation_us", us}, {"iterations", iterations}, {"correct", correct},
                                {"rss_peak_bytes", rss_kb * 1024}, {"versions", {{"legion-engine", LEGION_VERSION}}},
                                {"settings", nlohmann::json::object()}}
                     .dump()
              << "\n";
    return correct ? 0 : 1;
  }
  if (!correct) {
    std::cerr << "wrong result: counter " << seq_state.counter << ", summary " << par_state.summary << "\n";
    return 1;
  }
  std::cout << "seq " << us["seq"].back() << " us per run\n"
            << "par " << us["par"].back() << " us per run\n"
            << "peak RSS " << static_cast<double>(rss_kb) / 1024.0 << " MB (" << iterations << " runs each)\n";
}
