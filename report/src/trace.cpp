#include "legion/report/trace.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <cstdio>
#include <stdexcept>

#include "legion/core/busy_time.hpp"
#include "legion/report/results.hpp"
#include "legion/version.hpp"

namespace legion::report {

using nlohmann::json;

namespace {

constexpr std::array<const char*, 6> kKinds = {"task", "agent", "model", "tool", "human", "system"};

TraceSpan::Kind kind_named(const std::string& name, const std::string& where) {
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    if (name == kKinds[i]) return static_cast<TraceSpan::Kind>(i);
  throw std::invalid_argument(where + ": unknown span kind '" + name + "'");
}

std::int64_t whole(const json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer())
    throw std::invalid_argument(where + ": '" + key + "' must be a whole number");
  return it->get<std::int64_t>();
}

// The finish reason a model call's answer amounts to, from what the model server did.
std::string outcome_of(const ServedRequest& r) {
  if (r.status != 200 || r.action == "error") return "error";
  if (r.action == "call" || r.action == "delegate" || r.action == "query") return "tool_calls";
  return "stop";
}

// FNV-1a, for ids that the same record always gets.
std::uint64_t fnv(std::string_view text, std::uint64_t h = 14695981039346656037ull) {
  for (const unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}
std::string hex(std::uint64_t v) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(v));
  return out;
}

json text_value(const std::string& key, const std::string& value) { return {{"key", key}, {"value", {{"stringValue", value}}}}; }
json int_value(const std::string& key, std::int64_t value) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};  // int64 as a string, as the JSON mapping writes it
}
json bool_value(const std::string& key, bool value) { return {{"key", key}, {"value", {{"boolValue", value}}}}; }
json strings_value(const std::string& key, const std::vector<std::string>& values) {
  json items = json::array();
  for (const auto& v : values) items.push_back({{"stringValue", v}});
  return {{"key", key}, {"value", {{"arrayValue", {{"values", items}}}}}};
}

// OTLP's SpanKind and StatusCode, as the JSON mapping writes enums: integers.
constexpr int kInternal = 1, kServer = 2, kClient = 3;
constexpr int kStatusError = 2;

// A turn of an agent as the system traced it itself (the conventions' "invoke_agent NAME").
bool own_turn(const TraceSpan& s) { return s.kind == TraceSpan::Kind::system && s.name.starts_with("invoke_agent "); }

}  // namespace

const char* to_string(TraceSpan::Kind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

std::string to_text(const RecordTrace& trace) {
  json spans = json::array();
  for (const auto& s : trace.spans) {
    json j = {{"kind", to_string(s.kind)}, {"name", s.name}, {"start_ns", s.start_ns}, {"end_ns", s.end_ns}};
    if (!s.agent.empty()) j["agent"] = s.agent;
    if (s.kind == TraceSpan::Kind::model) {
      j["input_tokens"] = s.input_tokens, j["output_tokens"] = s.output_tokens, j["outcome"] = s.outcome;
      if (s.status != 200) j["status"] = s.status;
      if (s.embeddings) j["embeddings"] = true;
    }
    spans.push_back(std::move(j));
  }
  return json{{"start_unix_ns", trace.start_unix_ns}, {"model", trace.model}, {"server", trace.server}, {"spans", spans}}.dump();
}

RecordTrace trace_from_text(const std::string& text, const std::string& where) {
  const auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("spans") || !j["spans"].is_array())
    throw std::invalid_argument(where + ": a trace must be a JSON object with a 'spans' array");
  RecordTrace t;
  t.start_unix_ns = whole(j, "start_unix_ns", where);
  t.model = j.value("model", std::string());
  t.server = j.value("server", std::string());
  for (std::size_t i = 0; i < j["spans"].size(); ++i) {
    const auto& s = j["spans"][i];
    const auto at = where + ", span " + std::to_string(i);
    if (!s.is_object() || !s.contains("kind") || !s["kind"].is_string() || !s.contains("name") || !s["name"].is_string())
      throw std::invalid_argument(at + ": a span needs a 'kind' and a 'name'");
    TraceSpan span;
    span.kind = kind_named(s["kind"].get<std::string>(), at);
    span.name = s["name"].get<std::string>();
    span.agent = s.value("agent", std::string());
    span.start_ns = whole(s, "start_ns", at);
    span.end_ns = whole(s, "end_ns", at);
    if (span.end_ns < span.start_ns) throw std::invalid_argument(at + ": it ends before it starts");
    if (span.kind == TraceSpan::Kind::model) {
      span.input_tokens = static_cast<std::uint64_t>(whole(s, "input_tokens", at));
      span.output_tokens = static_cast<std::uint64_t>(whole(s, "output_tokens", at));
      span.outcome = s.value("outcome", std::string());
      span.embeddings = s.value("embeddings", false);
      span.status = static_cast<int>(s.contains("status") ? whole(s, "status", at) : 200);
    }
    t.spans.push_back(std::move(span));
  }
  if (t.spans.empty() || t.spans.front().kind != TraceSpan::Kind::task)
    throw std::invalid_argument(where + ": a trace starts with its task's span");
  return t;
}

