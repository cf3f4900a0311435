// Suites and their parts (datasets/suites.yaml): the shipped catalogue's sweep and concurrency
// levels, and every bad part refused with file:line:column before anything runs.
#include "legion/datasets/suites.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "legion/datasets/files.hpp"

namespace legion::datasets {
namespace {

TEST(Suites, TheCatalogueDeclaresItsSweepAndConcurrencyLevels) {
  const auto suites = load_suites();
  const auto& catalogue = find_suite(suites, "catalogue");
  ASSERT_FALSE(catalogue.sweeps.empty());
  EXPECT_EQ(catalogue.sweeps.front().scenario, "tool-overhead");
  EXPECT_EQ(catalogue.sweeps.front().sweep.param, "extra_tools");
  ASSERT_FALSE(catalogue.concurrency.empty());
  EXPECT_EQ(catalogue.concurrency.front().scenario, "order-refund");
  EXPECT_EQ(catalogue.concurrency.front().levels, (std::vector<int>{1, 8, 32}));
  EXPECT_TRUE(catalogue.concurrency.front().where.find("suites.yaml:") != std::string::npos);
}

std::string error_of(const std::string& parts) {
  const auto file = std::filesystem::temp_directory_path() / ("suites-test-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(file) << "s:\n  scenarios: [single-tool, tool-overhead]\n" << parts;
  try {
    load_suites(file);
  } catch (const DatasetError& e) {
    std::filesystem::remove(file);
    return std::string(e.what()).substr(file.string().size());
  }
  std::filesystem::remove(file);
  return "no error";
}

TEST(Suites, RefusesBadPartsNamingTheLineAndColumn) {
  EXPECT_EQ(error_of("  sweeps:\n    - {scenario: tool-overhead, sweep: \"extra_tools=0,10\"}\n"), "no error");
  EXPECT_EQ(error_of("  sweeps:\n    - {scenario: order-refund, sweep: \"orders=1,2\"}\n"),
            ":4:18: a sweep of suite 's': scenario 'order-refund' is not one of the suite's scenarios");
  EXPECT_EQ(error_of("  sweeps:\n    - {scenario: tool-overhead, sweep: \"extra_tools=5..1\"}\n"),
            ":4:40: sweep 'extra_tools=5..1': the range must rise (A..B with A < B), got 5..1");
  EXPECT_EQ(error_of("  sweeps:\n    - {scenario: tool-overhead, sweep: \"extra_tools=3\"}\n"),
            ":4:40: sweep 'extra_tools=3': a sweep needs at least two values");
  EXPECT_EQ(error_of("  sweeps:\n    - {scenario: tool-overhead}\n"), ":4:7: a sweep of suite 's' needs 'sweep'");
  EXPECT_EQ(error_of("  sweeps:\n    - {scenario: tool-overhead, sweep: \"extra_tools=0,1\", step: 2}\n"),
            ":4:59: unknown key 'step' in a sweep of suite 's' (expected one of: scenario, sweep)");
  EXPECT_EQ(error_of("  concurrency:\n    - {scenario: single-tool, levels: [1, 8, 8]}\n"),
            ":4:46: a concurrency part of suite 's': levels must rise, got 8 after 8");
  EXPECT_EQ(error_of("  concurrency:\n    - {scenario: single-tool, levels: [0, 8]}\n"),
            ":4:40: a concurrency part of suite 's': a level must be a whole number from 1 to 10000, got '0'");
  EXPECT_EQ(error_of("  concurrency:\n    - {scenario: single-tool, levels: [1, x]}\n"),
            ":4:43: a concurrency part of suite 's': a level must be a whole number from 1 to 10000, got 'x'");
  EXPECT_EQ(error_of("  concurrency:\n    - {scenario: single-tool, levels: []}\n"),
            ":4:39: a concurrency part of suite 's': levels must be a list of task counts, e.g. [1, 8, 32]");
  EXPECT_EQ(error_of("  concurrency: {scenario: single-tool}\n"),
            ":3:16: suite 's': concurrency must be a list of {scenario, levels}");
}

}  // namespace
}  // namespace legion::datasets
