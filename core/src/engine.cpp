#include "legion/core/engine.hpp"

#include <algorithm>
#include <cctype>

#include "legion/core/graph.hpp"
#include "legion/core/vector_store.hpp"

namespace legion::core {

// ---------------------------------------------------------------- tools, memory, bus, tracing

void ToolRegistry::add(ToolDefinition definition, Handler handler) {
  auto name = definition.name;
  tools_.insert_or_assign(std::move(name), Entry{std::move(definition), std::move(handler), {}});
}

void ToolRegistry::add_async(ToolDefinition definition, AsyncHandler handler) {
  auto name = definition.name;
  tools_.insert_or_assign(std::move(name), Entry{std::move(definition), {}, std::move(handler)});
}

bool ToolRegistry::contains(std::string_view name) const { return tools_.find(name) != tools_.end(); }

std::vector<ToolDefinition> ToolRegistry::definitions(const std::vector<std::string>& names) const {
  std::vector<ToolDefinition> out;
  for (const auto& n : names)
    if (auto it = tools_.find(n); it != tools_.end()) out.push_back(it->second.definition);
  return out;
}

std::string ToolRegistry::invoke(std::string_view name, std::string_view arguments_json) const {
  auto it = tools_.find(name);
  if (it == tools_.end()) return "error: unknown tool '" + std::string(name) + "'";
  if (!it->second.handler) return "error: tool '" + std::string(name) + "' runs asynchronously only";
  try {
    return it->second.handler(arguments_json);
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

Async<std::string> ToolRegistry::invoke_async(std::string_view name, std::string arguments_json) const {
  auto it = tools_.find(name);
  if (it == tools_.end() || !it->second.async_handler) co_return invoke(name, arguments_json);
  std::string error;
  try {
    co_return co_await it->second.async_handler(std::move(arguments_json));
  } catch (const std::exception& e) {
    error = std::string("error: ") + e.what();
  }
  co_return error;
}

namespace {
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}
}  // namespace

void Memory::remember(Message message) { messages_.push_back(std::move(message)); }

std::vector<const Message*> Memory::recall(std::string_view query, std::size_t k) const {
  while (words_.size() < messages_.size()) words_.push_back(words_of(messages_[words_.size()].content));
  auto q = words_of(query);
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // (shared words, index)
  for (std::size_t i = 0; i < words_.size(); ++i) {
    std::size_t shared = 0;
    auto a = q.begin();
    auto b = words_[i].begin();
    while (a != q.end() && b != words_[i].end()) {
      if (*a == *b) ++shared, ++a, ++b;
      else if (*a < *b) ++a;
      else ++b;
    }
    if (shared > 0) scored.emplace_back(shared, i);
  }
  auto n = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    [](const auto& x, const auto& y) { return x.first != y.first ? x.first > y.first : x.second > y.second; });
  std::vector<const Message*> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(&messages_[scored[i].second]);
  return out;
}

void MessageBus::subscribe(const std::string& topic, Handler handler) {
  std::lock_guard lock(mutex_);
  subscribers_[topic].push_back(std::move(handler));
}

std::size_t MessageBus::publish(const Envelope& envelope) {
  std::vector<Handler> handlers;
  {
    std::lock_guard lock(mutex_);
    ++published_;
    if (auto it = subscribers_.find(envelope.topic); it != subscribers_.end()) handlers = it->second;
  }
  for (const auto& h : handlers) h(envelope);
  return handlers.size();
}

std::uint64_t MessageBus::published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

Tracer::Tracer(bool enabled) : enabled_(enabled), origin_(std::chrono::steady_clock::now()) {}

std::int64_t Tracer::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - origin_).count();
}

Tracer::Scope::Scope(Tracer& tracer, std::string_view name, std::string_view agent, std::string_view suffix) : tracer_(tracer) {
  if (!tracer_.enabled_) return;
  span_.name.reserve(name.size() + suffix.size());
  span_.name.append(name).append(suffix);
  span_.agent = agent;
  span_.start_ns = tracer_.now_ns();
}

