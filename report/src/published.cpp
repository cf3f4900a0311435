#include "legion/report/published.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "format.hpp"
#include "legion/datasets/published.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {

std::string tolerance_verdict(double factor, double tolerance, const std::string& what) {
  const auto tolerance_text = "±" + detail::sig3(tolerance * 100) + "%";
  return std::abs(factor - 1) <= tolerance
             ? "reproduced: " + detail::sig3(factor) + "× the published " + what + ", within " + tolerance_text
             : "differs: " + detail::sig3(factor) + "× the published " + what + " (tolerance " + tolerance_text + ")";
}

nlohmann::json to_json(const PublishedComparison& c) {
  auto verdicts = nlohmann::json::array();
  for (const auto& v : c.verdicts)
    verdicts.push_back({{"id", v.id}, {"source", v.source}, {"published", v.published}, {"measured", v.measured}, {"verdict", v.verdict},
                        {"quantity", v.quantity}});
  return {{"title", c.title}, {"method", c.method}, {"command", c.command}, {"verdicts", verdicts}};
}

PublishedComparison published_comparison_from_json(const nlohmann::json& j) {
  auto text = [](const nlohmann::json& o, const char* key, const std::string& where) {
    if (!o.is_object() || !o.contains(key) || !o.at(key).is_string())
      throw std::invalid_argument(where + ": '" + key + "' is missing or not a string");
    return o.at(key).get<std::string>();
  };
  PublishedComparison c;
  c.title = text(j, "title", "comparison");
  c.method = text(j, "method", "comparison");
  c.command = text(j, "command", "comparison");
  if (!j.contains("verdicts") || !j.at("verdicts").is_array()) throw std::invalid_argument("comparison: 'verdicts' is missing or not a list");
  for (std::size_t i = 0; i < j.at("verdicts").size(); ++i) {
    const auto& v = j.at("verdicts")[i];
    const auto where = "comparison: verdicts[" + std::to_string(i) + "]";
    c.verdicts.push_back({text(v, "id", where), text(v, "source", where), text(v, "published", where), text(v, "measured", where),
                          text(v, "verdict", where), v.contains("quantity") ? text(v, "quantity", where) : std::string()});
  }
  return c;
}

namespace {

// Which published figures a run measures, and how: a ratio of one system's median to another's on
// one scenario. The figure's `measures` text in datasets/published/ says the same in words.
struct RunMeasure {
  const char* id;
  const char* scenario;
  const char* system, *versus;
  double (*median)(const CellSummary&);  // what is compared
  const char* what;
  bool needs_latency;           // only under a latency profile other than zero
};
constexpr RunMeasure kRunMeasures[] = {
    {"aimultiple-crewai-langchain-token-ratio", "single-tool", "crewai", "langchain",
     [](const CellSummary& c) { return c.prompt_tokens; }, "prompt tokens per task", false},
    {"aimultiple-crewai-langchain-latency-ratio", "single-tool", "crewai", "langchain",
     [](const CellSummary& c) { return c.wall_ms.median; }, "ms wall time per task", true},
};

const CellSummary* find(const RunResults& r, const std::string& scenario, const std::string& system) {
  for (const auto& c : r.summaries)
    if (c.scenario == scenario && c.system == system && !c.unsupported && c.runs > c.errors) return &c;
  return nullptr;
}


PublishedComparison measured_comparison() {
  PublishedComparison out;
  out.title = "Published figures these runs measure";
  out.method = "A published ratio between two frameworks set beside the same ratio of medians in a run here that has "
               "both systems on the figure's scenario (and, for latency, a latency profile other than zero); the "
               "verdict uses the figure's own tolerance.";
  return out;
}

}  // namespace

PublishedComparison published_measured_by(const RunResults& run) {
  auto out = measured_comparison();
  // The published ratios compare frameworks' own time with a model held fixed; a real model's time
  // and its mistakes are in a real-model run's figures, so it measures none of them.
  if (run.context.real_model) return out;
  std::vector<datasets::PublishedFigure> figures;
  try {
    figures = datasets::load_published();
  } catch (const std::exception&) {
    return out;  // no datasets here: nothing to compare with
  }
  for (const auto& m : kRunMeasures) {
    const auto figure = std::find_if(figures.begin(), figures.end(), [&](const auto& f) { return f.id == m.id; });
    if (figure == figures.end()) continue;
    if (m.needs_latency && run.context.latency_profile == "zero") continue;
    const auto *a = find(run, m.scenario, m.system), *b = find(run, m.scenario, m.versus);
    if (!a || !b || m.median(*b) <= 0) continue;
    const double ratio = m.median(*a) / m.median(*b), factor = ratio / figure->value;
    out.verdicts.push_back(
        {figure->id, figure->source.title + ", " + figure->source.where, detail::sig3(figure->value) + " " + figure->unit,
         detail::sig3(ratio) + "× (" + m.system + " " + detail::sig3(m.median(*a)) + " ÷ " + m.versus + " " +
             detail::sig3(m.median(*b)) + " " + m.what + ", run " + run.context.run_id + ")",
         tolerance_verdict(factor, figure->tolerance, "ratio")});
    out.command = run.context.command;
  }
  return out;
}

PublishedComparison compare_runs_with_published(const std::vector<const RunResults*>& runs) {
  auto out = measured_comparison();
  // In the order of the figures, each from the first run that measures it.
  for (const auto& m : kRunMeasures)
    for (const auto* run : runs) {
      const auto& verdicts = run->published.verdicts;
      const auto v = std::find_if(verdicts.begin(), verdicts.end(), [&](const auto& x) { return x.id == m.id; });
      if (v == verdicts.end()) continue;
      out.verdicts.push_back(*v);
      if (out.command.find(run->context.command) == std::string::npos)
        out.command += (out.command.empty() ? "" : "\n") + run->context.command;
      break;
    }
  return out;
}

}  // namespace legion::report
