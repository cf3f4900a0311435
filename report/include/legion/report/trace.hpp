#pragma once
// A traced record's spans (`--trace`): the task, each agent's turn, each model call as the model
// server served it, each tool call and wait for the person where the worker ran them, and the
// system's own spans where it traces itself — on one clock, counted from the task's start. Kept
// with the record (RunRecord::trace), exported as OpenTelemetry's OTLP/JSON with the generative-AI
// semantic conventions (otlp_request), and drawn as the report's timelines (timeline_lanes).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace legion::report {

struct RunContext;
struct RunRecord;

struct TraceSpan {
  // task: the whole task, once. agent: one agent's turn (from its first model call to its answer).
  // model: one request as the model server served it. tool, human: where the worker ran them.
  // system: a span of the system's own tracing, named as the system names it.
  enum class Kind { task, agent, model, tool, human, system };
  Kind kind = Kind::task;
  std::string name;   // the scenario, agent, model, tool or system span's name; human: approve | revise
  std::string agent;  // the agent it belongs to, where known
  std::int64_t start_ns = 0, end_ns = 0;  // since the task's start
  // Model calls: the tokens the model server counted, what the answer did (tool_calls, stop,
  // error) and the embeddings' requests apart from the chat calls.
  std::uint64_t input_tokens = 0, output_tokens = 0;
  std::string outcome = {};
  bool embeddings = false;
  int status = 200;  // the model server's HTTP status
};

struct RecordTrace {
  std::int64_t start_unix_ns = 0;  // the task's start on the wall clock, for the exported spans
  std::string model;               // the model the system asked for
  std::string server;              // the model server, host:port
  std::vector<TraceSpan> spans;    // the task first, then in order of start
};

const char* to_string(TraceSpan::Kind kind);
// Compact JSON text, as the store and results.json keep it; trace_from_text reads it back and
// throws std::invalid_argument naming `where` and what is wrong.
std::string to_text(const RecordTrace& trace);
RecordTrace trace_from_text(const std::string& text, const std::string& where);

// What the worker, the model server and the system saw of one task, made into spans on the task's
// clock (the steady clock every process of a run shares). `requests`: the model server's log of
// the task's requests, each {agent, action, started_ns, service_ns, prompt_tokens, completion_tokens,
// status}; `worker`: the worker's "trace" (bench/src/worker.hpp). Agent turns come from the agents
// the model server identified in the requests; each tool call belongs to the agent whose request
// came before it. Throws std::invalid_argument on a malformed worker trace.
struct ServedRequest {
  std::string agent, action;
  std::int64_t started_ns = 0, service_ns = 0;
  std::uint64_t prompt_tokens = 0, completion_tokens = 0;
  int status = 200;
};
RecordTrace make_trace(const nlohmann::json& worker, const std::vector<ServedRequest>& requests, std::string model,
                       std::string server);

// One OTLP/JSON ExportTraceServiceRequest (opentelemetry-proto's JSON mapping) holding the
// record's trace: one trace, the system's spans under service.name = the system, the model
// server's under its own resource; span and trace ids derived from the run and the record, so that
// the same records export the same ids.
nlohmann::json otlp_request(const RunContext& context, const RunRecord& record);

// A timeline's lanes for one traced record, each a list of [start, end) intervals since the task's
// start: the agents' turns (each with its agent), the model's calls, the tools and the person, and
// the framework's own time — the task's time covered by none of the model, the tools or the person.
struct TimelineLane {
  std::string name;  // agents | model | tools | framework
  struct Bar {
    std::int64_t start_ns, end_ns;
    std::string label;  // the agent, the tool, the model call's outcome
  };
  std::vector<Bar> bars = {};
  std::int64_t total_ns = 0;  // the union of its bars
};
std::vector<TimelineLane> timeline_lanes(const RecordTrace& trace);

}  // namespace legion::report
