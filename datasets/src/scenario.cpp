#include "legion/datasets/scenario.hpp"

#include "legion/datasets/prompts.hpp"
#include "legion/datasets/sandbox.hpp"
#include "legion/datasets/task_job.hpp"
#include "yaml_file.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <set>

namespace legion::datasets {
namespace {

using nlohmann::json;

constexpr const char* kFiller = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
// A tool's parameters schema as JSON; the largest shipped one is under 1 KiB.
constexpr std::size_t kMaxToolSchemaBytes = 64 * 1024;

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string nonce_value(const std::string& scenario, const std::string& name, std::uint64_t seed) {
  auto h = fnv1a(scenario + "/" + name + "/" + std::to_string(seed));
  char buf[16];
  std::snprintf(buf, sizeof buf, "ZQ%08llX", static_cast<unsigned long long>(h & 0xFFFFFFFFull));
  return buf;
}

// Everything the loader needs to report errors and substitute values while walking the tree.
class Loader : public YamlFile {
 public:
  Loader(std::filesystem::path file, YAML::Node root, const LoadOptions& options)
      : YamlFile(std::move(file), std::move(root)),
        seed_(options.seed),
        padding_limit_(options.max_padding_bytes),
        padding_limit_reason_(options.padding_limit_reason) {}

  // ${param} substitution from the current environment.
  std::string substitute(const YAML::Node& node) {
    if (!node.IsScalar()) fail(node, "expected a text value");
    auto text = node.as<std::string>();
    std::string out;
    std::size_t pos = 0;
    while (true) {
      auto open = text.find("${", pos);
      if (open == std::string::npos) break;
      auto close = text.find('}', open);
      if (close == std::string::npos) fail(node, "unterminated '${' in \"" + text + "\"");
      out.append(text, pos, open - pos);
      auto name = text.substr(open + 2, close - open - 2);
      auto it = env_.find(name);
      if (it == env_.end()) fail(node, "unknown parameter '${" + name + "}'");
      out += it->second;
      pos = close + 1;
    }
    out.append(text, pos);
    count_text(out.size(), node);
    return out;
  }

  // Integer expression after substitution: + - * and parentheses (used for repeat bounds and limits).
  std::int64_t integer(const YAML::Node& node) {
    auto text = substitute(node);
    std::size_t pos = 0;
    auto bad = [&] { fail(node, "expected an integer expression, got \"" + text + "\""); };
    auto overflow = [&] { fail(node, "integer expression \"" + text + "\" overflows 64 bits"); };
    auto skip = [&] { while (pos < text.size() && text[pos] == ' ') ++pos; };
    std::function<std::int64_t()> sum;
    auto atom = [&]() -> std::int64_t {
      skip();
      if (pos < text.size() && text[pos] == '(') {
        ++pos;
        auto v = sum();
        skip();
        if (pos >= text.size() || text[pos] != ')') bad();
        ++pos;
        return v;
      }
      std::int64_t v = 0;  // from_chars reads a leading minus sign itself
      auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), v);
      if (ec == std::errc::result_out_of_range) overflow();
      if (ec != std::errc{}) bad();
      pos = static_cast<std::size_t>(end - text.data());
      return v;
    };
    auto product = [&]() {
      auto v = atom();
      for (skip(); pos < text.size() && text[pos] == '*'; skip()) {
        ++pos;
        if (__builtin_mul_overflow(v, atom(), &v)) overflow();
      }
      return v;
    };
    sum = [&]() {
      auto v = product();
      for (skip(); pos < text.size() && (text[pos] == '+' || text[pos] == '-'); skip()) {
        bool plus = text[pos++] == '+';
        auto w = product();
        if (plus ? __builtin_add_overflow(v, w, &v) : __builtin_sub_overflow(v, w, &v)) overflow();
      }
      return v;
    };
    auto v = sum();
    skip();
    if (pos != text.size()) bad();
    return v;
  }

  // What a file can make the loader build is bounded. Aliases share one parsed node, so a small
  // file can name a value of values of values (an "alias bomb") or a value inside itself: every
  // value the loader converts is counted each time it is reached, through a repeat or an alias,
  // and so is every byte of text; nesting is bounded, which also ends an alias inside the value it
  // names. Errors point at the outermost value being converted (a tool's `parameters`, say).
  static constexpr std::uint64_t kMaxValues = 1'000'000;
  static constexpr std::uint64_t kMaxTextBytes = std::uint64_t{64} << 20;
  static constexpr int kMaxDepth = 64;

  class Visit {
   public:
    Visit(Loader& L, const YAML::Node& node) : L_(L) {
      if (L.depth_ == 0) L.outermost_ = node.Mark();
      if (L.depth_ == kMaxDepth)
        L.fail(L.outermost_, "this value nests more than " + std::to_string(kMaxDepth) +
                                 " levels deep (is an alias used inside the value it names?)");
      if (L.values_ == kMaxValues)
        L.fail(L.outermost_, "the scenario expands to more than " + std::to_string(kMaxValues) +
                                 " values in all (a value reused by a repeat or an alias counts each time)");
      ++L.depth_;
      ++L.values_;
    }
    ~Visit() { --L_.depth_; }
    Visit(const Visit&) = delete;
    Visit& operator=(const Visit&) = delete;

   private:
    Loader& L_;
  };

