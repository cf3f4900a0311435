// Google Benchmark programs for the engine's hot paths and the oracle. Standard JSON output
// (--benchmark_format=json) works with the library's compare.py tooling.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <chrono>
#include <memory>

#include "legion/core/chat.hpp"
#include "legion/core/engine.hpp"
#include "legion/oracle/chat_handler.hpp"
#include "legion/oracle/server.hpp"
#include "legion/oracle/token_counter.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/oracle/tokenizer.hpp"
#include "legion/report/analysis.hpp"
#include "legion/stats/intervals.hpp"

namespace {

using namespace legion::core;
using namespace legion::datasets;
using namespace legion::oracle;

std::shared_ptr<const ScenarioSpec> scenario(const std::string& name) {
  return std::make_shared<const ScenarioSpec>(load_scenario(resolve_scenario(name)));
}

// The request the native engine sends on the second call of single-tool (after the tool result).
ChatRequest single_tool_second_request(const ScenarioSpec& spec) {
  const auto& agent = spec.agents.front();
  ChatRequest r;
  r.model = "legion-oracle";
  r.messages.push_back({"system", native_system_prompt(agent), {}, {}, {}});
  r.messages.push_back({"user", "Task: " + spec.task, {}, {}, {}});
  r.messages.push_back({"assistant", "", {}, {}, {{"call_1", "lookup_record", R"({"key":"launch-code"})"}}});
  r.messages.push_back({"tool", spec.run_tool("lookup_record", R"({"key":"launch-code"})"), {}, "call_1", {}});
  for (const auto& t : spec.tools) r.tools.push_back({t.name, t.description, t.parameters});
  return r;
}

void BM_MessageBusPublish(benchmark::State& state) {
  MessageBus bus;
  std::size_t received = 0;
  for (int i = 0; i < state.range(0); ++i) bus.subscribe("topic", [&](const Envelope&) { ++received; });
  Envelope e{"topic", "agent-1", "a message of typical length carrying one planted value ZQ1234ABCD"};
  for (auto _ : state) benchmark::DoNotOptimize(bus.publish(e));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MessageBusPublish)->Arg(1)->Arg(8);

void BM_MemoryRecall(benchmark::State& state) {
  Memory memory;
  for (int i = 0; i < state.range(0); ++i)
    memory.remember({"user", "observation " + std::to_string(i) + " about region-" + std::to_string(i % 17) +
                                 " sales figures and trend index " + std::to_string(i * 7),
                     {}, {}, {}});
  for (auto _ : state) benchmark::DoNotOptimize(memory.recall("sales figures of region-5", 5));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryRecall)->Arg(100)->Arg(1000);

void BM_EncodeChatRequest(benchmark::State& state) {
  auto spec = scenario("single-tool");
  auto request = single_tool_second_request(*spec);
  for (auto _ : state) benchmark::DoNotOptimize(encode_chat_request(request));
}
BENCHMARK(BM_EncodeChatRequest);

void BM_ParseChatRequest(benchmark::State& state) {
  auto spec = scenario("single-tool");
  auto body = encode_chat_request(single_tool_second_request(*spec));
  for (auto _ : state) benchmark::DoNotOptimize(parse_chat_request(body));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseChatRequest);

void BM_ParseChatResponse(benchmark::State& state) {
  ChatResponse r{"chatcmpl-1", "legion-oracle", 0, {"assistant", "The launch code is ZQ1234ABCD.", {}, {}, {}}, "stop", {120, 12}};
  auto body = encode_chat_response(r);
  for (auto _ : state) benchmark::DoNotOptimize(parse_chat_response(body));
}
BENCHMARK(BM_ParseChatResponse);

void BM_TokenizerCount(benchmark::State& state) {
  auto tokenizer = Tokenizer::o200k_base();
  auto spec = scenario("sequential-pipeline");
  std::string text = spec->task + " " + spec->agents.back().script.back().text;
  for (auto _ : state) benchmark::DoNotOptimize(tokenizer->count(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_TokenizerCount);

// The oracle's work per request without HTTP, as its server does it: parse, decide, count tokens,
// encode (detail::answer_chat), for the same request again and again.
void BM_OracleHandleRequest(benchmark::State& state) {
  auto spec = scenario("single-tool");
  detail::ServingState serving{std::make_shared<ScriptPolicy>(spec, dialect_named("native")), {}};
  const LatencyProfile zero;
  auto body = encode_chat_request(single_tool_second_request(*spec));
  std::uint64_t n = 0;
  for (auto _ : state) {
    RequestLogEntry entry;
    entry.seq = ++n;
    benchmark::DoNotOptimize(detail::answer_chat(body, serving, zero, entry));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OracleHandleRequest);

// A conversation of `length` messages with the single-tool agent: the system prompt and the task,
// earlier tool calls and their results, and a last call and result that no earlier request carried
// (`fresh` makes them new), as a growing conversation resends its history.
ChatRequest conversation(const ScenarioSpec& spec, int length, std::uint64_t fresh) {
  auto r = single_tool_second_request(spec);
  r.messages.resize(2);
  for (int k = 1; static_cast<int>(r.messages.size()) < length - 2; ++k) {
    const auto id = "call_h" + std::to_string(k);
    const auto key = "note-" + std::to_string(k);
    r.messages.push_back({"assistant", "", {}, {}, {{id, "lookup_record", R"({"key":")" + key + R"("})"}}});
    r.messages.push_back({"tool", "Record " + key + ": an earlier note, number " + std::to_string(k) + " of this conversation.", {}, id, {}});
  }
  const auto id = "call_n" + std::to_string(fresh);
  r.messages.push_back({"assistant", "", {}, {}, {{id, "lookup_record", R"({"key":"launch-code"})"}}});
  r.messages.push_back({"tool", spec.run_tool("lookup_record", R"({"key":"launch-code"})") + " (request " + std::to_string(fresh) + ")", {}, id, {}});
  return r;
}

// The oracle's whole work for one request (parse, decide, count tokens, encode), as its server
// does it, against the length of the conversation: each request repeats the history and adds one
// new exchange. With `cached` false the token counter keeps nothing, so every message is tokenised
// on every request (what a conversation costs without the per-message count cache).
void service_time(benchmark::State& state, bool cached) {
  auto spec = scenario("single-tool");
  const auto length = static_cast<int>(state.range(0));
  auto counter = cached ? std::make_shared<TokenCounter>(Tokenizer::o200k_base())
                        : std::make_shared<TokenCounter>(Tokenizer::o200k_base(), 2);
  detail::ServingState serving{std::make_shared<ScriptPolicy>(spec, dialect_named("native"), counter), {}};
  const LatencyProfile zero;
  std::uint64_t n = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto body = encode_chat_request(conversation(*spec, length, ++n));  // not timed
    const auto start = std::chrono::steady_clock::now();
    RequestLogEntry entry;
    entry.seq = n;
    auto reply = detail::answer_chat(body, serving, zero, entry);
    benchmark::DoNotOptimize(reply);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (reply.status != 200) {
      state.SkipWithError(reply.body.c_str());
      break;
    }
    bytes = body.size();
  }
  state.counters["request_bytes"] = static_cast<double>(bytes);
  state.counters["per_message_ns"] =
      benchmark::Counter(static_cast<double>(length), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
void BM_OracleServiceTime(benchmark::State& state) { service_time(state, true); }
void BM_OracleServiceTimeUncached(benchmark::State& state) { service_time(state, false); }
BENCHMARK(BM_OracleServiceTime)->Arg(4)->Arg(10)->Arg(100)->Arg(1000)->UseManualTime();
BENCHMARK(BM_OracleServiceTimeUncached)->Arg(4)->Arg(10)->Arg(100)->Arg(1000)->UseManualTime();

// One oracle for the HTTP benchmarks, started before any benchmark thread needs it.
Oracle& shared_oracle() {
  static auto oracle = [] {
    auto o = std::make_unique<Oracle>(Oracle::Options{});
    o->set_script(std::make_shared<ScriptPolicy>(scenario("single-tool"), dialect_named("native")));
    return o;
  }();
  return *oracle;
}

void report_service_time(benchmark::State& state, std::uint64_t since) {
  std::vector<double> service;
  for (const auto& e : shared_oracle().log_since(since)) service.push_back(static_cast<double>(e.service_ns));
  std::sort(service.begin(), service.end());
  if (!service.empty()) state.counters["service_median_us"] = service[service.size() / 2] / 1000.0;
}

// Full HTTP round trips over keep-alive connections, one client per benchmark thread.
void BM_OracleHttpRoundTrip(benchmark::State& state) {
  auto& oracle = shared_oracle();
  static std::uint64_t since = 0;
  if (state.thread_index() == 0) since = oracle.last_seq();
  const auto body = encode_chat_request(single_tool_second_request(*scenario("single-tool")));
  httplib::Client client("127.0.0.1", oracle.port());
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  for (auto _ : state) {
    auto res = client.Post("/v1/chat/completions", body, "application/json");
    if (!res || res->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) report_service_time(state, since);
}
BENCHMARK(BM_OracleHttpRoundTrip)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// What the native engine pays per model call: encode, HTTP round trip, parse.
void BM_LlmClientComplete(benchmark::State& state) {
  auto& oracle = shared_oracle();
  ClientOptions options;
  options.base_url = oracle.base_url();
  LlmClient client(options);
  auto request = single_tool_second_request(*scenario("single-tool"));
  for (auto _ : state) benchmark::DoNotOptimize(client.complete(request));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LlmClientComplete)->UseRealTime();

// Statistics: a BCa interval with 10,000 resamples on 1,000 values, on one core.
std::vector<double> lognormal_values(std::size_t n, std::uint64_t seed) {
  legion::stats::detail::Random random(seed);
  std::vector<double> xs(n);
  for (auto& x : xs) x = std::exp(0.5 * random.normal());
  return xs;
}

void BM_BcaMedian1000x10000(benchmark::State& state) {
  auto xs = lognormal_values(1000, 1);
  for (auto _ : state) benchmark::DoNotOptimize(legion::stats::bootstrap_median(xs, {10000, 1, 0.95}));
}
BENCHMARK(BM_BcaMedian1000x10000)->Unit(benchmark::kMillisecond);

void BM_BcaMean1000x10000(benchmark::State& state) {
  auto xs = lognormal_values(1000, 2);
  for (auto _ : state) benchmark::DoNotOptimize(legion::stats::bootstrap_mean(xs, {10000, 1, 0.95}));
}
BENCHMARK(BM_BcaMean1000x10000)->Unit(benchmark::kMillisecond);

// A 100-scenario x 4-system table, 30 repetitions per cell: every sample summarised (t and BCa
// intervals, 10,000 resamples) and each system compared with the first.
void BM_AnalyzeTable100x4(benchmark::State& state) {
  std::vector<std::vector<legion::report::NamedSample>> table;
  for (std::uint64_t s = 0; s < 100; ++s) {
    std::vector<legion::report::NamedSample> row;
    for (std::uint64_t k = 0; k < 4; ++k) row.push_back({"system" + std::to_string(k), lognormal_values(30, s * 4 + k + 1)});
    table.push_back(std::move(row));
  }
  for (auto _ : state)
    for (const auto& row : table) benchmark::DoNotOptimize(legion::report::analyze(row));
}
BENCHMARK(BM_AnalyzeTable100x4)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
