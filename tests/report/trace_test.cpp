#include "legion/report/trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "legion/report/results.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

// A task of 10 µs on the steady clock from 1,000 ns: agent a calls a tool between two model calls,
// the person is asked, agent b answers.
json worker_trace(bool own_turns) {
  json w = {{"start_ns", 1000},
            {"end_ns", 11000},
            {"start_unix_ns", 1'700'000'000'000'000'000},
            {"calls", json::array({{{"kind", "tool"}, {"name", "lookup"}, {"start_ns", 3000}, {"end_ns", 3500}},
                                   {{"kind", "tool"}, {"name", "fetch"}, {"start_ns", 9500}, {"end_ns", 9600}},
                                   {{"kind", "human"}, {"name", "approve"}, {"start_ns", 8000}, {"end_ns", 8200}}})},
            {"system", json::array()}};
  if (own_turns) {
    w["system"].push_back({{"name", "invoke_agent a"}, {"agent", "a"}, {"start_ns", 1100}, {"end_ns", 6000}});
    w["system"].push_back({{"name", "chat legion-oracle"}, {"agent", "a"}, {"start_ns", 1900}, {"end_ns", 2600}});
  }
  return w;
}

std::vector<ServedRequest> requests() {
  return {{"a", "call", 2000, 500, 10, 2, 200}, {"a", "say", 4000, 300, 14, 3, 200}, {"b", "say", 9000, 100, 20, 1, 200}};
}

std::vector<TraceSpan> of_kind(const RecordTrace& t, TraceSpan::Kind kind) {
  std::vector<TraceSpan> out;
  for (const auto& s : t.spans)
    if (s.kind == kind) out.push_back(s);
  return out;
}

TEST(Trace, PutsEveryPartOnTheTasksClock) {
  const auto t = make_trace(worker_trace(false), requests(), "legion-oracle", "127.0.0.1:4100");
  ASSERT_FALSE(t.spans.empty());
  EXPECT_EQ(t.spans.front().kind, TraceSpan::Kind::task);
  EXPECT_EQ(t.spans.front().end_ns, 10000);
  const auto model = of_kind(t, TraceSpan::Kind::model);
  ASSERT_EQ(model.size(), 3u);
  EXPECT_EQ(model[0].start_ns, 1000);
  EXPECT_EQ(model[0].end_ns, 1500);
  EXPECT_EQ(model[0].outcome, "tool_calls");
  EXPECT_EQ(model[1].outcome, "stop");
  EXPECT_EQ(model[2].input_tokens, 20u);
  // The tool belongs to the agent whose request came before it; the person is a span of its own.
  const auto tools = of_kind(t, TraceSpan::Kind::tool);
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0].agent, "a");
  EXPECT_EQ(tools[0].start_ns, 2000);
  EXPECT_EQ(tools[1].agent, "b");  // after b's request, whatever tools came before
  EXPECT_EQ(of_kind(t, TraceSpan::Kind::human).size(), 1u);
  // Agent turns as the model server saw them: a from its first call to its last, then b.
  const auto turns = of_kind(t, TraceSpan::Kind::agent);
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[0].agent, "a");
  EXPECT_EQ(turns[0].start_ns, 1000);
  EXPECT_EQ(turns[0].end_ns, 3300);
  EXPECT_EQ(turns[1].agent, "b");
  for (std::size_t i = 2; i < t.spans.size(); ++i) EXPECT_LE(t.spans[i - 1].start_ns, t.spans[i].start_ns);
}

TEST(Trace, TakesTheSystemsOwnTurnsInsteadOfDerivedOnes) {
  const auto t = make_trace(worker_trace(true), requests(), "legion-oracle", "127.0.0.1:4100");
  EXPECT_TRUE(of_kind(t, TraceSpan::Kind::agent).empty());
  EXPECT_EQ(of_kind(t, TraceSpan::Kind::system).size(), 2u);
  const auto lanes = timeline_lanes(t);
  ASSERT_EQ(lanes.size(), 4u);
  EXPECT_EQ(lanes[0].name, "agents");
  ASSERT_EQ(lanes[0].bars.size(), 1u);
  EXPECT_EQ(lanes[0].bars[0].start_ns, 100);  // the system's turn, from its start
}

