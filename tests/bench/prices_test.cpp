// The price table: the shipped file loads, a bad file is refused naming file:line:column and what
// is wrong, and a model is found by its name or its dated snapshot's name, nothing looser.
#include "prices.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "legion/datasets/files.hpp"
#include "legion/datasets/prices.hpp"

namespace legion::bench {
namespace {

std::filesystem::path write_prices(const std::string& name, const std::string& text) {
  const auto file = std::filesystem::temp_directory_path() / ("legion-prices-" + std::to_string(::getpid()) + "-" + name + ".yaml");
  std::ofstream(file) << text;
  return file;
}

std::string error_of(const std::string& text) {
  const auto file = write_prices("bad", text);
  try {
    load_prices(file);
  } catch (const datasets::DatasetError& e) {
    std::filesystem::remove(file);
    std::string what = e.what();
    // The message starts with the file; keep what follows it.
    return what.starts_with(file.string()) ? what.substr(file.string().size()) : what;
  }
  std::filesystem::remove(file);
  return "no error";
}

TEST(Prices, TheShippedTableLoadsWithADateAndASourceForEveryPrice) {
  const auto prices = load_prices(datasets::default_prices_file());
  ASSERT_GE(prices.size(), 10u);
  for (const auto& p : prices) {
    EXPECT_FALSE(p.date.empty()) << p.model;
    EXPECT_TRUE(p.source.starts_with("https://")) << p.model << ": " << p.source;
    EXPECT_GT(p.input_per_mtok, 0) << p.model;
    EXPECT_GT(p.output_per_mtok, 0) << p.model;
    if (p.cached_input_per_mtok) {
      EXPECT_LT(*p.cached_input_per_mtok, p.input_per_mtok) << p.model;
    }
  }
  const auto haiku = find_price(prices, "claude-haiku-4-5");
  ASSERT_TRUE(haiku);
  EXPECT_DOUBLE_EQ(haiku->input_per_mtok, 1.0);
  EXPECT_DOUBLE_EQ(*haiku->cached_input_per_mtok, 0.1);
}

TEST(Prices, ABadFileNamesItsLineAndWhatIsWrong) {
  EXPECT_EQ(error_of("prices:\n  - model: m\n    input: cheap\n    output: 1\n    date: 2026-01-01\n    source: s\n"),
            ":3:12: 'input' of the price of 'm' must be a number (per million tokens), not 'cheap'");
  EXPECT_EQ(error_of("prices:\n  - model: m\n    input: -1\n    output: 1\n    date: 2026-01-01\n    source: s\n"),
            ":3:12: 'input' of the price of 'm' must be a finite price of zero or more");
  EXPECT_EQ(error_of("prices:\n  - model: m\n    input: 1\n    date: 2026-01-01\n    source: s\n"),
            ":2:5: the price of 'm' needs 'output'");
  EXPECT_EQ(error_of("prices:\n  - model: m\n    input: 1\n    output: 2\n    date: last week\n    source: s\n"),
            ":5:11: 'date' of the price of 'm' must be YYYY-MM-DD, not 'last week'");
  EXPECT_EQ(error_of("prices:\n  - model: m\n    input: 1\n    output: 2\n    cost: 3\n    date: 2026-01-01\n    source: s\n"),
            ":5:5: unknown key 'cost' in a price entry (expected one of: model, input, output, cached_input, currency, date, source)");
  const std::string entry = "  - model: m\n    input: 1\n    output: 2\n    date: 2026-01-01\n    source: s\n";
  EXPECT_EQ(error_of("prices:\n" + entry + entry), ":7:12: model 'm' is listed twice (first on line 2)");
  EXPECT_EQ(error_of("models: []\n"),
            ":1:1: unknown key 'models' in the price file (expected one of: prices)");
  EXPECT_EQ(error_of("prices: {}\n"), ":1:9: 'prices' must be a list of entries");
  EXPECT_NE(error_of("prices: [\n").find("invalid YAML"), std::string::npos);
}

TEST(Prices, AModelIsFoundByItsNameThenByItsSnapshotsName) {
  const std::vector<report::ModelPrice> prices{{"gpt-4.1", 2, 8, 0.5, "USD", "2026-12-07", "https://example.org/a"},
                                               {"gpt-4.1-mini", 0.4, 1.6, std::nullopt, "USD", "2026-12-07", "https://example.org/b"},
                                               {"claude-haiku-4-5", 1, 5, 0.1, "USD", "2026-12-07", "https://example.org/c"}};
  EXPECT_EQ(find_price(prices, "gpt-4.1")->source, "https://example.org/a");
  EXPECT_EQ(find_price(prices, "gpt-4.1-mini")->source, "https://example.org/b");  // exact beats any prefix
  EXPECT_EQ(find_price(prices, "gpt-4.1-2025-04-14")->source, "https://example.org/a");
  EXPECT_EQ(find_price(prices, "gpt-4.1-mini-2025-04-14")->source, "https://example.org/b");
  EXPECT_EQ(find_price(prices, "claude-haiku-4-5-20251001")->source, "https://example.org/c");
  EXPECT_FALSE(find_price(prices, "gpt-4.1-nano"));     // a sibling is not a snapshot
  EXPECT_FALSE(find_price(prices, "gpt-4"));            // nor is a shorter name
  EXPECT_FALSE(find_price(prices, "GPT-4.1"));          // names are exact
  EXPECT_FALSE(find_price(prices, "gpt-4.1-2025-04"));  // not a date
  EXPECT_FALSE(find_price({}, "gpt-4.1"));
}

}  // namespace
}  // namespace legion::bench
