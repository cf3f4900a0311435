#include "footprint.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "exit_status.hpp"
#include "legion/adapters/adapter.hpp"
#include "legion/datasets/published.hpp"
#include "legion/datasets/systems.hpp"
#include "legion/report/footprint.hpp"
#include "legion/report/published.hpp"
#include "legion/report/reporters.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/intervals.hpp"

extern char** environ;

namespace legion::bench {
namespace {

using nlohmann::json;
using report::FootprintShape;
using report::FootprintSystem;

std::filesystem::path footprint_dir() { return adapters::python_adapter_dir() / "footprint"; }
std::filesystem::path interpreter(const std::string& environment) { return adapters::venvs_dir() / environment / "bin" / "python"; }

// A framework's environment and the name the reports give it: its system's name where one is
// registered, else the environment's (an environment whose system is not registered yet).
struct Framework {
  std::string name, environment;
};

std::vector<Framework> frameworks_with_files() {
  std::vector<Framework> out;
  std::vector<std::string> environments;
  for (const auto& s : datasets::load_systems())
    if (!s.environment.empty() && std::filesystem::exists(footprint_dir() / (s.environment + "_agents.py"))) {
      out.push_back({s.name, s.environment});
      environments.push_back(s.environment);
    }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(footprint_dir())) {
    const auto file = entry.path().filename().string();
    if (file.ends_with("_agents.py")) files.push_back(file.substr(0, file.size() - std::string("_agents.py").size()));
  }
  std::sort(files.begin(), files.end());
  for (const auto& environment : files)
    if (std::find(environments.begin(), environments.end(), environment) == environments.end()) {
      auto name = environment;
      std::replace(name.begin(), name.end(), '_', '-');
      out.push_back({name, environment});
    }
  return out;
}

Framework framework_of(const std::string& system) {
  for (const auto& f : frameworks_with_files())
    if (f.name == system) {
      if (!std::filesystem::exists(interpreter(f.environment)))
        throw std::invalid_argument("footprint: the environment of '" + system + "' is not set up (" + interpreter(f.environment).string() + ")");
      return f;
    }
  throw std::invalid_argument("footprint: no construction file for system '" + system + "' (adapters/python/footprint/ENV_agents.py)");
}

struct Child {
  int status = -1;          // exit status; negative: killed (-2) or could not start (-1)
  double elapsed_ms = 0;    // from just before the spawn to the wait's return
};

// Runs argv in `cwd` with `env`, stdout into `out`, stderr appended to `log`; kills it after `limit`.
// A watchdog thread keeps the wait a blocking one, so that the elapsed time holds no polling delay.
Child run_timed(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::filesystem::path& cwd,
                const std::filesystem::path& out, const std::filesystem::path& log, std::chrono::seconds limit) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  const int failed = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) return {};
  std::mutex m;
  std::condition_variable done;
  bool finished = false, killed = false;
  std::thread watchdog([&] {
    std::unique_lock lock(m);
    if (!done.wait_for(lock, limit, [&] { return finished; })) {
      killed = true;
      ::kill(pid, SIGKILL);
    }
  });
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto end = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(m);
    finished = true;
  }
  done.notify_one();
  watchdog.join();
  Child c;
  c.elapsed_ms = std::chrono::duration<double, std::milli>(end - start).count();
  c.status = killed ? -2 : WIFEXITED(status) ? WEXITSTATUS(status) : -3;
  return c;
}

std::string last_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// This process's environment with the framework's offline settings (adapters/python/offline.py)
// in place, as every adapter and the construction processes have them.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& settings) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto key = entry.substr(0, entry.find('='));
    if (!settings.contains(key)) env.push_back(entry);
  }
  for (const auto& [k, v] : settings) env.push_back(k + "=" + v);
  return env;
}

std::string sig3(double v) {
  std::ostringstream s;
  const double a = std::abs(v);
  s << std::fixed << std::setprecision(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3) << v;
  return s.str();
}

struct Measured {
  FootprintSystem system;
  std::map<std::string, std::string> settings;
  std::vector<double> import_raw_ms;
};

