#include "legion/datasets/systems.hpp"

#include <set>

#include "yaml_file.hpp"

namespace legion::datasets {

std::vector<SystemEntry> load_systems() {
  YamlFile f(datasets_dir() / "systems.yaml", "systems file");
  if (!f.root().IsMap() || f.root().size() == 0) f.fail(f.root(), "the systems file must map system names to their entries");
  std::vector<SystemEntry> systems;
  std::set<std::string> names;
  for (const auto& kv : f.root()) {
    SystemEntry s;
    s.name = f.text(kv.first, "a system name");
    if (s.name.empty() || s.name.find_first_of("@,= ") != std::string::npos)
      f.fail(kv.first, "system name '" + s.name + "' must be non-empty without '@', ',', '=' or spaces");
    if (!names.insert(s.name).second) f.fail(kv.first, "system '" + s.name + "' is listed twice");
    const auto context = "system '" + s.name + "'";
    f.only_keys(kv.second, {"description", "environment", "dialect", "status"}, context);
    s.description = f.text(f.require(kv.second, "description", context), "a description");
    s.dialect = f.text(f.require(kv.second, "dialect", context), "a dialect name");
    if (auto env = kv.second["environment"]) s.environment = f.text(env, "an environment name");
    if (auto status = kv.second["status"]) s.status = f.text(status, "a status with its date and source");
    systems.push_back(std::move(s));
  }
  return systems;
}

}  // namespace legion::datasets
