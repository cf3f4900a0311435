#include "legion/datasets/features.hpp"

#include <algorithm>

#include "legion/datasets/systems.hpp"
#include "yaml_file.hpp"

namespace legion::datasets {

std::filesystem::path default_feature_matrix_file() { return datasets_dir() / "features.yaml"; }

FeatureMatrix load_feature_matrix(const std::filesystem::path& file) {
  YamlFile f(file, "feature matrix file");
  f.only_keys(f.root(), {"categories"}, "the feature matrix (its columns are the systems of datasets/systems.yaml)");
  FeatureMatrix m;
  std::string known;
  for (const auto& s : load_systems()) {
    m.systems.push_back(s.name);
    known += (known.empty() ? "" : ", ") + s.name;
  }
  const auto categories = f.require(f.root(), "categories", "the feature matrix");
  if (!categories.IsSequence()) f.fail(categories, "'categories' must be a list");
  for (const auto& category : categories) {
    f.only_keys(category, {"name", "capabilities"}, "a category");
    const auto name = f.text(f.require(category, "name", "a category"), "a category name");
    for (const auto& cap : f.require(category, "capabilities", "category '" + name + "'")) {
      FeatureRow row{name, f.text(f.require(cap, "name", "a capability"), "a capability name"), {}};
      for (const auto& kv : cap) {
        const auto key = f.text(kv.first, "a system name");
        if (key == "name") continue;
        if (std::find(m.systems.begin(), m.systems.end(), key) == m.systems.end())
          f.fail(kv.first, "unknown system '" + key + "' (datasets/systems.yaml lists: " + known + ")");
        f.only_keys(kv.second, {"status", "scenario", "doc", "api"}, "the cell of '" + key + "'");
        FeatureClaim claim;
        claim.status = kv.second["status"] ? f.text(kv.second["status"], "a status") : "";
        claim.scenario = kv.second["scenario"] ? f.text(kv.second["scenario"], "a scenario name") : "";
        claim.doc = kv.second["doc"] ? f.text(kv.second["doc"], "a citation") : "";
        if (claim.status != "supported" && claim.status != "partial" && claim.status != "not supported")
          f.fail(kv.second, "status must be supported, partial or not supported");
        if (claim.scenario.empty() && claim.doc.empty())
          f.fail(kv.second, "a cell needs evidence: a probe 'scenario', a 'doc' citation, or both");
        if (const auto apis = kv.second["api"]) {
          if (claim.doc.empty()) f.fail(apis, "'api' names what a 'doc' citation relies on: give the citation too");
          if (!apis.IsSequence() || apis.size() == 0) f.fail(apis, "'api' must be a list of module:attribute");
          for (const auto& api : apis) {
            auto name = f.text(api, "an API name");
            if (name.find(':') == std::string::npos || name.front() == ':' || name.back() == ':')
              f.fail(api, "an API is written module:attribute (e.g. langgraph.types:interrupt), got '" + name + "'");
            claim.apis.push_back(std::move(name));
          }
        }
        row.claims[key] = claim;
      }
      m.rows.push_back(std::move(row));
    }
  }
  return m;
}

}  // namespace legion::datasets
