#include "legion/report/feature_matrix.hpp"

namespace legion::report {
namespace {

std::string md(std::string_view text) { return markdown_escape(text); }

}  // namespace

FeatureCell resolve(const FeatureClaim& claim, const std::string& system, const RunResults& run) {
  if (claim.status.empty()) return {"not assessed", "no evidence recorded"};
  std::string citation;
  if (!claim.doc.empty()) {
    std::string apis;
    for (const auto& api : claim.apis) apis += (apis.empty() ? "" : ", ") + api;
    citation = "documentation: " + claim.doc + (apis.empty() ? "" : "; installed API checked: " + apis);
  }
  if (claim.scenario.empty()) return {claim.status, citation};
  const auto with_citation = [&](std::string evidence) { return citation.empty() ? evidence : evidence + "; " + citation; };
  for (const auto& s : run.summaries) {
    if (s.scenario != claim.scenario || s.system != system) continue;
    if (s.unsupported) return {"not supported", "the adapter has no construct for scenario " + claim.scenario + ": " + *s.unsupported};
    auto tally = std::to_string(s.correct) + "/" + std::to_string(s.runs);
    if (s.runs > 0 && s.correct == s.runs)
      return {claim.status, with_citation("scenario " + claim.scenario + " passed " + tally + " in this run")};
    // A probe that passed some of the time shows the construct exists but cannot be relied on.
    if (s.correct > 0)
      return {"partial", with_citation("scenario " + claim.scenario + " passed only " + tally + " in this run")};
    return {"not supported", "scenario " + claim.scenario + " passed " + tally + " in this run"};
  }
  return {"not measured in this run", with_citation("scenario " + claim.scenario + " did not run for " + system)};
}

FeatureMatrixReport resolve_feature_matrix(const FeatureMatrix& m, const RunResults& run) {
  FeatureMatrixReport report{run.context.run_id, m.systems, {}};
  for (const auto& row : m.rows) {
    auto& resolved = report.rows.emplace_back(FeatureMatrixReport::Row{row.category, row.capability, {}});
    for (const auto& s : m.systems) {
      auto it = row.claims.find(s);
      resolved.cells.push_back(it == row.claims.end() ? FeatureCell{"not assessed", "no evidence recorded"} : resolve(it->second, s, run));
    }
  }
  return report;
}

void write_feature_matrix_markdown(std::ostream& out, const FeatureMatrixReport& m) {
  out << "# Feature matrix\n\nEach cell: status, then its evidence — a scenario of this run (counted as supported only "
         "if it passed every time) and/or a citation from datasets/features.yaml, for a framework with the APIs it "
         "relies on (checked to exist in the installed package by tools/probe_feature_apis.py). Run "
      << markdown_code_span(m.run_id) << ".\n";
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
    for (const auto& cell : row.cells) out << " **" << md(cell.status) << "** — " << md(cell.evidence) << " |";
    out << "\n";
  }
}

void write_feature_matrix_markdown(std::ostream& out, const FeatureMatrix& matrix, const RunResults& run) {
  write_feature_matrix_markdown(out, resolve_feature_matrix(matrix, run));
}

const Document<FeatureMatrixReport>& feature_matrix_document() {
  static const Document<FeatureMatrixReport> document{
      "feature-matrix",
      "capabilities by system, backed by a run or by citations (datasets/features.yaml)",
      {{"markdown", "md", "FEATURE_MATRIX.md", "capabilities by system, backed by this run or by citations",
        [](std::ostream& out, const FeatureMatrixReport& m) { write_feature_matrix_markdown(out, m); }}},
      {}};
  return document;
}

}  // namespace legion::report
