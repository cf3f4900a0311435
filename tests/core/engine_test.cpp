#include "legion/core/engine.hpp"

#include <algorithm>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "legion/core/graph.hpp"

#include "legion/oracle/server.hpp"

namespace legion::core {
namespace {

using namespace legion::datasets;
using namespace legion::oracle;

// The engine against an in-process oracle, over real HTTP.
class EngineTest : public ::testing::Test {
 protected:
  TaskResult run(const ScenarioSpec& oracle_view, const ScenarioSpec& engine_view, bool stream = false, bool trace = false) {
    oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(oracle_view), dialect_named("native")));
    EngineOptions options;
    options.client.base_url = oracle_.base_url();
    options.stream = stream;
    options.trace = trace;
    return Engine(options).run(task_of(engine_view));
  }
  Oracle oracle_{Oracle::Options{}};
};

class EveryScenario : public EngineTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(EveryScenario, IsCorrectOnTheNativeEngine) {
  auto spec = load_scenario(resolve_scenario(GetParam()), {{}, 7});
  auto before = oracle_.last_seq();
  auto result = run(spec, spec, false, true);
  auto check = check_answer(spec, result.answer);
  EXPECT_TRUE(check.correct) << result.answer;
  auto served = totals(oracle_.log_since(before));
  EXPECT_EQ(result.llm_calls, served.requests);  // the engine's own count agrees with the server's
  EXPECT_EQ(result.usage.prompt_tokens, served.prompt_tokens);
  // Traced: a span per model call, each inside the task's time.
  const auto model_spans = std::count_if(result.spans.begin(), result.spans.end(), [](const Span& s) { return s.name == "llm"; });
  EXPECT_EQ(static_cast<std::uint64_t>(model_spans), result.llm_calls);
  for (const auto& s : result.spans) {
    EXPECT_LE(0, s.start_ns);
    EXPECT_LE(s.start_ns, s.end_ns);
  }
  // Untraced (the default): no spans kept.
  EXPECT_TRUE(run(spec, spec).spans.empty());
}

TEST_P(EveryScenario, FailsWhenAPlantedToolValueIsAltered) {
  auto spec = load_scenario(resolve_scenario(GetParam()), {{}, 7});
  // The system under test computes tool results from its copy of the scenario; alter a planted
  // value there (or in an agent's output the oracle produces, for scenarios without tools).
  auto altered = spec;
  bool changed = false;
  for (auto& tool : altered.tools)
    for (auto& c : tool.cases)
      for (const auto& [name, value] : spec.nonces)
        if (auto pos = c.result.find(value); pos != std::string::npos) {
          c.result.replace(pos, value.size(), "ZQ00000000");
          changed = true;
        }
  if (!changed) {
    // No tools: change the task, whose planted value every answer must carry.
    for (const auto& [name, value] : spec.nonces)
      if (auto pos = altered.task.find(value); pos != std::string::npos) altered.task.replace(pos, value.size(), "ZQ00000000");
  }
  ASSERT_TRUE(changed || altered.task != spec.task);
  auto result = run(spec, altered);
  auto check = check_answer(spec, result.answer);
  EXPECT_FALSE(check.correct) << result.answer;
  EXPECT_NE(result.answer.find("MISSING("), std::string::npos) << result.answer;
}

INSTANTIATE_TEST_SUITE_P(Coordination, EveryScenario,
                         ::testing::Values("single-tool", "sequential-pipeline", "hierarchical-delegation",
                                           "team-round-robin", "selector-group", "consensus-vote"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name) if (c == '-') c = '_';
                           return name;
                         });

INSTANTIATE_TEST_SUITE_P(Published, EveryScenario, ::testing::Values("tool-overhead", "mixture-of-agents", "llm-only"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name) if (c == '-') c = '_';
                           return name;
                         });