  void count_text(std::size_t bytes, const YAML::Node& where) {
    if (bytes > kMaxTextBytes - text_bytes_)
      fail(depth_ > 0 ? outermost_ : where.Mark(),
           "the scenario's text comes to more than " + std::to_string(kMaxTextBytes) +
               " bytes (64 MiB) in all (text reused by a repeat or an alias counts each time; {{pad.N}} filler has its own limit)");
    text_bytes_ += bytes;
  }

  // Visits the items of a list, expanding {repeat: {var, from, to}, item: ...} entries.
  void for_each(const YAML::Node& seq, const std::string& context, const std::function<void(const YAML::Node&)>& fn) {
    if (!seq.IsSequence()) fail(seq, context + " must be a list");
    std::vector<YAML::Node> items(seq.begin(), seq.end());
    for_each(items, context, fn);
  }
  void for_each(const std::vector<YAML::Node>& items, const std::string& context,
                const std::function<void(const YAML::Node&)>& fn) {
    for (const auto& item : items) {
      if (item.IsMap() && item["repeat"]) {
        only_keys(item, {"repeat", "item"}, "a repeat entry");
        auto spec = item["repeat"];
        only_keys(spec, {"var", "from", "to", "count"}, "repeat");
        auto var = substitute(require(spec, "var", "repeat"));
        auto from = integer(require(spec, "from", "repeat"));
        // `count` (which may be 0: a parameter that adds nothing) or `to` (refused below `from`, a typo's mark).
        if (spec["to"] && spec["count"]) fail(spec["count"], "repeat takes 'to' or 'count', not both");
        std::int64_t to = 0;
        if (spec["count"]) {
          const auto count = integer(spec["count"]);
          if (count < 0) fail(spec["count"], "repeat 'count' (" + std::to_string(count) + ") is negative");
          if (count == 0) continue;
          if (from > std::numeric_limits<std::int64_t>::max() - (count - 1)) fail(spec["count"], "repeat 'from' + 'count' overflows 64 bits");
          to = from + (count - 1);
        } else {
          to = integer(require(spec, "to", "repeat"));
        }
        if (to < from)
          fail(spec["to"], "repeat 'to' (" + std::to_string(to) + ") is below 'from' (" + std::to_string(from) +
                               "), so the list would be empty");
        // Bounds on what a file can make the loader build, so a typo cannot exhaust memory or time.
        if (static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(from) >= kMaxExpandedItems - expanded_)
          fail(spec["to"], "repeat expands to more than " + std::to_string(kMaxExpandedItems) + " items in all");
        expanded_ += static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(from) + 1;
        auto body = require(item, "item", "a repeat entry");
        auto saved = env_.find(var) != env_.end() ? std::optional(env_[var]) : std::nullopt;
        for (auto k = from;; ++k) {  // stops at `to` without stepping past it (to may be INT64_MAX)
          env_[var] = std::to_string(k);
          if (body.IsMap() && body["repeat"]) {  // nested repeat
            const Visit nested(*this, body);
            for_each(std::vector<YAML::Node>{body}, context, fn);
          } else {
            fn(body);
          }
          if (k == to) break;
        }
        if (saved) env_[var] = *saved; else env_.erase(var);
      } else {
        fn(item);
      }
    }
  }

  // Text with ${params} substituted and planted values filled in. A list of parts is concatenated.
  std::string text(const YAML::Node& node) {
    const Visit visit(*this, node);
    if (node.IsSequence()) {
      std::string out;
      for_each(node, "a text", [&](const YAML::Node& part) { out += text(part); });
      return out;
    }
    return plant(substitute(node), node);
  }