FootprintShape* shape_named(FootprintSystem& s, const std::string& name) {
  for (auto& shape : s.shapes)
    if (shape.name == name) return &shape;
  s.shapes.push_back({});
  s.shapes.back().name = name;
  return &s.shapes.back();
}
const FootprintShape* find_shape(const FootprintSystem& s, const std::string& name) {
  for (const auto& shape : s.shapes)
    if (shape.name == name && !shape.times_us.empty()) return &shape;
  return nullptr;
}

// Which published figure each measurement re-measures, and how.
enum class Quantity {
  import_ms,        // cold import, median (absolute)
  import_ratio,     // ÷ agno's
  construct_us,     // construction with one tool, median (absolute)
  construct_ratio,  // ÷ agno's
  memory_kib,       // tracemalloc peak, median
  mean_us,          // construction with one tool, mean after warm-ups (PraisonAI 2026, absolute)
  mean_ratio,       // ÷ openai-agents's
  first_mean_us,    // mean of the first 100 calls, warm-ups included, PraisonAI 2025's shape (absolute)
};
struct Reference {
  const char* id;
  const char* system;
  Quantity quantity;
};
constexpr Reference kReferences[] = {
    {"agno-perf-agno-construction-us", "agno", Quantity::construct_us},
    {"agno-perf-langgraph-construction-us", "langchain", Quantity::construct_us},
    {"agno-perf-langgraph-construction-ratio", "langchain", Quantity::construct_ratio},
    {"agno-perf-pydantic-ai-construction-us", "pydantic-ai", Quantity::construct_us},
    {"agno-perf-pydantic-ai-construction-ratio", "pydantic-ai", Quantity::construct_ratio},
    {"agno-perf-crewai-construction-us", "crewai", Quantity::construct_us},
    {"agno-perf-crewai-construction-ratio", "crewai", Quantity::construct_ratio},
    {"agno-perf-agno-memory-kib", "agno", Quantity::memory_kib},
    {"agno-perf-langgraph-memory-kib", "langchain", Quantity::memory_kib},
    {"agno-perf-pydantic-ai-memory-kib", "pydantic-ai", Quantity::memory_kib},
    {"agno-perf-crewai-memory-kib", "crewai", Quantity::memory_kib},
    {"agno-perf-agno-cold-import-ms", "agno", Quantity::import_ms},
    {"agno-perf-langgraph-cold-import-ms", "langchain", Quantity::import_ms},
    {"agno-perf-langgraph-cold-import-ratio", "langchain", Quantity::import_ratio},
    {"agno-perf-pydantic-ai-cold-import-ms", "pydantic-ai", Quantity::import_ms},
    {"agno-perf-pydantic-ai-cold-import-ratio", "pydantic-ai", Quantity::import_ratio},
    {"agno-perf-crewai-cold-import-ms", "crewai", Quantity::import_ms},
    {"agno-perf-crewai-cold-import-ratio", "crewai", Quantity::import_ratio},
    {"praisonai-2026-openai-agents-us", "openai-agents", Quantity::mean_us},
    {"praisonai-2026-agno-us", "agno", Quantity::mean_us},
    {"praisonai-2026-agno-openai-agents-ratio", "agno", Quantity::mean_ratio},
    {"praisonai-2025-openai-agents-us", "openai-agents", Quantity::first_mean_us},
    {"praisonai-2025-agno-us", "agno", Quantity::first_mean_us},
    {"praisonai-2025-pydantic-ai-us", "pydantic-ai", Quantity::first_mean_us},
    {"praisonai-2025-langgraph-us", "langchain", Quantity::first_mean_us},
    {"praisonai-2025-crewai-us", "crewai", Quantity::first_mean_us},
};