// One engine keeps the plan of each task shape for the next task of that shape: every task must
// still be answered from its own values, tools and size, whatever ran before it on that engine.
TEST_F(EngineTest, AnEngineRunningTaskAfterTaskAnswersEachFromItsOwnValues) {
  EngineOptions options;
  options.client.base_url = oracle_.base_url();
  Engine engine(options);
  auto run_on_engine = [&](const ScenarioSpec& oracle_view, const ScenarioSpec& engine_view) {
    oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(oracle_view), dialect_named("native")));
    return engine.run(task_of(engine_view));
  };
  for (const std::string name : {"single-tool", "hierarchical-delegation", "consensus-vote", "team-round-robin"}) {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      auto spec = load_scenario(resolve_scenario(name), {{}, seed});
      EXPECT_TRUE(check_answer(spec, run_on_engine(spec, spec).answer).correct) << name << " seed " << seed;
    }
    // A tool result or task altered after a correct run of the same shape: the engine answers from
    // the altered copy, so the check fails.
    auto spec = load_scenario(resolve_scenario(name), {{}, 4});
    auto altered = spec;
    for (auto& tool : altered.tools)
      for (auto& c : tool.cases)
        for (const auto& [key, value] : spec.nonces)
          if (auto pos = c.result.find(value); pos != std::string::npos) c.result.replace(pos, value.size(), "ZQ00000000");
    for (const auto& [key, value] : spec.nonces)
      if (auto pos = altered.task.find(value); pos != std::string::npos) altered.task.replace(pos, value.size(), "ZQ00000000");
    EXPECT_FALSE(check_answer(spec, run_on_engine(spec, altered).answer).correct) << name;
  }
  // Other sizes of one scenario are other shapes: more workers, more members and rounds.
  for (std::int64_t workers : {3, 12, 3}) {
    auto wide = load_scenario(resolve_scenario("hierarchical-delegation"), {{{"workers", workers}}, 5});
    EXPECT_TRUE(check_answer(wide, run_on_engine(wide, wide).answer).correct) << workers << " workers";
  }
  for (std::int64_t members : {7, 3}) {
    auto chat = load_scenario(resolve_scenario("team-round-robin"), {{{"members", members}, {"rounds", 2}}, 5});
    const auto result = run_on_engine(chat, chat);
    EXPECT_TRUE(check_answer(chat, result.answer).correct) << members << " members";
    EXPECT_EQ(result.llm_calls, static_cast<std::uint64_t>(members + 1) * 2u);
  }
}

TEST_F(EngineTest, SweptScenariosStayCorrect) {
  for (std::int64_t proposers : {1, 15}) {
    auto moa = load_scenario(resolve_scenario("mixture-of-agents"), {{{"proposers", proposers}}, 3});
    auto result = run(moa, moa);
    EXPECT_TRUE(check_answer(moa, result.answer).correct) << result.answer;
    EXPECT_EQ(result.llm_calls, static_cast<std::uint64_t>(proposers + 1));  // every proposer once, then the aggregator
  }
  for (std::int64_t extra : {0, 50}) {
    auto tools = load_scenario(resolve_scenario("tool-overhead"), {{{"extra_tools", extra}}, 3});
    EXPECT_EQ(tools.tools.size(), static_cast<std::size_t>(extra + 1));
    EXPECT_TRUE(check_answer(tools, run(tools, tools).answer).correct);
  }
}

TEST_F(EngineTest, StreamingGivesTheSameAnswer) {
  auto spec = load_scenario(resolve_scenario("sequential-pipeline"));
  EXPECT_TRUE(check_answer(spec, run(spec, spec, true).answer).correct);
}

TEST_F(EngineTest, ScaledScenariosStayCorrect) {
  auto wide = load_scenario(resolve_scenario("hierarchical-delegation"), {{{"workers", 12}}, 3});
  EXPECT_TRUE(check_answer(wide, run(wide, wide).answer).correct);
  auto chat = load_scenario(resolve_scenario("team-round-robin"), {{{"members", 7}, {"rounds", 3}}, 3});
  auto result = run(chat, chat);
  EXPECT_TRUE(check_answer(chat, result.answer).correct);
  EXPECT_EQ(result.llm_calls, 8u * 3u);
}

TEST_F(EngineTest, ManyTasksRunConcurrently) {
  auto spec = load_scenario(resolve_scenario("consensus-vote"));
  oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(spec), dialect_named("native")));
  EngineOptions options;
  options.client.base_url = oracle_.base_url();
  Engine engine(options);
  const auto task = task_of(spec);
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      try {
        correct += check_answer(spec, engine.run(task).answer).correct;
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(e.what());
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(correct.load(), 16);
}

