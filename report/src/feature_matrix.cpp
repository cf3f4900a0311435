#include "legion/report/feature_matrix.hpp"

namespace legion::report {
namespace {

std::string md(std::string_view text) { return markdown_escape(text); }

}  // namespace

FeatureCell resolve(const FeatureClaim& claim, const std::string& system, const RunResults& run) {
  if (claim.status.empty()) return {"not assessed", "no evidence recorded"};
  if (!claim.doc.empty()) return {claim.status, "documentation: " + claim.doc};
  for (const auto& s : run.summaries) {
    if (s.scenario != claim.scenario || s.system != system) continue;
    if (s.unsupported) return {"not supported", "the adapter has no construct for scenario " + claim.scenario + ": " + *s.unsupported};
    auto tally = std::to_string(s.correct) + "/" + std::to_string(s.runs);
    if (s.runs > 0 && s.correct == s.runs) return {claim.status, "scenario " + claim.scenario + " passed " + tally + " in this run"};
    return {"not supported", "scenario " + claim.scenario + " passed only " + tally + " in this run"};
  }
  return {"not measured in this run", "scenario " + claim.scenario + " did not run for " + system};
}

void write_feature_matrix_markdown(std::ostream& out, const FeatureMatrix& m, const RunResults& run) {
  out << "# Feature matrix\n\nEach cell: status, then its evidence — a scenario of this run (counted as supported only "
         "if it passed every time) or a citation from datasets/features.yaml. Run `"
      << md(run.context.run_id) << "`.\n";
  std::string category;
  for (const auto& row : m.rows) {
    if (row.category != category) {
      category = row.category;
      out << "\n## " << md(category) << "\n\n| capability |";
      for (const auto& s : m.systems) out << " " << md(s) << " |";
      out << "\n|---|";
      for (std::size_t i = 0; i < m.systems.size(); ++i) out << "---|";
      out << "\n";
    }
    out << "| " << md(row.capability) << " |";
    for (const auto& s : m.systems) {
      auto it = row.claims.find(s);
      auto cell = it == row.claims.end() ? FeatureCell{"not assessed", "no evidence recorded"} : resolve(it->second, s, run);
      out << " **" << md(cell.status) << "** — " << md(cell.evidence) << " |";
    }
    out << "\n";
  }
}

}  // namespace legion::report
