// The traces section of a traced run's report (Markdown, HTML and the PDF through it): how many
// spans each system's tasks produced and whether the model calls in them are the calls the record
// counts, where each system's time went in one chosen task (the timeline the HTML draws), and what
// tracing costs where a system ran traced beside itself untraced (NAME and NAME@traced). Formats
// the records' traces (trace.hpp); everything from outside is `outside`.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "format.hpp"
#include "sections.hpp"
#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report::detail {
namespace {

bool measured_trace(const RunRecord& r) { return r.trace && !r.warmup; }

std::size_t count(const RecordTrace& t, TraceSpan::Kind kind) {
  return static_cast<std::size_t>(
      std::count_if(t.spans.begin(), t.spans.end(), [&](const TraceSpan& s) { return s.kind == kind && !s.embeddings; }));
}

std::string median_of(std::vector<double> xs) { return xs.empty() ? "—" : sig3(stats::median(xs)); }

std::string ms(std::int64_t ns) { return sig3(static_cast<double>(ns) / 1e6); }
std::string share(std::int64_t part, std::int64_t whole) { return whole > 0 ? fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 0) + "%" : "—"; }

}  // namespace

std::optional<ChosenTimelines> chosen_timelines(const RunResults& r) {
  // The scenario with traced, correct, measured records of the most systems; of those, one whose
  // tasks call tools (every lane then has something to show), then the one whose tasks hold the most
  // spans (the first in the run's order on a tie); for each system there, its record of median wall time.
  std::vector<std::string> scenarios;
  std::map<std::string, std::map<std::string, std::vector<const RunRecord*>>> by;
  for (const auto& rec : r.records) {
    if (!measured_trace(rec) || !rec.correct || rec.error || rec.tasks != 1) continue;
    if (!by.contains(rec.cell())) scenarios.push_back(rec.cell());
    by[rec.cell()][rec.system].push_back(&rec);
  }
  if (scenarios.empty()) return std::nullopt;
  auto richness = [&](const std::string& scenario) {
    std::size_t most = 0, tools = 0;
    for (const auto& [system, records] : by[scenario])
      for (const auto* rec : records) {
        most = std::max(most, rec->trace->spans.size());
        tools = std::max(tools, count(*rec->trace, TraceSpan::Kind::tool));
      }
    return std::make_tuple(by[scenario].size(), tools > 0, most);
  };
  const auto best = *std::max_element(scenarios.begin(), scenarios.end(),
                                      [&](const auto& a, const auto& b) { return richness(a) < richness(b); });
  ChosenTimelines chosen{best, {}};
  for (const auto& system : r.systems()) {
    auto it = by[best].find(system);
    if (it == by[best].end()) continue;
    auto records = it->second;
    std::sort(records.begin(), records.end(), [](const RunRecord* a, const RunRecord* b) { return a->wall_ns < b->wall_ns; });
    const auto* record = records[(records.size() - 1) / 2];
    chosen.entries.push_back({system, record, timeline_lanes(*record->trace)});
  }
  return chosen;
}

