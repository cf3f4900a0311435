#include "otlp_export.hpp"

#include <httplib.h>

#include <algorithm>

#include "checks.hpp"

namespace legion::bench {
namespace {

constexpr std::string_view kTracesPath = "/v1/traces";

// What a 2xx answer says of spans it rejected (OTLP's partial success), or "" when none were. The
// count is an int64, which the JSON mapping may write as a string or a number.
std::string rejected_spans(const std::string& body) {
  const auto reply = nlohmann::json::parse(body, nullptr, false);
  if (!reply.is_object() || !reply.contains("partialSuccess") || !reply["partialSuccess"].is_object()) return "";
  const auto& partial = reply["partialSuccess"];
  const auto count = partial.value("rejectedSpans", nlohmann::json(0));
  if (count == 0 || count == "0") return "";
  return partial.dump();
}

struct Target {
  std::string scheme_host_port, path;
};

// http://HOST[:PORT][/PATH]: the path ends in /v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT's rule: the
// signal's path is appended to a base URL).
Target target_of(const std::string& endpoint) {
  constexpr std::string_view scheme = "http://";
  if (!endpoint.starts_with(scheme)) throw UsageError("--otlp-endpoint '" + endpoint + "': an http:// URL is expected (OTLP/HTTP)");
  const auto slash = endpoint.find('/', scheme.size());
  Target t{endpoint.substr(0, slash), slash == std::string::npos ? "" : endpoint.substr(slash)};
  if (t.scheme_host_port.size() == scheme.size()) throw UsageError("--otlp-endpoint '" + endpoint + "': no host");
  while (!t.path.empty() && t.path.back() == '/') t.path.pop_back();
  if (!t.path.ends_with(kTracesPath)) t.path += kTracesPath;
  return t;
}

}  // namespace

void check_otlp_endpoint(const std::string& endpoint) { target_of(endpoint); }

OtlpExport send_traces(const std::string& endpoint, const report::RunResults& results) {
  const auto target = target_of(endpoint);
  OtlpExport sent;
  sent.url = target.scheme_host_port + target.path;
  httplib::Client client(target.scheme_host_port);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  client.set_keep_alive(true);
  auto refused = [&](std::string why) {
    if (sent.refusals.size() < 5 && std::find(sent.refusals.begin(), sent.refusals.end(), why) == sent.refusals.end())
      sent.refusals.push_back(std::move(why));
  };
  sent.requests = static_cast<std::size_t>(std::count_if(results.records.begin(), results.records.end(), [](const auto& r) { return r.trace.has_value(); }));
  for (const auto& r : results.records) {
    if (!r.trace) continue;
    const auto body = report::otlp_request(results.context, r).dump();
    const auto answer = client.Post(target.path, body, "application/json");
    if (!answer) {  // the receiver is not there: the rest would wait out the same timeouts
      refused(sent.url + " could not be reached: " + httplib::to_string(answer.error()));
      break;
    }
    if (answer->status < 200 || answer->status > 299)
      refused(sent.url + " answered HTTP " + std::to_string(answer->status) + ": " + answer->body.substr(0, 300));
    else if (const auto rejected = rejected_spans(answer->body); !rejected.empty())
      refused(sent.url + " rejected spans: " + rejected);
    else ++sent.accepted;
  }
  return sent;
}

}  // namespace legion::bench