  // Replaces {{nonce.X}} and {{pad.N}}; keeps {{seen.X}} and {{majority}} for the oracle.
  std::string plant(const std::string& in, const YAML::Node& where) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
      auto open = in.find("{{", pos);
      if (open == std::string::npos) break;
      auto close = in.find("}}", open);
      if (close == std::string::npos) fail(where, "unterminated '{{' in \"" + in + "\"");
      out.append(in, pos, open - pos);
      auto expr = in.substr(open + 2, close - open - 2);
      if (expr.starts_with("nonce.")) {
        auto name = expr.substr(6);
        if (name.empty()) fail(where, "empty planted value name");
        auto [it, inserted] = nonces_.try_emplace(name, nonce_value(scenario_name_, name, seed_));
        if (first_nonce_.empty()) first_nonce_ = name;
        out += it->second;
      } else if (expr.starts_with("codes.")) {
        // The planted value as character codes: it reaches a request only once a program decoded it.
        auto name = expr.substr(6);
        if (name.empty()) fail(where, "empty planted value name");
        auto [it, inserted] = nonces_.try_emplace(name, nonce_value(scenario_name_, name, seed_));
        std::string codes;
        for (unsigned char c : it->second) codes += (codes.empty() ? "" : ", ") + std::to_string(c);
        out += codes;
      } else if (expr.starts_with("pad.")) {
        std::int64_t n = 0;
        auto digits = expr.substr(4);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec != std::errc{} || end != digits.data() + digits.size() || n < 0)
          fail(where, "{{pad.N}} needs a byte count, got \"" + digits + "\"");
        if (static_cast<std::uint64_t>(n) > padding_limit_ - padding_)
          fail(where, "{{pad." + digits + "}} brings the scenario's padding to more than " + std::to_string(padding_limit_) +
                          " bytes, " + padding_limit_reason_);
        padding_ += static_cast<std::uint64_t>(n);
        std::string pad;
        while (pad.size() < static_cast<std::size_t>(n)) pad += kFiller;
        out += pad.substr(0, static_cast<std::size_t>(n));
      } else if (expr.starts_with("seen.")) {
        seen_refs_.emplace_back(expr.substr(5), where.Mark());
        out += "{{" + expr + "}}";
      } else if (expr == "majority") {
        out += "{{majority}}";
      } else {
        fail(where, "unknown placeholder '{{" + expr + "}}' (expected nonce.NAME, codes.NAME, seen.NAME, pad.N or majority)");
      }
      pos = close + 2;
    }
    out.append(in, pos);
    return out;
  }

  // Arguments as a system that carried every planted value would send them: for replaying calls.
  json with_seen_values(const json& value) const {
    if (value.is_object() || value.is_array()) {
      json out = value;
      for (auto& item : out) item = with_seen_values(item);
      return out;
    }
    if (!value.is_string()) return value;
    auto text = value.get<std::string>();
    for (const auto& [name, planted] : nonces_)
      for (auto at = text.find("{{seen." + name + "}}"); at != std::string::npos; at = text.find("{{seen." + name + "}}", at))
        text.replace(at, name.size() + 9, planted);
    return text;
  }

  json to_json(const YAML::Node& node) {
    const Visit visit(*this, node);
    if (node.IsMap()) {
      json j = json::object();
      for (const auto& kv : node) {
        auto key = kv.first.as<std::string>();
        count_text(key.size(), kv.first);
        j[std::move(key)] = to_json(kv.second);
      }
      return j;
    }
    if (node.IsSequence()) {
      json j = json::array();
      for_each(node, "a list", [&](const YAML::Node& item) { j.push_back(to_json(item)); });
      return j;
    }
    if (node.IsNull()) return nullptr;
    auto value = plant(substitute(node), node);  // text(node), counted once
    if (node.Tag() == "!") return value;  // quoted in the file: keep it a string
    if (value == "true") return true;
    if (value == "false") return false;
    std::int64_t i = 0;
    if (auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), i);
        ec == std::errc{} && end == value.data() + value.size() && !value.empty())
      return i;
    return value;
  }

  static constexpr std::uint64_t kMaxExpandedItems = 1'000'000;

  std::uint64_t seed_;
  std::uint64_t padding_limit_;
  std::string padding_limit_reason_;
  std::uint64_t padding_ = 0;   // {{pad.N}} bytes planted so far
  std::uint64_t expanded_ = 0;  // repeat items expanded so far
  std::uint64_t values_ = 0;    // values converted so far (Visit)
  std::uint64_t text_bytes_ = 0;
  int depth_ = 0;
  YAML::Mark outermost_;
  std::string scenario_name_;
  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> nonces_;
  std::string first_nonce_;
  std::vector<std::pair<std::string, YAML::Mark>> seen_refs_;
  // The scenario's database at load time: the script's `sql:` calls are replayed on it, in file
  // order, to find their results' planted values and to check that the script ends in the
  // expected state.
  std::unique_ptr<Database> replay_;
  std::string replayed_;  // the replayed calls' results so far
};

Pattern parse_pattern(Loader& L, const YAML::Node& node) {
  auto p = L.substitute(node);
  if (p == "sequential") return Pattern::sequential;
  if (p == "hierarchical") return Pattern::hierarchical;
  if (p == "round-robin") return Pattern::round_robin;
  if (p == "selector") return Pattern::selector;
  if (p == "consensus") return Pattern::consensus;
  if (p == "human-review") return Pattern::human_review;
  if (p == "mixture") return Pattern::mixture;
  L.fail(node, "unknown pattern '" + p + "' (expected sequential, hierarchical, round-robin, selector, consensus, human-review or mixture)");
}

// `database: {schema, rows: {TABLE: [row, ...]}}`: built in memory at once, so that a broken
// schema or row is reported at its line, and kept for replaying the script's `sql:` calls.
void load_database(Loader& L, const YAML::Node& node, ScenarioSpec& spec) {
  L.only_keys(node, {"schema", "rows"}, "'database'");
  DatabaseSpec db;
  const auto schema = L.require(node, "schema", "'database'");
  db.schema = L.text(schema);
  L.replay_ = std::make_unique<Database>(":memory:");
  try {
    L.replay_->execute(db.schema);
  } catch (const DatabaseError& e) {
    L.fail(schema, "the schema does not load: " + std::string(e.what()));
  }
  if (auto rows = node["rows"]) {
    if (!rows.IsMap()) L.fail(rows, "'rows' must be a mapping of table: [rows]");
    for (const auto& kv : rows) {
      const auto table = L.substitute(kv.first);
      L.for_each(kv.second, "the rows of '" + table + "'", [&](const YAML::Node& r) {
        if (!r.IsMap()) L.fail(r, "a row must be a mapping of column: value");
        DatabaseRow row{table, L.to_json(r)};
        try {
          L.replay_->insert(row);
        } catch (const DatabaseError& e) {
          L.fail(r, "this row does not fit table '" + table + "': " + std::string(e.what()));
        }
        db.rows.push_back(std::move(row));
      });
    }
  }
  spec.database = std::move(db);
}