Tracer::Scope::~Scope() {
  if (!tracer_.enabled_) return;
  span_.end_ns = tracer_.now_ns();
  std::lock_guard lock(tracer_.mutex_);
  tracer_.spans_.push_back(std::move(span_));
}

std::vector<Span> Tracer::spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

std::string native_system_prompt(const TaskAgent& agent) {
  return "You are " + agent.role + ". Your goal: " + agent.goal;
}

// ---------------------------------------------------------------- one task

namespace {

using nlohmann::json;

Message user(std::string content) { return {"user", std::move(content), {}, {}, {}}; }

struct Transcript {
  struct Entry {
    std::string author;
    std::string content;
  };
  std::vector<Entry> entries;

  // The shared conversation as one agent sees it: its own turns as assistant messages.
  std::vector<Message> as_seen_by(const std::string& agent_id, const std::string& task) const {
    std::vector<Message> out;
    out.reserve(entries.size() + 1);
    out.push_back(user(task));
    for (const auto& e : entries) {
      if (e.author == agent_id) out.push_back({"assistant", e.content, {}, {}, {}});
      else out.push_back({"user", e.content, e.author, {}, {}});
    }
    return out;
  }
};

struct TaskRun;

}  // namespace

// What every task of one shape shares, prepared once: each agent's system prompt and encoded tool
// list, the hierarchical manager's tool, and the pattern's compiled graph. It holds nothing of a
// particular task (its text, planted values, tools' results: those come with each run), so the
// engine keeps it for the next task of the same shape (Engine::plan_for), as the Python adapters
// keep what they build per scenario.
struct TaskPlan {
  TaskPlan(const TaskSpec& task, const EngineOptions& engine_options);

  struct AgentPlan {
    std::string system_prompt;
    std::shared_ptr<const std::string> tools_json;  // null: no tools
  };
  TaskSpec shape;  // the task's shape (same_shape), nothing else of it
  const EngineOptions& options;
  std::map<std::string, AgentPlan, std::less<>> agents;
  ToolDefinition delegate;  // hierarchical: the manager's tool
  CompiledGraph<TaskRun> graph;

  const AgentPlan& agent(const std::string& id) const { return agents.find(id)->second; }
};

namespace {

// What a plan is built from: the pattern, the agents, the tools' definitions, the special agents and
// the turn limit (which bounds the graph's steps).
TaskSpec shape_of(const TaskSpec& task) {
  TaskSpec shape;
  shape.name = task.name;
  shape.pattern = task.pattern;
  shape.tools = task.tools;
  shape.agents = task.agents;
  shape.manager = task.manager;
  shape.moderator = task.moderator;
  shape.aggregator = task.aggregator;
  shape.max_turns = task.max_turns;
  return shape;
}

bool same_shape(const TaskSpec& shape, const TaskSpec& task) {
  auto same_tool = [](const TaskTool& a, const TaskTool& b) {
    return a.name == b.name && a.description == b.description && a.kind == b.kind && a.parameters == b.parameters;
  };
  auto same_agent = [](const TaskAgent& a, const TaskAgent& b) { return a.id == b.id && a.role == b.role && a.goal == b.goal && a.tools == b.tools; };
  return shape.name == task.name && shape.pattern == task.pattern && shape.manager == task.manager && shape.moderator == task.moderator &&
         shape.aggregator == task.aggregator && shape.max_turns == task.max_turns &&
         std::equal(shape.tools.begin(), shape.tools.end(), task.tools.begin(), task.tools.end(), same_tool) &&
         std::equal(shape.agents.begin(), shape.agents.end(), task.agents.begin(), task.agents.end(), same_agent);
}

// One copy of a task in flight: its state, read and written by the graph's nodes on one loop.
struct TaskRun {
  TaskRun(const TaskPlan& p, const TaskSpec& s, AsyncLlmClient& c) : plan(p), spec(s), client(c), tracer(p.options.trace) {}
  const TaskPlan& plan;
  const TaskSpec& spec;
  AsyncLlmClient& client;
  MessageBus bus;
  Tracer tracer;
  std::map<std::string, Memory> memories;
  VectorStore knowledge;  // the task's knowledge base, ingested before the pattern runs
  std::int64_t ingest_ns = 0, retrieval_ns = 0;
  std::uint64_t calls = 0, prompt_tokens = 0, completion_tokens = 0;
  std::string answer;
  // sequential
  std::string previous_author, previous_output;
  // group chats
  Transcript transcript;
  int turns = 0;
  bool finished = false;
  const TaskAgent* speaker = nullptr;
  // consensus: by agent id, in id order for every reader
  std::map<std::string, std::string> proposals, votes;
  std::string proposed;

