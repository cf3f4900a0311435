#pragma once
// The stress suites' results (legion-bench --suite load|spike|endurance): the analysis of a run as
// its store holds it — latency percentiles from HDR histograms of every task's latency, the task
// ledger's verdict (zero lost tasks), spike recovery, endurance leak and degradation verdicts from
// Theil–Sen slopes and the Mann–Kendall test, the seeds' success criteria — and its reports:
// STRESS_TEST_RESULTS.md, stress.json, stress_seconds.csv, stress_phases.csv, stress.html (SVG
// charts over time) and stress.pdf.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

namespace legion::report {

// `raw`: a run as bench's StressStore::load gives it. Adds "analysis" to every phase, "criteria",
// "lost_tasks", "all_criteria_pass"; drops the per-task latency lists.
nlohmann::json analyze_stress(const nlohmann::json& raw);

// Writes the reports into `dir`; returns the files written. PDF failures (no Chromium) are noted
// in the Markdown, not thrown.
std::vector<std::filesystem::path> write_stress_reports(const std::filesystem::path& dir, const nlohmann::json& analyzed);

// One STRESS_TEST_RESULTS.md (and stress.json, stress.html, stress.pdf) over several analysed runs,
// with the seeds' criteria table across all of them.
std::vector<std::filesystem::path> write_stress_combined(const std::filesystem::path& dir, const std::vector<nlohmann::json>& runs);

// The criteria table and one line per phase, for the terminal.
void write_stress_summary(std::ostream& out, const nlohmann::json& analyzed);

}  // namespace legion::report
