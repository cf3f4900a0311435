#pragma once
// The prices a run against a real endpoint states its cost with: the shipped table
// (datasets/prices.yaml) or the user's own (--prices FILE), and the lookup of the run's model in it.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "legion/report/results.hpp"

namespace legion::bench {

// Every price of the file (datasets::load_price_table: a DatasetError "file:line:column: what" for a
// file that cannot be used).
std::vector<report::ModelPrice> load_prices(const std::filesystem::path& file);

// The price of `model`: the entry of that exact name; else, for a dated snapshot, the entry of the
// name without its date suffix — "-YYYY-MM-DD" (OpenAI: gpt-4.1-2025-04-14 → gpt-4.1) or "-YYYYMMDD"
// (Anthropic: claude-haiku-4-5-20251001 → claude-haiku-4-5). Nothing else is guessed: a model not
// found has no price (its report shows tokens and time only).
std::optional<report::ModelPrice> find_price(const std::vector<report::ModelPrice>& prices, const std::string& model);

}  // namespace legion::bench