  Async<ChatResponse> call_model(ChatRequest& request, const std::string& agent) {
    auto span = tracer.span("llm", agent);
    request.model = plan.options.model;
    request.stream = plan.options.stream;
    request.include_usage = plan.options.stream;
    auto response = co_await client.complete(request);
    ++calls;
    prompt_tokens += response.usage.prompt_tokens;
    completion_tokens += response.usage.completion_tokens;
    co_return response;
  }

  // The knowledge base into the vector store, embedded by the model server in batches of 1,000
  // documents (the batch size of LangChain's OpenAIEmbeddings).
  Async<void> ingest() {
    auto span = tracer.span("ingest");
    const auto started = std::chrono::steady_clock::now();
    const auto& documents = spec.knowledge.documents;
    constexpr std::size_t kBatch = 1000;
    for (std::size_t first = 0; first < documents.size(); first += kBatch) {
      std::vector<std::string> batch(documents.begin() + static_cast<std::ptrdiff_t>(first),
                                     documents.begin() + static_cast<std::ptrdiff_t>(std::min(documents.size(), first + kBatch)));
      auto vectors = co_await client.embed(batch, plan.options.model);
      knowledge.add(std::move(batch), vectors);
    }
    ingest_ns += elapsed_ns(started);
  }

  // Vector recall: the top_k documents most similar to the agent's input (its last message) are
  // added to that message, as retrieval-augmented generation does.
  Async<void> recall(std::vector<Message>& context, const std::string& agent) {
    if (knowledge.size() == 0 || context.empty()) co_return;
    auto span = tracer.span("recall", agent);
    const auto started = std::chrono::steady_clock::now();
    auto& input = context.back();
    const std::vector<std::string> texts(1, input.content);
    const auto query = co_await client.embed(texts, plan.options.model);
    std::string found;
    for (const auto* document : knowledge.search(query.front(), static_cast<std::size_t>(std::max(0, spec.knowledge.top_k))))
      found += "\n\n- " + *document;
    if (!found.empty()) input.content += "\n\nRelevant knowledge:" + found;
    retrieval_ns += elapsed_ns(started);
  }

  static std::int64_t elapsed_ns(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since).count();
  }

