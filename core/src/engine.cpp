#include "legion/core/engine.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <future>
#include <sstream>

namespace legion::core {

// ---------------------------------------------------------------- tools, memory, bus, tracing

void ToolRegistry::add(ToolDefinition definition, Handler handler) {
  auto name = definition.name;
  tools_.insert_or_assign(std::move(name), Entry{std::move(definition), std::move(handler)});
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
  try {
    return it->second.handler(arguments_json);
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
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

void Memory::remember(const Message& message) {
  messages_.push_back(message);
  words_.push_back(words_of(message.content));
}

std::vector<const Message*> Memory::recall(std::string_view query, std::size_t k) const {
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

Tracer::Tracer() : origin_(std::chrono::steady_clock::now()) {}

std::int64_t Tracer::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - origin_).count();
}

Tracer::Scope::Scope(Tracer& tracer, std::string name, std::string agent) : tracer_(tracer) {
  span_.name = std::move(name);
  span_.agent = std::move(agent);
  span_.start_ns = tracer_.now_ns();
}

Tracer::Scope::~Scope() {
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

struct Transcript {
  struct Entry {
    std::string author;
    std::string content;
  };
  std::vector<Entry> entries;

  // The shared conversation as one agent sees it: its own turns as assistant messages.
  std::vector<Message> as_seen_by(const std::string& agent_id, const std::string& task) const {
    std::vector<Message> out{{"user", task, {}, {}, {}}};
    for (const auto& e : entries) {
      if (e.author == agent_id) out.push_back({"assistant", e.content, {}, {}, {}});
      else out.push_back({"user", e.content, e.author, {}, {}});
    }
    return out;
  }
};

class Task {
 public:
  Task(const TaskSpec& spec, const EngineOptions& options, ClientPool& clients)
      : spec_(spec), options_(options), clients_(clients) {
    for (const auto& t : spec.tools)
      tools_.add({t.name, t.description, t.parameters},
                 [&spec, name = t.name](std::string_view args) { return spec.run_tool(name, args); });
    for (const auto& a : spec.agents) memories_[a.id];  // built up front: agents may run in parallel
  }

  TaskResult run() {
    std::string answer;
    {
      auto span = tracer_.span("pattern:" + std::string(to_string(spec_.pattern)));
      switch (spec_.pattern) {
        case Pattern::sequential: answer = sequential(); break;
        case Pattern::hierarchical: answer = hierarchical(); break;
        case Pattern::round_robin: answer = group_chat(false); break;
        case Pattern::selector: answer = group_chat(true); break;
        case Pattern::consensus: answer = consensus(); break;
      }
    }
    TaskResult r;
    r.answer = std::move(answer);
    r.llm_calls = calls_.load();
    r.usage = {prompt_tokens_.load(), completion_tokens_.load()};
    r.spans = tracer_.spans();
    return r;
  }

 private:
  ChatResponse call_model(ChatRequest request, const std::string& agent) {
    auto span = tracer_.span("llm", agent);
    request.model = options_.model;
    request.stream = options_.stream;
    request.include_usage = options_.stream;
    auto client = clients_.acquire();
    auto response = client->complete(request);
    ++calls_;
    prompt_tokens_ += response.usage.prompt_tokens;
    completion_tokens_ += response.usage.completion_tokens;
    return response;
  }

  // One agent turn: the model is called until it answers without tool calls.
  std::string turn(const TaskAgent& agent, std::vector<Message> context, const ToolRegistry* extra = nullptr,
                   const std::vector<std::string>& extra_tools = {}) {
    auto span = tracer_.span("agent", agent.id);
    ChatRequest request;
    request.messages.push_back({"system", native_system_prompt(agent), {}, {}, {}});
    for (auto& m : context) request.messages.push_back(std::move(m));
    request.tools = tools_.definitions(agent.tools);
    if (extra)
      for (auto& d : extra->definitions(extra_tools)) request.tools.push_back(std::move(d));
    auto& memory = memories_.at(agent.id);
    for (int round = 0; round < options_.max_tool_rounds; ++round) {
      auto reply = call_model(request, agent.id).message;
      if (reply.tool_calls.empty()) {
        for (std::size_t i = 1; i < request.messages.size(); ++i) memory.remember(request.messages[i]);
        memory.remember(reply);
        return reply.content;
      }
      request.messages.push_back(reply);
      for (const auto& call : reply.tool_calls) {
        auto tool_span = tracer_.span("tool:" + call.name, agent.id);
        auto result = extra && extra->contains(call.name) ? extra->invoke(call.name, call.arguments)
                                                          : tools_.invoke(call.name, call.arguments);
        request.messages.push_back({"tool", std::move(result), {}, call.id, {}});
      }
    }
    throw std::runtime_error("agent '" + agent.id + "' made " + std::to_string(options_.max_tool_rounds) +
                             " model calls in one turn without answering");
  }

  static Message user(std::string content) { return {"user", std::move(content), {}, {}, {}}; }

  // Each agent gets the task and the previous agent's output, passed along the bus.
  std::string sequential() {
    std::string previous_author, previous_output;
    bus_.subscribe("pipeline", [&](const Envelope& e) {
      previous_author = e.from;
      previous_output = e.content;
    });
    for (const auto& agent : spec_.agents) {
      auto input = "Task: " + spec_.task;
      if (!previous_output.empty()) input += "\n\nInput from " + previous_author + ":\n" + previous_output;
      auto output = turn(agent, {user(input)});
      bus_.publish({"pipeline", agent.id, output});
    }
    return previous_output;
  }

  // The manager delegates through a tool; each delegation runs the worker's turn and returns its answer.
  std::string hierarchical() {
    const auto& manager = *spec_.agent(spec_.manager);
    json workers = json::array();
    std::string roster;
    for (const auto& a : spec_.agents)
      if (a.id != manager.id) workers.push_back(a.id), roster += "\n- " + a.id + ": " + a.role;
    ToolRegistry delegation;
    delegation.add({std::string(kDelegateTool), "Hand a sub-task to a worker and get its result. Workers:" + roster,
                    {{"type", "object"},
                     {"properties",
                      {{"worker", {{"type", "string"}, {"enum", workers}}}, {"task", {{"type", "string"}}}}},
                     {"required", {"worker", "task"}}}},
                   [this](std::string_view arguments) -> std::string {
                     auto args = json::parse(arguments, nullptr, false);
                     if (args.is_discarded() || !args.contains("worker") || !args["worker"].is_string())
                       return "error: delegate_task needs {worker, task}";
                     const auto* worker = spec_.agent(args["worker"].get<std::string>());
                     if (!worker || worker->id == spec_.manager) return "error: no such worker";
                     auto task = args.value("task", spec_.task);
                     auto result = turn(*worker, {user(task)});
                     bus_.publish({"delegation", worker->id, result});
                     return result;
                   });
    return turn(manager, {user("Task: " + spec_.task)}, &delegation, {std::string(kDelegateTool)});
  }

  // Round-robin takes agents in order; selector asks the model who speaks next. Both stop at the
  // termination text or after max_turns.
  std::string group_chat(bool select) {
    Transcript transcript;
    bus_.subscribe("chat", [&](const Envelope& e) { transcript.entries.push_back({e.from, e.content}); });
    for (int t = 0; t < spec_.max_turns; ++t) {
      const auto& speaker = select ? select_speaker(transcript) : spec_.agents[static_cast<std::size_t>(t) % spec_.agents.size()];
      auto output = turn(speaker, transcript.as_seen_by(speaker.id, spec_.task));
      bus_.publish({"chat", speaker.id, output});
      if (output.find(spec_.termination_text) != std::string::npos) break;
    }
    return transcript.entries.empty() ? std::string() : transcript.entries.back().content;
  }

  const TaskAgent& select_speaker(const Transcript& transcript) {
    std::string candidates;
    for (const auto& a : spec_.agents) candidates += spec_.prompt("candidate", {{"id", a.id}, {"role", a.role}});
    const auto prompt = spec_.prompt("select_speaker", {{"candidates", candidates}});
    ChatRequest request;
    request.messages.push_back({"system", prompt, {}, {}, {}});
    for (auto& m : transcript.as_seen_by("", spec_.task)) request.messages.push_back(std::move(m));
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto reply = call_model(request, "selector").message.content;
      auto trimmed = reply;
      trimmed.erase(0, trimmed.find_first_not_of(" \n\t\"'"));
      trimmed.erase(trimmed.find_last_not_of(" \n\t\"'.") + 1);
      for (const auto& a : spec_.agents)
        if (a.id == trimmed || a.role == trimmed) return a;
      request.messages.push_back({"assistant", reply, {}, {}, {}});
      request.messages.push_back(user("'" + reply + "' is not a candidate. Reply with one of the ids above."));
    }
    throw std::runtime_error("speaker selection failed three times");
  }

  // Everyone proposes in parallel, everyone votes in parallel having seen all proposals, the engine
  // tallies, and the moderator announces the decision from the votes.
  std::string consensus() {
    std::vector<const TaskAgent*> members;
    for (const auto& a : spec_.agents)
      if (a.id != spec_.moderator) members.push_back(&a);
    std::mutex collected;
    std::map<std::string, std::string> proposals, votes;  // by agent id, in id order for every reader
    bus_.subscribe("proposal", [&](const Envelope& e) { std::lock_guard l(collected); proposals[e.from] = e.content; });
    bus_.subscribe("vote", [&](const Envelope& e) { std::lock_guard l(collected); votes[e.from] = e.content; });

    auto in_parallel = [&](const std::string& topic, auto make_input) {
      std::vector<std::future<void>> done;
      for (const auto* m : members)
        done.push_back(std::async(std::launch::async, [&, m] { bus_.publish({topic, m->id, turn(*m, {user(make_input())})}); }));
      for (auto& f : done) f.get();
    };
    // Proposals and votes are listed in id order, the same for every reader.
    auto listing = [&](const std::string& kind, const std::map<std::string, std::string>& texts) {
      std::string items;
      for (const auto& [id, text] : texts) items += spec_.prompt("item", {{"id", id}, {"text", text}});
      return spec_.prompt(kind, {{"items", items}});
    };
    in_parallel("proposal", [&] { return spec_.prompt("propose", {{"task", spec_.task}}); });
    const auto proposed = listing("proposals", proposals);
    in_parallel("vote", [&] { return spec_.prompt("vote", {{"task", spec_.task}, {"proposals", proposed}}); });

    std::map<std::string, int> tally;
    for (const auto& [id, text] : votes)
      if (auto cast = votes_in(text); !cast.empty()) ++tally[cast.front()];
    {
      auto span = tracer_.span("tally");
      std::string detail;
      for (const auto& [option, count] : tally) detail += option + "=" + std::to_string(count) + " ";
      span.detail(detail);
    }
    return turn(*spec_.agent(spec_.moderator),
                {user(spec_.prompt("decide", {{"task", spec_.task}, {"votes", listing("votes", votes)}}))});
  }

  const TaskSpec& spec_;
  const EngineOptions& options_;
  ClientPool& clients_;
  ToolRegistry tools_;
  MessageBus bus_;
  Tracer tracer_;
  std::map<std::string, Memory> memories_;
  std::atomic<std::uint64_t> calls_{0}, prompt_tokens_{0}, completion_tokens_{0};
};

}  // namespace

Engine::Engine(EngineOptions options) : options_(std::move(options)), clients_(options_.client) {}

TaskResult Engine::run(const TaskSpec& task) { return Task(task, options_, clients_).run(); }

}  // namespace legion::core
