#pragma once
// The sections of a run's report in the block form (blocks.hpp): built once from the analysis,
// written as BENCHMARK_RESULTS.md, inside BENCHMARK_REPORT.md one level down, and picked by id
// for report.html. Internal to the report library.
#include <functional>
#include <optional>
#include <ostream>
#include <utility>
#include <string>
#include <vector>

#include "blocks.hpp"
#include "legion/report/summary.hpp"

namespace legion::report::detail {

// In the Markdown report's order; ids: front, summary, method, reproduce, versions, settings,
// cold-start, results (real-model instead for a run against a real model), suite-wide, concurrency,
// token-counts, unsupported, failures, traces, sweeps, published, threats (a section with nothing to say is
// left out).
std::vector<Section> run_sections(const RunResults& results);
Section concurrency_section(const std::vector<ConcurrencyLevel>& levels);
Section sweep_section(const std::vector<SweepTrend>& trends);
// A traced run's section (id traces): spans per task, the chosen timelines as a table, tracing's
// cost where a system ran traced beside itself; empty (no blocks) for a run without traces.
Section traces_section(const RunResults& results);
// For the timelines: the scenario most systems have traced, correct records of, and for each system
// its record of median wall time there with its lanes (trace.hpp).
struct ChosenTimelines {
  std::string scenario;
  struct Entry {
    std::string system;
    const RunRecord* record;
    std::vector<TimelineLane> lanes;
  };
  std::vector<Entry> entries;
};
std::optional<ChosenTimelines> chosen_timelines(const RunResults& results);
// What a publication adds to the combined page (write_paper_html): its title, sections after the
// abstract (the criteria, the conclusions), Markdown documents among the results (the stress
// suites' report, with its figures), and sections before the references (how it was made).
struct ResultsPart {
  std::string title, markdown;
  // Figures drawn before the text, given each system's colour in the page and the next figure's
  // number: their HTML and how many they are. Empty: none.
  std::function<std::pair<std::string, int>(const std::function<std::string(const std::string&)>& colour, int first)> figures;
};
struct PaperAdditions {
  std::string title;
  std::vector<Section> front;
  std::vector<ResultsPart> results_parts;
  std::vector<Section> back;
};
void write_paper_html(std::ostream& out, const std::vector<const RunResults*>& runs, const std::string& feature_matrix_markdown,
                      const std::vector<PublishedComparison>& published, const PaperAdditions& additions);
// Markdown as the reports write it (headings, tables, lists, code blocks, paragraphs) as HTML:
// `#` is dropped, `##` becomes h<level>; tables are numbered from `tables` + 1 and captioned with the
// heading above them.
void markdown_html(std::ostream& out, const std::string& md, int level, int& tables, const std::string& table_tags = {});
// A real-model run's own section (id real-model), which replaces the scripted-model result tables.
Section real_model_section(const RealModelSummary& summary, const StatisticsOptions& options);
// A combined report's real-model runs beside scripted runs of the same systems (id real-beside-scripted).
Section real_beside_scripted_section(const std::vector<RealBesideScripted>& pairs);

}  // namespace legion::report::detail