  // One agent turn: the model is called until it answers without tool calls.
  Async<std::string> turn(const TaskAgent& agent, std::vector<Message> context, const ToolRegistry* extra = nullptr) {
    auto span = tracer.span("agent", agent.id);
    co_await recall(context, agent.id);
    const auto& me = plan.agent(agent.id);
    ChatRequest request;
    request.messages.reserve(context.size() + 4);
    request.messages.push_back({"system", me.system_prompt, {}, {}, {}});
    for (auto& m : context) request.messages.push_back(std::move(m));
    request.tools_json = me.tools_json;
    for (int round = 0; round < plan.options.max_tool_rounds; ++round) {
      auto response = co_await call_model(request, agent.id);
      auto reply = std::move(response.message);
      if (reply.tool_calls.empty()) {
        if (plan.options.remember) {
          auto& memory = memories[agent.id];
          for (std::size_t i = 1; i < request.messages.size(); ++i) memory.remember(std::move(request.messages[i]));
          memory.remember(reply);
        }
        co_return std::move(reply.content);
      }
      request.messages.push_back(reply);
      for (const auto& call : reply.tool_calls) {
        auto tool_span = tracer.span("tool:", agent.id, call.name);
        std::string result;
        if (extra && extra->contains(call.name)) {
          auto arguments = call.arguments;
          result = co_await extra->invoke_async(call.name, std::move(arguments));
        }
        else result = run_tool(call.name, call.arguments);
        request.messages.push_back({"tool", std::move(result), {}, call.id, {}});
      }
    }
    throw std::runtime_error("agent '" + agent.id + "' made " + std::to_string(plan.options.max_tool_rounds) +
                             " model calls in one turn without answering");
  }

  // This task's tools (ToolRegistry::invoke's rules): an unknown tool or a failing one is an error
  // result, as a model would see it.
  std::string run_tool(const std::string& name, std::string_view arguments) const {
    const bool known = std::any_of(spec.tools.begin(), spec.tools.end(), [&](const TaskTool& t) { return t.name == name; });
    if (!known) return "error: unknown tool '" + name + "'";
    try {
      return spec.run_tool(name, arguments);
    } catch (const std::exception& e) {
      return std::string("error: ") + e.what();
    }
  }

  Async<void> select_speaker() {
    std::string candidates;
    for (const auto& a : spec.agents) candidates += spec.prompt("candidate", {{"id", a.id}, {"role", a.role}});
    ChatRequest request;
    request.messages.push_back({"system", spec.prompt("select_speaker", {{"candidates", candidates}}), {}, {}, {}});
    for (auto& m : transcript.as_seen_by("", spec.task)) request.messages.push_back(std::move(m));
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto response = co_await call_model(request, "selector");
      auto reply = std::move(response.message.content);
      auto trimmed = reply;
      trimmed.erase(0, trimmed.find_first_not_of(" \n\t\"'"));
      trimmed.erase(trimmed.find_last_not_of(" \n\t\"'.") + 1);
      for (const auto& a : spec.agents)
        if (a.id == trimmed || a.role == trimmed) {
          speaker = &a;
          co_return;
        }
      request.messages.push_back({"assistant", reply, {}, {}, {}});
      request.messages.push_back(user("'" + reply + "' is not a candidate. Reply with one of the ids above."));
    }
    throw std::runtime_error("speaker selection failed three times");
  }

  // Proposals and votes are listed in id order, the same for every reader.
  std::string listing(const std::string& kind, const std::map<std::string, std::string>& texts) const {
    std::string items;
    for (const auto& [id, text] : texts) items += spec.prompt("item", {{"id", id}, {"text", text}});
    return spec.prompt(kind, {{"items", items}});
  }
};

// ---------------------------------------------------------------- the patterns as graphs

using TaskGraph = Graph<TaskRun>;

// Each agent gets the task and the previous agent's output, passed along the bus.
void sequential(TaskGraph& g, const TaskSpec& spec) {
  NodeId previous = kEnd;
  for (std::size_t i = 0; i < spec.agents.size(); ++i) {
    auto node = g.add_async_node(spec.agents[i].id, [i](TaskRun& run) -> Async<void> {
      const auto& agent = run.spec.agents[i];
      auto input = "Task: " + run.spec.task;
      if (!run.previous_output.empty()) input += "\n\nInput from " + run.previous_author + ":\n" + run.previous_output;
      std::vector<Message> context;
      context.push_back(user(std::move(input)));
      auto output = co_await run.turn(agent, std::move(context));
      run.bus.publish({"pipeline", agent.id, std::move(output)});
      run.answer = run.previous_output;
    });
    if (previous == kEnd) g.add_entry(node);
    else g.add_edge(previous, node);
    previous = node;
  }
}

