#pragma once
// The few figures that carry a stress run's story, for stress.html, stress.pdf and the paper
// (internal to the report library). The per-phase charts stay in the dashboard's appendix.
#include <functional>
#include <string>
#include <vector>

#include "legion/report/stress.hpp"

namespace legion::report::detail {

// Ticks from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten, about `count` of them.
struct LinearTicks {
  double step = 1, top = 1;
  int decimals = 0;
};
LinearTicks linear_ticks(double max, double count = 4);

// A system's colour, the same in every figure of one document.
using SystemColour = std::function<std::string(const std::string& system)>;

struct StressFigure {
  std::string svg;      // the figure's drawing: one <svg>, or a row of panels in a <div>
  std::string caption;  // plain text; the writer escapes it
};

// - The phases sampled every second, as panels on one time axis: each level (or spike, or
//   endurance phase) a panel, one row per measure — throughput, p99 latency, the system's memory,
//   and the queue (spike) or open descriptors (endurance) — every system in its colour, bursts marked.
// - Horizontal scaling: each round's throughput against the engines, the medians joined, the
//   linear ideal dashed.
// - Each fault's recovery: completions per window from the ledger, the fault marked.
// Nothing is drawn for data a run does not have. `over_time`: the runs whose phases the time figure
// draws — the run itself, or every run of its suite in a document of several (one figure, every
// system in it), or none when an earlier run of the suite drew them.
std::vector<StressFigure> stress_figures(const StressRun& run, const SystemColour& colour, const std::vector<const StressRun*>& over_time);
// For the k-th of several runs: every run of its suite from it on, or none when an earlier run
// has its suite.
std::vector<const StressRun*> over_time_with(const std::vector<const StressRun*>& runs, std::size_t k);

// The systems of the runs in the order their phases name them, the native engine first: the order
// they are given colours in.
std::vector<std::string> stress_systems(const std::vector<const StressRun*>& runs);
SystemColour colours_in_order(std::vector<std::string> systems);

// Figures as HTML, numbered from `first` ("Figure 3. …").
std::string figures_html(const std::vector<StressFigure>& figures, int first);

}  // namespace legion::report::detail
