#include "legion/report/reproduce.hpp"

#include <algorithm>
#include <map>

#include "blocks.hpp"
#include "format.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/summary.hpp"
#include "legion/report/sweep.hpp"
#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/intervals.hpp"

namespace legion::report {
namespace {

using datasets::PublishedFigure;
using detail::sig3;

// "1.40× [1.21, 1.87]": the point, its unit, the interval; an interval the data cannot bound at its
// level is the sample's range, and says so.
std::string with_interval(const stats::Estimate& e, const std::string& unit) {
  return sig3(e.point) + unit + " [" + sig3(e.lower) + ", " + sig3(e.upper) + "]" + (e.bounded ? "" : " (the sample's range: too few runs to bound the interval)");
}

double wall_ms(const RunRecord& r) { return static_cast<double>(r.wall_ns) / 1e6; }
// Time per task beyond the scripted model's service time, in µs.
double overhead_us(const RunRecord& r) { return static_cast<double>(r.overhead_ns()) / 1e3; }
double bytes_per_call(const RunRecord& r) { return r.llm_calls ? static_cast<double>(r.request_bytes) / static_cast<double>(r.llm_calls) : 0; }

// The completed, measured records of one cell, as values.
std::vector<double> values(const RunResults* run, const std::string& cell, const std::string& system, double (*of)(const RunRecord&)) {
  std::vector<double> out;
  if (!run) return out;
  for (const auto& r : run->records)
    if (!r.warmup && !r.error && !r.unsupported && r.system == system && r.cell() == cell) out.push_back(of(r));
  return out;
}
// The same for the cell of a sweep over `param` at `value`.
std::vector<double> values_at(const RunResults* run, const std::string& scenario, const std::string& param, std::int64_t value,
                              const std::string& system, double (*of)(const RunRecord&)) {
  std::vector<double> out;
  if (!run) return out;
  for (const auto& r : run->records)
    if (!r.warmup && !r.error && !r.unsupported && r.system == system && r.scenario == scenario && r.swept == param &&
        r.params.contains(param) && r.params.at(param) == value)
      out.push_back(of(r));
  return out;
}

// The framework a figure is about, as this project names its system.
std::string system_of(const std::string& id) {
  for (const auto& [word, system] : std::vector<std::pair<std::string, std::string>>{
           {"langgraph", "langchain"}, {"langchain", "langchain"}, {"crewai", "crewai"}, {"autogen", "autogen"}})
    if (id.find("-" + word + "-") != std::string::npos) return system;
  return "";
}

const PublishedFigure* find_figure(const std::vector<PublishedFigure>& figures, const std::string& id) {
  for (const auto& f : figures)
    if (f.id == id) return &f;
  return nullptr;
}

// Within the tolerance: reproduced; else differs, with the likely reason.
std::string judged(double measured, double published, const PublishedFigure& f, const std::string& what, const std::string& reason) {
  auto verdict = tolerance_verdict(measured / published, f.tolerance, what);
  if (verdict.starts_with("differs")) verdict += "; likely reason: " + reason;
  return verdict;
}

std::string latency_of(const RunResults& run) { return "latency profile `" + run.context.latency_profile + "`"; }

class Reproduction {
 public:
  Reproduction(const std::vector<PublishedFigure>& figures, const ReproductionRuns& runs) : figures_(figures), runs_(runs) {}