// How the source measured each quantity and how it is measured here: the verdict row's "quantity".
std::string method_of(Quantity q) {
  switch (q) {
    case Quantity::import_ms:
    case Quantity::import_ratio:
      return std::string(q == Quantity::import_ratio ? "÷ Agno's, " : "") +
             "cold import, median: a fresh `python -c IMPORT` per sample minus the median of `python -c pass` (source: 10 samples, "
             "one framework after the other, one environment holding all four; here: each framework's own environment, "
             "rounds interleaved)";
    case Quantity::construct_us:
    case Quantity::construct_ratio:
      return std::string(q == Quantity::construct_ratio ? "÷ Agno's, " : "") +
             "agent with one tool, median time per construction: PerformanceEval's loop, 10 warm-ups then each call timed "
             "alone (source and here: the same constructors and counts)";
    case Quantity::memory_kib:
      return "agent with one tool, median tracemalloc peak per construction over an empty function's (PerformanceEval's "
             "memory pass, source and here)";
    case Quantity::mean_us:
    case Quantity::mean_ratio:
      return std::string(q == Quantity::mean_ratio ? "Agno ÷ OpenAI Agents SDK, " : "") +
             "agent with one tool, mean time per construction after 10 warm-ups (source: 1000 calls, Agno through OpenAIChat; "
             "here: each framework's one-tool constructor and count)";
    case Quantity::first_mean_us:
      return "mean time of the first 100 constructions of a fresh process, no warm-up (source: 100 calls; no tool for "
             "Agno, PydanticAI and OpenAI Agents SDK, one for LangGraph and CrewAI; here: the same shapes)";
  }
  return "";
}

