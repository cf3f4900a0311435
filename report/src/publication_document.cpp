// The publication's files: BENCHMARK_RESULTS.md, publication.json, report.html and report.pdf. The
// criteria, the conclusions and how the publication was made are sections in the block form
// (blocks.hpp), shared by the Markdown and the HTML; the runs' own reports, the stress suites'
// report and the feature matrix are the documents those already are.
#include <sstream>

#include "blocks.hpp"
#include "format.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/publication.hpp"
#include "sections.hpp"
#include "stress_figures.hpp"

namespace legion::report {
namespace {

using namespace detail;

Section criteria_section(const Publication& p) {
  Section s{"criteria", "The seeds' success criteria, judged"};
  s.blocks.push_back(paragraph({own("Each of the seeds' benchmarking criteria as docs/methodology.md defines it (the definitions were committed "
                                    "before this run): "),
                                strong(own("pass")), own(" when the whole 95% interval lies on the criterion's side of its threshold, "),
                                strong(own("fail")), own(" when all of it lies on the other side, "), strong(own("inconclusive")),
                                own(" when it holds the threshold; a criterion over several scenarios passes only on all of them. The stress "
                                    "criteria follow, as the stress suites' analysis judged them (docs/stress.md).")}));
  for (const auto* kind : {"benchmark", "stress"}) {
    std::vector<std::vector<Text>> rows;
    for (const auto& c : p.criteria)
      if (c.kind == kind)
        rows.push_back({with_code(c.criterion), with_code(c.target), text(strong(outside(c.verdict))), with_code(c.measured), with_code(c.from)});
    if (rows.empty()) continue;
    s.blocks.push_back(heading(3, text(own(std::string(kind) == "benchmark" ? "Benchmarking criteria" : "Stress criteria"))));
    s.blocks.push_back(table(std::vector<std::string>{"criterion (the seeds)", "defined as", "verdict", "measured", "from"},
                             {false, false, false, false, false}, std::move(rows)));
  }
  return s;
}

Section conclusions_section(const Publication& p) {
  Section s{"conclusions", "Conclusions and recommendations"};
  s.blocks.push_back(paragraph({own("Which system for which need, drawn by the publication from the tables it cites: a system is named only where "
                                    "its 95% interval lies clear of every other system's on every scenario compared; where intervals overlap the "
                                    "sentence says so and recommends none. Only systems with ten or more completed tasks on every scenario are "
                                    "compared; the others are named. Figures are medians with 95% intervals (BCa bootstrap; Wilson for "
                                    "shares).")}));
  bool first = true;
  for (const auto& c : p.conclusions) {
    Text t{strong(own(c.need + ".")), own(" ")};
    add(t, {outside(c.text), own(" ("), outside(c.evidence), own(")")});
    s.blocks.push_back(item(std::move(t), first));
    first = false;
  }
  if (p.conclusions.empty()) s.blocks.push_back(paragraph({own("No run of this publication compares systems.")}));
  return s;
}

Section steps_section(const Publication& p) {
  Section s{"made", "How this publication was made"};
  std::size_t done = 0;
  for (const auto& step : p.steps) done += step.status == "done";
  s.blocks.push_back(paragraph({code(p.command), own(" ran " + std::to_string(p.steps.size()) + " steps (" + std::to_string(done) +
                                                     " with results) from " + p.started_at + ", " + duration_text(p.seconds) + " of running in all" +
                                                     (p.quick ? "; quick form: small runs, for checking the pipeline, not for quoting" : "") +
                                                     ". Each step's command reproduces it alone; re-running the publish command with the "
                                                     "same folder resumes after the last finished step.")}));
  std::vector<std::vector<Text>> rows;
  for (const auto& step : p.steps)
    rows.push_back({text(outside(step.name)), text(code(step.command)), text(outside(step.status + (step.detail.empty() ? "" : ": "))),
                    text(outside(step.started_at)), text(own(step.status == "pending" ? "" : duration_text(step.seconds)))});
  for (std::size_t i = 0; i < p.steps.size(); ++i)
    if (!p.steps[i].detail.empty()) rows[i][2].push_back(outside(p.steps[i].detail));
  s.blocks.push_back(table(std::vector<std::string>{"step", "command", "result", "started (UTC)", "time"}, {false, false, false, false, true},
                           std::move(rows)));
  return s;
}

std::string stress_markdown(const Publication& p) {
  return p.stress ? render(stress_combined_document(), "markdown", *p.stress) : std::string{};
}
std::string features_markdown(const Publication& p) {
  return p.features ? render(feature_matrix_document(), "markdown", *p.features) : std::string{};
}

// A Markdown document inside another, its headings `by` levels down and its title left out.
void write_nested_markdown(std::ostream& out, const std::string& md, int by) {
  std::istringstream lines(md);
  std::string line;
  bool in_code = false, title = true;
  while (std::getline(lines, line)) {
    if (line.starts_with("```")) in_code = !in_code;
    if (!in_code && line.starts_with("#")) {
      if (title && line.starts_with("# ")) {
        title = false;
        continue;
      }
      line.insert(0, static_cast<std::size_t>(by), '#');
    }
    out << line << "\n";
  }
}

std::vector<const RunResults*> run_pointers(const Publication& p) {
  std::vector<const RunResults*> out;
  for (const auto& r : p.runs) out.push_back(&r);
  return out;
}

void write_publication_markdown(std::ostream& out, const Publication& p) {
  out << "# LEGION benchmark publication\n\n"
      << "Every suite of legion-bench on every registered system, regenerated by one command on one machine: the seeds' criteria judged, "
         "conclusions drawn from the tables they cite, then each suite's own report. "
      << (p.quick ? "**Quick form**: small runs that check the pipeline end to end; its numbers are not for quoting.\n" : "\n");
  write_markdown(out, std::vector<Section>{criteria_section(p), conclusions_section(p), steps_section(p)});
  if (!p.runs.empty()) {
    std::ostringstream combined;
    write_combined_markdown(combined, run_pointers(p), p.published);
    write_nested_markdown(out << "\n", combined.str(), 0);
  }
  if (const auto stress = stress_markdown(p); !stress.empty()) write_nested_markdown(out << "\n## Stress suites\n", stress, 1);
  if (const auto features = features_markdown(p); !features.empty()) write_nested_markdown(out << "\n## Appendix A. Feature matrix\n", features, 1);
}

void write_publication_html(std::ostream& out, const Publication& p) {
  if (p.runs.empty()) throw std::invalid_argument("the publication has no suite run to show (every run step failed)");
  PaperAdditions additions{"LEGION benchmark publication", {criteria_section(p), conclusions_section(p)}, {}, {steps_section(p)}};
  if (const auto stress = stress_markdown(p); !stress.empty())
    additions.results_parts.push_back({"Stress suites", stress, [&p](const SystemColour& colour, int first) {
                                         std::vector<StressFigure> figures;
                                         std::vector<const StressRun*> runs;
                                         for (const auto& run : p.stress->runs) runs.push_back(&run);
                                         for (std::size_t k = 0; k < runs.size(); ++k)
                                           for (auto& f : stress_figures(*runs[k], colour, over_time_with(runs, k))) figures.push_back(std::move(f));
                                         return std::pair{figures_html(figures, first), static_cast<int>(figures.size())};
                                       }});
  write_paper_html(out, run_pointers(p), features_markdown(p), p.published, additions);
}

nlohmann::json criterion_json(const CriterionVerdict& c) {
  return {{"kind", c.kind}, {"criterion", c.criterion}, {"target", c.target}, {"verdict", c.verdict}, {"measured", c.measured}, {"from", c.from}};
}

void write_publication_json(std::ostream& out, const Publication& p) {
  nlohmann::json j{{"started_at", p.started_at}, {"command", p.command}, {"quick", p.quick}, {"seconds", p.seconds}};
  j["steps"] = nlohmann::json::array();
  for (const auto& s : p.steps) j["steps"].push_back(to_json(s));
  j["criteria"] = nlohmann::json::array();
  for (const auto& c : p.criteria) j["criteria"].push_back(criterion_json(c));
  j["conclusions"] = nlohmann::json::array();
  for (const auto& c : p.conclusions)
    j["conclusions"].push_back({{"need", c.need}, {"text", c.text}, {"evidence", c.evidence}, {"recommended", c.recommended ? nlohmann::json(*c.recommended) : nlohmann::json()}});
  j["runs"] = nlohmann::json::array();
  for (const auto& r : p.runs) j["runs"].push_back({{"suite", r.context.suite}, {"run_id", r.context.run_id}, {"latency_profile", r.context.latency_profile}});
  out << json_text(j, 2) << "\n";
}

}  // namespace

std::string duration_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min" + (s % 60 ? " " + std::to_string(s % 60) + " s" : "");
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

nlohmann::json to_json(const PublicationStep& s) {
  return {{"name", s.name},       {"command", s.command},           {"status", s.status},          {"detail", s.detail},
          {"seconds", s.seconds}, {"started_at", s.started_at},     {"exit_status", s.exit_status}};
}

PublicationStep publication_step_from_json(const nlohmann::json& j) {
  return {j.at("name").get<std::string>(),    j.at("command").get<std::string>(),   j.at("status").get<std::string>(),
          j.value("detail", std::string{}),   j.value("seconds", 0.0),              j.value("started_at", std::string{}),
          j.value("exit_status", 0)};
}

const Document<Publication>& publication_document() {
  static const Document<Publication> document{
      "publication",
      "the whole publication (legion-bench publish): the seeds' criteria judged, conclusions, every suite's report",
      {{"markdown", "md", "BENCHMARK_RESULTS.md", "the paper in Markdown: criteria, conclusions, how it was made, every suite's report",
        write_publication_markdown},
       {"json", "json", "publication.json", "the steps, the criteria's verdicts and the conclusions", write_publication_json},
       {"html", "html", "report.html", "the paper as a dashboard: charts, sortable tables, the stress suites and the feature matrix",
        write_publication_html}},
      "report.pdf"};
  return document;
}

}  // namespace legion::report