// The manager delegates through a tool; each delegation runs the worker's turn and returns its answer.
void hierarchical(TaskGraph& g) {
  g.add_entry(g.add_async_node("manager", [](TaskRun& run) -> Async<void> {
    ToolRegistry delegation;
    delegation.add_async(run.plan.delegate, [&run](std::string arguments) -> Async<std::string> {
      auto args = json::parse(arguments, nullptr, false);
      if (args.is_discarded() || !args.contains("worker") || !args["worker"].is_string())
        co_return "error: delegate_task needs {worker, task}";
      const auto* worker = run.spec.agent(args["worker"].get<std::string>());
      if (!worker || worker->id == run.spec.manager) co_return "error: no such worker";
      std::vector<Message> context;
      context.push_back(user(args.value("task", run.spec.task)));
      auto result = co_await run.turn(*worker, std::move(context));
      run.bus.publish({"delegation", worker->id, result});
      co_return result;
    });
    std::vector<Message> context;
    context.push_back(user("Task: " + run.spec.task));
    run.answer = co_await run.turn(*run.spec.agent(run.spec.manager), std::move(context), &delegation);
  }));
}

// The native engine's context trimming: the task and the first turn (where a conversation states
// what it is about), then the last `window` messages; 0 keeps everything.
void trim_to_window(std::vector<Message>& context, int window) {
  constexpr std::size_t kHead = 2;
  const auto tail = static_cast<std::size_t>(std::max(window, 0));
  if (window <= 0 || context.size() <= kHead + tail) return;
  context.erase(context.begin() + kHead, context.end() - static_cast<std::ptrdiff_t>(tail));
}

// Round-robin takes agents in order; selector asks the model who speaks next. Both stop at the
// termination text or after max_turns.
void group_chat(TaskGraph& g, bool select) {
  auto speak = g.add_async_node("speak", [select](TaskRun& run) -> Async<void> {
    if (run.finished) co_return;
    const auto& speaker = select ? *run.speaker : run.spec.agents[static_cast<std::size_t>(run.turns) % run.spec.agents.size()];
    auto context = run.transcript.as_seen_by(speaker.id, run.spec.task);
    trim_to_window(context, run.spec.context_window);
    auto output = co_await run.turn(speaker, std::move(context));
    run.finished = output.find(run.spec.termination_text) != std::string::npos || ++run.turns >= run.spec.max_turns;
    run.bus.publish({"chat", speaker.id, std::move(output)});
    run.answer = run.transcript.entries.back().content;
  });
  if (!select) {
    g.add_entry(speak);
    g.add_router(speak, [speak](const TaskRun& run) { return run.finished ? kEnd : speak; });
    return;
  }
  auto choose = g.add_async_node("select", [](TaskRun& run) -> Async<void> {
    if (run.finished) co_return;
    co_await run.select_speaker();
  });
  g.add_entry(choose);
  g.add_edge(choose, speak);
  g.add_router(speak, [choose](const TaskRun& run) { return run.finished ? kEnd : choose; });
}