// `knowledge: {top_k, documents: [text, ...]}`: the documents a system puts into its own store.
void load_knowledge(Loader& L, const YAML::Node& node, ScenarioSpec& spec) {
  if (!node.IsMap()) L.fail(node, "'knowledge' must be a mapping of top_k and documents");
  L.only_keys(node, {"top_k", "documents"}, "'knowledge'");
  const auto top_k = L.require(node, "top_k", "'knowledge'");
  const auto k = L.integer(top_k);
  if (k < 1 || k > 100) L.fail(top_k, "top_k = " + std::to_string(k) + " is outside [1, 100]");
  spec.knowledge.top_k = static_cast<int>(k);
  L.for_each(L.require(node, "documents", "'knowledge'"), "'documents'", [&](const YAML::Node& d) {
    if (!d.IsScalar()) L.fail(d, "a document must be a text");
    spec.knowledge.documents.push_back(L.text(d));
  });
  if (spec.knowledge.documents.empty()) L.fail(node["documents"], "the knowledge base needs at least one document");
}

// A tool computed at run time: `sql: STATEMENT` on the run's database, or `sandbox: python`.
void load_computed_tool(Loader& L, const YAML::Node& t, ScenarioTool& tool) {
  if (auto sql = t["sql"]) {
    if (!L.replay_) L.fail(sql, "an 'sql' tool needs the scenario's 'database'");
    tool.sql = L.text(sql);
    try {
      L.replay_->validate(tool.sql);
    } catch (const DatabaseError& e) {
      L.fail(sql, "tool '" + tool.name + "': " + std::string(e.what()));
    }
    return;
  }
  const auto sandbox = t["sandbox"];
  tool.sandbox = L.substitute(sandbox);
  tool.kind = "code-execution";
  if (tool.sandbox != "python") L.fail(sandbox, "unknown sandbox '" + tool.sandbox + "' (expected python)");
  const auto properties = tool.parameters.is_object() ? tool.parameters.value("properties", json::object()) : json::object();
  if (!properties.is_object() || !properties.contains("code") || !properties["code"].is_object() ||
      properties["code"].value("type", "") != "string")
    L.fail(t, "sandbox tool '" + tool.name + "' needs a string parameter 'code' (the program to run)");
}

// `check: database: [statements]`: the expected final state is the starting rows with these
// changes. The script, replayed when loading, must end exactly there.
void check_database(Loader& L, const YAML::Node& node, ScenarioSpec& spec) {
  if (!spec.database) L.fail(node, "'database' in 'check' needs the scenario's 'database'");
  Database expected(":memory:");
  expected.execute(spec.database->schema);
  for (const auto& row : spec.database->rows) expected.insert(row);
  L.for_each(node, "'database'", [&](const YAML::Node& n) {
    auto change = L.text(n);
    try {
      expected.execute(change);
    } catch (const DatabaseError& e) {
      L.fail(n, "this change does not apply: " + std::string(e.what()));
    }
    spec.database->expected_changes.push_back(std::move(change));
  });
  if (expected.contents() != L.replay_->contents())
    L.fail(node, "the script's 'sql' calls do not end in this state (the scenario contradicts itself)");
}

bool matches(const json& when, const json& args) {
  if (!args.is_object()) return false;
  for (const auto& [key, value] : when.items()) {
    auto it = args.find(key);
    if (it == args.end()) return false;
    // Scalars compare by their text so that 1 and "1" agree (models and frameworks vary here).
    auto as_text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    if (as_text(*it) != as_text(value)) return false;
  }
  return true;
}

}  // namespace

const AgentSpec* ScenarioSpec::agent(std::string_view id) const {
  for (const auto& a : agents)
    if (a.id == id) return &a;
  return nullptr;
}

const ScenarioTool* ScenarioSpec::tool(std::string_view tool_name) const {
  for (const auto& t : tools)
    if (t.name == tool_name) return &t;
  return nullptr;
}

std::string ScenarioSpec::run_tool(std::string_view tool_name, std::string_view arguments_json) const {
  return run_recorded_tool(tools, tool_name, arguments_json);
}

TaskSpec task_of(const ScenarioSpec& spec, const ToolWorkspace& workspace) {
  TaskSpec t;
  t.name = spec.name;
  t.pattern = spec.pattern;
  t.task = spec.task;
  for (const auto& tool : spec.tools) t.tools.push_back(tool);   // sliced: name, description, schema
  for (const auto& agent : spec.agents) t.agents.push_back(agent);  // sliced: no script
  t.manager = spec.manager;
  t.moderator = spec.moderator;
  t.aggregator = spec.aggregator;
  t.termination_text = spec.termination_text;
  t.max_turns = spec.max_turns;
  t.context_window = spec.context_window;
  t.params = spec.params;
  t.prompts = shared_prompts();
  t.knowledge = spec.knowledge;
  t.run_tool = [tools = std::make_shared<const std::vector<ScenarioTool>>(spec.tools), workspace](std::string_view name,
                                                                                                  std::string_view arguments) {
    return run_scenario_tool(*tools, workspace, name, arguments);
  };
  if (spec.pattern == Pattern::human_review)
    t.ask_human = scripted_person(spec.human_feedback, spec.human_witness, std::chrono::milliseconds(spec.human_think_ms));
  return t;
}

