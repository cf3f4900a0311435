#pragma once
// The feature matrix: capabilities by system, each cell backed by evidence from this run (a
// scenario that passed) or a citation kept in datasets/features.yaml.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "legion/report/reporters.hpp"

namespace legion::report {

struct FeatureClaim {
  std::string status;    // supported | partial | not supported (as claimed in the file)
  std::string scenario;  // probe evidence
  std::string doc;       // citation evidence
};

struct FeatureRow {
  std::string category, capability;
  std::map<std::string, FeatureClaim> claims;  // by system
};

struct FeatureMatrix {
  std::vector<std::string> systems;
  std::vector<FeatureRow> rows;
};

// datasets/features.yaml by default; errors name file:line.
FeatureMatrix load_feature_matrix(const std::filesystem::path& file);
std::filesystem::path default_feature_matrix_file();

// What a cell shows once the run's evidence is applied.
struct FeatureCell {
  std::string status;    // supported | partial | not supported | not measured in this run | not assessed
  std::string evidence;  // human-readable
};
FeatureCell resolve(const FeatureClaim& claim, const std::string& system, const RunResults& run);

void write_feature_matrix_markdown(std::ostream& out, const FeatureMatrix& matrix, const RunResults& run);

}  // namespace legion::report