// Everyone proposes concurrently, everyone votes concurrently having seen all proposals, the
// engine tallies, and the moderator announces the decision from the votes.
void consensus(TaskGraph& g, const TaskSpec& spec, const std::vector<std::size_t>& members) {
  auto collect = g.add_node("collect", [](TaskRun& run) { run.proposed = run.listing("proposals", run.proposals); });
  auto tally = g.add_node("tally", [](TaskRun& run) {
    // The moderator tallies (decide); this node only traces the count it will find.
    if (!run.tracer.enabled()) return;
    auto span = run.tracer.span("tally");
    std::map<std::string, int> counted;
    for (const auto& [id, text] : run.votes)
      if (auto cast = votes_in(text); !cast.empty()) ++counted[cast.front()];
    std::string detail;
    for (const auto& [option, count] : counted) detail += option + "=" + std::to_string(count) + " ";
    span.detail(detail);
  });
  auto decide = g.add_async_node("decide", [](TaskRun& run) -> Async<void> {
    std::vector<Message> context;
    context.push_back(user(run.spec.prompt("decide", {{"task", run.spec.task}, {"votes", run.listing("votes", run.votes)}})));
    run.answer = co_await run.turn(*run.spec.agent(run.spec.moderator), std::move(context));
  });
  g.add_edge(tally, decide);
  for (const auto i : members) {
    auto propose = g.add_async_node("propose:" + spec.agents[i].id, [i](TaskRun& run) -> Async<void> {
      const auto& member = run.spec.agents[i];
      std::vector<Message> context;
      context.push_back(user(run.spec.prompt("propose", {{"task", run.spec.task}})));
      // Awaited outside the braces: GCC 12 destroys temporaries of a braced list around a co_await twice.
      auto proposal = co_await run.turn(member, std::move(context));
      run.bus.publish({"proposal", member.id, std::move(proposal)});
    });
    auto vote = g.add_async_node("vote:" + spec.agents[i].id, [i](TaskRun& run) -> Async<void> {
      const auto& member = run.spec.agents[i];
      std::vector<Message> context;
      context.push_back(user(run.spec.prompt("vote", {{"task", run.spec.task}, {"proposals", run.proposed}})));
      auto vote_text = co_await run.turn(member, std::move(context));
      run.bus.publish({"vote", member.id, std::move(vote_text)});
    });
    g.add_entry(propose);
    g.add_edge(propose, collect);
    g.add_edge(collect, vote);
    g.add_edge(vote, tally);
  }
  if (members.empty()) g.add_entry(collect);
}

// The agent answers and a person reviews the answer: feedback goes back to the agent in the same
// conversation for a revision, an empty reply approves. At most max_turns reviews.
void human_review(TaskGraph& g) {
  g.add_entry(g.add_async_node("review", [](TaskRun& run) -> Async<void> {
    if (!run.spec.ask_human) throw std::invalid_argument("task '" + run.spec.name + "' has no reviewer (ask_human)");
    const auto& agent = run.spec.agents.front();
    std::vector<Message> conversation;
    conversation.push_back(user("Task: " + run.spec.task));
    for (int review = 1;; ++review) {
      run.answer = co_await run.turn(agent, conversation);
      if (review > run.spec.max_turns) co_return;
      auto feedback = run.spec.ask_human(run.answer);
      if (feedback.empty()) co_return;
      conversation.push_back({"assistant", run.answer, {}, {}, {}});
      conversation.push_back(user(std::move(feedback)));
    }
  }));
}

// Mixture of agents: everyone proposes concurrently, and the aggregator synthesises the proposals.
void mixture(TaskGraph& g, const TaskSpec& spec, const std::vector<std::size_t>& members) {
  auto aggregate = g.add_async_node("aggregate", [](TaskRun& run) -> Async<void> {
    std::vector<Message> context;
    context.push_back(user(run.spec.prompt("aggregate", {{"task", run.spec.task}, {"proposals", run.listing("proposals", run.proposals)}})));
    run.answer = co_await run.turn(*run.spec.agent(run.spec.aggregator), std::move(context));
  });
  for (const auto i : members) {
    auto propose = g.add_async_node("propose:" + spec.agents[i].id, [i](TaskRun& run) -> Async<void> {
      const auto& member = run.spec.agents[i];
      std::vector<Message> context;
      context.push_back(user(run.spec.prompt("propose", {{"task", run.spec.task}})));
      auto proposal = co_await run.turn(member, std::move(context));
      run.bus.publish({"proposal", member.id, std::move(proposal)});
    });
    g.add_entry(propose);
    g.add_edge(propose, aggregate);
  }
  if (members.empty()) g.add_entry(aggregate);
}