  PublishedComparison run() {
    PublishedComparison out;
    out.title = "Published figures re-measured";
    out.method =
        "Every figure in datasets/published/ beside this machine's measurement of the same quantity. What transfers is "
        "compared: ratios between frameworks measured in one run, slopes against slopes (Theil–Sen over a sweep), "
        "model-independent counts; absolute times only as targets or not at all. Each verdict uses the figure's own "
        "tolerance, fixed before the measurement; 'not comparable' says why.";
    for (const auto* run : {runs_.calls, runs_.tool_sweep, runs_.mixture_sweep})
      if (run && out.command.find(run->context.command) == std::string::npos)
        out.command += (out.command.empty() ? "" : "\n") + run->context.command;
    if (runs_.zero_io) out.command += (out.command.empty() ? "" : "\n") + runs_.zero_io->command;
    if (runs_.footprint) out.command += (out.command.empty() ? "" : "\n") + runs_.footprint->command;
    if (runs_.single_turn) out.command += (out.command.empty() ? "" : "\n") + runs_.single_turn->context.command;
    const auto aimultiple = runs_.calls ? compare_runs_with_published({runs_.calls}) : PublishedComparison{};
    for (const auto& f : figures_) {
      if (f.id.starts_with("neograph-")) neograph(f);
      else if (f.id.starts_with("agno-perf-") && f.id.find("-single-turn-") != std::string::npos) single_turn(f);
      else if (f.id.starts_with("agno-perf-") || f.id.starts_with("praisonai-")) footprint(f);
      else if (f.id.starts_with("aimultiple-")) from_comparison(f, aimultiple, "a run with crewai and langchain on single-tool under a latency profile other than zero");
      else if (f.id.starts_with("mafbench-")) mafbench(f);
      else if (f.id.starts_with("autoagents-")) autoagents(f);
      else if (f.id.find("-prompt-tokens-") != std::string::npos) tool_tokens(f);
      else if (f.id.find("-moa-tokens-") != std::string::npos) mixture_tokens(f);
      else if (f.id.find("-overhead-") != std::string::npos && f.comparable == datasets::Comparable::bytes) envelope_bytes(f);
      else add(f, f.unit, "—", "not comparable: legion-bench has no measurement of this figure yet (it would be: " + f.measures + ")");
    }
    out.verdicts = std::move(rows_);
    return out;
  }

 private:
  void add(const PublishedFigure& f, const std::string& quantity, const std::string& measured, const std::string& verdict) {
    rows_.push_back({f.id, f.source.title + ", " + f.source.where, sig3(f.value) + " " + f.unit, measured, verdict, quantity});
  }
  void add_derived(const std::string& id, const PublishedFigure& f, const std::string& published, const std::string& quantity,
                   const std::string& measured, const std::string& verdict) {
    rows_.push_back({id, f.source.title + ", " + f.source.where, published, measured, verdict, quantity});
  }

  // The zero-I/O verdicts, as legion-bench zero-io gave them; its derived rows after the last figure.
  void neograph(const PublishedFigure& f) {
    if (!runs_.zero_io) return add(f, f.unit, "—", "not measured: the zero-I/O mode did not run");
    const auto given = std::find_if(runs_.zero_io->verdicts.begin(), runs_.zero_io->verdicts.end(), [&](const auto& v) { return v.id == f.id; });
    if (given == runs_.zero_io->verdicts.end()) {
      add(f, f.unit, "—", "not measured: the zero-I/O run gave no verdict for it (its system did not run)");
    } else {
      auto row = *given;
      row.quantity = f.unit + " (" + to_string(f.comparable) + ")";
      rows_.push_back(row);
    }
    const bool last = std::none_of(std::find_if(figures_.begin(), figures_.end(), [&](const auto& g) { return g.id == f.id; }) + 1,
                                   figures_.end(), [](const auto& g) { return g.id.starts_with("neograph-"); });
    if (!last) return;
    for (const auto& v : runs_.zero_io->verdicts)
      if (!find_figure(figures_, v.id)) {
        auto row = v;
        row.quantity = "ratio of two frameworks' per-invocation times, both from the source's one table and both measured here";
        rows_.push_back(row);
      }
  }

  // The cold-import and construction verdicts, as legion-bench footprint gave them (each with how
  // the source measured and how it was measured); its derived rows after the last of its figures.
  void footprint(const PublishedFigure& f) {
    if (!runs_.footprint) return add(f, f.unit, "—", "not measured: the footprint mode did not run");
    const auto& given = runs_.footprint->verdicts;
    const auto row = std::find_if(given.begin(), given.end(), [&](const auto& v) { return v.id == f.id; });
    if (row == given.end()) add(f, f.unit, "—", "not measured: the footprint run gave no verdict for it (its system did not run)");
    else rows_.push_back(*row);
    auto measured_by_footprint = [](const PublishedFigure& g) {
      return g.id.starts_with("praisonai-") || (g.id.starts_with("agno-perf-") && g.id.find("-single-turn-") == std::string::npos);
    };
    const auto here = std::find_if(figures_.begin(), figures_.end(), [&](const auto& g) { return g.id == f.id; });
    if (std::any_of(here + 1, figures_.end(), measured_by_footprint)) return;
    for (const auto& v : given)
      if (!find_figure(figures_, v.id)) rows_.push_back(v);
  }

