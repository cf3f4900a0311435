#include "legion/datasets/suites.hpp"

#include <algorithm>

#include "yaml_file.hpp"

namespace legion::datasets {
namespace {

std::string where(const YamlFile& f, const YAML::Node& node) {
  const auto mark = node.Mark();
  return f.file().string() + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// The scenario a part names: one of the suite's own, so that a part never runs what the suite
// does not list.
std::string part_scenario(const YamlFile& f, const YAML::Node& part, const Suite& s, const std::string& context) {
  const auto node = f.require(part, "scenario", context);
  auto name = f.text(node, "a scenario name");
  if (std::find(s.scenarios.begin(), s.scenarios.end(), name) == s.scenarios.end())
    f.fail(node, context + ": scenario '" + name + "' is not one of the suite's scenarios");
  return name;
}

void read_parts(const YamlFile& f, const YAML::Node& suite, Suite& s) {
  if (auto sweeps = suite["sweeps"]) {
    if (!sweeps.IsSequence()) f.fail(sweeps, "suite '" + s.name + "': sweeps must be a list of {scenario, sweep}");
    for (const auto& part : sweeps) {
      const auto context = "a sweep of suite '" + s.name + "'";
      f.only_keys(part, {"scenario", "sweep"}, context);
      SuiteSweep sweep{part_scenario(f, part, s, context), {}, where(f, part)};
      const auto text = f.require(part, "sweep", context);
      try {
        sweep.sweep = parse_sweep_text(f.text(text, "a sweep (NAME=A..B[:STEP] or NAME=a,b,c)"));
      } catch (const std::invalid_argument& e) {
        f.fail(text, "sweep '" + text.as<std::string>() + "': " + e.what());
      }
      s.sweeps.push_back(std::move(sweep));
    }
  }
  if (auto levels = suite["concurrency"]) {
    if (!levels.IsSequence()) f.fail(levels, "suite '" + s.name + "': concurrency must be a list of {scenario, levels}");
    for (const auto& part : levels) {
      const auto context = "a concurrency part of suite '" + s.name + "'";
      f.only_keys(part, {"scenario", "levels"}, context);
      SuiteConcurrency c{part_scenario(f, part, s, context), {}, where(f, part)};
      const auto list = f.require(part, "levels", context);
      if (!list.IsSequence() || list.size() == 0) f.fail(list, context + ": levels must be a list of task counts, e.g. [1, 8, 32]");
      for (const auto& level : list) {
        int n = 0;
        if (!level.IsScalar() || !YAML::convert<int>::decode(level, n) || n < 1 || n > kMaxSuiteConcurrency)
          f.fail(level, context + ": a level must be a whole number from 1 to " + std::to_string(kMaxSuiteConcurrency) + ", got '" +
                            (level.IsScalar() ? level.as<std::string>() : std::string("a list or map")) + "'");
        if (!c.levels.empty() && n <= c.levels.back()) f.fail(level, context + ": levels must rise, got " + std::to_string(n) + " after " + std::to_string(c.levels.back()));
        c.levels.push_back(n);
      }
      s.concurrency.push_back(std::move(c));
    }
  }
}

}  // namespace

std::vector<Suite> load_suites() { return load_suites(datasets_dir() / "suites.yaml"); }

std::vector<Suite> load_suites(const std::filesystem::path& file) {
  YamlFile f(file, "suites file");
  if (!f.root().IsMap()) f.fail(f.root(), "the suites file must map suite names to {description, scenarios}");
  std::vector<Suite> suites;
  for (const auto& kv : f.root()) {
    Suite s;
    s.name = f.text(kv.first, "a suite name");
    f.only_keys(kv.second, {"description", "scenarios", "sweeps", "concurrency"}, "suite '" + s.name + "'");
    if (auto d = kv.second["description"]) s.description = f.text(d, "a description");
    const auto list = f.require(kv.second, "scenarios", "suite '" + s.name + "'");
    if (!list.IsSequence() || list.size() == 0) f.fail(list, "suite '" + s.name + "' needs a list of scenario names");
    for (const auto& n : list) s.scenarios.push_back(f.text(n, "a scenario name"));
    read_parts(f, kv.second, s);
    suites.push_back(std::move(s));
  }
  return suites;
}

const Suite& find_suite(const std::vector<Suite>& suites, const std::string& name) {
  for (const auto& s : suites)
    if (s.name == name) return s;
  std::string known;
  for (const auto& s : suites) known += (known.empty() ? "" : ", ") + s.name;
  throw std::invalid_argument("unknown suite '" + name + "' (known: " + known + ")");
}

}  // namespace legion::datasets
