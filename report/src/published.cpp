#include "legion/report/published.hpp"

#include <stdexcept>

namespace legion::report {

nlohmann::json to_json(const PublishedComparison& c) {
  auto verdicts = nlohmann::json::array();
  for (const auto& v : c.verdicts)
    verdicts.push_back({{"id", v.id}, {"source", v.source}, {"published", v.published}, {"measured", v.measured}, {"verdict", v.verdict}});
  return {{"title", c.title}, {"method", c.method}, {"command", c.command}, {"verdicts", verdicts}};
}

PublishedComparison published_comparison_from_json(const nlohmann::json& j) {
  auto text = [](const nlohmann::json& o, const char* key, const std::string& where) {
    if (!o.is_object() || !o.contains(key) || !o.at(key).is_string())
      throw std::invalid_argument(where + ": '" + key + "' is missing or not a string");
    return o.at(key).get<std::string>();
  };
  PublishedComparison c;
  c.title = text(j, "title", "comparison");
  c.method = text(j, "method", "comparison");
  c.command = text(j, "command", "comparison");
  if (!j.contains("verdicts") || !j.at("verdicts").is_array()) throw std::invalid_argument("comparison: 'verdicts' is missing or not a list");
  for (std::size_t i = 0; i < j.at("verdicts").size(); ++i) {
    const auto& v = j.at("verdicts")[i];
    const auto where = "comparison: verdicts[" + std::to_string(i) + "]";
    c.verdicts.push_back({text(v, "id", where), text(v, "source", where), text(v, "published", where), text(v, "measured", where),
                          text(v, "verdict", where)});
  }
  return c;
}

}  // namespace legion::report
