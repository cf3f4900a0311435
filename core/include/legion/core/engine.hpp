#pragma once
// The native LEGION engine: agents with roles and goals, a tool registry, per-agent memory (on
// request), an in-process message bus, tracing spans per step, and the coordination patterns
// (sequential, hierarchical manager-worker, round-robin and selector group chat, consensus), each
// a graph (graph.hpp). Agents are coroutines on an event loop (event_loop.hpp), not threads: a
// task, or thousands of copies of it, runs on the thread that asks for it, and every model call is
// an asynchronous HTTP request on that loop's pool of keep-alive connections. It reaches the model
// over HTTP like every other system. Engine::run and run_many are safe to call from many threads
// at once: each caller gets an event loop (and its connections) of its own.
#include <chrono>
#include <exception>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "legion/core/chat.hpp"
#include "legion/core/event_loop.hpp"
#include "legion/core/llm_client.hpp"
#include "legion/core/task.hpp"

namespace legion::core {

class ToolRegistry {
 public:
  using Handler = std::function<std::string(std::string_view arguments_json)>;
  using AsyncHandler = std::function<Async<std::string>(std::string arguments_json)>;
  void add(ToolDefinition definition, Handler handler);
  // A tool that waits for something (another agent's turn, I/O) without holding the thread.
  void add_async(ToolDefinition definition, AsyncHandler handler);
  bool contains(std::string_view name) const;
  std::vector<ToolDefinition> definitions(const std::vector<std::string>& names) const;
  // Unknown tools and handler exceptions become error results, as a model would see them.
  // invoke() runs synchronous tools only; invoke_async() runs both kinds.
  std::string invoke(std::string_view name, std::string_view arguments_json) const;
  Async<std::string> invoke_async(std::string_view name, std::string arguments_json) const;

 private:
  struct Entry {
    ToolDefinition definition;
    Handler handler;
    AsyncHandler async_handler;
  };
  std::map<std::string, Entry, std::less<>> tools_;
};

// What an agent remembers: every message of its turns, and keyword recall over them. Messages are
// indexed for recall when a recall first needs them, not when they are remembered.
class Memory {
 public:
  void remember(Message message);
  const std::vector<Message>& messages() const { return messages_; }
  // The k entries sharing most words with the query, most relevant first (ties: most recent first).
  std::vector<const Message*> recall(std::string_view query, std::size_t k) const;

 private:
  std::vector<Message> messages_;
  mutable std::vector<std::vector<std::string>> words_;  // lower-cased words of each indexed message, sorted
};

struct Envelope {
  std::string topic;
  std::string from;
  std::string content;
};

// In-process publish/subscribe; handlers run on the publisher's thread.
class MessageBus {
 public:
  using Handler = std::function<void(const Envelope&)>;
  void subscribe(const std::string& topic, Handler handler);
  std::size_t publish(const Envelope& envelope);  // returns how many subscribers received it
  std::uint64_t published() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Handler>, std::less<>> subscribers_;
  std::uint64_t published_ = 0;
};

struct Span {
  std::string name;   // llm | tool:<name> | agent | pattern:<name> | ...
  std::string agent;
  std::int64_t start_ns = 0;  // since the task started (TaskResult::trace_origin)
  std::int64_t end_ns = 0;
  std::string detail;
};

// The engine's own spans of a task. A disabled tracer records nothing and costs a branch per span:
// tracing is off unless asked for (EngineOptions::trace), as it is for every system in a measured run.
class Tracer {
 public:
  explicit Tracer(bool enabled = true);
  class Scope {
   public:
    Scope(Tracer& tracer, std::string_view name, std::string_view agent, std::string_view suffix);
    ~Scope();
    void detail(std::string text) { span_.detail = std::move(text); }

   private:
    Tracer& tracer_;
    Span span_;
  };
  // A span named name + suffix ("tool:" + the tool), built only when the tracer is enabled.
  Scope span(std::string_view name, std::string_view agent = {}, std::string_view suffix = {}) {
    return Scope(*this, name, agent, suffix);
  }
  bool enabled() const { return enabled_; }
  std::vector<Span> spans() const;
  std::chrono::steady_clock::time_point origin() const { return origin_; }

 private:
  std::int64_t now_ns() const;
  bool enabled_;
  std::chrono::steady_clock::time_point origin_;
  mutable std::mutex mutex_;
  std::vector<Span> spans_;
};

struct EngineOptions {
  ClientOptions client;
  std::string model = "legion-oracle";
  bool stream = false;
  int max_tool_rounds = 25;  // model calls per agent turn before giving up (LangGraph's default recursion limit)
  // Keep each agent's messages in a Memory (TaskResult::memories). Off by default: nothing in the
  // patterns recalls them, so nothing is written unless a caller asks for it.
  bool remember = false;
  // Record the spans of each task (TaskResult::spans): agent turns, model calls, tools. Off by default.
  bool trace = false;
};

struct TaskResult {
  std::string answer;
  std::uint64_t llm_calls = 0;
  Usage usage;  // as reported by the model server
  std::vector<Span> spans;  // only with EngineOptions::trace
  std::chrono::steady_clock::time_point trace_origin;  // what the spans' times count from
  std::map<std::string, Memory> memories;  // by agent id; only with EngineOptions::remember
  // Tasks with a knowledge base: embedding it into the vector store, and the agents' recalls.
  std::int64_t ingest_ns = 0, retrieval_ns = 0;
};

struct TaskPlan;  // engine.cpp: what every task of one shape shares

class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs the task with its coordination pattern on this thread. Throws on model or protocol failure.
  TaskResult run(const TaskSpec& task);
  // Runs `copies` copies of the task concurrently, as coroutines on one event loop on this thread,
  // each with its own state; one failing copy does not stop the others.
  struct Attempt {
    TaskResult result;
    std::exception_ptr error;  // set when the copy failed
    std::chrono::steady_clock::time_point finished;  // when this copy ended, failed or not: its own latency
  };
  std::vector<Attempt> run_many(const TaskSpec& task, std::size_t copies);
  const EngineOptions& options() const { return options_; }

 private:
  struct Lane;  // an event loop and its model client, used by one thread at a time
  std::unique_ptr<Lane> lease();
  void give_back(std::unique_ptr<Lane> lane);
  // The plan of a task of this shape: kept from an earlier task, or built and kept.
  std::shared_ptr<const TaskPlan> plan_for(const TaskSpec& task);

  EngineOptions options_;
  struct Plans;
  std::unique_ptr<Plans> plans_;
  mutable std::mutex mutex_;  // guards lanes_
  std::vector<std::unique_ptr<Lane>> lanes_;  // idle ones
};

// The prompt formats the engine uses; datasets/dialects/native.yaml describes them for the oracle.
std::string native_system_prompt(const TaskAgent& agent);
inline constexpr std::string_view kDelegateTool = "delegate_task";

}  // namespace legion::core
