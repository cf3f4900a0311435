#pragma once
// The run document: the output formats of a run. Each rendering receives the run context, the
// records and what the statistics made of them (summarize_run), and only formats. Every format is
// registered once, in run_document() (report/src/reporters.cpp).
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "legion/report/document.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/published.hpp"
#include "legion/report/results.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {

// Every output format of a run, in the order a run writes them; `legion-bench report --format`
// selects among them by name or format. Mutable so that a format can be added from outside the
// library (a plugin, a test): push a Rendering onto its renderings.
Document<RunResults>& run_document();

// Several runs (suites) and comparisons with published figures in one report.
struct CombinedReport {
  std::vector<RunResults> runs;
  std::vector<PublishedComparison> published;
};
// BENCHMARK_REPORT.md, report.html and report.pdf.
const Document<CombinedReport>& combined_document();

// The formats, as the run document renders them; also usable on their own (tests, other tools). Text from
// outside goes through escape.hpp's function for the format.
void write_markdown(std::ostream& out, const RunResults& results);  // BENCHMARK_RESULTS.md
// BENCHMARK_REPORT.md: several runs (suites) in one document, an executive summary first.
void write_combined_markdown(std::ostream& out, const std::vector<const RunResults*>& runs,
                             const std::vector<PublishedComparison>& published = {});
void write_terminal_table(std::ostream& out, const RunResults& results);
nlohmann::json results_json(const RunResults& results);              // results.json
void write_records_csv(std::ostream& out, const RunResults& results);    // results.csv: one row per record
void write_summaries_csv(std::ostream& out, const RunResults& results);  // summaries.csv: one row per summary
// real_model.csv: one row per (scenario, system) of a run against a real model (the header alone for
// a run with the scripted model).
void write_real_model_csv(std::ostream& out, const RunResults& results);

// report.html: a self-contained dashboard (SVG charts, sortable and filterable tables, no network)
// in a paper's order, over one run or several (a combined report, one section per suite), with the
// feature matrix's Markdown as an appendix. Printed, it is report.pdf.
void write_html(std::ostream& out, const RunResults& results, const std::string& feature_matrix_markdown = {});
void write_html(std::ostream& out, const std::vector<const RunResults*>& runs, const std::string& feature_matrix_markdown = {},
                const std::vector<PublishedComparison>& published = {});
// Prints an HTML file to PDF with headless Chromium (Debian's chromium, or $LEGION_CHROMIUM).
// Returns an empty string on success, else why there is no PDF.
std::string render_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf);

// Writes the run document's files selected by `formats` (select_files; empty: every one) into `dir`.
Artifacts write_artifacts(const std::filesystem::path& dir, const RunResults& results, const std::string& formats = "");
// "Wrote A, B and C to DIR" on `out` (only what was written), one line per missing file on `errors`.
void print_artifacts(std::ostream& out, std::ostream& errors, const Artifacts& artifacts, const std::filesystem::path& dir);
// The combined document over `runs` and `published` into `dir`: its files of the formats that
// `formats` selects among the run document's (so `--format csv` writes none of them). Throws
// std::invalid_argument without a run.
Artifacts write_combined_artifacts(const std::filesystem::path& dir, const std::vector<RunResults>& runs,
                                   const std::vector<PublishedComparison>& published, const std::string& formats);
// Throws with the file, and the record index and field, of anything that cannot be read.
RunResults read_results_json(const std::filesystem::path& file);

}  // namespace legion::report