report::FootprintReport analyse(const FootprintOptions& o, std::map<std::string, Measured>& measured, std::vector<std::string> left_out) {
  report::FootprintReport r{o.import_samples, o.rounds, o.warmups, o.iterations, {}, std::move(left_out), {}};
  for (const auto& name : o.systems) {
    auto& m = measured.at(name);
    auto& s = m.system;
    if (!s.startup_ms.empty() && !m.import_raw_ms.empty()) {
      const double startup = stats::median(s.startup_ms);
      for (double raw : m.import_raw_ms) s.import_ms.push_back(std::max(0.0, raw - startup));
      s.startup_median_ms = stats::median_order_statistic_interval(s.startup_ms);
      s.import_median_ms = stats::median_order_statistic_interval(s.import_ms);
    }
    for (auto& shape : s.shapes) {
      if (shape.times_us.empty()) continue;
      shape.time_median_us = stats::median_order_statistic_interval(shape.times_us);
      shape.time_mean_us = stats::t_interval_mean(shape.times_us);
      if (!shape.memory_kib.empty()) shape.memory_median_kib = stats::median_order_statistic_interval(shape.memory_kib);
    }
    r.systems.push_back(s);
  }

  auto& comparison = r.comparison;
  comparison.title = "Cold import and agent construction (Agno's cookbook/performance, PraisonAI's instantiation benchmark)";
  comparison.method = "Each framework's cold import in fresh interpreters (start-up subtracted) and the construction of an agent with "
                      "one tool (time per call, tracemalloc peak per call), the sources' own loops; ratios between frameworks "
                      "and tracemalloc's bytes are compared within each figure's tolerance, absolute times are another machine's.";
  {
    std::string systems;
    for (const auto& s : o.systems) systems += (systems.empty() ? "" : ",") + s;
    comparison.command = "legion-bench footprint --systems " + systems + " --import-samples " + std::to_string(o.import_samples) +
                         " --rounds " + std::to_string(o.rounds) + " --iterations " + std::to_string(o.iterations) + " --warmups " +
                         std::to_string(o.warmups) + (o.out.empty() ? "" : " --out " + o.out.string());
  }
  std::map<std::string, const FootprintSystem*> by_name;
  for (const auto& s : r.systems) by_name[s.name] = &s;
  auto one_tool = [&](const std::string& system) -> const FootprintShape* {
    return by_name.contains(system) ? find_shape(*by_name[system], "one_tool") : nullptr;
  };
  // PraisonAI's 2025 shape: without a tool where the framework's file builds one so, else with one.
  auto shape_2025 = [&](const std::string& system) -> const FootprintShape* {
    if (!by_name.contains(system)) return nullptr;
    if (const auto* bare = find_shape(*by_name[system], "no_tools")) return bare;
    return one_tool(system);
  };
  auto import_of = [&](const std::string& system) -> std::optional<stats::Estimate> {
    if (!by_name.contains(system) || by_name[system]->import_ms.empty()) return std::nullopt;
    return by_name[system]->import_median_ms;
  };
  auto interval = [](const stats::Estimate& e, const std::string& unit) {
    return sig3(e.point) + " " + unit + " [" + sig3(e.lower) + ", " + sig3(e.upper) + "]";
  };

  std::map<std::string, datasets::PublishedFigure> published;
  for (auto& f : datasets::load_published()) published[f.id] = f;
  for (const auto& ref : kReferences) {
    if (!published.contains(ref.id)) continue;
    const auto& f = published[ref.id];
    const std::string system = ref.system;
    std::optional<double> value;
    std::string shown = "—";
    switch (ref.quantity) {
      case Quantity::import_ms:
        if (const auto e = import_of(system)) value = e->point, shown = interval(*e, "ms");
        break;
      case Quantity::import_ratio:
        if (const auto e = import_of(system), agno = import_of("agno"); e && agno && agno->point > 0)
          value = e->point / agno->point, shown = sig3(*value) + "× (" + system + " " + sig3(e->point) + " ÷ agno " + sig3(agno->point) + " ms)";
        break;
      case Quantity::construct_us:
        if (const auto* s = one_tool(system)) value = s->time_median_us.point, shown = interval(s->time_median_us, "µs");
        break;
      case Quantity::construct_ratio:
        if (const auto *s = one_tool(system), *agno = one_tool("agno"); s && agno && agno->time_median_us.point > 0)
          value = s->time_median_us.point / agno->time_median_us.point,
          shown = sig3(*value) + "× (" + system + " " + sig3(s->time_median_us.point) + " ÷ agno " + sig3(agno->time_median_us.point) + " µs)";
        break;
      case Quantity::memory_kib:
        if (const auto* s = one_tool(system); s && !s->memory_kib.empty())
          value = s->memory_median_kib.point, shown = interval(s->memory_median_kib, "KiB");
        break;
      case Quantity::mean_us:
        if (const auto* s = one_tool(system)) value = s->time_mean_us.point, shown = interval(s->time_mean_us, "µs");
        break;
      case Quantity::mean_ratio:
        if (const auto *s = one_tool(system), *oa = one_tool("openai-agents"); s && oa && oa->time_mean_us.point > 0)
          value = s->time_mean_us.point / oa->time_mean_us.point,
          shown = sig3(*value) + "× (agno " + sig3(s->time_mean_us.point) + " ÷ openai-agents " + sig3(oa->time_mean_us.point) + " µs)";
        break;
      case Quantity::first_mean_us:
        if (const auto* s = shape_2025(system); s && s->first_calls_mean_us)
          value = *s->first_calls_mean_us, shown = sig3(*value) + " µs (" + s->name + ")";
        break;
    }
    std::string verdict;
    const bool to_agno = ref.quantity == Quantity::import_ratio || ref.quantity == Quantity::construct_ratio;
    if (!value)
      verdict = "not measured: " +
                (to_agno ? "needs " + system + " and agno measured in one run"
                 : ref.quantity == Quantity::mean_ratio ? std::string("needs agno and openai-agents measured in one run")
                                                        : system + " did not run or failed");
    else if (f.comparable == datasets::Comparable::absolute_time)
      verdict = "not comparable across machines (absolute-time); " + sig3(*value / f.value) + "× the published figure";
    else
      verdict = report::tolerance_verdict(*value / f.value, f.tolerance, f.comparable == datasets::Comparable::memory ? "figure" : "ratio");
    comparison.verdicts.push_back({f.id, f.source.title + ", " + f.source.where, sig3(f.value) + " " + f.unit, shown, verdict,
                                   method_of(ref.quantity)});
  }
  // PraisonAI's 2025 table: each framework ÷ OpenAI Agents SDK (the fastest framework run here),
  // both published means of the one table against both measured here.
  const std::string base = "praisonai-2025-openai-agents-us";
  for (const auto& [figure, system] : std::vector<std::pair<std::string, std::string>>{
           {"praisonai-2025-agno-us", "agno"}, {"praisonai-2025-pydantic-ai-us", "pydantic-ai"},
           {"praisonai-2025-langgraph-us", "langchain"}, {"praisonai-2025-crewai-us", "crewai"}}) {
    if (!published.contains(figure) || !published.contains(base)) continue;
    const double then = published[figure].value / published[base].value;
    const auto *mine = shape_2025(system), *oa = shape_2025("openai-agents");
    std::string shown = "—", verdict = "not measured: needs " + system + " and openai-agents measured in one run";
    if (mine && oa && mine->first_calls_mean_us && oa->first_calls_mean_us && *oa->first_calls_mean_us > 0) {
      const double now = *mine->first_calls_mean_us / *oa->first_calls_mean_us;
      shown = sig3(now) + "× (" + system + " " + sig3(*mine->first_calls_mean_us) + " ÷ openai-agents " + sig3(*oa->first_calls_mean_us) + " µs)";
      verdict = report::tolerance_verdict(now / then, std::max(published[figure].tolerance, published[base].tolerance), "ratio");
    }
    comparison.verdicts.push_back({figure + " ÷ " + base, published[figure].source.title + ", " + published[figure].source.where,
                                   sig3(then) + "× OpenAI Agents SDK", shown, verdict,
                                   "÷ OpenAI Agents SDK's, " + method_of(Quantity::first_mean_us)});
  }
  return r;
}

}  // namespace

