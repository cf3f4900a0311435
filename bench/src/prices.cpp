#include "prices.hpp"

#include <algorithm>
#include <regex>

#include "legion/datasets/prices.hpp"

namespace legion::bench {

std::vector<report::ModelPrice> load_prices(const std::filesystem::path& file) {
  std::vector<report::ModelPrice> prices;
  for (auto& e : datasets::load_price_table(file))
    prices.push_back({e.model, e.input_per_mtok, e.output_per_mtok, e.cached_input_per_mtok, e.currency, e.date, e.source});
  return prices;
}

std::optional<report::ModelPrice> find_price(const std::vector<report::ModelPrice>& prices, const std::string& model) {
  auto named = [&](const std::string& name) -> std::optional<report::ModelPrice> {
    const auto it = std::find_if(prices.begin(), prices.end(), [&](const auto& p) { return p.model == name; });
    if (it == prices.end()) return std::nullopt;
    return *it;
  };
  if (auto exact = named(model)) return exact;
  static const std::regex kSnapshot(R"((.+)-(\d{4}-\d{2}-\d{2}|\d{8})$)");
  if (std::smatch m; std::regex_match(model, m, kSnapshot)) return named(m[1].str());
  return std::nullopt;
}

}  // namespace legion::bench