std::size_t threads_of_this_process() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("Threads:")) return std::stoul(line.substr(8));
  return 0;
}

// 2,000 consensus tasks at once (10,000 agents calling the model concurrently, 12,000 agents in
// all) run as coroutines on the calling thread: every answer is right, and the process does not
// gain a thread per task or agent (the in-process model server still has one per connection,
// which the engine's pool bounds).
TEST_F(EngineTest, ThousandsOfConcurrentTasksRunOnOneThread) {
  auto spec = load_scenario(resolve_scenario("consensus-vote"));
  oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(spec), dialect_named("native")));
  EngineOptions options;
  options.client.base_url = oracle_.base_url();
  Engine engine(options);
  const auto task = task_of(spec);
  EXPECT_TRUE(check_answer(spec, engine.run(task).answer).correct);  // the server is up and has its threads
  const auto threads_before = threads_of_this_process();
  std::atomic<bool> running{true};
  std::atomic<std::size_t> most_threads{0};
  std::thread sampler([&] {
    while (running) {
      most_threads = std::max(most_threads.load(), threads_of_this_process());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const auto before = oracle_.last_seq();
  constexpr std::size_t kTasks = 2000;
  auto attempts = engine.run_many(task, kTasks);
  running = false;
  sampler.join();
  ASSERT_EQ(attempts.size(), kTasks);
  std::size_t correct = 0;
  std::uint64_t calls = 0;
  for (const auto& a : attempts) {
    if (a.error) {
      try {
        std::rethrow_exception(a.error);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        break;
      }
    }
    correct += check_answer(spec, a.result.answer).correct;
    calls += a.result.llm_calls;
  }
  EXPECT_EQ(correct, kTasks);
  EXPECT_EQ(calls, oracle_.log_since(before).size());
  EXPECT_EQ(calls, kTasks * (spec.agents.size() - 1) * 2 + kTasks);  // proposals, votes, the decision
  // The sampler, and at most a thread per connection in the model server (an event-loop server
  // needs none); 2,000 tasks on threads would have needed 12,000.
  EXPECT_LE(most_threads.load(), threads_before + 1 + options.client.max_connections + 8);
}

// Calls beyond the pool's connections wait their turn and still all succeed.
TEST_F(EngineTest, APoolOfTwoConnectionsServesManyConcurrentAgents) {
  auto spec = load_scenario(resolve_scenario("consensus-vote"));
  oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(spec), dialect_named("native")));
  EngineOptions options;
  options.client.base_url = oracle_.base_url();
  options.client.max_connections = 2;
  Engine engine(options);
  for (const auto& a : engine.run_many(task_of(spec), 20)) {
    ASSERT_FALSE(a.error);
    EXPECT_TRUE(check_answer(spec, a.result.answer).correct);
  }
}

// Kept-alive connections the server has closed while idle are replaced, not reported as failures,
// however many of the pool's idle connections it closed.
TEST(LlmClient, ConnectionsTheServerClosedAreReplaced) {
  auto spec = std::make_shared<const ScenarioSpec>(load_scenario(resolve_scenario("single-tool")));
  Oracle::Options server_options;
  server_options.keep_alive_timeout = std::chrono::seconds(1);
  Oracle oracle(server_options);
  oracle.set_script(std::make_shared<ScriptPolicy>(spec, dialect_named("native")));
  EngineOptions options;
  options.client.base_url = oracle.base_url();
  Engine engine(options);
  const auto task = task_of(*spec);
  for (const auto& a : engine.run_many(task, 8)) ASSERT_FALSE(a.error);  // several connections in the pool
  // The server closes every idle connection after its keep-alive second: wait until it has.
  ASSERT_GT(oracle.open_connections(), 0u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (oracle.open_connections() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(oracle.open_connections(), 0u) << "the server did not close the idle connections";
  for (const auto& a : engine.run_many(task, 2)) {
    ASSERT_FALSE(a.error);
    EXPECT_TRUE(check_answer(*spec, a.result.answer).correct);
  }
  EXPECT_TRUE(check_answer(*spec, engine.run(task).answer).correct);
}

// A server that accepts the connection and never answers: the request fails at its timeout.
TEST(LlmClient, NoAnswerWithinTheTimeoutIsATransportError) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);  // the kernel completes the handshake; nobody reads
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/v1";
  options.timeout = std::chrono::milliseconds(100);
  LlmClient client(options);
  ChatRequest request;
  request.model = "m";
  request.messages = {{"user", "hello", {}, {}, {}}};
  try {
    client.complete(request);
    ADD_FAILURE() << "no error";
  } catch (const LlmError& e) {
    EXPECT_EQ(e.status, 0);
    EXPECT_EQ(std::string(e.what()), "request failed: no answer within 100 ms");
  }
  ::close(listener);
}