std::vector<std::string> systems_with_footprint(std::vector<std::string>* left_out) {
  std::vector<std::string> names;
  for (const auto& f : frameworks_with_files()) {
    if (std::filesystem::exists(interpreter(f.environment))) names.push_back(f.name);
    else if (left_out) left_out->push_back(f.name + ": its environment is not set up (" + interpreter(f.environment).string() + ")");
  }
  return names;
}

int footprint_command(const FootprintOptions& o) {
  if (o.systems.empty()) throw std::invalid_argument("footprint: no systems");
  if (o.import_samples < 1 || o.rounds < 1 || o.iterations < 0 || o.warmups < 0)
    throw std::invalid_argument("footprint: --import-samples and --rounds must be at least 1, --iterations and --warmups not negative");
  std::map<std::string, Framework> framework;
  for (const auto& system : o.systems) framework[system] = framework_of(system);  // unknown systems fail before anything runs
  std::vector<std::string> left_out;
  systems_with_footprint(&left_out);

  const auto work = o.out.empty() ? std::filesystem::temp_directory_path() / ("legion-footprint-" + std::to_string(::getpid())) : o.out;
  std::filesystem::create_directories(work);
  const auto scratch = work / "footprint-cwd";  // the children's working directory: nothing in it to import
  std::filesystem::create_directories(scratch);
  const auto runner = (footprint_dir() / "run.py").string();
  const std::vector<std::string> inherited = child_environment({});
  std::map<std::string, Measured> measured;
  auto fail = [&](const std::string& system, const std::string& what) {
    measured[system].system.correct = false;
    measured[system].system.failures.push_back(what + " (log: footprint-" + system + ".log)");
  };
  auto run_json = [&](const std::string& system, const std::vector<std::string>& args, std::chrono::seconds limit) -> std::optional<json> {
    const auto out = work / ("footprint-" + system + ".out");
    const auto c = run_timed(args, inherited, scratch, out, work / ("footprint-" + system + ".log"), limit);
    const auto line = last_line(out);
    std::filesystem::remove(out);
    if (c.status != 0) {
      fail(system, args[2] + ": " + (c.status == -2 ? "did not finish within " + std::to_string(limit.count()) + " s" : "exit status " + std::to_string(c.status)));
      return std::nullopt;
    }
    try {
      return json::parse(line);
    } catch (const std::exception& e) {
      fail(system, args[2] + ": no result (" + e.what() + ")");
      return std::nullopt;
    }
  };

  // What each framework's import is, and its versions.
  for (const auto& system : o.systems) {
    auto& m = measured[system];
    m.system.name = system;
    m.system.environment = framework[system].environment;
    if (const auto j = run_json(system, {interpreter(m.system.environment).string(), runner, "describe", m.system.environment}, std::chrono::seconds(300))) {
      m.system.import_statement = j->at("import").get<std::string>();
      m.system.versions = j->at("versions").get<std::map<std::string, std::string>>();
      m.system.iterations = o.iterations > 0 ? o.iterations : j->at("iterations").get<int>();
      m.system.iterations_source = o.iterations > 0 ? "--iterations" : j->at("iterations_source").get<std::string>();
      m.settings = j->at("environment").get<std::map<std::string, std::string>>();
    }
  }

  // Cold imports: a fresh interpreter per sample, `pass` beside each so that its start-up can be
  // subtracted; one unrecorded import first (bytecode caches written); rounds in rotated order.
  auto sample = [&](const std::string& system, const std::string& code) -> std::optional<double> {
    const auto& m = measured[system];
    const auto out = work / ("footprint-" + system + ".out");
    const auto c = run_timed({interpreter(m.system.environment).string(), "-c", code}, child_environment(m.settings), scratch, out,
                             work / ("footprint-" + system + ".log"), std::chrono::seconds(300));
    std::filesystem::remove(out);
    if (c.status != 0) {
      fail(system, "python -c \"" + code + "\": exit status " + std::to_string(c.status));
      return std::nullopt;
    }
    return c.elapsed_ms;
  };
  auto importable = [&](const std::string& system) { return !measured[system].system.import_statement.empty() && measured[system].system.correct; };
  for (const auto& system : o.systems)
    if (importable(system)) sample(system, measured[system].system.import_statement);
  for (int round = 0; round < o.import_samples; ++round)
    for (std::size_t k = 0; k < o.systems.size(); ++k) {
      const auto& system = o.systems[(k + static_cast<std::size_t>(round)) % o.systems.size()];
      if (!importable(system)) continue;
      auto& m = measured[system];
      const auto startup = sample(system, "pass");
      const auto imported = sample(system, m.system.import_statement);
      if (startup && imported) m.system.startup_ms.push_back(*startup), m.import_raw_ms.push_back(*imported);
    }

  // Construction: one process per framework per round, in rotated order.
  for (int round = 0; round < o.rounds; ++round)
    for (std::size_t k = 0; k < o.systems.size(); ++k) {
      const auto& system = o.systems[(k + static_cast<std::size_t>(round)) % o.systems.size()];
      auto& m = measured[system];
      if (m.system.import_statement.empty()) continue;  // describe failed
      const auto j = run_json(system,
                              {interpreter(m.system.environment).string(), runner, "construct", m.system.environment, "--iterations",
                               std::to_string(o.iterations), "--warmups", std::to_string(o.warmups)},
                              std::chrono::seconds(600));
      if (!j) continue;
      for (const auto& failure : j->at("failures")) fail(system, "round " + std::to_string(round + 1) + ": " + failure.get<std::string>());
      for (const auto& [name, data] : j->at("shapes").items()) {
        auto* shape = shape_named(m.system, name);
        shape->constructor = data.at("constructor").get<std::string>();
        const auto warmup = data.at("warmup_us").get<std::vector<double>>(), times = data.at("times_us").get<std::vector<double>>();
        const auto memory = data.at("memory_kib").get<std::vector<double>>();
        if (round == 0) {
          shape->warmup_us = warmup;
          std::vector<double> first(warmup);
          first.insert(first.end(), times.begin(), times.end());
          first.resize(std::min<std::size_t>(first.size(), 100));
          if (!first.empty()) shape->first_calls_mean_us = stats::mean(first);
        }
        shape->times_us.insert(shape->times_us.end(), times.begin(), times.end());
        shape->memory_kib.insert(shape->memory_kib.end(), memory.begin(), memory.end());
      }
    }

  const auto report = analyse(o, measured, left_out);
  std::filesystem::remove_all(scratch);
  std::cout << report::render(report::footprint_document(), "markdown", report);
  if (!o.out.empty()) {
    const auto written = report::write_document(o.out, report::footprint_document(), report);
    std::cout << "\n";
    report::print_artifacts(std::cout, std::cerr, written, o.out);
    if (!written.complete()) return kExitFailed;
  } else {
    std::filesystem::remove_all(work);
  }
  const bool ok = std::all_of(report.systems.begin(), report.systems.end(), [](const auto& s) { return s.correct; });
  return ok ? kExitOk : kExitFailed;
}

}  // namespace legion::bench
