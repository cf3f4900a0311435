#include "legion/datasets/published.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "legion/datasets/files.hpp"
#include "test_support.hpp"

namespace legion::datasets {
namespace {

// A folder of its own holding the given files.
std::filesystem::path write_folder(const std::vector<std::pair<std::string, std::string>>& files) {
  auto dir = legion::testing::scratch_dir() / "published";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& [name, text] : files) std::ofstream(dir / name) << text;
  return dir;
}

// One complete entry; `replace` swaps one of its lines (found by its text) for another.
std::string entry(const std::string& id = "a-figure") {
  return "- id: " + id + R"(
  source:
    title: A benchmark
    authors: Someone
    address: https://example.org/bench
    where: Table 1, row A
    accessed: 2026-11-23
  setup:
    frameworks: X 1.0
    model: not stated
    hardware: not stated
    workload: a chain of three nodes
  stated_as: "5.0"
  value: 5.0
  unit: µs per iteration
  comparable: absolute-time
  normalisation: only as a ratio
  tolerance: {relative: 0.25, reason: the source's own spread}
  measures: zero-I/O chain, native
)";
}

std::string replace(std::string text, const std::string& line, const std::string& with) {
  auto at = text.find(line);
  EXPECT_NE(at, std::string::npos) << line;
  return text.replace(at, line.size(), with);
}

// The error loading a folder with one file of `text`, after the file's name ("…/one.yaml").
std::string error_of(const std::string& text) {
  auto dir = write_folder({{"one.yaml", text}});
  const auto file = (dir / "one.yaml").string();
  try {
    load_published(dir);
  } catch (const DatasetError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind(file + ":", 0), 0u) << message;
    return message.substr(file.size());
  }
  return "no error";
}

TEST(Published, EveryShippedFigureLoadsWithItsSource) {
  auto figures = load_published();
  ASSERT_GE(figures.size(), 10u);
  std::set<std::string> files;
  for (const auto& f : figures) {
    files.insert(f.file.filename().string());
    EXPECT_EQ(f.source.address.rfind("https://", 0), 0u) << f.id;
    EXPECT_GT(f.value, 0) << f.id;
    EXPECT_GT(f.tolerance, 0) << f.id;
    EXPECT_GE(f.source.accessed, "2026-11-23") << f.id;  // read for this project, not copied from an older list
  }
  EXPECT_GE(files.size(), 4u);  // at least four sources
}

TEST(Published, NeoGraphReferenceRowIsAsItsReadmeStatesIt) {
  auto figures = load_published();
  auto find = [&](const std::string& id) -> const PublishedFigure& {
    for (const auto& f : figures)
      if (f.id == id) return f;
    throw std::runtime_error("no figure " + id);
  };
  EXPECT_EQ(find("neograph-native-seq-us").value_text, "5.0");
  EXPECT_EQ(find("neograph-native-par-us").value_text, "11.8");
  EXPECT_DOUBLE_EQ(find("neograph-langgraph-seq-us").value, 642.62);
  EXPECT_DOUBLE_EQ(find("neograph-autogen-par-us").value, 7281.08);
  EXPECT_EQ(find("neograph-langgraph-seq-ratio").comparable, Comparable::ratio_between_frameworks);
  EXPECT_EQ(find("neograph-native-peak-rss").unit, "MB");
}

TEST(Published, CompleteEntryLoads) {
  auto figures = load_published(write_folder({{"one.yaml", entry()}}));
  ASSERT_EQ(figures.size(), 1u);
  const auto& f = figures[0];
  EXPECT_EQ(f.id, "a-figure");
  EXPECT_EQ(f.source.where, "Table 1, row A");
  EXPECT_EQ(f.setup.workload, "a chain of three nodes");
  EXPECT_DOUBLE_EQ(f.value, 5.0);
  EXPECT_EQ(f.value_text, "5.0");
  EXPECT_EQ(to_string(f.comparable), "absolute-time");
  EXPECT_DOUBLE_EQ(f.tolerance, 0.25);
  EXPECT_EQ(f.tolerance_reason, "the source's own spread");
}

