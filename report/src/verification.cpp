// publish --verify (publication.hpp): a fresh quick publication against a stored one, figure by figure.
#include <algorithm>
#include <map>
#include <set>

#include "blocks.hpp"
#include "format.hpp"
#include "legion/report/calibration.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/publication.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

using nlohmann::json;
using detail::fixed;

std::string run_name(const RunResults& run) {
  return run.context.suite + "/" + run.context.latency_profile + (run.context.real_model ? "/real-model" : "");
}

std::string ms(double v) { return detail::sig3(v) + " ms"; }

// A verdict's class, not its figure: "reproduced: 1.02× …" → "reproduced", "not comparable across
// machines (absolute-time); 1.25× …" → "not comparable across machines".
std::string verdict_class(const std::string& verdict) {
  auto end = verdict.find_first_of(":;(");
  auto out = verdict.substr(0, end);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::size_t Verification::outside() const {
  return static_cast<std::size_t>(std::count_if(figures.begin(), figures.end(), [](const auto& f) { return f.outside; }));
}

json publication_baseline(const Publication& p) {
  json cells = json::array(), verdicts = json::array();
  for (const auto& run : p.runs) {
    std::vector<std::pair<std::string, std::string>> order;  // (cell, system) as the records first name them
    std::map<std::pair<std::string, std::string>, std::vector<const RunRecord*>> records;
    for (const auto& r : run.records) {
      if (r.warmup || r.unsupported) continue;
      const auto key = std::pair{r.cell(), r.system};
      if (!records.count(key)) order.push_back(key);
      records[key].push_back(&r);
    }
    for (const auto& key : order) {
      const auto& rs = records[key];
      std::vector<double> tokens;
      std::int64_t correct = 0;
      for (const auto* r : rs) {
        correct += r->correct;
        tokens.push_back(static_cast<double>(r->prompt_tokens + r->completion_tokens));
      }
      const auto wall = metric_values(run, key.first, key.second, "wall");
      json cell = {{"run", run_name(run)}, {"cell", key.first}, {"system", key.second}, {"tasks", rs.size()}, {"correct", correct},
                   {"tokens_median", stats::median(tokens)}, {"real_model", run.context.real_model.has_value()}};
      if (!wall.empty()) cell["wall_ms_median"] = stats::median(wall), cell["wall_n"] = wall.size();
      cells.push_back(cell);
    }
  }
  if (p.stress)
    for (const auto& run : p.stress->runs)
      for (const auto& c : run.criteria)
        verdicts.push_back({{"figure", "stress " + run.config.value("suite", std::string("?")) + ": " + c.criterion}, {"verdict", c.status}});
  for (const auto& comparison : p.published)
    for (const auto& v : comparison.verdicts)
      verdicts.push_back({{"figure", comparison.title + ": " + v.id}, {"verdict", verdict_class(v.verdict)}});
  return {{"command", p.command}, {"started_at", p.started_at}, {"quick", p.quick}, {"cells", cells}, {"verdicts", verdicts}};
}

Verification verify_publication(const json& baseline, const json& now,
                                const std::function<double(const std::string&, const std::string&, const std::string&)>& drift) {
  Verification v;
  auto key = [](const json& c) { return c.at("run").get<std::string>() + " · " + c.at("cell").get<std::string>() + " · " + c.at("system").get<std::string>(); };
  std::map<std::string, const json*> fresh;
  for (const auto& c : now.at("cells")) fresh[key(c)] = &c;
  std::set<std::string> seen;
  for (const auto& old : baseline.at("cells")) {
    const auto name = key(old);
    seen.insert(name);
    const auto it = fresh.find(name);
    if (it == fresh.end()) {
      v.not_compared.push_back(name + ": not in this publication");
      continue;
    }
    const auto& c = *it->second;
    if (old.contains("wall_ms_median") && c.contains("wall_ms_median")) {
      const double a = old["wall_ms_median"], b = c["wall_ms_median"], f = drift(old["run"], old["cell"], old["system"]);
      const double ratio = a > 0 ? b / a : 0;
      v.figures.push_back({name + ": median wall time", ms(a) + " (n = " + std::to_string(old.value("wall_n", 0)) + ")",
                           ms(b) + " (n = " + std::to_string(c.value("wall_n", 0)) + "), " + fixed(ratio, 2) + "×", "±" + fixed(100 * f, 0) + "%",
                           !(ratio <= 1 + f && ratio >= 1 / (1 + f))});
    }
    const auto share = [](const json& x) { return std::to_string(x["correct"].get<std::int64_t>()) + "/" + std::to_string(x["tasks"].get<std::int64_t>()); };
    const auto rate = [](const json& x) { return x["correct"].get<double>() / std::max(1.0, x["tasks"].get<double>()); };
    v.figures.push_back({name + ": correct answers", share(old), share(c), "equal share", rate(old) != rate(c)});
    // A real model's answers and tokens vary by design; the scripted model's do not.
    if (!old.value("real_model", false))
      v.figures.push_back({name + ": median tokens", fixed(old["tokens_median"], 0), fixed(c["tokens_median"], 0), "equal",
                           old["tokens_median"].get<double>() != c["tokens_median"].get<double>()});
  }
  for (const auto& [name, c] : fresh)
    if (!seen.count(name)) v.not_compared.push_back(name + ": not in the baseline");
  std::map<std::string, std::string> verdicts;
  for (const auto& x : now.at("verdicts")) verdicts[x.at("figure")] = verdict_class(x.at("verdict"));
  for (auto old : baseline.at("verdicts")) {
    const std::string figure = old.at("figure");
    old["verdict"] = verdict_class(old.at("verdict"));
    const auto it = verdicts.find(figure);
    if (it == verdicts.end()) v.not_compared.push_back(figure + ": not in this publication");
    // A figure one side did not measure (its systems not run) is not compared.
    else if (old.at("verdict") == "not measured" || it->second == "not measured")
      v.not_compared.push_back(figure + ": not measured in " + (it->second == "not measured" ? "this publication" : "the baseline"));
    else v.figures.push_back({figure, old.at("verdict"), it->second, "equal", old.at("verdict") != it->second});
  }
  return v;
}

void write_verification_markdown(std::ostream& out, const Verification& v) {
  out << "# Verification against the stored quick publication\n\n"
      << "Baseline: " << detail::markdown(detail::with_code(v.baseline_source)) << ". A median wall time may move by this machine's run-to-run drift ("
      << detail::markdown(detail::with_code(v.drift_source)) << "); correct answers, tokens under the scripted model and every verdict must be equal.\n\n"
      << "**" << v.outside() << " of " << v.figures.size() << " figures outside**"
      << (v.not_compared.empty() ? "" : "; " + std::to_string(v.not_compared.size()) + " on one side only (listed below)") << ".\n\n"
      << "| figure | baseline | now | tolerance | |\n|---|---|---|---|---|\n";
  for (const bool outside : {true, false})
    for (const auto& f : v.figures)
      if (f.outside == outside)
        out << "| " << markdown_escape(f.figure) << " | " << markdown_escape(f.baseline) << " | " << markdown_escape(f.now) << " | " << f.tolerance
            << " | " << (f.outside ? "**outside**" : "within") << " |\n";
  if (!v.not_compared.empty()) {
    out << "\nNot compared:\n\n";
    for (const auto& n : v.not_compared) out << "- " << markdown_escape(n) << "\n";
  }
}

}  // namespace legion::report