RecordTrace make_trace(const json& worker, const std::vector<ServedRequest>& requests, std::string model, std::string server) {
  const std::string where = "the worker's trace";
  if (!worker.is_object()) throw std::invalid_argument(where + " is not an object");
  const auto origin = whole(worker, "start_ns", where);
  const auto end = whole(worker, "end_ns", where);
  RecordTrace t;
  t.start_unix_ns = whole(worker, "start_unix_ns", where);
  t.model = std::move(model);
  t.server = std::move(server);
  t.spans.push_back({TraceSpan::Kind::task, "", "", 0, end - origin});

  std::vector<TraceSpan> timed;
  for (const auto& r : requests) {
    TraceSpan s{TraceSpan::Kind::model, t.model, r.agent, r.started_ns - origin, r.started_ns + r.service_ns - origin};
    s.input_tokens = r.prompt_tokens, s.output_tokens = r.completion_tokens;
    s.outcome = outcome_of(r);
    s.embeddings = r.action == "embed";
    s.status = r.status;
    timed.push_back(std::move(s));
  }
  // Agent turns: each run of consecutive chat calls by one agent, as the model server identified
  // them (a real endpoint names none: no turns then).
  std::vector<TraceSpan> turns;
  for (const auto& s : timed) {
    if (s.embeddings || s.agent.empty()) continue;
    if (!turns.empty() && turns.back().agent == s.agent) turns.back().end_ns = std::max(turns.back().end_ns, s.end_ns);
    else turns.push_back({TraceSpan::Kind::agent, s.agent, s.agent, s.start_ns, s.end_ns});
  }
  auto agent_at = [&](std::int64_t at) {
    std::string agent;
    for (const auto& s : timed)
      if (s.kind == TraceSpan::Kind::model && !s.embeddings && s.start_ns <= at) agent = s.agent;
    return agent;
  };
  const auto calls = worker.value("calls", json::array());
  if (!calls.is_array()) throw std::invalid_argument(where + ": 'calls' must be an array");
  for (const auto& c : calls) {
    if (!c.is_object() || !c.contains("kind") || !c["kind"].is_string() || !c.contains("name") || !c["name"].is_string())
      throw std::invalid_argument(where + ": a call needs a 'kind' and a 'name'");
    const auto kind = c["kind"] == "human" ? TraceSpan::Kind::human : TraceSpan::Kind::tool;
    const auto start = whole(c, "start_ns", where) - origin;
    timed.push_back({kind, c["name"].get<std::string>(), agent_at(start), start, whole(c, "end_ns", where) - origin});
  }
  const auto own = worker.value("system", json::array());
  if (!own.is_array()) throw std::invalid_argument(where + ": 'system' must be an array");
  for (const auto& s : own) {
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string())
      throw std::invalid_argument(where + ": a system span needs a 'name'");
    // A span of the system's that reaches beyond its task (a step of the framework's clock, a span
    // begun before the task) is cut to the task; one wholly outside is not the task's.
    const auto start = std::max<std::int64_t>(0, whole(s, "start_ns", where) - origin);
    const auto stop = std::min(end - origin, whole(s, "end_ns", where) - origin);
    if (stop < start) continue;
    timed.push_back({TraceSpan::Kind::system, s["name"].get<std::string>(), s.value("agent", std::string()), start, stop});
  }
  // A system that traces its own agents' turns has them from its start to its answer: the derived
  // ones would only repeat them, shorter.
  const bool own_turns = std::any_of(timed.begin(), timed.end(), own_turn);
  if (!own_turns) timed.insert(timed.end(), turns.begin(), turns.end());
  std::stable_sort(timed.begin(), timed.end(), [](const TraceSpan& a, const TraceSpan& b) { return a.start_ns < b.start_ns; });
  t.spans.insert(t.spans.end(), std::make_move_iterator(timed.begin()), std::make_move_iterator(timed.end()));
  return t;
}

