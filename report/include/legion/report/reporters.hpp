#pragma once
// Output formats. Each takes the run context, the records and their summaries, and only formats.
#include <filesystem>
#include <ostream>
#include <vector>

#include "legion/report/results.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {

struct RunResults {
  RunContext context;
  std::vector<RunRecord> records;
  std::vector<CellSummary> summaries;
  std::vector<SuiteRatio> suite;
};

// Escapes text from outside (scenario files, model output, the environment) for Markdown tables.
std::string markdown_escape(std::string_view text);

// Fills summaries and suite ratios from the records (bootstrap seeded with the run's seed).
void summarize_run(RunResults& results);

void write_markdown(std::ostream& out, const RunResults& results);  // BENCHMARK_RESULTS.md
void write_terminal_table(std::ostream& out, const RunResults& results);
nlohmann::json results_json(const RunResults& results);              // results.json
void write_records_csv(std::ostream& out, const RunResults& results);    // results.csv: one row per record
void write_summaries_csv(std::ostream& out, const RunResults& results);  // summaries.csv: one row per summary

// report.html: self-contained, with SVG charts and the feature matrix's Markdown rendered in.
void write_html(std::ostream& out, const RunResults& results, const std::string& feature_matrix_markdown = {});
// Prints an HTML file to PDF with headless Chromium (Debian's chromium, or $LEGION_CHROMIUM).
// Returns an empty string on success, else why there is no PDF.
std::string render_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf);

// What write_artifacts wrote, and why the rest is missing.
struct Artifacts {
  std::vector<std::string> written;                          // file names, in the order written
  std::vector<std::pair<std::string, std::string>> missing;  // file name, reason
  bool complete() const { return missing.empty(); }
};
// Writes results.json, BENCHMARK_RESULTS.md, results.csv, summaries.csv, FEATURE_MATRIX.md,
// report.html and report.pdf into `dir`, each atomically (temporary file + rename); a file that
// cannot be written is listed with its reason and the others are still written.
Artifacts write_artifacts(const std::filesystem::path& dir, const RunResults& results);
// "Wrote A, B and C to DIR" on `out` (only what was written), one line per missing file on `errors`.
void print_artifacts(std::ostream& out, std::ostream& errors, const Artifacts& artifacts, const std::filesystem::path& dir);
// Throws with the file, and the record index and field, of anything that cannot be read.
RunResults read_results_json(const std::filesystem::path& file);
// Replaces the file's content in one step: readers see the old or the new file, never a torn one.
// On failure the temporary file is removed and the message names the file and the system's reason.
void write_file_atomically(const std::filesystem::path& file, const std::string& content);

}  // namespace legion::report