TEST_F(EngineTest, MemoryIsWrittenOnlyWhenAskedFor) {
  auto spec = load_scenario(resolve_scenario("sequential-pipeline"));
  oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(spec), dialect_named("native")));
  EngineOptions options;
  options.client.base_url = oracle_.base_url();
  EXPECT_TRUE(Engine(options).run(task_of(spec)).memories.empty());
  options.remember = true;
  auto result = Engine(options).run(task_of(spec));
  ASSERT_EQ(result.memories.size(), spec.agents.size());
  const auto& last = result.memories.at(spec.agents.back().id);
  ASSERT_GE(last.messages().size(), 2u);  // its input and its answer
  EXPECT_EQ(last.messages().back().content, result.answer);
  EXPECT_FALSE(last.recall(result.answer, 1).empty());
}

TEST_F(EngineTest, ModelErrorsSurfaceAsExceptions) {
  auto spec = load_scenario(resolve_scenario("single-tool"));
  oracle_.set_faults(FaultPlan::parse("rate=1,kinds=http_500"));
  EXPECT_THROW(run(spec, spec), LlmError);
}

TEST(Memory, RecallRanksBySharedWords) {
  Memory m;
  m.remember({"user", "sales figures for region north", {}, {}, {}});
  m.remember({"user", "weather report", {}, {}, {}});
  m.remember({"user", "region south sales", {}, {}, {}});
  auto hits = m.recall("north region sales", 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0]->content, "sales figures for region north");
  EXPECT_EQ(hits[1]->content, "region south sales");
  EXPECT_TRUE(m.recall("nothing matches", 3).empty());
}

TEST(MessageBus, DeliversToEverySubscriberOfTheTopic) {
  MessageBus bus;
  std::vector<std::string> got;
  bus.subscribe("a", [&](const Envelope& e) { got.push_back("1:" + e.content); });
  bus.subscribe("a", [&](const Envelope& e) { got.push_back("2:" + e.content); });
  bus.subscribe("b", [&](const Envelope& e) { got.push_back("b:" + e.content); });
  EXPECT_EQ(bus.publish({"a", "x", "hi"}), 2u);
  EXPECT_EQ(bus.publish({"c", "x", "nobody"}), 0u);
  EXPECT_EQ(got, (std::vector<std::string>{"1:hi", "2:hi"}));
  EXPECT_EQ(bus.published(), 2u);
}

TEST(ToolRegistry, UnknownToolsAndHandlerErrorsBecomeResults) {
  ToolRegistry tools;
  tools.add({"boom", "", {}}, [](std::string_view) -> std::string { throw std::runtime_error("kaput"); });
  EXPECT_EQ(tools.invoke("boom", "{}"), "error: kaput");
  EXPECT_EQ(tools.invoke("nope", "{}"), "error: unknown tool 'nope'");
}

// ---------------------------------------------------------------- the graph executor

struct Counter {
  int value = 0;
  std::vector<int> order;
};