  // Agno's single-turn run (run_overhead_comparison.py): each framework's time per task in the
  // in-process mode; the ratio to Agno's from the same run is judged, the absolute time only shown.
  void single_turn(const PublishedFigure& f) {
    const auto* run = runs_.single_turn;
    std::string system;
    for (const auto& [word, name] : std::vector<std::pair<std::string, std::string>>{
             {"agno", "agno"}, {"langgraph", "langchain"}, {"pydantic-ai", "pydantic-ai"}, {"crewai", "crewai"}})
      if (f.id.starts_with("agno-perf-" + word + "-")) system = name;
    const std::string quantity =
        "time per single-turn run: here the median of wall time − the scripted model's service time per llm-only task, "
        "NAME@in-process (µs)" + std::string(f.comparable == datasets::Comparable::ratio_between_frameworks ? ", ÷ agno@in-process's in the same run" : "");
    const std::string source =
        "source: run_overhead_comparison.py, one run() of an agent built once (short system prompt, one user message, no tools) "
        "with the framework's own mock at its model boundary answering \"ok\" at once (CrewAI: a fresh Task and Crew per run), "
        "agno.eval.performance.PerformanceEval's median of 300/200/100/30 runs after 10 warm-ups, Apple M4 Max, Python 3.12";
    if (!run || system.empty()) return add(f, quantity, "—", "not measured: the in-process single-turn run did not run; " + source);
    const auto in_process = system + "@in-process";
    // How this run measured, the pipe's round trip of each system named.
    auto here = [&](const std::vector<std::string>& systems) {
      std::string pipes, python;
      for (const auto& s : systems) {
        const auto p = run->context.model_pipe_round_trip_ns.find(s);
        pipes += (pipes.empty() ? "" : ", ") + s + " " +
                 (p == run->context.model_pipe_round_trip_ns.end() ? std::string("not measured") : sig3(static_cast<double>(p->second) / 1e3) + " µs");
        if (const auto v = run->context.system_versions.find(s); v != run->context.system_versions.end() && python.empty())
          if (const auto py = v->second.find("python"); py != v->second.end()) python = ", Python " + py->second;
      }
      return "here: one llm-only task per run (the adapter's one-agent sequential construct, built once and reused: Agno a "
             "one-step Workflow around its Agent, LangGraph a one-node StateGraph, CrewAI one Crew kicked off per task; one "
             "model call, no tool) with the framework's own in-process model class answered by the scripted model over a pipe, "
             "the pipe's round trip included (" + pipes + " per call, results.json run.model_pipe_round_trip_ns); frameworks "
             "interleaved, " + std::to_string(run->context.repetitions) + " tasks each after " + std::to_string(run->context.warmup) +
             " warm-ups" + python;
    };
    // Why a system has no time: not in the run (the suite runs those of the figures' frameworks that
    // --systems names), or no task of it completed.
    auto missing = [&](const std::string& s) {
      const auto& ran = run->context.systems;
      return "not measured: " + s +
             (std::find(ran.begin(), ran.end(), s) == ran.end()
                  ? " was not in the single-turn run (it runs those of agno, langchain, pydantic-ai and crewai that --systems names)"
                  : " has no completed llm-only task in the single-turn run") + "; " + source;
    };
    const auto mine = values(run, "llm-only", in_process, overhead_us);
    if (mine.empty()) return add(f, quantity, "—", missing(in_process));
    const auto own = stats::median_order_statistic_interval(mine, run->options.level);
    if (f.comparable != datasets::Comparable::ratio_between_frameworks)
      return add(f, quantity, with_interval(own, " µs") + " (" + in_process + ", " + std::to_string(mine.size()) + " tasks)",
                 "not comparable: an absolute time on an Apple M4 Max and no machine ratio is stated (the ratio to Agno is "
                 "judged instead); " + source + "; " + here({in_process}));
    const auto agno = values(run, "llm-only", "agno@in-process", overhead_us);
    if (agno.empty()) return add(f, quantity, "—", missing("agno@in-process"));
    const auto ratio = stats::hodges_lehmann_ratio(mine, agno, run->options.level);
    add(f, quantity,
        with_interval(ratio, "×") + " (" + in_process + " " + sig3(stats::median(mine)) + " µs ÷ agno@in-process " + sig3(stats::median(agno)) + " µs)",
        judged(ratio.point, f.value, f, "ratio",
               "each task here carries costs the source's loop lacks, in every framework (the adapter's call into the "
               "embedded interpreter and its tally of calls and tokens, the conversion of the framework's messages to a "
               "Chat Completions request and back, the pipe's round trip, the adapter's construct around the agent); added "
               "to both sides they pull a ratio towards 1 (docs/reproducing.md sets the source's own loop on this project's "
               "machine beside them)") +
            "; " + source + "; " + here({in_process, "agno@in-process"}));
  }

