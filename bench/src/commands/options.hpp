#pragma once
// What several commands share: the validators of numeric options and the helpers that read
// lists, --param and --calibration.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checks.hpp"
#include "legion/report/calibration.hpp"

namespace legion::bench::commands {

// Validators of numeric options (bench/src/checks.hpp): CLI11 puts the flag before the message,
// which states the accepted range. (CLI11's own Range lets NaN through and its PositiveNumber
// prints the largest double.) The integer ones are attached with transform(), the way CLI11 keeps
// the plain decimal they write back.
inline CLI::Validator integer_in(std::int64_t low, std::int64_t high) {
  return {[=](std::string& text) { return refuse_integer(text, low, high); }, std::to_string(low) + "-" + std::to_string(high)};
}
inline const CLI::Validator any_seed([](std::string& text) { return refuse_seed(text); }, "0-2^64-1");
inline CLI::Validator number_in(const NumberRange& range) {
  return {[=](std::string& text) { return refuse_number(text, range); }, range.describe()};
}
inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();
inline constexpr std::int64_t kMaxRepetitions = 1'000'000, kMaxAgents = 100'000, kMaxDelayUs = 60'000'000;
// A significance level: from 1e-6 (plan divides it among a table's cells, and near 1e-16 the t
// quantiles it needs stop being representable) to below 0.5 (from there the (1 - 2 alpha) interval
// of an equivalence test is empty).
inline const NumberRange kAlpha{1e-6, 0.5, false, true};

// A comma-separated list (--systems, --skip), empty items dropped, and back.
std::vector<std::string> split(const std::string& list);
std::string join(const std::vector<std::string>& items);

// --param NAME=INTEGER items.
std::map<std::string, std::int64_t> parse_params(const std::vector<std::string>& items);

// --calibration PATH (a calibrate folder, its calibration.json, or a store), else the default
// place `legion-bench calibrate` writes to, else none.
std::optional<report::Calibration> find_calibration(const std::string& path);

}  // namespace legion::bench::commands
