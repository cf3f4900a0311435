#include "options.hpp"

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "store.hpp"

namespace legion::bench::commands {

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::map<std::string, std::int64_t> parse_params(const std::vector<std::string>& items) {
  std::map<std::string, std::int64_t> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--param expects NAME=INTEGER, got '" + item + "'");
    try {
      std::size_t used = 0;
      out[item.substr(0, eq)] = std::stoll(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1) throw std::invalid_argument(item);
    } catch (const std::logic_error&) {
      throw std::invalid_argument("--param expects NAME=INTEGER, got '" + item + "'");
    }
  }
  return out;
}

std::optional<report::Calibration> find_calibration(const std::string& path) {
  if (path == "none") return std::nullopt;
  std::filesystem::path where = path;
  if (where.empty()) {
    auto fallback = report::default_calibration();
    if (!fallback) return std::nullopt;
    where = *fallback;
  }
  if (where.extension() == ".sqlite") {
    auto saved = Store(where).latest_calibration();
    if (!saved) throw std::invalid_argument("no calibration in " + where.string());
    return report::calibration_from_json(*saved);
  }
  return report::load_calibration(where);
}

}  // namespace legion::bench::commands
