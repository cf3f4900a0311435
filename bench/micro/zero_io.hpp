#pragma once
// The zero-I/O workloads (the NeoGraph benchmark's): graphs of trivial nodes on the engine's own
// executor (core/graph.hpp), no model and no I/O. Shared by legion-microbench (BM_EngineSeq,
// BM_EnginePar) and legion-zero-io, which links the engine alone to report its peak RSS.
#include <cstdint>
#include <string>
#include <vector>

#include "legion/core/graph.hpp"

namespace legion::bench::zero_io {

// seq: a 3-node chain; each node increments the counter.
struct SeqState {
  std::int64_t counter = 0;
};

inline core::CompiledGraph<SeqState> seq_graph() {
  core::Graph<SeqState> g;
  core::NodeId previous = core::kEnd;
  for (int i = 0; i < 3; ++i) {
    auto node = g.add_node("step" + std::to_string(i), [](SeqState& s) { ++s.counter; });
    if (previous == core::kEnd) g.add_entry(node);
    else g.add_edge(previous, node);
    previous = node;
  }
  return std::move(g).compile();
}

// par: a fan-out to 5 workers that each append their index, joined by a summariser.
struct ParState {
  std::vector<int> parts;
  int summary = 0;
};

inline core::CompiledGraph<ParState> par_graph() {
  core::Graph<ParState> g;
  auto start = g.add_node("start", [](ParState& s) { s.parts.clear(); });
  auto summarise = g.add_node("summarise", [](ParState& s) {
    s.summary = 0;
    for (int p : s.parts) s.summary = s.summary * 10 + p;
  });
  g.add_entry(start);
  for (int i = 0; i < 5; ++i) {
    auto worker = g.add_node("worker" + std::to_string(i), [i](ParState& s) { s.parts.push_back(i); });
    g.add_edge(start, worker);
    g.add_edge(worker, summarise);
  }
  return std::move(g).compile();
}
inline constexpr int kParSummary = 1234;  // 0,1,2,3,4 in order

}  // namespace legion::bench::zero_io
