#pragma once
// Feature-matrix evidence (datasets/features.yaml): capabilities by category, and for each system of
// datasets/systems.yaml a claimed status with its evidence — a probe scenario, or a citation of the
// system's own documentation, for a framework with the APIs it names (checked to exist in the
// installed package by tools/probe_feature_apis.py).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace legion::datasets {

struct FeatureClaim {
  std::string status;    // supported | partial | not supported (as claimed in the file)
  std::string scenario;  // probe evidence
  std::string doc;       // citation evidence
  std::vector<std::string> apis;  // "module:attribute.path" the citation relies on, in the framework's environment
};

struct FeatureRow {
  std::string category, capability;
  std::map<std::string, FeatureClaim> claims;  // by system
};

struct FeatureMatrix {
  std::vector<std::string> systems;  // the columns: every system of datasets/systems.yaml, in its order
  std::vector<FeatureRow> rows;
};

// datasets/features.yaml by default; DatasetError (file:line:column) on a bad file.
FeatureMatrix load_feature_matrix(const std::filesystem::path& file);
std::filesystem::path default_feature_matrix_file();

}  // namespace legion::datasets