  void from_comparison(const PublishedFigure& f, const PublishedComparison& c, const std::string& needs) {
    for (const auto& v : c.verdicts)
      if (v.id == f.id) {
        auto row = v;
        row.quantity = "ratio of the two frameworks' medians in one run (" + f.unit + ")";
        return rows_.push_back(row);
      }
    add(f, f.unit, "—", "not measured: needs " + needs);
  }

  // A framework's median latency over the direct call's, one question without tools.
  void mafbench(const PublishedFigure& f) {
    const auto* run = runs_.calls;
    const auto direct = values(run, "llm-only", "direct", wall_ms);
    if (!run || run->context.latency_profile == "zero" || direct.empty())
      return add(f, f.unit, "—", "not measured: needs the llm-only scenario with the direct call under a latency profile other than zero");
    const std::string quantity = "median latency ÷ the direct call's (official openai client, same calls, same latency profile), one question without tools";
    if (f.comparable != datasets::Comparable::ratio_between_frameworks) {
      const auto e = stats::median_order_statistic_interval(direct, run->options.level);
      return add(f, "median latency of a direct model call", with_interval({e.point / 1e3, e.lower / 1e3, e.upper / 1e3, e.level, e.bounded}, " s") + " (" + latency_of(*run) + ")",
                 "not comparable: the latency of a hosted model; here the model's latency is the scripted profile, so the "
                 "direct call only restates it (the ratios to it are compared)");
    }
    const auto system = system_of(f.id);
    const auto mine = values(run, "llm-only", system, wall_ms);
    if (mine.empty()) return add(f, quantity, "—", "not comparable: " + system + " has no completed llm-only run");
    const auto ratio = stats::hodges_lehmann_ratio(mine, direct, run->options.level);
    add(f, quantity,
        with_interval(ratio, "×") + " (" + system + " " + sig3(stats::median(mine)) + " ms ÷ direct " + sig3(stats::median(direct)) +
            " ms, " + latency_of(*run) + ")",
        judged(ratio.point, f.value, f, "ratio",
               "the model's time here is a scripted profile, identical for both sides, so the ratio holds only the "
               "framework's own work per call; the source's runs against a hosted model include its variance and any "
               "extra calls or tokens the framework provoked"));
  }

