#pragma once
// Reporters: the output formats of a run. Each receives the run context, the records and what the
// statistics made of them (summarize_run), and only formats. Every reporter implements one small
// interface and is registered once, in reporters() (report/src/reporters.cpp).
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "legion/report/document.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/published.hpp"
#include "legion/report/results.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // Unique, lower case: what `legion-bench report --format` selects, as does format().
  virtual std::string name() const = 0;
  // The kind of output, shared by reporters of one kind (md, csv, json, html, pdf).
  virtual std::string format() const = 0;
  // The file it writes into the run folder.
  virtual std::string file_name() const = 0;
  virtual std::string description() const = 0;
  // Called once per publication, after summarize_run: writes file_name() into `dir`, atomically,
  // or throws with the reason it could not.
  virtual void write(const std::filesystem::path& dir, const RunResults& results) const = 0;
};

// Every reporter, in the order a run writes them.
const std::vector<std::unique_ptr<Reporter>>& reporters();
// The reporters named by a comma-separated list of formats or reporter names (case-insensitive;
// "all" or empty: every one), in registry order. Throws std::invalid_argument listing the known
// names for an unknown one.
std::vector<const Reporter*> select_reporters(const std::string& formats);

// The formats, as the reporters use them; also usable on their own (tests, other tools). Text from
// outside goes through escape.hpp's function for the format.
void write_markdown(std::ostream& out, const RunResults& results);  // BENCHMARK_RESULTS.md
// BENCHMARK_REPORT.md: several runs (suites) in one document, an executive summary first.
void write_combined_markdown(std::ostream& out, const std::vector<const RunResults*>& runs,
                             const std::vector<PublishedComparison>& published = {});
void write_terminal_table(std::ostream& out, const RunResults& results);
nlohmann::json results_json(const RunResults& results);              // results.json
void write_records_csv(std::ostream& out, const RunResults& results);    // results.csv: one row per record
void write_summaries_csv(std::ostream& out, const RunResults& results);  // summaries.csv: one row per summary

// report.html: a self-contained dashboard (SVG charts, sortable and filterable tables, no network)
// in a paper's order, over one run or several (a combined report, one section per suite), with the
// feature matrix's Markdown as an appendix. Printed, it is report.pdf.
void write_html(std::ostream& out, const RunResults& results, const std::string& feature_matrix_markdown = {});
void write_html(std::ostream& out, const std::vector<const RunResults*>& runs, const std::string& feature_matrix_markdown = {},
                const std::vector<PublishedComparison>& published = {});
// Prints an HTML file to PDF with headless Chromium (Debian's chromium, or $LEGION_CHROMIUM).
// Returns an empty string on success, else why there is no PDF.
std::string render_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf);

// Runs each reporter (by default every registered one) into `dir`; a reporter that fails is listed
// with its reason and the others still write.
Artifacts write_artifacts(const std::filesystem::path& dir, const RunResults& results);
Artifacts write_artifacts(const std::filesystem::path& dir, const RunResults& results,
                          const std::vector<const Reporter*>& selected);
// "Wrote A, B and C to DIR" on `out` (only what was written), one line per missing file on `errors`.
void print_artifacts(std::ostream& out, std::ostream& errors, const Artifacts& artifacts, const std::filesystem::path& dir);
// One report over several runs (`legion-bench report DIR1 DIR2 ...`) and comparisons with published
// figures: BENCHMARK_REPORT.md, report.html and report.pdf in `dir`, as selected by `formats` (md,
// html, pdf; "all" or empty: all).
Artifacts write_combined_artifacts(const std::filesystem::path& dir, const std::vector<RunResults>& runs,
                                   const std::vector<PublishedComparison>& published, const std::string& formats);
// Throws with the file, and the record index and field, of anything that cannot be read.
RunResults read_results_json(const std::filesystem::path& file);

}  // namespace legion::report