json otlp_request(const RunContext& context, const RunRecord& record) {
  if (!record.trace) throw std::invalid_argument("the record of " + record.cell() + "/" + record.system + " has no trace");
  const auto& t = *record.trace;
  const std::string identity = context.run_id + "/" + record.cell() + "/" + record.system + "/" +
                               (record.warmup ? "warm-up " : "rep ") + std::to_string(record.repetition);
  const auto trace_id = hex(fnv(identity)) + hex(fnv(identity, 1099511628211ull * 31));
  auto span_id = [&](std::size_t i) {
    const auto id = fnv(std::to_string(i), fnv(identity, 7));
    return hex(id == 0 ? 1 : id);
  };
  auto unix_ns = [&](std::int64_t ns) { return std::to_string(t.start_unix_ns + ns); };
  // Parents, by time: a span hangs from the shortest agent turn or system span that holds it (of
  // the same agent, where both name one) — the model server's span of a call under the system's own
  // span of that call, a tool under its turn — and from the task otherwise. Equal spans nest in
  // order, so no span is its own ancestor.
  std::vector<std::size_t> parent(t.spans.size(), 0);
  auto length = [&](std::size_t i) { return t.spans[i].end_ns - t.spans[i].start_ns; };
  for (std::size_t i = 1; i < t.spans.size(); ++i) {
    const auto& s = t.spans[i];
    for (std::size_t k = 1; k < t.spans.size(); ++k) {
      const auto& c = t.spans[k];
      const bool holder = c.kind == TraceSpan::Kind::agent || c.kind == TraceSpan::Kind::system;
      if (k == i || !holder || c.start_ns > s.start_ns || s.end_ns > c.end_ns) continue;
      if (!c.agent.empty() && !s.agent.empty() && c.agent != s.agent) continue;
      if (length(k) < length(i) || (length(k) == length(i) && k > i)) continue;
      if (parent[i] == 0 || length(k) < length(parent[i]) || (length(k) == length(parent[i]) && k > parent[i])) parent[i] = k;
    }
  }
  // host:port, or [v6]:port; a port that is not a number is left out.
  const auto colon = t.server.rfind(':');
  const bool has_port = colon != std::string::npos && t.server.find(']', colon) == std::string::npos;
  auto host = has_port ? t.server.substr(0, colon) : t.server;
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::optional<std::int64_t> port;
  if (has_port) {
    std::int64_t p = 0;
    const auto text = std::string_view(t.server).substr(colon + 1);
    const auto [end_at, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
    if (ec == std::errc() && end_at == text.data() + text.size() && p > 0 && p < 65536) port = p;
  }

  json system_spans = json::array(), server_spans = json::array();
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const auto& s = t.spans[i];
    json attributes = json::array();
    std::string name;
    int kind = kInternal;
    bool failed = false;
    std::string failure;  // the status message of a failed span
    switch (s.kind) {
      case TraceSpan::Kind::task:
        name = "invoke_workflow " + record.scenario;
        attributes = {text_value("gen_ai.operation.name", "invoke_workflow"), text_value("gen_ai.workflow.name", record.scenario),
                      text_value("legion.system", record.system), text_value("legion.cell", record.cell()),
                      int_value("legion.repetition", record.repetition), bool_value("legion.warmup", record.warmup),
                      bool_value("legion.correct", record.correct), int_value("legion.llm_calls", static_cast<std::int64_t>(record.llm_calls))};
        failed = record.error.has_value();
        failure = record.error.value_or("");
        break;
      case TraceSpan::Kind::agent:
        name = "invoke_agent " + s.agent;
        attributes = {text_value("gen_ai.operation.name", "invoke_agent"), text_value("gen_ai.agent.name", s.agent)};
        break;
      case TraceSpan::Kind::model: {
        const std::string operation = s.embeddings ? "embeddings" : "chat";
        name = operation + " " + s.name;
        kind = kServer;
        attributes = {text_value("gen_ai.operation.name", operation), text_value("gen_ai.provider.name", "openai"),
                      text_value("gen_ai.request.model", s.name), text_value("server.address", host),
                      int_value("gen_ai.usage.input_tokens", static_cast<std::int64_t>(s.input_tokens))};
        if (port) attributes.push_back(int_value("server.port", *port));
        failed = s.outcome == "error";
        if (!s.embeddings) attributes.push_back(int_value("gen_ai.usage.output_tokens", static_cast<std::int64_t>(s.output_tokens)));
        if (!s.embeddings && !failed) attributes.push_back(strings_value("gen_ai.response.finish_reasons", {s.outcome}));
        if (failed) {
          attributes.push_back(text_value("error.type", std::to_string(s.status)));  // the conventions' error.type: the HTTP status
          failure = "HTTP " + std::to_string(s.status);
        }
        if (!s.agent.empty()) attributes.push_back(text_value("gen_ai.agent.name", s.agent));
        break;
      }
      case TraceSpan::Kind::tool:
        name = "execute_tool " + s.name;
        attributes = {text_value("gen_ai.operation.name", "execute_tool"), text_value("gen_ai.tool.name", s.name),
                      text_value("gen_ai.tool.type", "function")};
        break;
      case TraceSpan::Kind::human:
        name = "await_human review";
        attributes = {text_value("legion.human.decision", s.name)};
        break;
      case TraceSpan::Kind::system: {
        // The system's own span, named as the system names it; one named by the conventions
        // ("chat MODEL", "invoke_agent NAME", "execute_tool NAME", ...) gets their attributes.
        name = s.name;
        attributes = {text_value("legion.span.source", "system")};
        const auto space = s.name.find(' ');
        const auto operation = s.name.substr(0, space);
        const auto subject = space == std::string::npos ? std::string() : s.name.substr(space + 1);
        if (operation == "chat" || operation == "embeddings" || operation == "generate_content" || operation == "text_completion") {
          kind = kClient;
          attributes.push_back(text_value("gen_ai.operation.name", operation));
          attributes.push_back(text_value("gen_ai.provider.name", "openai"));
          if (!subject.empty()) attributes.push_back(text_value("gen_ai.request.model", subject));
          attributes.push_back(text_value("server.address", host));
          if (port) attributes.push_back(int_value("server.port", *port));
        } else if (operation == "invoke_agent" || operation == "execute_tool" || operation == "invoke_workflow" ||
                   operation == "create_agent") {
          attributes.push_back(text_value("gen_ai.operation.name", operation));
          if (operation == "execute_tool" && !subject.empty()) attributes.push_back(text_value("gen_ai.tool.name", subject));
          if (operation == "invoke_workflow" && !subject.empty()) attributes.push_back(text_value("gen_ai.workflow.name", subject));
        }
        break;
      }
    }
    if (!s.agent.empty() && s.kind != TraceSpan::Kind::agent && s.kind != TraceSpan::Kind::model)
      attributes.push_back(text_value("gen_ai.agent.name", s.agent));
    if (s.kind != TraceSpan::Kind::system) attributes.push_back(text_value("legion.span.source", s.kind == TraceSpan::Kind::model ? "model_server" : "harness"));
    json span = {{"traceId", trace_id},
                 {"spanId", span_id(i)},
                 {"name", name},
                 {"kind", kind},
                 {"startTimeUnixNano", unix_ns(s.start_ns)},
                 {"endTimeUnixNano", unix_ns(s.end_ns)},
                 {"attributes", attributes}};
    if (failed) span["status"] = {{"code", kStatusError}, {"message", failure}};  // else unset, as instrumentation leaves it
    if (i > 0) span["parentSpanId"] = span_id(parent[i]);
    (s.kind == TraceSpan::Kind::model ? server_spans : system_spans).push_back(std::move(span));
  }
  const json scope = {{"name", "legion-bench"}, {"version", LEGION_VERSION}};
  auto resource = [&](const std::string& service) {
    return json{{"attributes", json::array({text_value("service.name", service), text_value("legion.run_id", context.run_id)})}};
  };
  json resource_spans = json::array(
      {{{"resource", resource(record.system)}, {"scopeSpans", json::array({{{"scope", scope}, {"spans", system_spans}}})}}});
  if (!server_spans.empty())
    resource_spans.push_back({{"resource", resource(context.real_model ? "legion-recording-proxy" : "legion-model-server")},
                              {"scopeSpans", json::array({{{"scope", scope}, {"spans", server_spans}}})}});
  return {{"resourceSpans", resource_spans}};
}

