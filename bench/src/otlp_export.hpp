#pragma once
// Sends a traced run's records to an OpenTelemetry collector over OTLP/HTTP with the JSON encoding
// (POST {endpoint}/v1/traces, application/json), one ExportTraceServiceRequest per record as
// traces.jsonl holds them (report/trace.hpp). Sent after the run, so the export costs the measured
// tasks nothing.
#include <string>
#include <vector>

#include "legion/report/summary.hpp"

namespace legion::bench {

// Throws UsageError unless `endpoint` is an http:// URL with a host (a path of /v1/traces may end it).
void check_otlp_endpoint(const std::string& endpoint);

struct OtlpExport {
  std::string url;                    // where the requests went
  std::size_t requests = 0, accepted = 0;
  std::vector<std::string> refusals;  // why requests were refused: the first few, each once
};
// Stops at the first request that cannot reach the receiver (the rest count as not accepted).
OtlpExport send_traces(const std::string& endpoint, const report::RunResults& results);

}  // namespace legion::bench
