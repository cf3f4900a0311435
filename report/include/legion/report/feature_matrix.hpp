#pragma once
// The feature matrix: capabilities by system, each cell backed by evidence from this run (a
// scenario that passed) or a citation kept in datasets/features.yaml (loaded by the datasets layer).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "legion/datasets/features.hpp"
#include "legion/report/reporters.hpp"

namespace legion::report {

using datasets::FeatureClaim;
using datasets::FeatureMatrix;
using datasets::FeatureRow;
using datasets::default_feature_matrix_file;
using datasets::load_feature_matrix;

// What a cell shows once the run's evidence is applied.
struct FeatureCell {
  std::string status;    // supported | partial | not supported | not measured in this run | not assessed
  std::string evidence;  // human-readable
};
FeatureCell resolve(const FeatureClaim& claim, const std::string& system, const RunResults& run);

// The matrix resolved against one run: what FEATURE_MATRIX.md shows.
struct FeatureMatrixReport {
  struct Row {
    std::string category, capability;
    std::vector<FeatureCell> cells;  // one per system, in the systems' order
  };
  std::string run_id;
  std::vector<std::string> systems;
  std::vector<Row> rows;
};
FeatureMatrixReport resolve_feature_matrix(const FeatureMatrix& matrix, const RunResults& run);

void write_feature_matrix_markdown(std::ostream& out, const FeatureMatrixReport& report);
void write_feature_matrix_markdown(std::ostream& out, const FeatureMatrix& matrix, const RunResults& run);

// FEATURE_MATRIX.md. A run writes it as part of its own document (run_document()).
const Document<FeatureMatrixReport>& feature_matrix_document();

}  // namespace legion::report