std::vector<TimelineLane> timeline_lanes(const RecordTrace& trace) {
  TimelineLane agents{"agents"}, model{"model"}, tools{"tools"}, framework{"framework"};
  // The agents' turns as the system traced them where it did (a turn from its start to its answer),
  // else as the model server saw them (from the agent's first call to its last).
  const bool own_turns = std::any_of(trace.spans.begin(), trace.spans.end(), own_turn);
  std::vector<core::TimeSpan> busy;
  for (const auto& s : trace.spans) {
    switch (s.kind) {
      case TraceSpan::Kind::agent:
        if (!own_turns) agents.bars.push_back({s.start_ns, s.end_ns, s.agent});
        break;
      case TraceSpan::Kind::model:
        model.bars.push_back({s.start_ns, s.end_ns, (s.agent.empty() ? "" : s.agent + ": ") + (s.embeddings ? "embeddings" : s.outcome)});
        busy.push_back({s.start_ns, s.end_ns});
        break;
      case TraceSpan::Kind::tool:
      case TraceSpan::Kind::human:
        tools.bars.push_back({s.start_ns, s.end_ns, s.kind == TraceSpan::Kind::human ? "person: " + s.name : s.name});
        busy.push_back({s.start_ns, s.end_ns});
        break;
      case TraceSpan::Kind::system:
        if (own_turns && own_turn(s))
          agents.bars.push_back({s.start_ns, s.end_ns, s.agent.empty() ? s.name.substr(13) : s.agent});
        break;
      case TraceSpan::Kind::task: break;
    }
  }
  // The framework's own time: the gaps the model, the tools and the person leave in the task.
  const auto task_end = trace.spans.empty() ? 0 : trace.spans.front().end_ns;
  std::int64_t at = 0;
  for (const auto& b : core::merged(busy)) {
    if (const auto gap_end = std::min(b.start_ns, task_end); gap_end > at) framework.bars.push_back({at, gap_end, ""});
    at = std::max(at, b.end_ns);
  }
  if (at < task_end) framework.bars.push_back({at, task_end, ""});
  std::vector<TimelineLane> lanes = {std::move(agents), std::move(model), std::move(tools), std::move(framework)};
  for (auto& lane : lanes) {
    std::vector<core::TimeSpan> spans;
    for (const auto& b : lane.bars) spans.push_back({b.start_ns, b.end_ns});
    lane.total_ns = core::union_length_ns(spans);
  }
  return lanes;
}

}  // namespace legion::report
