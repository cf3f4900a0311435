#include "legion/datasets/suites.hpp"

#include "yaml_file.hpp"

namespace legion::datasets {

std::vector<Suite> load_suites() {
  YamlFile f(datasets_dir() / "suites.yaml", "suites file");
  if (!f.root().IsMap()) f.fail(f.root(), "the suites file must map suite names to {description, scenarios}");
  std::vector<Suite> suites;
  for (const auto& kv : f.root()) {
    Suite s;
    s.name = f.text(kv.first, "a suite name");
    f.only_keys(kv.second, {"description", "scenarios"}, "suite '" + s.name + "'");
    if (auto d = kv.second["description"]) s.description = f.text(d, "a description");
    const auto list = f.require(kv.second, "scenarios", "suite '" + s.name + "'");
    if (!list.IsSequence() || list.size() == 0) f.fail(list, "suite '" + s.name + "' needs a list of scenario names");
    for (const auto& n : list) s.scenarios.push_back(f.text(n, "a scenario name"));
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
