#pragma once
// The price table (datasets/prices.yaml, or a user's own file of the same form): what a model costs
// per million tokens, with the date and source of each price. Read and validated here like every
// other file under datasets/: a DatasetError "file:line:column: what".
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace legion::datasets {

struct PriceEntry {
  std::string model;
  double input_per_mtok = 0, output_per_mtok = 0;
  std::optional<double> cached_input_per_mtok;  // absent: cached input is billed as input
  std::string currency = "USD";
  std::string date;    // when the price was read (YYYY-MM-DD)
  std::string source;  // where
  int line = 0;        // the entry's line in its file, for messages
};

// The shipped table, datasets/prices.yaml.
std::filesystem::path default_prices_file();
// Every entry of the file, in its order. Each needs model, input, output, date and source;
// cached_input and currency are optional; prices are finite and not negative; a model is listed once.
std::vector<PriceEntry> load_price_table(const std::filesystem::path& file);

}  // namespace legion::datasets