Section traces_section(const RunResults& r) {
  Section s{"traces", "Traces"};
  std::map<std::string, std::vector<const RunRecord*>> traced;
  std::size_t total = 0;
  for (const auto& rec : r.records)
    if (measured_trace(rec)) traced[rec.system].push_back(&rec), ++total;
  if (total == 0) return s;
  s.blocks.push_back(paragraph(
      {own(std::to_string(total) + " measured records carry their task's trace (" ), code("--trace"), own(" or "), code("NAME@traced"),
       own("): the task, each agent's turn, each model call as the model server served it, each tool call and wait for the person "
           "as the worker ran it, and the system's own spans where it traces itself. "),
       code("traces.jsonl"),
       own(" holds them as OpenTelemetry OTLP/JSON, one request per record, with the generative-AI semantic conventions; "
           "docs/tracing.md says how each system's own spans are taken.")}));
  std::vector<std::vector<Text>> rows;
  for (const auto& system : r.systems()) {
    const auto it = traced.find(system);
    if (it == traced.end()) continue;
    std::vector<double> spans, tools, own_spans;
    std::size_t matching = 0;
    for (const auto* rec : it->second) {
      const auto& t = *rec->trace;
      spans.push_back(static_cast<double>(t.spans.size()));
      tools.push_back(static_cast<double>(count(t, TraceSpan::Kind::tool)));
      own_spans.push_back(static_cast<double>(count(t, TraceSpan::Kind::system)));
      if (count(t, TraceSpan::Kind::model) == rec->llm_calls) ++matching;
    }
    rows.push_back({{outside(system)}, {own(std::to_string(it->second.size()))}, {own(median_of(spans))},
                    {own(std::to_string(matching) + "/" + std::to_string(it->second.size()))}, {own(median_of(tools))},
                    {own(median_of(own_spans))}});
  }
  s.blocks.push_back(heading(3, {own("Spans per traced task")}));
  s.blocks.push_back(table(std::vector<std::string>{"system", "traced records", "spans per task (median)", "model-call spans = the record's calls",
                                 "tool spans (median)", "the system's own spans (median)"},
                                {false, true, true, true, true, true}, std::move(rows)));

  if (const auto chosen = chosen_timelines(r)) {
    s.blocks.push_back(heading(3, {own("Where the time went in one task: "), outside(chosen->scenario)}));
    s.blocks.push_back(paragraph(
        {own("For each system, its traced record of median wall time on this scenario: the time the model server worked on the "
             "task's calls, the time its tools and the person took, and the rest — the framework's own time between them (HTTP "
             "exchanges included). The dashboard draws these as timelines.")}));
    std::vector<std::vector<Text>> timeline_rows;
    for (const auto& e : chosen->entries) {
      const auto wall = e.record->trace->spans.front().end_ns;
      std::map<std::string, std::int64_t> lane;
      for (const auto& l : e.lanes) lane[l.name] = l.total_ns;
      timeline_rows.push_back({{outside(e.system)}, {own("rep " + std::to_string(e.record->repetition))}, {own(ms(wall))},
                               {own(ms(lane["model"]) + " (" + share(lane["model"], wall) + ")")},
                               {own(ms(lane["tools"]) + " (" + share(lane["tools"], wall) + ")")},
                               {own(ms(lane["framework"]) + " (" + share(lane["framework"], wall) + ")")}});
    }
    s.blocks.push_back(table(std::vector<std::string>{"system", "record", "task (ms)", "model server (ms)", "tools and person (ms)", "framework (ms)"},
                                  {false, false, true, true, true, true}, std::move(timeline_rows)));
  }

  // Tracing's cost: a system traced beside itself untraced, interleaved in this run; the
  // Hodges–Lehmann shift and ratio of the two cells' overheads per call, with their intervals.
  auto per_call = [&](const std::string& cell, const std::string& system) {
    std::vector<double> out;
    for (const auto& rec : r.records)
      if (!rec.warmup && !rec.error && rec.cell() == cell && rec.system == system)
        if (const auto us = rec.overhead_per_call_us()) out.push_back(*us);
    return out;
  };
  std::vector<std::vector<Text>> cost_rows;
  for (const auto& traced_cell : r.summaries) {
    const auto& name = traced_cell.system;
    constexpr std::string_view suffix = "@traced";
    if (!name.ends_with(suffix)) continue;
    const auto base = name.substr(0, name.size() - suffix.size());
    const auto traced_us = per_call(traced_cell.scenario, name), plain_us = per_call(traced_cell.scenario, base);
    if (traced_us.size() < 2 || plain_us.size() < 2) continue;
    const auto added = stats::hodges_lehmann(traced_us, plain_us);
    const auto ratio = stats::hodges_lehmann_ratio(traced_us, plain_us);
    auto percent = [](double x) { return fixed(100.0 * (x - 1), 0) + "%"; };
    cost_rows.push_back({{outside(traced_cell.scenario)}, {outside(base)}, {own(sig3(stats::median(plain_us)))},
                         {own(sig3(stats::median(traced_us)))},
                         {own(sig3(added.point) + " [" + sig3(added.lower) + ", " + sig3(added.upper) + "]")},
                         {own(percent(ratio.point) + " [" + percent(ratio.lower) + ", " + percent(ratio.upper) + "]")}});
  }
  if (!cost_rows.empty()) {
    s.blocks.push_back(heading(3, {own("What tracing costs")}));
    s.blocks.push_back(paragraph({own("Each system below ran untraced and traced (NAME@traced, a worker of its own) in the same rounds, "
                                      "interleaved. Overhead per LLM call, medians over each cell's records; what tracing adds is the "
                                      "Hodges–Lehmann shift between the two cells with its 95% interval, in µs per call and as a share "
                                      "of the untraced overhead. An interval that holds 0 is a cost this run cannot tell from noise.")}));
    s.blocks.push_back(table(std::vector<std::string>{"scenario", "system", "untraced (µs per call)", "traced (µs per call)", "added (µs per call) [95%]",
                                   "added [95%]"},
                                  {false, false, true, true, true, true}, std::move(cost_rows)));
  }
  return s;
}

}  // namespace legion::report::detail