CompiledGraph<TaskRun> graph_of(const TaskSpec& spec, const std::vector<std::size_t>& members) {
  TaskGraph g;
  switch (spec.pattern) {
    case Pattern::sequential: sequential(g, spec); break;
    case Pattern::hierarchical: hierarchical(g); break;
    case Pattern::round_robin: group_chat(g, false); break;
    case Pattern::selector: group_chat(g, true); break;
    case Pattern::consensus: consensus(g, spec, members); break;
    case Pattern::human_review: human_review(g); break;
    case Pattern::mixture: mixture(g, spec, members); break;
  }
  return std::move(g).compile(std::max<std::size_t>(10000, 2 * static_cast<std::size_t>(std::max(0, spec.max_turns)) + 4));
}

}  // namespace

TaskPlan::TaskPlan(const TaskSpec& spec, const EngineOptions& engine_options) : shape(shape_of(spec)), options(engine_options) {
  if (spec.agents.empty()) throw std::invalid_argument("task '" + spec.name + "' has no agents");
  if (spec.pattern == Pattern::hierarchical) {
    if (!spec.agent(spec.manager)) throw std::invalid_argument("task '" + spec.name + "': no manager '" + spec.manager + "'");
    json workers = json::array();
    std::string roster;
    for (const auto& a : spec.agents)
      if (a.id != spec.manager) workers.push_back(a.id), roster += "\n- " + a.id + ": " + a.role;
    delegate = {std::string(kDelegateTool), "Hand a sub-task to a worker and get its result. Workers:" + roster,
                {{"type", "object"},
                 {"properties", {{"worker", {{"type", "string"}, {"enum", workers}}}, {"task", {{"type", "string"}}}}},
                 {"required", {"worker", "task"}}}};
  }
  // Consensus: everyone but the moderator; mixture: everyone but the aggregator (indices into agents).
  std::vector<std::size_t> members;
  const std::string* apart = spec.pattern == Pattern::consensus ? &spec.moderator : spec.pattern == Pattern::mixture ? &spec.aggregator : nullptr;
  if (apart) {
    if (!spec.agent(*apart))
      throw std::invalid_argument("task '" + spec.name + "': no " + (spec.pattern == Pattern::consensus ? "moderator" : "aggregator") + " '" + *apart + "'");
    for (std::size_t i = 0; i < spec.agents.size(); ++i)
      if (spec.agents[i].id != *apart) members.push_back(i);
  }
  for (const auto& a : spec.agents) {
    std::vector<ToolDefinition> definitions;  // the agent's tools in its order; names the task lacks are left out
    for (const auto& name : a.tools)
      for (const auto& t : spec.tools)
        if (t.name == name) definitions.push_back({t.name, t.description, t.parameters});
    if (spec.pattern == Pattern::hierarchical && a.id == spec.manager) definitions.push_back(delegate);
    agents[a.id] = {native_system_prompt(a), definitions.empty() ? nullptr : std::make_shared<const std::string>(encode_tools(definitions))};
  }
  graph = graph_of(spec, members);
}