std::string run_scenario_tool(const std::vector<ScenarioTool>& tools, const ToolWorkspace& workspace, std::string_view tool_name,
                              std::string_view arguments_json) {
  auto t = std::find_if(tools.begin(), tools.end(), [&](const ScenarioTool& candidate) { return candidate.name == tool_name; });
  if (t == tools.end() || (t->sql.empty() && t->sandbox.empty())) return run_recorded_tool(tools, tool_name, arguments_json);
  json args = json::parse(arguments_json.empty() ? std::string_view("{}") : arguments_json, nullptr, false);
  if (args.is_discarded() || !args.is_object()) return "error: arguments are not a JSON object";
  if (!t->sql.empty()) return run_sql_tool(workspace.database, t->sql, args);
  const auto code = args.find("code");
  if (code == args.end() || !code->is_string()) return "error: missing argument 'code' (the Python program to run)";
  try {
    const auto run = run_python_sandboxed(code->get<std::string>());
    // Recorded in the worker's log (its stderr) as well as told to the model.
    if (!run.stopped.empty()) std::fprintf(stderr, "sandbox: tool '%s': program stopped: %s\n", t->name.c_str(), run.stopped.c_str());
    return run.as_tool_result();
  } catch (const std::exception& e) {
    // The sandbox could not be set up: nothing ran, and the program never runs under less.
    std::fprintf(stderr, "sandbox: tool '%s': program not run: %s\n", t->name.c_str(), e.what());
    return std::string("error: ") + e.what();
  }
}

std::string run_recorded_tool(const std::vector<ScenarioTool>& tools, std::string_view tool_name, std::string_view arguments_json) {
  const ScenarioTool* t = nullptr;
  for (const auto& candidate : tools)
    if (candidate.name == tool_name) t = &candidate;
  if (!t) return "error: unknown tool '" + std::string(tool_name) + "'";
  json args = json::parse(arguments_json.empty() ? std::string_view("{}") : arguments_json, nullptr, false);
  // Any arguments get an answer, as from a real tool: a real model calls with arguments no script foresaw.
  if (args.is_discarded()) return "error: arguments are not valid JSON";
  if (!args.is_object()) return "error: arguments are not a JSON object";
  for (const auto& c : t->cases)
    if (matches(c.when, args)) return c.result;
  if (t->fallback) return *t->fallback;
  return "error: not found: no record matches " + args.dump();
}

std::vector<std::string> reachable_expected(const ScenarioSpec& spec) {
  std::string seen = spec.task + "\n" + spec.human_feedback;
  for (const auto& t : spec.tools) {
    for (const auto& c : t.cases) seen += "\n" + c.result;
    if (t.fallback) seen += "\n" + *t.fallback;
  }
  for (const auto& d : spec.knowledge.documents) seen += "\n" + d;
  if (spec.database)
    for (const auto& row : spec.database->rows) seen += "\n" + row.values.dump();
  std::vector<std::string> reachable;
  for (const auto& e : spec.expected)
    if (seen.find(e) != std::string::npos) reachable.push_back(e);
  return reachable;
}

CheckResult check_answer(const ScenarioSpec& spec, std::string_view answer) {
  CheckResult r;
  for (const auto& e : spec.expected)
    if (answer.find(e) == std::string_view::npos) r.missing.push_back(e);
  r.correct = r.missing.empty() && !spec.expected.empty();
  return r;
}