TEST(Graph, AChainRunsItsNodesInOrder) {
  Graph<Counter> g;
  NodeId previous = kEnd;
  for (int i = 0; i < 3; ++i) {
    auto n = g.add_node("step" + std::to_string(i), [i](Counter& c) {
      ++c.value;
      c.order.push_back(i);
    });
    if (previous == kEnd) g.add_entry(n);
    else g.add_edge(previous, n);
    previous = n;
  }
  const auto graph = std::move(g).compile();
  EventLoop loop;
  Counter c;
  for (int k = 0; k < 3; ++k) graph.invoke(loop, c);  // compiled once, run many times
  EXPECT_EQ(c.value, 9);
  EXPECT_EQ(c.order, (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
}

TEST(Graph, AFanOutJoinsOnceAfterEveryBranch) {
  Graph<Counter> g;
  auto start = g.add_node("start", [](Counter&) {});
  auto join = g.add_node("join", [](Counter& c) { c.value = static_cast<int>(c.order.size()); });
  g.add_entry(start);
  for (int i = 0; i < 5; ++i) {
    auto worker = g.add_node("worker" + std::to_string(i), [i](Counter& c) { c.order.push_back(i); });
    g.add_edge(start, worker);
    g.add_edge(worker, join);
  }
  const auto graph = std::move(g).compile();
  EventLoop loop;
  Counter c;
  graph.invoke(loop, c);
  EXPECT_EQ(c.order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(c.value, 5);  // the join ran once, after all five
}

// Two asynchronous branches of one step run concurrently: each waits for the other's signal.
TEST(Graph, AsynchronousBranchesRunConcurrently) {
  struct Handshake {
    std::unique_ptr<Signal> a_ready, b_ready;
    std::vector<std::string> log;
  };
  Graph<Handshake> g;
  auto a = g.add_async_node("a", [](Handshake& h) -> Async<void> {
    h.a_ready->set();
    co_await h.b_ready->wait();
    h.log.push_back("a");
  });
  auto b = g.add_async_node("b", [](Handshake& h) -> Async<void> {
    h.b_ready->set();
    co_await h.a_ready->wait();
    h.log.push_back("b");
  });
  auto done = g.add_node("done", [](Handshake& h) { h.log.push_back("done"); });
  g.add_entry(a);
  g.add_entry(b);
  g.add_edge(a, done);
  g.add_edge(b, done);
  const auto graph = std::move(g).compile();
  EventLoop loop;
  Handshake h{std::make_unique<Signal>(loop.executor()), std::make_unique<Signal>(loop.executor()), {}};
  graph.invoke(loop, h);
  ASSERT_EQ(h.log.size(), 3u);
  EXPECT_EQ(h.log.back(), "done");
}

TEST(Graph, RoutersLoopUntilTheyEndAndABoundStopsARunaway) {
  Graph<Counter> g;
  auto tick = g.add_node("tick", [](Counter& c) { ++c.value; });
  g.add_entry(tick);
  g.add_router(tick, [tick](const Counter& c) { return c.value < 7 ? tick : kEnd; });
  const auto graph = std::move(g).compile();
  EventLoop loop;
  Counter c;
  graph.invoke(loop, c);
  EXPECT_EQ(c.value, 7);

  Graph<Counter> forever;
  auto spin = forever.add_node("spin", [](Counter& n) { ++n.value; });
  forever.add_entry(spin);
  forever.add_router(spin, [spin](const Counter&) { return spin; });
  const auto runaway = std::move(forever).compile(50);
  Counter d;
  EXPECT_THROW(runaway.invoke(loop, d), std::runtime_error);
  EXPECT_EQ(d.value, 50);
}

TEST(Graph, AFailingBranchFailsTheRunAfterTheOthersFinish) {
  Graph<Counter> g;
  auto bad = g.add_async_node("bad", [](Counter&) -> Async<void> {
    throw std::runtime_error("branch failed");
    co_return;
  });
  auto good = g.add_async_node("good", [](Counter& c) -> Async<void> {
    ++c.value;
    co_return;
  });
  g.add_entry(bad);
  g.add_entry(good);
  const auto graph = std::move(g).compile();
  EventLoop loop;
  Counter c;
  EXPECT_THROW(graph.invoke(loop, c), std::runtime_error);
  EXPECT_EQ(c.value, 1);
}

TEST(Graph, CompilingRefusesBrokenGraphs) {
  EXPECT_THROW(Graph<Counter>().compile(), std::invalid_argument);
  Graph<Counter> unreachable;
  unreachable.add_entry(unreachable.add_node("a", [](Counter&) {}));
  unreachable.add_node("island", [](Counter&) {});
  EXPECT_THROW(std::move(unreachable).compile(), std::invalid_argument);
  Graph<Counter> dangling;
  auto a = dangling.add_node("a", [](Counter&) {});
  dangling.add_entry(a);
  dangling.add_edge(a, 42);
  EXPECT_THROW(std::move(dangling).compile(), std::invalid_argument);
}

}  // namespace
}  // namespace legion::core
