#include "zero_io.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "exit_status.hpp"
#include "legion/adapters/adapter.hpp"
#include "legion/datasets/published.hpp"
#include "legion/datasets/systems.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/published.hpp"
#include "legion/report/reporters.hpp"
#include "legion/stats/intervals.hpp"

extern char** environ;

namespace legion::bench {
namespace {

using nlohmann::json;

constexpr const char* kWorkloads[] = {"seq", "par"};

// Runs argv with stdout into `out` and stderr into `log`; kills it after `limit`. Returns its exit
// status, or a negative number when it was killed or could not start.
int run_child(const std::vector<std::string>& args, const std::filesystem::path& out, const std::filesystem::path& log,
              std::chrono::seconds limit) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int failed = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -3;
}

std::filesystem::path self_dir() { return std::filesystem::read_symlink("/proc/self/exe").parent_path(); }

// How a system's process is started: the native engine's own binary, or the framework's workloads in
// its environment's interpreter.
std::vector<std::string> command_for(const std::string& system, const ZeroIoOptions& o) {
  if (system == "native")
    return {(self_dir() / "legion-zero-io").string(), "--json", "--batches", std::to_string(o.batches), "--iterations",
            std::to_string(o.native_iterations)};
  for (const auto& s : datasets::load_systems())
    if (s.name == system && !s.environment.empty())
      return {(adapters::venvs_dir() / s.environment / "bin" / "python").string(),
              (adapters::python_adapter_dir() / "zero_io" / "run.py").string(), s.environment, "--batches",
              std::to_string(o.batches), "--iterations", std::to_string(o.iterations)};
  throw std::invalid_argument("zero-io: no zero-I/O workloads for system '" + system + "'");
}

struct Measured {
  std::map<std::string, std::vector<double>> per_invocation_us;  // workload -> batch means over all rounds
  std::vector<double> rss_peak_mb;                                 // one per process
  std::map<std::string, std::string> versions, settings;
  bool correct = true;
  std::vector<std::string> failures;
};

std::string sig3(double v) {
  std::ostringstream s;
  const double a = std::abs(v);
  s << std::fixed << std::setprecision(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3) << v;
  return s.str();
}

stats::Estimate median_interval(const std::vector<double>& xs) {
  if (xs.size() < 2) return {xs.empty() ? 0 : xs.front(), xs.empty() ? 0 : xs.front(), xs.empty() ? 0 : xs.front()};
  return stats::bootstrap_median(xs, {10000, 1, 0.95}).bca;
}

// Which published figure each measurement re-measures (datasets/published/neograph.yaml).
struct Reference {
  const char* id;
  const char* system;    // ours
  const char* quantity;  // seq, par (µs), seq-ratio, par-ratio (× native), rss (MB)
};
constexpr Reference kReferences[] = {
    {"neograph-native-seq-us", "native", "seq"},          {"neograph-native-par-us", "native", "par"},
    {"neograph-langgraph-seq-us", "langchain", "seq"},    {"neograph-langgraph-par-us", "langchain", "par"},
    {"neograph-autogen-seq-us", "autogen", "seq"},        {"neograph-autogen-par-us", "autogen", "par"},
    {"neograph-langgraph-seq-ratio", "langchain", "seq-ratio"}, {"neograph-langgraph-par-ratio", "langchain", "par-ratio"},
    {"neograph-autogen-seq-ratio", "autogen", "seq-ratio"},     {"neograph-autogen-par-ratio", "autogen", "par-ratio"},
    {"neograph-native-peak-rss", "native", "rss"},        {"neograph-langgraph-peak-rss", "langchain", "rss"},
    {"neograph-autogen-peak-rss", "autogen", "rss"},
};

}  // namespace