namespace {

ScenarioSpec load_file(const std::filesystem::path& file, const YAML::Node& root_node, const LoadOptions& options) {
  Loader L(file, root_node, options);
  const auto& root = L.root();
  // Until a file shows itself a scenario, errors quote nothing from it: `--scenario /etc/shadow`
  // must not print the file's first line as an "unknown key".
  if (!root.IsMap() || !root["name"]) L.fail(root, "not a scenario (a scenario file is a mapping with a 'name')");
  L.only_keys(root, {"name", "description", "pattern", "params", "task", "database", "knowledge", "tools", "agents", "manager", "moderator",
                     "aggregator", "speaker_order", "termination", "context_window", "human", "check"},
              "a scenario");

  ScenarioSpec spec;
  spec.source = file;
  spec.seed = options.seed;
  spec.name = L.substitute(L.require(root, "name", "a scenario"));
  // Results are grouped by name: two files with one name would silently become one cell.
  if (spec.name != file.stem().string())
    L.fail(root["name"], "the scenario is named '" + spec.name + "' but its file is " + file.filename().string() +
                             " (the name must be the file name without .yaml)");
  L.scenario_name_ = spec.name;
  if (root["description"]) spec.description = L.substitute(root["description"]);

  // Parameters: defaults from the file, overrides from the caller, ranges checked.
  if (auto params = root["params"]) {
    if (!params.IsMap()) L.fail(params, "'params' must be a mapping of name: {default, min, max}");
    for (const auto& kv : params) {
      auto name = kv.first.as<std::string>();
      const auto& p = kv.second;
      std::int64_t value = 0, lo = INT64_MIN, hi = INT64_MAX;
      if (p.IsMap()) {
        L.only_keys(p, {"default", "min", "max", "description"}, "parameter '" + name + "'");
        value = L.integer(L.require(p, "default", "parameter '" + name + "'"));
        if (p["min"]) lo = L.integer(p["min"]);
        if (p["max"]) hi = L.integer(p["max"]);
      } else {
        value = L.integer(p);
      }
      if (auto o = options.params.find(name); o != options.params.end()) value = o->second;
      if (value < lo || value > hi)
        L.fail(kv.first, "parameter '" + name + "' = " + std::to_string(value) + " is outside [" + std::to_string(lo) +
                             ", " + std::to_string(hi) + "]");
      spec.params[name] = value;
      L.env_[name] = std::to_string(value);
    }
  }
  for (const auto& [name, value] : options.params)
    if (!spec.params.contains(name))
      throw DatasetError(file.string() + ": scenario '" + spec.name + "' has no parameter '" + name + "'");

  spec.pattern = parse_pattern(L, L.require(root, "pattern", "a scenario"));
  spec.task = L.text(L.require(root, "task", "a scenario"));

  if (auto database = root["database"]) load_database(L, database, spec);
  if (auto knowledge = root["knowledge"]) load_knowledge(L, knowledge, spec);

  // Tools.
  if (auto tools = root["tools"]) {
    L.for_each(tools, "'tools'", [&](const YAML::Node& t) {
      L.only_keys(t, {"name", "description", "parameters", "results", "fallback", "sql", "sandbox"}, "a tool");
      ScenarioTool tool;
      tool.name = L.substitute(L.require(t, "name", "a tool"));
      if (spec.tool(tool.name)) L.fail(t, "tool '" + tool.name + "' is declared twice");
      tool.description = t["description"] ? L.text(t["description"]) : "";
      tool.parameters = t["parameters"] ? L.to_json(t["parameters"]) : json{{"type", "object"}, {"properties", json::object()}};
      // The schema travels in every request that offers the tool: a small file must not make it huge.
      if (const auto size = tool.parameters.dump().size(); size > kMaxToolSchemaBytes)
        L.fail(t["parameters"], "tool '" + tool.name + "': its parameters schema is " + std::to_string(size) + " bytes as JSON, more than the " +
                                    std::to_string(kMaxToolSchemaBytes) + " a tool may have (it is sent with every request that offers the tool)");
      if ((t["results"] ? 1 : 0) + (t["sql"] ? 1 : 0) + (t["sandbox"] ? 1 : 0) != 1)
        L.fail(t, "tool '" + tool.name + "' needs exactly one of 'results', 'sql' or 'sandbox'");
      if (t["sql"] || t["sandbox"]) {
        if (t["fallback"]) L.fail(t["fallback"], "'fallback' belongs to tools with recorded 'results'");
        load_computed_tool(L, t, tool);
        spec.tools.push_back(std::move(tool));
        return;
      }
      L.for_each(L.require(t, "results", "tool '" + tool.name + "'"), "'results'", [&](const YAML::Node& c) {
        L.only_keys(c, {"when", "result"}, "a tool result");
        ToolCase tc{c["when"] ? L.to_json(c["when"]) : json::object(), L.text(L.require(c, "result", "a tool result"))};
        if (!tc.when.is_object()) L.fail(c["when"], "'when' must be a mapping of argument: value");
        if (tc.result.find("{{") != std::string::npos)
          L.fail(c, "tool results are computed by the system under test: only {{nonce.X}} and {{pad.N}} may appear");
        tool.cases.push_back(std::move(tc));
      });
      if (t["fallback"]) tool.fallback = L.text(t["fallback"]);
      spec.tools.push_back(std::move(tool));
    });
  }

  L.replayed_ = spec.task;  // what every request carries from the start is no witness
  // Agents and their scripts. Delegation witnesses are resolved once every agent is known.
  struct PendingDelegate {
    std::size_t agent, step;
    std::string until;
    YAML::Mark mark;
  };
  std::vector<PendingDelegate> pending;
  // Say steps that are done once another value arrives (`until`), which may be planted later.
  std::vector<PendingDelegate> pending_says;
  L.for_each(L.require(root, "agents", "a scenario"), "'agents'", [&](const YAML::Node& a) {
    L.only_keys(a, {"id", "role", "goal", "tools", "script"}, "an agent");
    AgentSpec agent;
    agent.id = L.substitute(L.require(a, "id", "an agent"));
    if (spec.agent(agent.id)) L.fail(a, "agent id '" + agent.id + "' is used twice");
    agent.role = L.text(L.require(a, "role", "agent '" + agent.id + "'"));
    agent.goal = L.text(L.require(a, "goal", "agent '" + agent.id + "'"));
    if (auto tools = a["tools"]) {
      L.for_each(tools, "'tools'", [&](const YAML::Node& name) {
        auto tool_name = L.substitute(name);
        if (!spec.tool(tool_name)) L.fail(name, "agent '" + agent.id + "' uses undeclared tool '" + tool_name + "'");
        agent.tools.push_back(tool_name);
      });
    }
    L.for_each(L.require(a, "script", "agent '" + agent.id + "'"), "'script'", [&](const YAML::Node& s) {
      L.only_keys(s, {"call", "args", "say", "delegate", "task", "until"}, "a script step");
      Step step;
      step.line = s.Mark().line + 1;
      int kinds = (s["call"] ? 1 : 0) + (s["say"] ? 1 : 0) + (s["delegate"] ? 1 : 0);
      if (kinds != 1) L.fail(s, "a script step is exactly one of 'call', 'say' or 'delegate'");
      if (s["call"]) {
        step.kind = StepKind::call;
        step.tool = L.substitute(s["call"]);
        if (std::find(agent.tools.begin(), agent.tools.end(), step.tool) == agent.tools.end())
          L.fail(s["call"], "agent '" + agent.id + "' calls tool '" + step.tool + "' that it is not given");
        step.args = s["args"] ? L.to_json(s["args"]) : json::object();
        const auto* tool = spec.tool(step.tool);
        if (!tool->sandbox.empty() && !s["until"])
          L.fail(s, "a call of sandbox tool '" + tool->name + "' needs 'until: NAME', the planted value its program prints "
                    "(programs are not run when a scenario loads)");
        std::string result;
        if (!tool->sql.empty()) {
          try {
            result = L.replay_->query(tool->sql, L.with_seen_values(step.args)).dump();
          } catch (const DatabaseError& e) {
            L.fail(s, "this call fails on the scenario's database: " + std::string(e.what()));
          }
          L.count_text(result.size(), s);  // kept in replayed_ for the rest of the load
        } else if (tool->sandbox.empty()) {
          result = spec.run_tool(step.tool, step.args.dump());
          if (result.starts_with("error:"))
            L.fail(s, "no result of tool '" + tool->name + "' matches the arguments " + step.args.dump());
        }
        if (s["until"]) {
          auto it = L.nonces_.find(L.substitute(s["until"]));
          if (it == L.nonces_.end()) L.fail(s["until"], "'until' names a value that is not planted before it");
          step.witness = it->second;
        }
        // A statement's result often repeats what an earlier call showed (the order a write
        // changes): its witness is the first value it shows for the first time.
        for (const auto& [name, value] : L.nonces_)
          if (!s["until"] && result.find(value) != std::string::npos &&
              (tool->sql.empty() || L.replayed_.find(value) == std::string::npos) &&
              (step.witness.empty() || result.find(value) < result.find(step.witness)))
            step.witness = value;
        if (!tool->sql.empty()) L.replayed_ += result;
        if (step.witness.empty())
          L.fail(s, "the result of this call plants no value ({{nonce.NAME}}), so it could not be checked");
      } else if (s["say"]) {
        step.kind = StepKind::say;
        L.first_nonce_.clear();
        step.text = L.text(s["say"]);
        if (L.first_nonce_.empty())
          L.fail(s, "a 'say' step must plant a value ({{nonce.NAME}}) so that the oracle can tell it was said");
        step.witness = L.nonces_.at(L.first_nonce_);
        step.own_witness = !s["until"];
        if (s["until"]) pending_says.push_back({spec.agents.size(), agent.script.size(), L.substitute(s["until"]), s["until"].Mark()});
      } else {
        step.kind = StepKind::delegate;
        step.target = L.substitute(s["delegate"]);
        step.text = s["task"] ? L.text(s["task"]) : spec.task;
        pending.push_back({spec.agents.size(), agent.script.size(), s["until"] ? L.substitute(s["until"]) : "", s.Mark()});
      }
      agent.script.push_back(std::move(step));
    });
    if (agent.script.empty()) L.fail(a, "agent '" + agent.id + "' has an empty script");
    spec.agents.push_back(std::move(agent));
  });
  if (spec.agents.empty()) L.fail(root["agents"], "a scenario needs at least one agent");

  for (const auto& d : pending) {
    auto& step = spec.agents[d.agent].script[d.step];
    const auto* target = spec.agent(step.target);
    if (!target) L.fail(d.mark, "delegation to unknown agent '" + step.target + "'");
    if (target->id == spec.agents[d.agent].id) L.fail(d.mark, "an agent cannot delegate to itself");
    if (!d.until.empty()) {
      auto it = L.nonces_.find(d.until);
      if (it == L.nonces_.end()) L.fail(d.mark, "'until' names a value that is never planted: " + d.until);
      step.witness = it->second;
    } else {
      auto last_say = std::find_if(target->script.rbegin(), target->script.rend(),
                                   [](const Step& st) { return st.kind == StepKind::say; });
      if (last_say == target->script.rend()) L.fail(d.mark, "agent '" + target->id + "' never answers");
      step.witness = last_say->witness;
    }
  }

  // Pattern-specific structure.
  auto agent_ref = [&](const char* key) {
    auto node = L.require(root, key, "pattern '" + std::string(to_string(spec.pattern)) + "'");
    auto id = L.substitute(node);
    if (!spec.agent(id)) L.fail(node, std::string(key) + " '" + id + "' is not an agent of this scenario");
    return id;
  };
  if (spec.pattern == Pattern::hierarchical) spec.manager = agent_ref("manager");
  if (spec.pattern == Pattern::consensus) spec.moderator = agent_ref("moderator");
  if (spec.pattern == Pattern::mixture) spec.aggregator = agent_ref("aggregator");
  if (spec.pattern == Pattern::selector) {
    L.for_each(L.require(root, "speaker_order", "pattern 'selector'"), "'speaker_order'", [&](const YAML::Node& n) {
      auto id = L.substitute(n);
      if (!spec.agent(id)) L.fail(n, "speaker '" + id + "' is not an agent of this scenario");
      spec.speaker_order.push_back(id);
    });
    if (spec.agents.size() < 3) L.fail(root["agents"], "a selector group needs at least 3 agents");
  }
  if (spec.pattern == Pattern::round_robin || spec.pattern == Pattern::selector) {
    auto term = L.require(root, "termination", "a group chat");
    L.only_keys(term, {"text", "max_turns"}, "'termination'");
    spec.termination_text = L.substitute(L.require(term, "text", "'termination'"));
    spec.max_turns = static_cast<int>(L.integer(L.require(term, "max_turns", "'termination'")));
    if (spec.max_turns < 1) L.fail(term, "max_turns must be at least 1");
    if (auto window = root["context_window"]) {
      spec.context_window = static_cast<int>(L.integer(window));
      if (spec.context_window < 0) L.fail(window, "context_window must be 0 (off) or a number of messages");
    }
  } else if (root["context_window"]) {
    L.fail(root["context_window"], "'context_window' belongs to the group chats (round-robin, selector) only");
  }

  if (spec.pattern == Pattern::human_review) {
    auto human = L.require(root, "human", "pattern 'human-review'");
    L.only_keys(human, {"feedback", "max_reviews", "think_ms"}, "'human'");
    L.first_nonce_.clear();
    spec.human_feedback = L.text(L.require(human, "feedback", "'human'"));
    if (L.first_nonce_.empty())
      L.fail(human["feedback"], "the human's feedback must plant a value ({{nonce.NAME}}): an answer with it is approved");
    if (spec.human_feedback.find("{{") != std::string::npos)
      L.fail(human["feedback"], "the human's feedback is fixed text: only {{nonce.X}} and {{pad.N}} may appear");
    spec.human_witness = L.nonces_.at(L.first_nonce_);
    spec.max_turns = human["max_reviews"] ? static_cast<int>(L.integer(human["max_reviews"])) : 3;
    if (spec.max_turns < 1) L.fail(human["max_reviews"], "max_reviews must be at least 1");
    spec.human_think_ms = human["think_ms"] ? L.integer(human["think_ms"]) : 0;
    if (spec.human_think_ms < 0 || spec.human_think_ms > 600000)
      L.fail(human["think_ms"], "think_ms must be from 0 to 600000 (ten minutes)");
    if (spec.agents.size() != 1) L.fail(root["agents"], "a human review has exactly one agent, whose answers the human reviews");
  } else if (root["human"]) {
    L.fail(root["human"], "'human' belongs to the human-review pattern only");
  }

  for (const auto& d : pending_says) {
    auto it = L.nonces_.find(d.until);
    if (it == L.nonces_.end()) L.fail(d.mark, "'until' names a value that is never planted: " + d.until);
    spec.agents[d.agent].script[d.step].witness = it->second;
  }

  // The check: planted values (by name) and literal texts the final answer must contain.
  auto check = L.require(root, "check", "a scenario");
  L.only_keys(check, {"contains", "text", "database"}, "'check'");
  if (check["database"]) check_database(L, check["database"], spec);
  else if (spec.database) L.fail(check, "a scenario with a database must say its expected changes ('database' in 'check')");
  if (check["contains"])
    L.for_each(check["contains"], "'contains'", [&](const YAML::Node& n) {
      auto name = L.substitute(n);
      auto it = L.nonces_.find(name);
      if (it == L.nonces_.end()) L.fail(n, "check names a value that is never planted: " + name);
      spec.expected.push_back(it->second);
    });
  if (check["text"]) L.for_each(check["text"], "'text'", [&](const YAML::Node& n) { spec.expected.push_back(L.text(n)); });
  if (spec.expected.empty()) L.fail(check, "the check must expect at least one value");

  for (const auto& [name, mark] : L.seen_refs_)
    if (!L.nonces_.contains(name)) L.fail(mark, "{{seen." + name + "}} refers to a value that is never planted");
  spec.nonces = std::move(L.nonces_);
  return spec;
}

}  // namespace

