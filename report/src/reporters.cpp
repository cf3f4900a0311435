// The run document and the combined report: every output format of a run, registered here and
// nowhere else.
#include "legion/report/reporters.hpp"

#include <set>
#include <stdexcept>

#include "legion/report/escape.hpp"
#include "legion/report/feature_matrix.hpp"
#include "legion/report/trace.hpp"

namespace legion::report {
namespace {

// The feature matrix for this run, from datasets/features.yaml; throws when the file cannot be read.
std::string feature_matrix_markdown(const RunResults& results) {
  return render(feature_matrix_document(), "markdown", resolve_feature_matrix(load_feature_matrix(default_feature_matrix_file()), results));
}

// The matrix as the HTML page's appendix: empty when datasets/features.yaml cannot be read (then
// FEATURE_MATRIX.md's rendering says why).
std::string feature_matrix_appendix(const RunResults& results) {
  try {
    return feature_matrix_markdown(results);
  } catch (const std::exception&) {
    return {};
  }
}

std::vector<const RunResults*> run_pointers(const CombinedReport& report) {
  std::vector<const RunResults*> runs;
  for (const auto& run : report.runs) runs.push_back(&run);
  return runs;
}

}  // namespace

Document<RunResults>& run_document() {
  static Document<RunResults> document{
      "run",
      "one run: its records, statistics and reports (legion-bench run, legion-bench report DIR)",
      {{"json", "json", "results.json", "context block, records, statistics options, summaries and suite ratios",
        [](std::ostream& out, const RunResults& results) { out << json_text(results_json(results), 2) << "\n"; }},
       {"markdown", "md", "BENCHMARK_RESULTS.md", "summary, method, tables per scenario, failures and threats to validity",
        write_markdown},
       {"csv", "csv", "results.csv", "one row per record", write_records_csv},
       {"summaries-csv", "csv", "summaries.csv", "one row per scenario and system", write_summaries_csv},
       {"real-model-csv", "csv", "real_model.csv",
        "a run against a real model: per scenario and system, success, pass^k, tokens, time and cost (the header alone otherwise)",
        write_real_model_csv},
       {"traces", "jsonl", "traces.jsonl",
        "a traced run (--trace): one OTLP/JSON ExportTraceServiceRequest per traced record, a line each (empty otherwise)",
        [](std::ostream& out, const RunResults& results) {
          for (const auto& r : results.records)
            if (r.trace) out << otlp_request(results.context, r).dump() << "\n";
        }},
       {"feature-matrix", "md", "FEATURE_MATRIX.md", "capabilities by system, backed by this run or by citations",
        [](std::ostream& out, const RunResults& results) { out << feature_matrix_markdown(results); }},
       {"html", "html", "report.html", "self-contained page with SVG charts and the feature matrix",
        [](std::ostream& out, const RunResults& results) {
          write_html(out, results, feature_matrix_appendix(results));
        }}},
      "report.pdf"};
  return document;
}

const Document<CombinedReport>& combined_document() {
  static const Document<CombinedReport> document{
      "combined",
      "several runs and comparisons with published figures in one report (legion-bench report DIR... --out)",
      {{"markdown", "md", "BENCHMARK_REPORT.md", "an executive summary, then each run's report and the published numbers",
        [](std::ostream& out, const CombinedReport& report) { write_combined_markdown(out, run_pointers(report), report.published); }},
       {"html", "html", "report.html", "one self-contained page over every run, with the feature matrix",
        [](std::ostream& out, const CombinedReport& report) {
          // The feature matrix of the first run's systems as an appendix.
          const auto matrix = report.runs.empty() ? std::string() : feature_matrix_appendix(report.runs.front());
          write_html(out, run_pointers(report), matrix, report.published);
        }}},
      "report.pdf"};
  return document;
}

Artifacts write_artifacts(const std::filesystem::path& dir, const RunResults& results, const std::string& formats) {
  return write_document(dir, run_document(), results, formats);
}

Artifacts write_combined_artifacts(const std::filesystem::path& dir, const std::vector<RunResults>& runs,
                                   const std::vector<PublishedComparison>& published, const std::string& formats) {
  if (runs.empty()) throw std::invalid_argument("a combined report needs at least one run folder (with results.json)");
  // `--format` names the run's formats and renderings; the combined report writes those of its formats among them.
  std::set<std::string> wanted;
  for (const auto& file : select_files(describe(run_document()), formats)) wanted.insert(file.format);
  std::string selected;
  for (const auto& file : describe(combined_document()).files)
    if (wanted.contains(file.format)) selected += (selected.empty() ? "" : ",") + file.format;
  if (selected.empty()) return {};
  return write_document(dir, combined_document(), CombinedReport{runs, published}, selected);
}

void print_artifacts(std::ostream& out, std::ostream& errors, const Artifacts& artifacts, const std::filesystem::path& dir) {
  if (!artifacts.written.empty()) {
    out << "Wrote ";
    for (std::size_t i = 0; i < artifacts.written.size(); ++i)
      out << (i == 0 ? "" : i + 1 == artifacts.written.size() ? " and " : ", ") << artifacts.written[i];
    out << " to " << printable(dir.string()) << "\n";
  }
  for (const auto& [name, why] : artifacts.missing) errors << "Not written: " << name << " (" << printable(why) << ")\n";
}

}  // namespace legion::report
