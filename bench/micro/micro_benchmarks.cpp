// Google Benchmark programs for the engine's hot paths and the oracle. Standard JSON output
// (--benchmark_format=json) works with the library's compare.py tooling.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "legion/core/chat.hpp"
#include "legion/core/engine.hpp"
#include "legion/core/graph.hpp"
#include "legion/core/process_status.hpp"
#include "legion/oracle/chat_handler.hpp"
#include "legion/oracle/server.hpp"
#include "legion/oracle/token_counter.hpp"
#include "legion/datasets/sandbox.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/oracle/tokenizer.hpp"
#include "legion/report/analysis.hpp"
#include "legion/stats/intervals.hpp"
#include "zero_io.hpp"

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

// Starting the sandbox and Python printing one line: what each code-execution tool call costs
// before the program's own work (bubblewrap's namespaces and mounts, the seccomp filter, the
// program's cgroup, made and removed each time).
void BM_SandboxedPrint(benchmark::State& state) {
  for (auto _ : state) {
    const auto run = legion::datasets::run_python_sandboxed("print(1)");
    if (run.output != "1\n") {
      state.SkipWithError(("the sandbox failed: " + run.errors).c_str());
      break;
    }
  }
}
BENCHMARK(BM_SandboxedPrint)->Unit(benchmark::kMillisecond)->UseRealTime();

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

// ---------------------------------------------------------------- zero-I/O engine overhead
//
// The engine's graph executor (the one every coordination pattern runs on) with trivial nodes, no
// model and no I/O, compiled once and invoked in a hot loop: `seq` is a 3-node chain where each
// node increments a counter, `par` a fan-out to 5 workers that each append their index, joined by
// a summariser (bench/micro/zero_io.hpp). Counters: this process's peak RSS (VmHWM) and current RSS
// after the loop; legion-zero-io gives the RSS of a process that holds the engine alone.

void report_rss(benchmark::State& state) {
  const auto status = legion::core::read_process_status();
  state.counters["peak_rss_mb"] = static_cast<double>(status.peak_rss_kb) / 1024.0;
  state.counters["rss_mb"] = static_cast<double>(status.rss_kb) / 1024.0;
}

void BM_EngineSeq(benchmark::State& state) {
  const auto graph = legion::bench::zero_io::seq_graph();
  EventLoop loop;
  legion::bench::zero_io::SeqState s;
  for (auto _ : state) {
    graph.invoke(loop, s);
    benchmark::DoNotOptimize(s.counter);
  }
  if (s.counter != 3 * static_cast<std::int64_t>(state.iterations())) state.SkipWithError("wrong count");
  report_rss(state);
}
BENCHMARK(BM_EngineSeq);

void BM_EnginePar(benchmark::State& state) {
  const auto graph = legion::bench::zero_io::par_graph();
  EventLoop loop;
  legion::bench::zero_io::ParState s;
  for (auto _ : state) {
    graph.invoke(loop, s);
    benchmark::DoNotOptimize(s.summary);
  }
  if (s.summary != legion::bench::zero_io::kParSummary) state.SkipWithError("wrong summary");
  report_rss(state);
}
BENCHMARK(BM_EnginePar);

// The engine's client against a server that costs next to nothing: one blocking thread answering
// every request on its connection with the same canned response in one write. What is left is the
// client (encode, write, wait, read, parse) and the kernel's loopback path: the floor of the
// engine's per-call overhead, without the model server's own transport.
class CannedServer {
 public:
  CannedServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 16);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ChatResponse r{"chatcmpl-1", "legion-oracle", 0, {"assistant", "The launch code is ZQ1234ABCD.", {}, {}, {}}, "stop", {120, 12}};
    const auto body = encode_chat_response(r);
    response_ = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int port() const { return port_; }
  std::size_t response_size() const { return response_.size(); }

 private:
  void serve() {
    for (;;) {
      int c = ::accept(listener_, nullptr, nullptr);
      if (c < 0) return;
      int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::string in;
      char buffer[65536];
      for (;;) {
        auto head_end = in.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          auto at = in.find("Content-Length: ");
          auto length = at == std::string::npos ? 0 : std::stoul(in.substr(at + 16));
          if (in.size() >= head_end + 4 + length) {
            in.erase(0, head_end + 4 + length);
            if (::send(c, response_.data(), response_.size(), MSG_NOSIGNAL) < 0) break;
            continue;
          }
        }
        auto n = ::recv(c, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        in.append(buffer, static_cast<std::size_t>(n));
      }
      ::close(c);
    }
  }
  int listener_ = -1;
  int port_ = 0;
  std::string response_;
  std::thread thread_;
};

void BM_LlmClientCannedServer(benchmark::State& state) {
  static CannedServer server;
  ClientOptions options;
  options.base_url = server.base_url();
  LlmClient client(options);
  auto request = single_tool_second_request(*scenario("single-tool"));
  for (auto _ : state) benchmark::DoNotOptimize(client.complete(request));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LlmClientCannedServer)->UseRealTime();

// The same exchange with blocking sockets and no HTTP or JSON work: one send of a pre-encoded
// request, recv until the canned response is in. The loopback floor under the client.
void BM_RawExchangeCannedServer(benchmark::State& state) {
  static CannedServer server;
  const auto body = encode_chat_request(single_tool_second_request(*scenario("single-tool")));
  const auto request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body;
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    state.SkipWithError("cannot connect");
    return;
  }
  char buffer[65536];
  for (auto _ : state) {
    ::send(s, request.data(), request.size(), MSG_NOSIGNAL);
    std::size_t got = 0;
    while (got < server.response_size()) {
      auto n = ::recv(s, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
  }
  ::close(s);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawExchangeCannedServer)->UseRealTime();

// A whole native task against the canned server, which answers at once (one model call): the
// engine's cost per task beyond the client's (plan, graph, agent turn, tracing).
void BM_EngineRunCannedServer(benchmark::State& state) {
  static CannedServer server;
  EngineOptions options;
  options.client.base_url = server.base_url();
  Engine engine(options);
  const auto task = task_of(*scenario("single-tool"));
  for (auto _ : state) benchmark::DoNotOptimize(engine.run(task));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineRunCannedServer)->UseRealTime();

// One whole native task (single-tool: two model calls) against the in-process oracle, the path
// the worker times: plan, graph, two HTTP round trips, answer.
void BM_EngineRunSingleTool(benchmark::State& state) {
  auto& oracle = shared_oracle();
  EngineOptions options;
  options.client.base_url = oracle.base_url();
  Engine engine(options);
  auto spec = scenario("single-tool");
  const auto task = task_of(*spec);
  for (auto _ : state) benchmark::DoNotOptimize(engine.run(task));
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_EngineRunSingleTool)->UseRealTime();

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
