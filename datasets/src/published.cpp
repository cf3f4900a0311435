#include "legion/datasets/published.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <utility>

#include "yaml_file.hpp"

namespace legion::datasets {
namespace {

constexpr std::array<std::pair<Comparable, const char*>, 6> kComparable{{
    {Comparable::absolute_time, "absolute-time"},
    {Comparable::ratio_between_frameworks, "ratio-between-frameworks"},
    {Comparable::token_count, "token-count"},
    {Comparable::slope, "slope"},
    {Comparable::bytes, "bytes"},
    {Comparable::memory, "memory"},
}};

// A required text that says something.
std::string filled(const YamlFile& f, const YAML::Node& map, const char* key, const std::string& context) {
  auto node = f.require(map, key, context);
  auto value = f.text(node, context + ": '" + key + "'");
  if (value.find_first_not_of(" \t") == std::string::npos) f.fail(node, context + ": '" + key + "' is empty");
  return value;
}

// A required number above zero; `text` receives it as written.
double positive(const YamlFile& f, const YAML::Node& map, const char* key, const std::string& context, std::string* text = nullptr) {
  auto node = f.require(map, key, context);
  auto written = f.text(node, context + ": '" + key + "'");
  double value = 0;
  try {
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    f.fail(node, context + ": '" + key + "' must be a number, not '" + written + "'");
  }
  if (!std::isfinite(value) || value <= 0) f.fail(node, context + ": '" + key + "' must be a number above zero, not '" + written + "'");
  if (text) *text = written;
  return value;
}

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

PublishedFigure read_figure(const YamlFile& f, const YAML::Node& entry) {
  if (!entry.IsMap()) f.fail(entry, "a published figure must be a mapping");
  PublishedFigure p;
  p.file = f.file();
  p.id = filled(f, entry, "id", "a published figure");
  if (p.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
    f.fail(entry["id"], "figure id '" + p.id + "' may hold only a-z, 0-9 and '-'");
  const auto context = "figure '" + p.id + "'";
  f.only_keys(entry, {"id", "source", "setup", "stated_as", "value", "unit", "comparable", "normalisation", "tolerance", "measures"},
              context);

  const auto source = f.require(entry, "source", context);
  const auto source_context = "the source of " + context;
  f.only_keys(source, {"title", "authors", "address", "where", "accessed"}, source_context);
  p.source.title = filled(f, source, "title", source_context);
  p.source.authors = filled(f, source, "authors", source_context);
  p.source.address = filled(f, source, "address", source_context);
  if (p.source.address.rfind("https://", 0) != 0 && p.source.address.rfind("http://", 0) != 0)
    f.fail(source["address"], source_context + ": 'address' must be a URL (http:// or https://), not '" + p.source.address + "'");
  p.source.where = filled(f, source, "where", source_context);
  p.source.accessed = filled(f, source, "accessed", source_context);
  if (!is_date(p.source.accessed)) f.fail(source["accessed"], source_context + ": 'accessed' must be a date YYYY-MM-DD");

  const auto setup = f.require(entry, "setup", context);
  const auto setup_context = "the setup of " + context;
  f.only_keys(setup, {"frameworks", "model", "hardware", "workload"}, setup_context);
  p.setup.frameworks = filled(f, setup, "frameworks", setup_context);
  p.setup.model = filled(f, setup, "model", setup_context);
  p.setup.hardware = filled(f, setup, "hardware", setup_context);
  p.setup.workload = filled(f, setup, "workload", setup_context);

  p.stated_as = filled(f, entry, "stated_as", context);
  p.value = positive(f, entry, "value", context, &p.value_text);
  p.unit = filled(f, entry, "unit", context);

  const auto comparable_node = f.require(entry, "comparable", context);
  const auto comparable = f.text(comparable_node, context + ": 'comparable'");
  auto known = std::find_if(kComparable.begin(), kComparable.end(), [&](const auto& c) { return comparable == c.second; });
  if (known == kComparable.end()) {
    std::string list;
    for (const auto& c : kComparable) list += std::string(list.empty() ? "" : ", ") + c.second;
    f.fail(comparable_node, context + ": unknown comparable '" + comparable + "' (expected one of: " + list + ")");
  }
  p.comparable = known->first;
  p.normalisation = filled(f, entry, "normalisation", context);

  const auto tolerance = f.require(entry, "tolerance", context);
  const auto tolerance_context = "the tolerance of " + context;
  f.only_keys(tolerance, {"relative", "reason"}, tolerance_context);
  p.tolerance = positive(f, tolerance, "relative", tolerance_context);
  p.tolerance_reason = filled(f, tolerance, "reason", tolerance_context);

  p.measures = filled(f, entry, "measures", context);
  return p;
}

}  // namespace

std::string to_string(Comparable c) {
  for (const auto& [value, name] : kComparable)
    if (value == c) return name;
  return "?";
}

std::vector<PublishedFigure> load_published() { return load_published(datasets_dir() / "published"); }

std::vector<PublishedFigure> load_published(const std::filesystem::path& folder) {
  if (!std::filesystem::is_directory(folder)) throw DatasetError(folder.string() + ": no folder of published figures");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());

  std::vector<PublishedFigure> figures;
  std::map<std::string, std::string> first_seen;  // id -> file:line:column
  for (const auto& file : files) {
    YamlFile f(file, "published figures file");
    if (!f.root().IsSequence() || f.root().size() == 0) f.fail(f.root(), "a published figures file must be a list of figures");
    for (const auto& entry : f.root()) {
      auto figure = read_figure(f, entry);
      const auto mark = entry["id"].Mark();
      const auto here = file.string() + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
      if (auto [it, fresh] = first_seen.emplace(figure.id, here); !fresh)
        f.fail(entry["id"], "figure id '" + figure.id + "' is given twice (first at " + it->second + ")");
      figures.push_back(std::move(figure));
    }
  }
  return figures;
}

}  // namespace legion::datasets