int zero_io_command(const ZeroIoOptions& o) {
  if (o.systems.empty()) throw std::invalid_argument("zero-io: no systems");
  if (o.rounds < 1 || o.batches < 1 || o.iterations < 1 || o.native_iterations < 1)
    throw std::invalid_argument("zero-io: --rounds, --batches and --iterations must be at least 1");
  const auto work = o.out.empty() ? std::filesystem::temp_directory_path() / ("legion-zero-io-" + std::to_string(::getpid())) : o.out;
  std::filesystem::create_directories(work);
  std::map<std::string, Measured> measured;
  for (const auto& system : o.systems) command_for(system, o);  // unknown systems fail before anything runs

  // Rounds: one process per system, the order rotated each round, so that drift hits all alike.
  for (int round = 0; round < o.rounds; ++round) {
    for (std::size_t k = 0; k < o.systems.size(); ++k) {
      const auto& system = o.systems[(k + static_cast<std::size_t>(round)) % o.systems.size()];
      auto& m = measured[system];
      const auto output = work / ("zero-io-" + system + ".out");
      const int status = run_child(command_for(system, o), output, work / ("zero-io-" + system + ".log"), std::chrono::seconds(600));
      std::ifstream in(output);
      std::string line, last;
      while (std::getline(in, line))
        if (!line.empty()) last = line;
      std::filesystem::remove(output);
      try {
        if (status != 0) throw std::runtime_error(status == -2 ? "did not finish within 600 s" : "exit status " + std::to_string(status));
        const auto j = json::parse(last);
        for (const auto* workload : kWorkloads)
          for (double v : j.at("per_invocation_us").at(workload)) m.per_invocation_us[workload].push_back(v);
        m.rss_peak_mb.push_back(j.at("rss_peak_bytes").get<double>() / (1024.0 * 1024.0));
        m.correct = m.correct && j.at("correct").get<bool>();
        m.versions = j.value("versions", std::map<std::string, std::string>{});
        m.settings = j.value("settings", std::map<std::string, std::string>{});
      } catch (const std::exception& e) {
        m.correct = false;
        m.failures.push_back("round " + std::to_string(round + 1) + ": " + e.what() + " (log: zero-io-" + system + ".log)");
      }
    }
  }

  // Medians with their intervals, ratios to native, and the published figures beside them.
  json result = {{"rounds", o.rounds}, {"batches", o.batches}, {"iterations", o.iterations},
                 {"native_iterations", o.native_iterations}, {"systems", json::object()}};
  std::map<std::string, std::map<std::string, stats::Estimate>> estimate;
  for (const auto& [system, m] : measured) {
    json s = {{"correct", m.correct}, {"failures", m.failures}, {"versions", m.versions}, {"settings", m.settings},
              {"per_invocation_us", m.per_invocation_us}, {"rss_peak_mb", m.rss_peak_mb}};
    for (const auto* workload : kWorkloads)
      if (auto it = m.per_invocation_us.find(workload); it != m.per_invocation_us.end() && !it->second.empty()) {
        estimate[system][workload] = median_interval(it->second);
        const auto& e = estimate[system][workload];
        s[std::string(workload) + "_median_us"] = {{"point", e.point}, {"lower", e.lower}, {"upper", e.upper}};
      }
    if (!m.rss_peak_mb.empty()) s["rss_peak_mb_max"] = *std::max_element(m.rss_peak_mb.begin(), m.rss_peak_mb.end());
    result["systems"][system] = s;
  }

  std::ostringstream md;
  md << "# Zero-I/O engine overhead\n\nEach system's graph engine with no model and no I/O: `seq` is a 3-node chain "
        "that increments a counter, `par` a fan-out to 5 workers that each append their index, joined by a summariser "
        "(the NeoGraph engine benchmark's workloads). Each graph is built once and invoked in a hot loop; every "
        "invocation's result is checked. "
     << o.rounds << " rounds, one process per system per round in rotated order; " << o.batches
     << " timed batches of each workload per process (" << o.iterations << " invocations per batch for Python systems, "
     << o.native_iterations
     << " for native), after a warm-up. Time per invocation: median of the batch means with its 95% BCa bootstrap "
        "interval; peak RSS: the largest of the processes' high-water marks.\n\n"
        "| system | seq (µs) [95% CI] | par (µs) [95% CI] | seq ÷ native | par ÷ native | peak RSS (MB) | results |\n"
        "|---|---:|---:|---:|---:|---:|---|\n";
  auto cell = [&](const std::string& system, const char* workload) {
    if (!estimate[system].contains(workload)) return std::string("—");
    const auto& e = estimate[system][workload];
    return sig3(e.point) + " [" + sig3(e.lower) + ", " + sig3(e.upper) + "]";
  };
  auto ratio = [&](const std::string& system, const char* workload) -> std::optional<double> {
    if (!estimate[system].contains(workload) || !estimate["native"].contains(workload) || estimate["native"][workload].point <= 0)
      return std::nullopt;
    return estimate[system][workload].point / estimate["native"][workload].point;
  };
  for (const auto& system : o.systems) {
    const auto& m = measured[system];
    md << "| " << report::markdown_escape(system) << " | " << cell(system, "seq") << " | " << cell(system, "par") << " | ";
    for (const auto* workload : kWorkloads) {
      const auto r = system == "native" ? std::optional<double>() : ratio(system, workload);
      md << (r ? sig3(*r) + "×" : "—") << " | ";
    }
    md << (m.rss_peak_mb.empty() ? "—" : sig3(*std::max_element(m.rss_peak_mb.begin(), m.rss_peak_mb.end()))) << " | "
       << (m.correct ? "all correct" : "**wrong or failed**") << " |\n";
  }

  // Verdicts against the published figures.
  md << "\n## Against the published figures\n\nRatios between frameworks cancel the CPU's speed and peak RSS depends "
        "little on it: both are compared with the published figure within its tolerance. Absolute times come from "
        "another machine and are shown beside ours; the native engine's figures are targets (at or below).\n\n"
        "| published figure | published | measured here | verdict |\n|---|---:|---:|---|\n";
  report::PublishedComparison comparison;
  comparison.title = "Zero-I/O engine overhead (NeoGraph engine benchmark)";
  comparison.method = "The seq and par graphs of the NeoGraph benchmark with no model and no I/O, built once and invoked in a hot "
                      "loop in each system, " + std::to_string(o.rounds) + " rounds of one process per system in rotated order; "
                      "medians of batch means. Ratios between frameworks and peak RSS are compared within each figure's "
                      "tolerance; absolute times are another machine's.";
  {
    std::string systems;
    for (const auto& s : o.systems) systems += (systems.empty() ? "" : ",") + s;
    comparison.command = "legion-bench zero-io --systems " + systems + " --rounds " + std::to_string(o.rounds) + " --batches " +
                         std::to_string(o.batches) + " --iterations " + std::to_string(o.iterations) + " --native-iterations " +
                         std::to_string(o.native_iterations) + (o.out.empty() ? "" : " --out " + o.out.string());
  }
  std::map<std::string, datasets::PublishedFigure> published;
  for (auto& f : datasets::load_published()) published[f.id] = f;
  for (const auto& ref : kReferences) {
    if (!published.contains(ref.id) || !measured.contains(ref.system)) continue;
    const auto& f = published[ref.id];
    const std::string quantity = ref.quantity;
    std::optional<double> value;
    if (quantity == "seq" || quantity == "par") {
      if (estimate[ref.system].contains(quantity)) value = estimate[ref.system][quantity].point;
    } else if (quantity == "rss") {
      const auto& rss = measured[ref.system].rss_peak_mb;
      if (!rss.empty()) value = *std::max_element(rss.begin(), rss.end());
    } else {
      value = ratio(ref.system, quantity.substr(0, 3).c_str());
    }
    std::string verdict;
    const bool ratio_figure = quantity.ends_with("ratio");
    if (!value) verdict = "not measured";
    else if (ratio_figure)  // framework ÷ NeoGraph; here the denominator is this project's engine
      verdict = "not comparable: the published ratio's denominator is NeoGraph, which legion-bench does not run; shown "
                "is this system ÷ native (the framework-to-framework ratios below cancel the CPU instead)";
    else if (std::string(ref.system) == "native")
      verdict = *value <= f.value ? "target met (at or below the published figure)"
                                  : "target missed: " + sig3(*value / f.value) + "× the published figure";
    else if (f.comparable == datasets::Comparable::memory)
      verdict = report::tolerance_verdict(*value / f.value, f.tolerance, "figure");
    else
      verdict = "not comparable across machines (" + datasets::to_string(f.comparable) + "); " + sig3(*value / f.value) + "× the published figure";
    md << "| " << report::markdown_escape(f.id) << " | " << sig3(f.value) << " " << report::markdown_escape(f.unit) << " | "
       << (value ? sig3(*value) + (ratio_figure ? "×" : quantity == "rss" ? " MB" : " µs") : "—") << " | "
       << report::markdown_escape(verdict) << " |\n";
    comparison.verdicts.push_back({f.id, f.source.title + ", " + f.source.where, sig3(f.value) + " " + f.unit,
                                   value ? sig3(*value) + (ratio_figure ? "×" : quantity == "rss" ? " MB" : " µs") : "—", verdict});
  }
  // Framework ÷ framework from two published times of one table: the CPU's speed cancels, and both
  // frameworks run here.
  for (const auto* workload : kWorkloads) {
    const auto a = "neograph-autogen-" + std::string(workload) + "-us", b = "neograph-langgraph-" + std::string(workload) + "-us";
    if (!published.contains(a) || !published.contains(b) || !estimate["autogen"].contains(workload) ||
        !estimate["langchain"].contains(workload) || estimate["langchain"][workload].point <= 0)
      continue;
    const double then = published[a].value / published[b].value;
    const double now = estimate["autogen"][workload].point / estimate["langchain"][workload].point;
    const double tolerance = std::max(published[a].tolerance, published[b].tolerance);
    const auto verdict = report::tolerance_verdict(now / then, tolerance, "ratio");
    const auto id = a + " ÷ " + b;
    md << "| " << report::markdown_escape(id) << " | " << sig3(then) << "× | " << sig3(now) << "× | " << report::markdown_escape(verdict) << " |\n";
    comparison.verdicts.push_back({id, published[a].source.title + ", " + published[a].source.where, sig3(then) + "× (AutoGen ÷ LangGraph)",
                                   sig3(now) + "×", verdict});
  }
  result["comparison"] = report::to_json(comparison);
  for (const auto& system : o.systems)
    for (const auto& failure : measured[system].failures) md << "\n- " << report::markdown_escape(system) << ": " << report::markdown_escape(failure);
  md << "\n\nVersions and settings:";
  for (const auto& system : o.systems) {
    md << " " << report::markdown_escape(system) << " —";
    for (const auto& [k, v] : measured[system].versions) md << " " << report::markdown_escape(k) << " " << report::markdown_escape(v) << ";";
    for (const auto& [k, v] : measured[system].settings) md << " " << report::markdown_escape(k) << " = " << report::markdown_escape(v) << ";";
  }
  md << "\n";

  std::cout << md.str();
  if (!o.out.empty()) {
    report::write_file_atomically(o.out / "ZERO_IO.md", md.str());
    report::write_file_atomically(o.out / "zero_io.json", result.dump(2) + "\n");
    std::cout << "\nWrote ZERO_IO.md and zero_io.json to " << report::printable(o.out.string()) << "\n";
  } else {
    std::filesystem::remove_all(work);
  }
  const bool ok = std::all_of(measured.begin(), measured.end(), [](const auto& m) { return m.second.correct; });
  return ok ? kExitOk : kExitFailed;
}

}  // namespace legion::bench
