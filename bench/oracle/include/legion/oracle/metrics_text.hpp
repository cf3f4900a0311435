#pragma once
// The model server's running totals in Prometheus's text exposition format, as its GET /metrics
// serves them (llama.cpp's and vLLM's servers do the same on their API port), and read back: the
// stress suites' live metrics take each system's model-server totals from there.
#include <string>
#include <string_view>

#include "legion/oracle/request_log.hpp"

namespace legion::oracle {

// Counters named legion_model_server_*_total, without labels.
std::string prometheus_text(const OracleTotals& totals);

// The totals in such a text; a counter it does not carry stays 0. Throws std::invalid_argument,
// naming the line, for a sample line that is not `name value`.
OracleTotals totals_from_prometheus_text(std::string_view text);

}  // namespace legion::oracle
