// legion-zero-io: the engine's zero-I/O overhead in a process that holds nothing else (it links
// legion::core only), so that its peak RSS is the engine's. Runs `seq` and `par`
// (bench/micro/zero_io.hpp), each compiled once and invoked in a hot loop, and prints the time per
// invocation and the process's peak RSS (VmHWM).
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "zero_io.hpp"

namespace {

long status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with(field)) return std::stol(line.substr(field.size()));
  return 0;
}

template <class State, class Graph>
double nanoseconds_per_run(const Graph& graph, State& state, long iterations) {
  legion::core::EventLoop loop;
  for (long i = 0; i < iterations / 10 + 1; ++i) graph.invoke(loop, state);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) graph.invoke(loop, state);
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(iterations);
}

}  // namespace

int main(int argc, char** argv) {
  namespace z = legion::bench::zero_io;
  const long iterations = argc > 1 ? std::atol(argv[1]) : 1000000;
  if (iterations <= 0) {
    std::cerr << "usage: legion-zero-io [ITERATIONS]\n";
    return 2;
  }
  const auto seq = z::seq_graph();
  z::SeqState seq_state;
  const double seq_ns = nanoseconds_per_run(seq, seq_state, iterations);
  const auto par = z::par_graph();
  z::ParState par_state;
  const double par_ns = nanoseconds_per_run(par, par_state, iterations);
  if (seq_state.counter != 3 * (iterations + iterations / 10 + 1) || par_state.summary != z::kParSummary) {
    std::cerr << "wrong result: counter " << seq_state.counter << ", summary " << par_state.summary << "\n";
    return 1;
  }
  std::cout << "seq " << seq_ns / 1000.0 << " us per run\n"
            << "par " << par_ns / 1000.0 << " us per run\n"
            << "peak RSS " << static_cast<double>(status_kb("VmHWM:")) / 1024.0 << " MB (" << iterations << " runs each)\n";
}