namespace {
std::atomic<std::uint64_t> parses{0};

// Reads and parses the file (YamlFile checks its size, kind and encoding).
struct ParsedFile : YamlFile {
  explicit ParsedFile(const std::filesystem::path& file) : YamlFile(file, "scenario file") {}
};
}  // namespace

ScenarioSource::ScenarioSource(std::filesystem::path file) : file_(std::move(file)) {
  parsed_ = std::make_shared<const YAML::Node>(ParsedFile(file_).root());
  ++parses;
}

std::vector<std::string> ScenarioSource::declared_params() const {
  const auto& root = *static_cast<const YAML::Node*>(parsed_.get());
  std::vector<std::string> out;
  if (!root.IsMap()) return out;
  const auto params = root["params"];
  if (!params || !params.IsMap()) return out;
  for (const auto& kv : params)
    if (kv.first.IsScalar()) out.push_back(kv.first.as<std::string>());
  return out;
}

ScenarioSpec ScenarioSource::load(const LoadOptions& options) const {
  // yaml-cpp throws when a node has another shape than the loader reads it as (a list used as a
  // key, say): the file is broken like any other, at that node. The loader only reads the tree,
  // so one parsed file serves every instance.
  try {
    return load_file(file_, *static_cast<const YAML::Node*>(parsed_.get()), options);
  } catch (const YAML::Exception& e) {
    std::string where = file_.string();
    if (!e.mark.is_null()) where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    throw DatasetError(where + ": " + e.msg);
  }
}

std::uint64_t scenario_parses() { return parses.load(); }

ScenarioSpec load_scenario(const std::filesystem::path& file, const LoadOptions& options) { return ScenarioSource(file).load(options); }

std::vector<std::filesystem::path> scenario_files(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::filesystem::path default_scenario_dir() { return datasets_dir() / "scenarios"; }

std::filesystem::path resolve_scenario(const std::string& name_or_path) {
  std::filesystem::path p(name_or_path);
  if (p.has_extension() || p.has_parent_path()) return p;
  auto candidate = default_scenario_dir() / (name_or_path + ".yaml");
  if (!std::filesystem::exists(candidate))
    throw DatasetError("unknown scenario '" + name_or_path + "' (no " + candidate.string() + ")");
  return candidate;
}

}  // namespace legion::datasets