  // Absolute latencies are shown, and their differences (tool − LLM-only) compared as a ratio
  // between the frameworks once all four figures have been read.
  void autoagents(const PublishedFigure& f) {
    const auto* run = runs_.calls;
    const auto system = system_of(f.id);
    const bool tool = f.id.find("-tool-mode-") != std::string::npos;
    const auto mine = values(run, tool ? "single-tool" : "llm-only", system, wall_ms);
    add(f, f.unit, mine.empty() ? "—" : sig3(stats::median(mine)) + " ms median (" + (tool ? "single-tool" : "llm-only") + ", " + latency_of(*run) + ")",
        "not comparable as an absolute: gpt-4o-mini's latency under 10 concurrent requests; compared through the "
        "difference of the two modes between frameworks (below)");
    const auto* ct = find_figure(figures_, "autoagents-crewai-tool-mode-ms");
    const auto* cl = find_figure(figures_, "autoagents-crewai-llm-only-ms");
    const auto* lt = find_figure(figures_, "autoagents-langgraph-tool-mode-ms");
    const auto* ll = find_figure(figures_, "autoagents-langgraph-llm-only-ms");
    if (!ct || !cl || !lt || !ll) return;
    const auto* last = &*std::find_if(figures_.rbegin(), figures_.rend(), [](const auto& g) { return g.id.starts_with("autoagents-"); });
    if (last != &f) return;
    const std::string id = "(" + ct->id + " − " + cl->id + ") ÷ (" + lt->id + " − " + ll->id + ")";
    const double published = (ct->value - cl->value) / (lt->value - ll->value);
    const std::string quantity = "CrewAI's framework overhead ÷ LangGraph's, each its tool mode minus its LLM-only mode";
    auto tolerance = *ct;
    tolerance.tolerance = std::max({ct->tolerance, cl->tolerance, lt->tolerance, ll->tolerance});
    if (!run || run->context.latency_profile == "zero")
      return add_derived(id, *ct, sig3(published) + "×", quantity, "—", "not measured: needs single-tool and llm-only under a latency profile");
    const auto c_tool = values(run, "single-tool", "crewai", wall_ms), c_llm = values(run, "llm-only", "crewai", wall_ms);
    const auto l_tool = values(run, "single-tool", "langchain", wall_ms), l_llm = values(run, "llm-only", "langchain", wall_ms);
    if (c_tool.empty() || c_llm.empty() || l_tool.empty() || l_llm.empty())
      return add_derived(id, *ct, sig3(published) + "×", quantity, "—", "not comparable: crewai or langchain lacks a completed run of a mode");
    const auto c = stats::hodges_lehmann(c_tool, c_llm, run->options.level), l = stats::hodges_lehmann(l_tool, l_llm, run->options.level);
    if (!(l.point > 0)) return add_derived(id, *ct, sig3(published) + "×", quantity, "—", "not comparable: LangGraph's tool mode is not slower than its LLM-only mode here");
    // Interval arithmetic on the two shifts' intervals: conservative.
    const bool positive = c.lower > 0 && l.lower > 0;
    const std::string measured = sig3(c.point / l.point) + "×" +
                                 (positive ? " [" + sig3(c.lower / l.upper) + ", " + sig3(c.upper / l.lower) + "]" : std::string()) +
                                 " (crewai " + sig3(c.point) + " ms ÷ langchain " + sig3(l.point) + " ms, " + latency_of(*run) + ")";
    add_derived(id, *ct, sig3(published) + "×", quantity, measured,
                judged(c.point / l.point, published, tolerance, "ratio",
                       "here both modes make the same scripted calls in every framework (two with the tool, one without), "
                       "so the difference is one model call and a tool round trip; the source's tool mode runs a ReAct "
                       "agent over a parquet file with gpt-4o-mini, as many calls as the model chose"));
  }

  // Counts of a model-driven task are not compared as totals; the pair's growth per extra tool is.
  void tool_tokens(const PublishedFigure& f) {
    const auto system = system_of(f.id);
    const auto tools = f.id.ends_with("-20-tools") ? 20 : 0;
    const auto at = values_at(runs_.tool_sweep, "tool-overhead", "extra_tools", tools, system,
                           [](const RunRecord& r) { return static_cast<double>(r.prompt_tokens); });
    add(f, f.unit, at.empty() ? "—" : sig3(stats::median(at)) + " prompt tokens per task (tool-overhead, " + std::to_string(tools) + " extra tools)",
        "not comparable as a total: it sums every call of a model-driven LeetCode task; compared through its growth per tool (below)");
    if (tools != 20) return;
    const auto* zero = find_figure(figures_, std::string(f.id).replace(f.id.size() - 8, 8, "0-tools"));
    if (!zero) return;
    const double published = (f.value - zero->value) / 20;
    slope_row(f.id + " − " + zero->id + ", per tool", f, published, "prompt tokens per tool", runs_.tool_sweep, "tool-overhead", system, "prompt tokens",
              "prompt tokens per extra tool schema offered, per task (published: (20 tools − none) ÷ 20)",
              "the source's total covers every model call of a LeetCode task with its own 20 solving tools, as many calls "
              "as the model chose; here each task makes two calls, each carrying every schema, so the growth is the "
              "schema's tokens times two");
  }

  void mixture_tokens(const PublishedFigure& f) {
    const auto system = system_of(f.id);
    const bool fifteen = f.id.ends_with("-15-workers");
    const auto workers = fifteen ? 15 : 3;
    const auto at = values_at(runs_.mixture_sweep, "mixture-of-agents", "proposers", workers, system,
                           [](const RunRecord& r) { return static_cast<double>(r.prompt_tokens + r.completion_tokens); });
    add(f, f.unit, at.empty() ? "—" : sig3(stats::median(at)) + " tokens per task (mixture-of-agents, " + std::to_string(workers) + " proposers)",
        "not comparable as a total: a real model's answers to AlpacaEval set its size; compared through its growth per worker (below)");
    if (!fifteen) return;
    const auto* three = find_figure(figures_, std::string(f.id).replace(f.id.size() - 10, 10, "3-workers"));
    if (!three) return;
    const double published = (f.value - three->value) / 12;
    slope_row(f.id + " − " + three->id + ", per worker", f, published, "tokens per worker", runs_.mixture_sweep, "mixture-of-agents", system, "total tokens",
              "total tokens (prompt and completion) per added worker, per task (published: (15 workers − 3) ÷ 12)",
              "a real model answers AlpacaEval in hundreds of tokens per worker and the aggregator reads every answer; "
              "the scripted answers here are one sentence, so the growth is each framework's framing of a proposal and "
              "of the aggregator's prompt");
  }

