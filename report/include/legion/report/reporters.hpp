#pragma once
// Output formats. Each takes the run context, the records and their summaries, and only formats.
#include <filesystem>
#include <ostream>
#include <vector>

#include "legion/core/records.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {

struct RunResults {
  core::RunContext context;
  std::vector<core::RunRecord> records;
  std::vector<CellSummary> summaries;
  std::vector<SuiteRatio> suite;
};

// Fills summaries and suite ratios from the records (bootstrap seeded with the run's seed).
void summarize_run(RunResults& results);

void write_markdown(std::ostream& out, const RunResults& results);  // BENCHMARK_RESULTS.md
void write_terminal_table(std::ostream& out, const RunResults& results);
nlohmann::json results_json(const RunResults& results);              // results.json
void write_records_csv(std::ostream& out, const RunResults& results);    // results.csv: one row per record
void write_summaries_csv(std::ostream& out, const RunResults& results);  // summaries.csv: one row per summary

// Writes results.json, BENCHMARK_RESULTS.md, results.csv and summaries.csv into `dir`, each
// atomically (temporary file + rename).
void write_artifacts(const std::filesystem::path& dir, const RunResults& results);
RunResults read_results_json(const std::filesystem::path& file);
// Replaces the file's content in one step: readers see the old or the new file, never a torn one.
void write_file_atomically(const std::filesystem::path& file, const std::string& content);

}  // namespace legion::report
