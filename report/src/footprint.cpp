// FOOTPRINT.md and footprint.json: the footprint report, formatted from its model.
#include "legion/report/footprint.hpp"

#include <nlohmann/json.hpp>
#include <ostream>

#include "blocks.hpp"
#include "format.hpp"
#include "legion/report/escape.hpp"

namespace legion::report {
namespace {

using detail::sig3;
using nlohmann::json;

std::string with_interval(const stats::Estimate& e) { return sig3(e.point) + " [" + sig3(e.lower) + ", " + sig3(e.upper) + "]"; }

const FootprintSystem* find_system(const FootprintReport& r, const std::string& name) {
  for (const auto& s : r.systems)
    if (s.name == name) return &s;
  return nullptr;
}
const FootprintShape* find_shape(const FootprintSystem& s, const std::string& name) {
  for (const auto& shape : s.shapes)
    if (shape.name == name) return &shape;
  return nullptr;
}

// "4.6×" beside a value when Agno, the sources' reference, was measured too.
std::string to_agno(double value, double agno) { return agno > 0 ? sig3(value / agno) + "×" : "—"; }

void write_footprint_markdown(std::ostream& md, const FootprintReport& r) {
  const auto* agno = find_system(r, "agno");
  md << "# Cold import and agent construction\n\nWhat a framework costs before any model is called, measured the way "
        "Agno's cookbook/performance and PraisonAI's instantiation benchmark measure it.\n\n"
        "**Cold import**: a fresh interpreter of the framework's environment runs the import statement the source "
        "times (`python -c \"IMPORT\"`); the median start-up of the same interpreter running `pass` is subtracted from "
        "each sample. "
     << r.import_samples
     << " rounds, each one sample per framework in rotated order, after one unrecorded import per framework (bytecode "
        "caches written). Median with its 95% order-statistic interval.\n\n"
        "| system | import timed | cold import, ms [95% CI] | ÷ Agno | interpreter start-up, ms |\n|---|---|---:|---:|---:|\n";
  for (const auto& s : r.systems) {
    md << "| " << markdown_escape(s.name) << " | " << markdown_escape(s.import_statement) << " | ";
    if (s.import_ms.empty()) {
      md << "— | — | — |\n";
      continue;
    }
    md << with_interval(s.import_median_ms) << " | "
       << (agno && !agno->import_ms.empty() ? to_agno(s.import_median_ms.point, agno->import_median_ms.point) : "—") << " | "
       << sig3(s.startup_median_ms.point) << " |\n";
  }
  md << "\n**Agent construction**: an agent holding a model reference and one function tool, through the framework's "
        "documented constructor (never run: no model, no network). Agno's PerformanceEval loop: "
     << r.warmups
     << " warm-up calls, then each call timed alone (`time.perf_counter`), then each call traced alone by `tracemalloc` "
        "(its peak over an empty function's). "
     << r.rounds << (r.rounds == 1 ? " process" : " processes") << " per framework, in rotated order; "
     << (r.iterations > 0 ? std::to_string(r.iterations) + " calls per process" : "calls per process as each framework's source counts them")
     << ". Median with its 95% order-statistic interval; the mean (PraisonAI's statistic) with its t interval.\n\n"
        "| system | constructor | calls | time, µs [95% CI] | ÷ Agno | peak memory, KiB [95% CI] | ÷ Agno | mean, µs [95% CI] | results |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (const auto& s : r.systems)
    for (const auto& shape : s.shapes) {
      const auto* reference = agno ? find_shape(*agno, shape.name) : nullptr;
      md << "| " << markdown_escape(s.name) << markdown_escape(shape.name == "one_tool" ? "" : " (" + shape.name + ")") << " | "
         << markdown_escape(shape.constructor) << " | " << shape.times_us.size() << " | ";
      if (shape.times_us.empty()) {
        md << "— | — | — | — | — | " << (s.correct ? "built as asked" : "**failed**") << " |\n";
        continue;
      }
      md << with_interval(shape.time_median_us) << " | "
         << (reference && !reference->times_us.empty() ? to_agno(shape.time_median_us.point, reference->time_median_us.point) : "—") << " | "
         << with_interval(shape.memory_median_kib) << " | "
         << (reference && !reference->memory_kib.empty() ? to_agno(shape.memory_median_kib.point, reference->memory_median_kib.point) : "—")
         << " | " << with_interval(shape.time_mean_us) << " | " << (s.correct ? "built as asked" : "**failed**") << " |\n";
    }
  if (!r.left_out.empty()) {
    md << "\nNot measured:";
    for (const auto& why : r.left_out) md << "\n- " << markdown_escape(why);
    md << "\n";
  }

  md << "\n## Against the published figures\n\nRatios between frameworks cancel most of the CPU's speed, and "
        "tracemalloc's bytes do not depend on it: both are compared within the figure's tolerance. Absolute times come "
        "from another machine and are shown beside ours without a verdict.\n\n"
        "| published figure | how the source measured it, and how it is measured here | published | measured here | verdict |\n"
        "|---|---|---:|---:|---|\n";
  for (const auto& v : r.comparison.verdicts)
    md << "| " << markdown_escape(v.id) << " | " << detail::markdown(detail::with_code(v.quantity)) << " | "
       << detail::markdown(detail::with_code(v.published)) << " | " << detail::markdown(detail::with_code(v.measured)) << " | "
       << detail::markdown(detail::with_code(v.verdict)) << " |\n";
  for (const auto& s : r.systems)
    for (const auto& failure : s.failures) md << "\n- " << markdown_escape(s.name) << ": " << markdown_escape(failure);
  md << "\n\nReproduce:\n\n" << markdown_code_block(r.comparison.command) << "\nVersions and counts:";
  for (const auto& s : r.systems) {
    md << " " << markdown_escape(s.name) << " —";
    for (const auto& [k, v] : s.versions) md << " " << markdown_escape(k) << " " << markdown_escape(v) << ";";
    md << " " << s.iterations << " calls per process (" << markdown_escape(s.iterations_source) << ");";
  }
  md << "\n";
}

json estimate_json(const stats::Estimate& e) { return {{"point", e.point}, {"lower", e.lower}, {"upper", e.upper}}; }

json footprint_json(const FootprintReport& r) {
  json j = {{"import_samples", r.import_samples}, {"rounds", r.rounds}, {"warmups", r.warmups}, {"iterations", r.iterations},
            {"systems", json::object()}, {"left_out", r.left_out}, {"comparison", to_json(r.comparison)}};
  for (const auto& s : r.systems) {
    json system = {{"environment", s.environment}, {"correct", s.correct}, {"failures", s.failures}, {"versions", s.versions},
                   {"import_statement", s.import_statement}, {"iterations", s.iterations}, {"iterations_source", s.iterations_source},
                   {"startup_ms", s.startup_ms}, {"import_ms", s.import_ms}, {"shapes", json::object()}};
    if (!s.import_ms.empty()) {
      system["startup_median_ms"] = estimate_json(s.startup_median_ms);
      system["import_median_ms"] = estimate_json(s.import_median_ms);
    }
    for (const auto& shape : s.shapes) {
      json out = {{"constructor", shape.constructor}, {"warmup_us", shape.warmup_us}, {"times_us", shape.times_us},
                  {"memory_kib", shape.memory_kib}};
      if (!shape.times_us.empty()) {
        out["time_median_us"] = estimate_json(shape.time_median_us);
        out["time_mean_us"] = estimate_json(shape.time_mean_us);
        out["memory_median_kib"] = estimate_json(shape.memory_median_kib);
      }
      if (shape.first_calls_mean_us) out["first_calls_mean_us"] = *shape.first_calls_mean_us;
      system["shapes"][shape.name] = out;
    }
    j["systems"][s.name] = system;
  }
  return j;
}

}  // namespace

const Document<FootprintReport>& footprint_document() {
  static const Document<FootprintReport> document{
      "footprint",
      "cold import and agent construction time and memory beside the published figures (legion-bench footprint)",
      {{"markdown", "md", "FOOTPRINT.md", "cold import and construction per framework with ratios to Agno, then the verdicts",
        write_footprint_markdown},
       {"json", "json", "footprint.json", "every sample, the medians and means, and the comparison a combined report reads",
        [](std::ostream& out, const FootprintReport& r) { out << footprint_json(r).dump(2) << "\n"; }}},
      {}};
  return document;
}

}  // namespace legion::report