  void slope_row(const std::string& id, const PublishedFigure& f, double published, const std::string& per, const RunResults* run,
                 const std::string& scenario,
                 const std::string& system, const std::string& metric, const std::string& quantity, const std::string& reason) {
    const auto* trend = run ? find_trend(run->sweeps, scenario, system, metric) : nullptr;
    if (!trend || !trend->fit)
      return add_derived(id, f, sig3(published) + " " + per, quantity, "—",
                         "not measured: needs the " + scenario + " sweep with " + system + " (two values or more)");
    const auto& fit = *trend->fit;
    add_derived(id, f, sig3(published) + " " + per, quantity,
                sig3(fit.slope) + " [" + sig3(fit.low) + ", " + sig3(fit.high) + "] " + per + " (Theil–Sen over " + std::to_string(trend->records) +
                    " records, " + trend->param + " " + parameter_text(trend->medians.front().first) + "–" + parameter_text(trend->medians.back().first) + ")",
                judged(fit.slope, published, f, "slope", reason));
  }

  // Bytes on the wire to the model beyond the direct call's, per request.
  void envelope_bytes(const PublishedFigure& f) {
    const auto* run = runs_.mixture_sweep;
    const auto system = system_of(f.id);
    std::string cell;
    if (run)
      for (const auto& r : run->records)
        if (r.scenario == "mixture-of-agents" && !r.swept.empty()) {
          cell = r.cell();
          break;
        }
    const auto mine = values(run, cell, system, bytes_per_call), direct = values(run, cell, "direct", bytes_per_call);
    const std::string quantity = "here: bytes per model request beyond the direct call's; AgentRace: bytes AutoGen's runtime adds around one agent-to-agent message";
    const std::string why =
        "not comparable: AgentRace counts the envelope of a message between agents inside the framework's runtime; "
        "here no agent-to-agent message crosses a wire (AgentChat passes Python objects), and the nearest measurable "
        "quantity, a model request's bytes beyond the direct call's, also holds the framework's prompt framing";
    if (mine.empty() || direct.empty()) return add(f, quantity, "—", why);
    const auto shift = stats::hodges_lehmann(mine, direct, run->options.level);
    add(f, quantity, with_interval(shift, " bytes per request") + " (" + cell + ", " + system + " − direct)", why);
  }

