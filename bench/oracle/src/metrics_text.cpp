#include "legion/oracle/metrics_text.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace legion::oracle {
namespace {

// Each counter: its name, help text and field, in one table the writer and the reader share.
struct CounterField {
  const char* name;
  const char* help;
  std::uint64_t OracleTotals::*field;
};

constexpr CounterField kCounters[] = {
    {"legion_model_server_requests_total", "Chat completion requests served", &OracleTotals::requests},
    {"legion_model_server_errors_total", "Requests answered with an HTTP error", &OracleTotals::errors},
    {"legion_model_server_injected_faults_total", "Requests answered with an injected fault", &OracleTotals::faults},
    {"legion_model_server_prompt_tokens_total", "Prompt tokens of the chat requests", &OracleTotals::prompt_tokens},
    {"legion_model_server_completion_tokens_total", "Completion tokens of the chat answers", &OracleTotals::completion_tokens},
    {"legion_model_server_request_bytes_total", "Request bodies as received", &OracleTotals::request_bytes},
    {"legion_model_server_embedding_requests_total", "Embedding requests served", &OracleTotals::embedding_requests},
};
constexpr const char* kServiceSeconds = "legion_model_server_service_seconds_total";

prometheus::MetricFamily counter(std::string name, std::string help, double value) {
  prometheus::ClientMetric metric;
  metric.counter.value = value;
  return {std::move(name), std::move(help), prometheus::MetricType::Counter, {metric}};
}

}  // namespace

std::string prometheus_text(const OracleTotals& t) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : kCounters) families.push_back(counter(c.name, c.help, static_cast<double>(t.*(c.field))));
  families.push_back(counter(kServiceSeconds, "Time spent serving requests, request parsed to last byte sent",
                             static_cast<double>(t.service_ns) / 1e9));
  return prometheus::TextSerializer().Serialize(families);
}

OracleTotals totals_from_prometheus_text(std::string_view text) {
  OracleTotals t;
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.find(' ');
    const auto name = line.substr(0, space);
    double value = 0;
    const auto digits = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (name.empty() || digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size())
      throw std::invalid_argument("metrics line " + std::to_string(number) + " is not 'name value': '" + std::string(line) + "'");
    for (const auto& c : kCounters)
      if (name == c.name) t.*(c.field) = static_cast<std::uint64_t>(value);
    if (name == kServiceSeconds) t.service_ns = static_cast<std::int64_t>(value * 1e9);
  }
  return t;
}

}  // namespace legion::oracle