TEST(Published, MissingSourceAddressIsRefusedWhereTheSourceIs) {
  EXPECT_EQ(error_of(replace(entry(), "    address: https://example.org/bench\n", "")),
            ":3:5: the source of figure 'a-figure' needs 'address'");
  EXPECT_EQ(error_of(replace(entry(), "address: https://example.org/bench", "address: ''")),
            ":5:14: the source of figure 'a-figure': 'address' is empty");
  EXPECT_EQ(error_of(replace(entry(), "address: https://example.org/bench", "address: Table 3 of the paper")),
            ":5:14: the source of figure 'a-figure': 'address' must be a URL (http:// or https://), not 'Table 3 of the paper'");
}

TEST(Published, MissingUnitOrComparableIsRefused) {
  EXPECT_EQ(error_of(replace(entry(), "  unit: µs per iteration\n", "")), ":1:3: figure 'a-figure' needs 'unit'");
  EXPECT_EQ(error_of(replace(entry(), "  comparable: absolute-time\n", "")), ":1:3: figure 'a-figure' needs 'comparable'");
}

TEST(Published, UnknownComparableIsRefused) {
  EXPECT_EQ(error_of(replace(entry(), "comparable: absolute-time", "comparable: speed")),
            ":16:15: figure 'a-figure': unknown comparable 'speed' (expected one of: absolute-time, "
            "ratio-between-frameworks, token-count, slope, bytes, memory)");
}

TEST(Published, NonPositiveValueOrToleranceIsRefused) {
  EXPECT_EQ(error_of(replace(entry(), "value: 5.0", "value: 0")), ":14:10: figure 'a-figure': 'value' must be a number above zero, not '0'");
  EXPECT_EQ(error_of(replace(entry(), "value: 5.0", "value: -2.5")),
            ":14:10: figure 'a-figure': 'value' must be a number above zero, not '-2.5'");
  EXPECT_EQ(error_of(replace(entry(), "value: 5.0", "value: 1,564.54")),
            ":14:10: figure 'a-figure': 'value' must be a number, not '1,564.54'");
  EXPECT_EQ(error_of(replace(entry(), "relative: 0.25", "relative: 0")),
            ":18:25: the tolerance of figure 'a-figure': 'relative' must be a number above zero, not '0'");
  EXPECT_EQ(error_of(replace(entry(), "  tolerance: {relative: 0.25, reason: the source's own spread}\n", "")),
            ":1:3: figure 'a-figure' needs 'tolerance'");
}

TEST(Published, DuplicateIdAcrossFilesIsRefusedAtTheSecond) {
  auto dir = write_folder({{"a.yaml", entry("same")}, {"b.yaml", entry("other") + "\n" + entry("same")}});
  const auto a = (dir / "a.yaml").string(), b = (dir / "b.yaml").string();
  try {
    load_published(dir);
    FAIL() << "a duplicate id loaded";
  } catch (const DatasetError& e) {
    EXPECT_EQ(std::string(e.what()), b + ":21:7: figure id 'same' is given twice (first at " + a + ":1:7)");
  }
}

TEST(Published, UnknownKeysAndBadDatesAreRefused) {
  EXPECT_EQ(error_of(replace(entry(), "  measures:", "  verdict: reproduced\n  measures:")),
            ":19:3: unknown key 'verdict' in figure 'a-figure' (expected one of: id, source, setup, stated_as, value, unit, "
            "comparable, normalisation, tolerance, measures)");
  EXPECT_EQ(error_of(replace(entry(), "accessed: 2026-11-23", "accessed: last week")),
            ":7:15: the source of figure 'a-figure': 'accessed' must be a date YYYY-MM-DD");
  EXPECT_EQ(error_of("id: not-a-list\n"), ":1:1: a published figures file must be a list of figures");
}

TEST(Published, MissingFolderIsAnError) {
  EXPECT_THROW(load_published(legion::testing::scratch_dir() / "nowhere"), DatasetError);
}

}  // namespace
}  // namespace legion::datasets
