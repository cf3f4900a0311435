#include "legion/datasets/prices.hpp"

#include <cmath>
#include <map>
#include <regex>

#include "yaml_file.hpp"

namespace legion::datasets {
namespace {

double price(const YamlFile& f, const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) f.fail(node, what + " must be a number (per million tokens)");
  double value = 0;
  try {
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    f.fail(node, what + " must be a number (per million tokens), not '" + node.as<std::string>() + "'");
  }
  if (!std::isfinite(value) || value < 0) f.fail(node, what + " must be a finite price of zero or more");
  return value;
}

}  // namespace

std::filesystem::path default_prices_file() { return datasets_dir() / "prices.yaml"; }

std::vector<PriceEntry> load_price_table(const std::filesystem::path& file) {
  YamlFile f(file, "price file");
  if (!f.root().IsMap()) f.fail(f.root(), "a price file is a mapping with one key, 'prices' (a list of entries)");
  f.only_keys(f.root(), {"prices"}, "the price file");
  const auto list = f.require(f.root(), "prices", "the price file");
  if (!list.IsSequence()) f.fail(list, "'prices' must be a list of entries");
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  std::vector<PriceEntry> entries;
  std::map<std::string, int> seen;  // model → line
  for (const auto& node : list) {
    PriceEntry e;
    e.line = node.Mark().line + 1;
    f.only_keys(node, {"model", "input", "output", "cached_input", "currency", "date", "source"}, "a price entry");
    e.model = f.text(f.require(node, "model", "a price entry"), "'model'");
    if (e.model.empty()) f.fail(node["model"], "'model' must not be empty");
    const auto context = "the price of '" + e.model + "'";
    if (const auto [at, inserted] = seen.emplace(e.model, e.line); !inserted)
      f.fail(node["model"], "model '" + e.model + "' is listed twice (first on line " + std::to_string(at->second) + ")");
    e.input_per_mtok = price(f, f.require(node, "input", context), "'input' of " + context);
    e.output_per_mtok = price(f, f.require(node, "output", context), "'output' of " + context);
    if (const auto cached = node["cached_input"]) e.cached_input_per_mtok = price(f, cached, "'cached_input' of " + context);
    if (const auto currency = node["currency"]) e.currency = f.text(currency, "'currency' of " + context);
    e.date = f.text(f.require(node, "date", context), "'date' of " + context);
    if (!std::regex_match(e.date, kDate)) f.fail(node["date"], "'date' of " + context + " must be YYYY-MM-DD, not '" + e.date + "'");
    e.source = f.text(f.require(node, "source", context), "'source' of " + context);
    if (e.source.empty()) f.fail(node["source"], "'source' of " + context + " must say where the price was read");
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace legion::datasets