TEST(Trace, RefusesAMalformedWorkerTrace) {
  auto w = worker_trace(false);
  w.erase("start_ns");
  EXPECT_THROW(make_trace(w, requests(), "m", "h:1"), std::invalid_argument);
  w = worker_trace(false);
  w["calls"][0].erase("name");
  EXPECT_THROW(make_trace(w, requests(), "m", "h:1"), std::invalid_argument);
  EXPECT_THROW(make_trace(json::array(), requests(), "m", "h:1"), std::invalid_argument);
}

TEST(Trace, RoundTripsAsTextAndNamesWhatIsWrong) {
  const auto t = make_trace(worker_trace(true), requests(), "legion-oracle", "127.0.0.1:4100");
  const auto back = trace_from_text(to_text(t), "here");
  ASSERT_EQ(back.spans.size(), t.spans.size());
  EXPECT_EQ(to_text(back), to_text(t));
  EXPECT_EQ(back.start_unix_ns, t.start_unix_ns);
  EXPECT_EQ(back.server, "127.0.0.1:4100");
  auto expect_error = [](const std::string& text, const std::string& what) {
    try {
      trace_from_text(text, "record 3");
      ADD_FAILURE() << "accepted " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("record 3"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_error("not json", "'spans'");
  expect_error(R"({"start_unix_ns":1,"spans":[]})", "starts with its task");
  expect_error(R"({"start_unix_ns":1,"spans":[{"kind":"task","name":"","start_ns":5,"end_ns":1}]})", "ends before it starts");
  expect_error(R"({"start_unix_ns":1,"spans":[{"kind":"banana","name":"","start_ns":0,"end_ns":1}]})", "unknown span kind");
}

TEST(Trace, FrameworkTimeIsTheTaskLessTheModelToolsAndPerson) {
  const auto t = make_trace(worker_trace(false), requests(), "legion-oracle", "127.0.0.1:4100");
  std::map<std::string, std::int64_t> total;
  for (const auto& lane : timeline_lanes(t)) total[lane.name] = lane.total_ns;
  EXPECT_EQ(total["model"], 500 + 300 + 100);
  EXPECT_EQ(total["tools"], 500 + 100 + 200);
  EXPECT_EQ(total["model"] + total["tools"] + total["framework"], 10000);  // nothing overlaps here
}

// The OTLP/JSON request: one trace, unique span ids, every parent present, the model server's spans
// under their own resource, the generative-AI attributes where the conventions put them.
TEST(Trace, ExportsOneOtlpTracePerRecord) {
  RunContext context;
  context.run_id = "20261207T120000Z-1";
  RunRecord record;
  record.system = "native";
  record.scenario = "single-tool";
  record.llm_calls = 3;
  record.correct = true;
  record.trace = make_trace(worker_trace(true), requests(), "legion-oracle", "127.0.0.1:4100");
  const auto request = otlp_request(context, record);
  ASSERT_EQ(request["resourceSpans"].size(), 2u);
  std::set<std::string> ids, traces;
  std::map<std::string, json> by_id;
  std::map<std::string, std::string> service_of;
  for (const auto& rs : request["resourceSpans"]) {
    std::string service;
    for (const auto& a : rs["resource"]["attributes"])
      if (a["key"] == "service.name") service = a["value"]["stringValue"];
    for (const auto& span : rs["scopeSpans"][0]["spans"]) {
      EXPECT_EQ(span["spanId"].get<std::string>().size(), 16u);
      EXPECT_TRUE(ids.insert(span["spanId"]).second) << "repeated span id";
      traces.insert(span["traceId"].get<std::string>());
      by_id[span["spanId"]] = span;
      service_of[span["spanId"]] = service;
    }
  }
  EXPECT_EQ(ids.size(), record.trace->spans.size());
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(traces.begin()->size(), 32u);
  auto attribute = [](const json& span, const std::string& key) -> json {
    for (const auto& a : span["attributes"])
      if (a["key"] == key) return a["value"];
    return nullptr;
  };
  int roots = 0, server_spans = 0;
  for (const auto& [id, span] : by_id) {
    if (!span.contains("parentSpanId")) {
      ++roots;
      EXPECT_EQ(span["name"], "invoke_workflow single-tool");
      continue;
    }
    EXPECT_TRUE(by_id.contains(span["parentSpanId"])) << span["name"];
    EXPECT_LE(std::stoll(by_id[span["parentSpanId"]]["startTimeUnixNano"].get<std::string>()),
              std::stoll(span["startTimeUnixNano"].get<std::string>()));
    if (span["kind"] == 2) {  // SERVER: the model server's span of a call
      ++server_spans;
      EXPECT_EQ(service_of[id], "legion-model-server");
      EXPECT_EQ(attribute(span, "gen_ai.operation.name")["stringValue"], "chat");
      EXPECT_EQ(attribute(span, "gen_ai.request.model")["stringValue"], "legion-oracle");
      EXPECT_EQ(attribute(span, "server.port")["intValue"], "4100");
      EXPECT_FALSE(attribute(span, "gen_ai.usage.input_tokens").is_null());
      EXPECT_FALSE(attribute(span, "gen_ai.usage.output_tokens").is_null());
    }
  }
  EXPECT_EQ(roots, 1);
  EXPECT_EQ(server_spans, 3);
  // The first call's server span hangs from the system's own client span of it.
  int first_calls = 0;
  for (const auto& [id, span] : by_id) {
    if (span["kind"] == 2 && span["startTimeUnixNano"] == std::to_string(1'700'000'000'000'001'000)) {
      ++first_calls;
      EXPECT_EQ(by_id.at(span["parentSpanId"])["name"], "chat legion-oracle");
    }
  }
  EXPECT_EQ(first_calls, 1);
  // Success leaves a span's status unset; the task's failure is its root's error.
  for (const auto& [id, span] : by_id) EXPECT_FALSE(span.contains("status")) << span["name"];
  record.trace.reset();
  EXPECT_THROW(otlp_request(context, record), std::invalid_argument);
}

// A failed model call: an error status with the HTTP status, error.type, no finish reason; a system
// span reaching past the task is cut to it; a server address without a numeric port has none.
TEST(Trace, MarksAFailedCallAndKeepsSpansInsideTheTask) {
  auto requests_with_error = requests();
  requests_with_error[1].status = 500;
  requests_with_error[1].action = "error";
  auto w = worker_trace(true);
  w["system"].push_back({{"name", "late"}, {"agent", ""}, {"start_ns", 10500}, {"end_ns", 12000}});
  w["system"].push_back({{"name", "after"}, {"agent", ""}, {"start_ns", 12000}, {"end_ns", 13000}});
  RunRecord record;
  record.system = "native";
  record.scenario = "single-tool";
  record.trace = make_trace(w, requests_with_error, "legion-oracle", "[::1]:x");
  const auto own = of_kind(*record.trace, TraceSpan::Kind::system);
  ASSERT_EQ(own.size(), 3u);  // "after" lies wholly beyond the task
  EXPECT_EQ(own.back().end_ns, 10000);
  const auto back = trace_from_text(to_text(*record.trace), "here");
  EXPECT_EQ(of_kind(back, TraceSpan::Kind::model)[1].status, 500);
  const auto request = otlp_request(RunContext{}, record);
  int failed = 0;
  for (const auto& span : request["resourceSpans"][1]["scopeSpans"][0]["spans"]) {
    std::map<std::string, nlohmann::json> a;
    for (const auto& kv : span["attributes"]) a[kv["key"]] = kv["value"];
    EXPECT_EQ(a["server.address"]["stringValue"], "::1");
    EXPECT_FALSE(a.contains("server.port"));
    if (!span.contains("status")) continue;
    ++failed;
    EXPECT_EQ(span["status"]["code"], 2);
    EXPECT_EQ(span["status"]["message"], "HTTP 500");
    EXPECT_EQ(a["error.type"]["stringValue"], "500");
    EXPECT_FALSE(a.contains("gen_ai.response.finish_reasons"));
  }
  EXPECT_EQ(failed, 1);
}

}  // namespace
}  // namespace legion::report