  const std::vector<PublishedFigure>& figures_;
  const ReproductionRuns& runs_;
  std::vector<PublishedVerdict> rows_;
};

std::string kind_of(const std::string& verdict) {
  for (const char* kind : {"reproduced", "differs", "not comparable", "not measured", "target met", "target missed"})
    if (verdict.starts_with(kind)) return kind;
  return "other";
}

}  // namespace

// Start-up has no published figure with a stated setup, so it is measured and shown without a
// verdict: every run of the suite starts each system's worker afresh (a new interpreter that
// imports its framework), one sample per run.
StartupTable startup_table(const std::vector<const RunResults*>& runs) {
  StartupTable table{runs.size(), {}};
  std::vector<std::string> systems;
  for (const auto* r : runs)
    for (const auto& [system, ns] : r->context.cold_start_ns)
      if (std::find(systems.begin(), systems.end(), system) == systems.end()) systems.push_back(system);
  for (const auto& system : systems) {
    std::vector<double> cold, import;
    for (const auto* r : runs) {
      if (auto c = r->context.cold_start_ns.find(system); c != r->context.cold_start_ns.end() && c->second > 0) cold.push_back(static_cast<double>(c->second) / 1e6);
      if (auto parts = r->context.cold_start_parts.find(system); parts != r->context.cold_start_parts.end())
        if (auto i = parts->second.find("import"); i != parts->second.end()) import.push_back(static_cast<double>(i->second) / 1e6);
    }
    if (cold.empty()) continue;
    table.rows.push_back({system, stats::median(cold), *std::min_element(cold.begin(), cold.end()),
                          *std::max_element(cold.begin(), cold.end()),
                          import.empty() ? std::nullopt : std::optional<double>(stats::median(import)), cold.size()});
  }
  return table;
}

void write_startup_table(std::ostream& md, const StartupTable& table) {
  md << "\n## Start-up of each system (no published figure)\n\nFrom forking a worker to its system being ready for "
        "the first task (a fresh interpreter importing its framework), one sample per run of the suite ("
     << table.runs << " runs): median and range, and the import's share where the system reports it.\n\n"
        "| system | cold start, ms: median [min, max] | import, ms: median | samples |\n|---|---:|---:|---:|\n";
  for (const auto& row : table.rows)
    md << "| " << markdown_escape(row.system) << " | " << sig3(row.median_ms) << " [" << sig3(row.min_ms) << ", " << sig3(row.max_ms)
       << "] | " << (row.import_median_ms ? sig3(*row.import_median_ms) : std::string("—")) << " | " << row.samples << " |\n";
}

PublishedComparison reproduce_published(const std::vector<PublishedFigure>& figures, const ReproductionRuns& runs) {
  return Reproduction(figures, runs).run();
}

namespace {
// An address as a Markdown autolink, which holds no escapes: one that could not be one (a space, a
// control character, < > a backtick or a byte beyond ASCII in it) is written as escaped text instead.
std::string markdown_autolink(const std::string& address) {
  const bool plain = !address.empty() && std::none_of(address.begin(), address.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= 0x20 || b >= 0x7F || c == '<' || c == '>' || c == '`';
  });
  return plain ? "<" + address + ">" : markdown_escape(address);
}
}  // namespace

void write_published_comparison(std::ostream& out, const PublishedComparison& c, const std::vector<PublishedFigure>& figures) {
  out << "# " << markdown_escape(c.title) << "\n\n" << markdown_escape(c.method) << "\n\nReproduce:\n\n" << markdown_code_block(c.command) << "\n";
  std::map<std::string, int> kinds;
  for (const auto& v : c.verdicts) ++kinds[kind_of(v.verdict)];
  out << "Verdicts:";
  bool first = true;
  for (const auto& [kind, n] : kinds) out << (first ? " " : ", ") << n << " " << kind, first = false;
  out << " (" << c.verdicts.size() << " rows).\n\n"
      << "| figure | source | comparable quantity | published | measured here [95% CI] | verdict |\n|---|---|---|---:|---:|---|\n";
  for (const auto& v : c.verdicts)
    out << "| " << markdown_escape(v.id) << " | " << markdown_escape(v.source) << " | " << detail::markdown(detail::with_code(v.quantity)) << " | "
        << detail::markdown(detail::with_code(v.published)) << " | " << detail::markdown(detail::with_code(v.measured)) << " | "
        << detail::markdown(detail::with_code(v.verdict)) << " |\n";
  out << "\n## References\n\n";
  std::vector<std::string> seen;
  int n = 0;
  for (const auto& f : figures) {
    const auto key = f.source.title + "\n" + f.source.address;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    out << ++n << ". " << markdown_escape(f.source.authors) << ". *" << markdown_escape(f.source.title) << "*. " << markdown_autolink(f.source.address)
        << " (read " << markdown_escape(f.source.accessed) << "; " << markdown_escape(f.file.filename().string()) << ").\n";
  }
}

const Document<PublishedReport>& published_comparison_document() {
  static const Document<PublishedReport> document{
      "published-comparison",
      "every published figure beside this machine's measurement, with a verdict (legion-bench --suite published)",
      {{"markdown", "md", "PUBLISHED_COMPARISON.md", "the verdicts, their count by kind, the references and each system's start-up",
        [](std::ostream& out, const PublishedReport& r) {
          write_published_comparison(out, r.comparison, r.figures);
          if (r.startup.runs > 0) write_startup_table(out, r.startup);
        }},
       {"json", "json", "published_comparison.json", "the verdicts, as a combined report reads them",
        [](std::ostream& out, const PublishedReport& r) { out << to_json(r.comparison).dump(2) << "\n"; }}},
      {}};
  return document;
}

}  // namespace legion::report