namespace {

Async<void> run_copy(const TaskPlan& plan, const TaskSpec& spec, AsyncLlmClient& client, Engine::Attempt& attempt) {
  try {
    TaskRun run(plan, spec, client);
    run.finished = spec.max_turns <= 0;  // group chats: no turn at all
    switch (spec.pattern) {
      case Pattern::sequential:
        run.bus.subscribe("pipeline", [&run](const Envelope& e) {
          run.previous_author = e.from;
          run.previous_output = e.content;
        });
        break;
      case Pattern::round_robin:
      case Pattern::selector:
        run.bus.subscribe("chat", [&run](const Envelope& e) { run.transcript.entries.push_back({e.from, e.content}); });
        break;
      case Pattern::consensus:
      case Pattern::mixture:
        run.bus.subscribe("proposal", [&run](const Envelope& e) { run.proposals[e.from] = e.content; });
        run.bus.subscribe("vote", [&run](const Envelope& e) { run.votes[e.from] = e.content; });
        break;
      case Pattern::hierarchical:
      case Pattern::human_review: break;
    }
    if (!spec.knowledge.empty()) co_await run.ingest();
    {
      auto span = run.tracer.span("pattern:", {}, to_string(spec.pattern));
      co_await plan.graph.run(run);
    }
    auto& r = attempt.result;
    r.answer = std::move(run.answer);
    r.llm_calls = run.calls;
    r.usage = {run.prompt_tokens, run.completion_tokens};
    r.spans = run.tracer.spans();
    r.trace_origin = run.tracer.origin();
    r.memories = std::move(run.memories);
    r.ingest_ns = run.ingest_ns;
    r.retrieval_ns = run.retrieval_ns;
  } catch (...) {
    attempt.error = std::current_exception();
  }
  attempt.finished = std::chrono::steady_clock::now();
}

Async<void> run_copies(const TaskPlan& plan, const TaskSpec& spec, AsyncLlmClient& client, std::vector<Engine::Attempt>& attempts) {
  if (attempts.size() == 1) {
    co_await run_copy(plan, spec, client, attempts.front());
    co_return;
  }
  Join join(co_await asio::this_coro::executor);
  for (auto& attempt : attempts) join.spawn(run_copy(plan, spec, client, attempt));
  co_await join.wait();
}

}  // namespace

// ---------------------------------------------------------------- the engine

struct Engine::Lane {
  explicit Lane(const ClientOptions& options) : client(loop.executor(), options) {}
  EventLoop loop;
  AsyncLlmClient client;
};

// The plans of the last few task shapes (a run alternates a handful of scenarios at most).
struct Engine::Plans {
  static constexpr std::size_t kKept = 16;
  std::mutex mutex;
  std::vector<std::shared_ptr<const TaskPlan>> kept;  // most recently built last
};

Engine::Engine(EngineOptions options) : options_(std::move(options)), plans_(std::make_unique<Plans>()) {}
Engine::~Engine() = default;

std::shared_ptr<const TaskPlan> Engine::plan_for(const TaskSpec& task) {
  {
    std::lock_guard lock(plans_->mutex);
    for (const auto& plan : plans_->kept)
      if (same_shape(plan->shape, task)) return plan;
  }
  auto plan = std::make_shared<const TaskPlan>(task, options_);
  std::lock_guard lock(plans_->mutex);
  if (plans_->kept.size() == Plans::kKept) plans_->kept.erase(plans_->kept.begin());
  plans_->kept.push_back(plan);
  return plan;
}

std::unique_ptr<Engine::Lane> Engine::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!lanes_.empty()) {
      auto lane = std::move(lanes_.back());
      lanes_.pop_back();
      return lane;
    }
  }
  return std::make_unique<Lane>(options_.client);
}

void Engine::give_back(std::unique_ptr<Lane> lane) {
  std::lock_guard lock(mutex_);
  lanes_.push_back(std::move(lane));
}

std::vector<Engine::Attempt> Engine::run_many(const TaskSpec& task, std::size_t copies) {
  std::vector<Attempt> attempts(copies);
  if (copies == 0) return attempts;
  const auto plan = plan_for(task);
  auto lane = lease();
  try {
    lane->loop.run(run_copies(*plan, task, lane->client, attempts));
  } catch (...) {
    give_back(std::move(lane));
    throw;
  }
  give_back(std::move(lane));
  return attempts;
}

TaskResult Engine::run(const TaskSpec& task) {
  auto attempts = run_many(task, 1);
  if (attempts.front().error) std::rethrow_exception(attempts.front().error);
  return std::move(attempts.front().result);
}

}  // namespace legion::core
