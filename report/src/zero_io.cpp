// ZERO_IO.md and zero_io.json: the zero-I/O report, formatted from its model.
#include "legion/report/zero_io.hpp"

#include <nlohmann/json.hpp>
#include <ostream>

#include "format.hpp"
#include "legion/report/escape.hpp"

namespace legion::report {
namespace {

using detail::sig3;
using nlohmann::json;

constexpr const char* kWorkloads[] = {"seq", "par"};

void write_zero_io_markdown(std::ostream& md, const ZeroIoReport& r) {
  md << "# Zero-I/O engine overhead\n\nEach system's graph engine with no model and no I/O: `seq` is a 3-node chain "
        "that increments a counter, `par` a fan-out to 5 workers that each append their index, joined by a summariser "
        "(the NeoGraph engine benchmark's workloads). Each graph is built once and invoked in a hot loop; every "
        "invocation's result is checked. "
     << r.rounds << " rounds, one process per system per round in rotated order; " << r.batches
     << " timed batches of each workload per process (" << r.iterations << " invocations per batch for Python systems, "
     << r.native_iterations
     << " for native), after a warm-up. Time per invocation: median of the batch means with its 95% BCa bootstrap "
        "interval; peak RSS: the largest of the processes' high-water marks.\n\n"
        "| system | seq (µs) [95% CI] | par (µs) [95% CI] | seq ÷ native | par ÷ native | peak RSS (MB) | results |\n"
        "|---|---:|---:|---:|---:|---:|---|\n";
  for (const auto& s : r.systems) {
    md << "| " << markdown_escape(s.name) << " | ";
    for (const auto* workload : kWorkloads) {
      const auto e = s.median_us.find(workload);
      md << (e == s.median_us.end() ? "—" : sig3(e->second.point) + " [" + sig3(e->second.lower) + ", " + sig3(e->second.upper) + "]")
         << " | ";
    }
    for (const auto* workload : kWorkloads) {
      const auto ratio = s.ratio_to_native.find(workload);
      md << (ratio == s.ratio_to_native.end() ? "—" : sig3(ratio->second) + "×") << " | ";
    }
    md << (s.rss_peak_mb_max ? sig3(*s.rss_peak_mb_max) : "—") << " | " << (s.correct ? "all correct" : "**wrong or failed**") << " |\n";
  }

  md << "\n## Against the published figures\n\nRatios between frameworks cancel the CPU's speed and peak RSS depends "
        "little on it: both are compared with the published figure within its tolerance. Absolute times come from "
        "another machine and are shown beside ours; the native engine's figures are targets (at or below).\n\n"
        "| published figure | published | measured here | verdict |\n|---|---:|---:|---|\n";
  for (const auto& v : r.comparison.verdicts)
    md << "| " << markdown_escape(v.id) << " | " << markdown_escape(v.published) << " | " << markdown_escape(v.measured) << " | "
       << markdown_escape(v.verdict) << " |\n";
  for (const auto& s : r.systems)
    for (const auto& failure : s.failures) md << "\n- " << markdown_escape(s.name) << ": " << markdown_escape(failure);
  md << "\n\nVersions and settings:";
  for (const auto& s : r.systems) {
    md << " " << markdown_escape(s.name) << " —";
    for (const auto& [k, v] : s.versions) md << " " << markdown_escape(k) << " " << markdown_escape(v) << ";";
    for (const auto& [k, v] : s.settings) md << " " << markdown_escape(k) << " = " << markdown_escape(v) << ";";
  }
  md << "\n";
}

json zero_io_json(const ZeroIoReport& r) {
  json j = {{"rounds", r.rounds}, {"batches", r.batches}, {"iterations", r.iterations},
            {"native_iterations", r.native_iterations}, {"systems", json::object()}, {"comparison", to_json(r.comparison)}};
  for (const auto& s : r.systems) {
    json system = {{"correct", s.correct}, {"failures", s.failures}, {"versions", s.versions}, {"settings", s.settings},
                   {"per_invocation_us", s.per_invocation_us}, {"rss_peak_mb", s.rss_peak_mb}};
    for (const auto& [workload, e] : s.median_us)
      system[workload + "_median_us"] = {{"point", e.point}, {"lower", e.lower}, {"upper", e.upper}};
    if (s.rss_peak_mb_max) system["rss_peak_mb_max"] = *s.rss_peak_mb_max;
    j["systems"][s.name] = system;
  }
  return j;
}

}  // namespace

const Document<ZeroIoReport>& zero_io_document() {
  static const Document<ZeroIoReport> document{
      "zero-io",
      "engine overhead with no model and no I/O beside the published figures (legion-bench zero-io)",
      {{"markdown", "md", "ZERO_IO.md", "time per invocation and ratio to native per system, then the verdicts", write_zero_io_markdown},
       {"json", "json", "zero_io.json", "every batch mean and process peak, the medians, and the comparison a combined report reads",
        [](std::ostream& out, const ZeroIoReport& r) { out << zero_io_json(r).dump(2) << "\n"; }}},
      {}};
  return document;
}

}  // namespace legion::report
