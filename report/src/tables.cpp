#include "tables.hpp"

#include "format.hpp"

namespace legion::report::detail {
namespace {

TableCell number(double v, std::string detail = {}) { return {sig3(v), v, std::move(detail)}; }
TableCell missing() { return {"—", std::nullopt, {}}; }

// The median over a cell's completed, measured records of wall time less ingestion and retrieval
// (per record: a difference of medians could come out negative).
std::optional<double> rest_of_wall_ms(const RunResults& r, const CellSummary& s) {
  std::vector<double> rest;
  for (const auto& x : r.records)
    if (x.scenario == s.scenario && x.system == s.system && !x.warmup && !x.error && !x.unsupported && (x.ingest_ns || x.retrieval_ns))
      rest.push_back(static_cast<double>(x.wall_ns - x.ingest_ns.value_or(0) - x.retrieval_ns.value_or(0)) / 1e6);
  return rest.empty() ? std::nullopt : std::optional(stats::median(rest));
}

TableCell estimate(const std::optional<stats::Estimate>& e, const std::string& what, const std::string& level,
                   std::size_t n, const std::string& unit) {
  if (!e) return missing();
  return {sig3(e->point) + " [" + sig3(e->lower) + ", " + sig3(e->upper) + "]", e->point,
          what + " " + sig3(e->point) + unit + ", " + level + " interval " + sig3(e->lower) + "–" + sig3(e->upper) +
              unit + ", n = " + std::to_string(n)};
}

// A row for a cell with nothing to show in this table's columns (unsupported, or every run failed).
TableRow empty_row(const CellSummary& s, std::size_t columns, const std::string& first) {
  TableRow row{s.scenario, s.system, {}};
  row.cells.push_back({first, std::nullopt, {}});
  for (std::size_t i = 1; i < columns; ++i) row.cells.push_back(missing());
  return row;
}

}  // namespace

std::vector<Table> result_tables(const RunResults& r) {
  const auto level = level_percent(r.options.level);
  const std::string p_header = "p (" + correction_name(r.options) + ")";
  Table wall{"wall", "Wall time per task",
             "Median wall time per task in milliseconds with its " + level + " BCa bootstrap interval; min and max show the spread.",
             {{"n"}, {"correct", false}, {"median [" + level + " CI]"}, {"min"}, {"max"}}, {}};
  Table baseline{"baseline", "Against the baseline",
                 "Hodges–Lehmann ratio of wall times to the baseline's on the same scenario (log scale) with its " + level +
                     " interval; Mann–Whitney U p, adjusted across the run; Cliff's δ.",
                 {{"ratio [" + level + " CI]"}, {p_header}, {"Cliff's δ"}}, {}};
  Table overhead{"overhead", "Framework overhead and memory",
                 "Overhead is wall time minus the model server's service time (ms, median, min, max; per LLM call in "
                 "µs); peak RSS is the worker's high-water mark (MB).",
                 {{"overhead median"}, {"min"}, {"max"}, {"per LLM call (µs)"}, {"peak RSS (MB)"}}, {}};
  Table tokens{"tokens", "LLM calls and tokens",
               "Per task, medians, counted by the model server (o200k_base).",
               {{"LLM calls"}, {"prompt tokens"}, {"prompt per call"}, {"completion tokens"}}, {}};

  Table knowledge{"knowledge", "Knowledge base",
                  "Tasks with a knowledge base, medians per task: putting the documents into the system's store and "
                  "retrieving from it (ms, each timed by the system), the wall time less both, and the embedding "
                  "requests and tokens the model server counted apart from the chat calls.",
                  {{"ingest (ms)"}, {"retrieval (ms)"}, {"rest of wall (ms)"}, {"embedding calls"}, {"embedding tokens"}}, {}};
  for (const auto& s : r.summaries) {
    if (s.ingest_ms || s.retrieval_ms) {
      const auto ms = [](const std::optional<double>& v, const std::string& what) {
        return v ? number(*v, what + " " + sig3(*v) + " ms") : missing();
      };
      const auto rest = rest_of_wall_ms(r, s);
      TableRow k{s.scenario, s.system, {}};
      k.cells.push_back(ms(s.ingest_ms, "median ingestion"));
      k.cells.push_back(ms(s.retrieval_ms, "median retrieval"));
      k.cells.push_back(rest ? number(*rest, "median of wall time less ingestion and retrieval " + sig3(*rest) + " ms") : missing());
      k.cells.push_back(s.embedding_calls ? number(*s.embedding_calls, "median embedding requests per task") : missing());
      k.cells.push_back(s.embedding_tokens ? number(*s.embedding_tokens, "median embedded tokens per task") : missing());
      knowledge.rows.push_back(std::move(k));
    }
    if (s.unsupported) {
      for (auto* t : {&wall, &baseline, &overhead, &tokens}) t->rows.push_back(empty_row(s, t->columns.size(), "unsupported"));
      continue;
    }
    const std::string n = "n = " + std::to_string(s.wall_ms.n);
    const bool measured = s.runs > s.errors;
    TableRow w{s.scenario, s.system, {}};
    w.cells.push_back(number(static_cast<double>(s.runs)));
    w.cells.back().text = std::to_string(s.runs);
    w.cells.push_back({std::to_string(s.correct) + "/" + std::to_string(s.runs),
                       s.runs ? std::optional<double>(static_cast<double>(s.correct) / static_cast<double>(s.runs)) : std::nullopt,
                       std::to_string(s.correct) + " of " + std::to_string(s.runs) + " answers correct" +
                           (s.errors ? ", " + std::to_string(s.errors) + " failed with an error" : "")});
    if (measured) {
      if (s.wall_median_ci) w.cells.push_back(estimate(s.wall_median_ci, "median", level, s.wall_ms.n, " ms"));
      else w.cells.push_back(number(s.wall_ms.median, "median " + sig3(s.wall_ms.median) + " ms, " + n));
      w.cells.push_back(number(s.wall_ms.min, "fastest task " + sig3(s.wall_ms.min) + " ms"));
      w.cells.push_back(number(s.wall_ms.max, "slowest task " + sig3(s.wall_ms.max) + " ms"));
    } else {
      for (int i = 0; i < 3; ++i) w.cells.push_back(missing());
    }
    wall.rows.push_back(std::move(w));

    if (!measured) {
      baseline.rows.push_back(empty_row(s, baseline.columns.size(), "—"));
      overhead.rows.push_back(empty_row(s, overhead.columns.size(), "—"));
      tokens.rows.push_back(empty_row(s, tokens.columns.size(), "—"));
      continue;
    }
    TableRow b{s.scenario, s.system, {}};
    if (s.ratio_to_baseline) b.cells.push_back(estimate(s.ratio_to_baseline, "ratio", level, s.wall_ms.n, "×"));
    else b.cells.push_back({"baseline", std::nullopt, "the system the others are compared with"});
    b.cells.push_back(s.p_adjusted ? number(*s.p_adjusted, p_header + " = " + sig3(*s.p_adjusted)) : missing());
    b.cells.push_back(s.cliffs_delta ? number(*s.cliffs_delta, "Cliff's δ = " + sig3(*s.cliffs_delta)) : missing());
    baseline.rows.push_back(std::move(b));

    TableRow o{s.scenario, s.system, {}};
    auto ms = [&](double v, const std::string& what) {
      return s.overhead_ms.n == 0 ? TableCell{"n/a", std::nullopt, "undefined for concurrent tasks"}
                                  : number(v, what + " " + sig3(v) + " ms, n = " + std::to_string(s.overhead_ms.n));
    };
    o.cells.push_back(ms(s.overhead_ms.median, "median overhead"));
    o.cells.push_back(ms(s.overhead_ms.min, "least overhead"));
    o.cells.push_back(ms(s.overhead_ms.max, "most overhead"));
    o.cells.push_back(s.overhead_ms.n == 0 ? TableCell{"n/a", std::nullopt, "undefined for concurrent tasks"}
                                           : number(s.overhead_per_call_us, "median overhead per LLM call " +
                                                                                sig3(s.overhead_per_call_us) + " µs"));
    o.cells.push_back({fixed(s.rss_peak_mb, 1), s.rss_peak_mb, "median peak RSS " + fixed(s.rss_peak_mb, 1) + " MB"});
    overhead.rows.push_back(std::move(o));

    TableRow t{s.scenario, s.system, {}};
    t.cells.push_back(number(s.llm_calls, "median LLM calls per task, " + n));
    t.cells.push_back(number(s.prompt_tokens, "median prompt tokens per task, " + n));
    t.cells.push_back(s.llm_calls > 0 ? number(s.prompt_tokens / s.llm_calls, "prompt tokens per LLM call") : missing());
    t.cells.push_back(number(s.completion_tokens, "median completion tokens per task, " + n));
    tokens.rows.push_back(std::move(t));
  }
  std::vector<Table> tables{wall, baseline, overhead, tokens};
  if (!knowledge.rows.empty()) tables.push_back(std::move(knowledge));  // only runs with a knowledge base
  return tables;
}

}  // namespace legion::report::detail
