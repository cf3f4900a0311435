#pragma once
// Parameter sweeps in the reports: a swept cell's records name the swept parameter (`swept`) and
// carry its value among their `params`; here each metric's growth with the parameter is fitted
// per system (Theil–Sen slope with its interval over every completed record) and drawn.
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "legion/stats/trend.hpp"

namespace legion::report {

struct RunResults;

// A parameter's value as the reports print it (an integer).
std::string parameter_text(double value);

// A metric a sweep is fitted on, read from one record.
struct SweepMetric {
  const char* name;  // "prompt tokens"
  const char* unit;  // per task, as the slope's numerator
};

struct SweepTrend {
  std::string scenario, param, system;
  std::string metric, unit;
  std::size_t records = 0;  // completed, measured records fitted
  double level = 0.95;      // of the slope's interval
  std::vector<std::pair<double, double>> medians;  // (parameter value, median of the metric there), ascending
  std::optional<stats::TheilSen> fit;  // absent with fewer than two distinct values
};

// Every (swept scenario, system, metric) of a run, in the run's scenario and system order. Part of
// the analysis: summarize_run keeps it in RunResults::sweeps.
std::vector<SweepTrend> sweep_trends(const RunResults& run);
// One trend found among them, if measured.
const SweepTrend* find_trend(const std::vector<SweepTrend>& trends, const std::string& scenario, const std::string& system,
                             const std::string& metric);

// The "Parameter sweeps" section of BENCHMARK_RESULTS.md: a table of slopes per scenario; nothing
// when the run swept nothing.
void write_sweep_markdown(std::ostream& out, const std::vector<SweepTrend>& trends);
// An SVG line chart of one (scenario, metric) with a line per system: medians against the
// parameter. `colour` gives a system's colour.
std::string sweep_chart_svg(const std::vector<const SweepTrend*>& lines, const std::function<std::string(const std::string&)>& colour);

}  // namespace legion::report
