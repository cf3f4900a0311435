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
#include "legion/report/zero_io.hpp"
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

// A framework has zero-I/O workloads when its environment has a graphs module
// (adapters/python/zero_io/ENV_graphs.py): only those with a graph or workflow engine.
bool has_workloads(const datasets::SystemEntry& s) {
  return !s.environment.empty() && std::filesystem::exists(adapters::python_adapter_dir() / "zero_io" / (s.environment + "_graphs.py"));
}

// How a system's process is started: the native engine's own binary, or the framework's workloads in
// its environment's interpreter.
std::vector<std::string> command_for(const std::string& system, const ZeroIoOptions& o) {
  if (system == "native")
    return {(self_dir() / "legion-zero-io").string(), "--json", "--batches", std::to_string(o.batches), "--iterations",
            std::to_string(o.native_iterations)};
  for (const auto& s : datasets::load_systems())
    if (s.name == system && has_workloads(s))
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

// Medians with their intervals, ratios to native, and the published figures beside them.
report::ZeroIoReport analyse(const ZeroIoOptions& o, const std::map<std::string, Measured>& measured) {
  report::ZeroIoReport r{o.rounds, o.batches, o.iterations, o.native_iterations, {}, {}};
  std::map<std::string, std::map<std::string, stats::Estimate>> estimate;
  for (const auto& [system, m] : measured)
    for (const auto* workload : kWorkloads)
      if (auto it = m.per_invocation_us.find(workload); it != m.per_invocation_us.end() && !it->second.empty())
        estimate[system][workload] = median_interval(it->second);
  auto ratio = [&](const std::string& system, const std::string& workload) -> std::optional<double> {
    if (!estimate[system].contains(workload) || !estimate["native"].contains(workload) || estimate["native"][workload].point <= 0)
      return std::nullopt;
    return estimate[system][workload].point / estimate["native"][workload].point;
  };
  auto rss_max = [&](const std::string& system) -> std::optional<double> {
    const auto& rss = measured.at(system).rss_peak_mb;
    if (rss.empty()) return std::nullopt;
    return *std::max_element(rss.begin(), rss.end());
  };
  for (const auto& system : o.systems) {
    const auto& m = measured.at(system);
    report::ZeroIoSystem s{system, m.correct, m.failures, m.versions, m.settings, m.per_invocation_us, m.rss_peak_mb,
                           estimate[system], {}, rss_max(system)};
    if (system != "native")
      for (const auto* workload : kWorkloads)
        if (const auto value = ratio(system, workload)) s.ratio_to_native[workload] = *value;
    r.systems.push_back(std::move(s));
  }

  auto& comparison = r.comparison;
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
      value = rss_max(ref.system);
    } else {
      value = ratio(ref.system, quantity.substr(0, 3));
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
    comparison.verdicts.push_back({a + " ÷ " + b, published[a].source.title + ", " + published[a].source.where,
                                   sig3(then) + "× (AutoGen ÷ LangGraph)", sig3(now) + "×",
                                   report::tolerance_verdict(now / then, tolerance, "ratio")});
  }
  return r;
}

}  // namespace

std::vector<std::string> systems_with_zero_io_workloads() {
  std::vector<std::string> names{"native"};
  for (const auto& s : datasets::load_systems())
    if (has_workloads(s)) names.push_back(s.name);
  return names;
}

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

  const auto report = analyse(o, measured);
  std::cout << report::render(report::zero_io_document(), "markdown", report);
  if (!o.out.empty()) {
    const auto written = report::write_document(o.out, report::zero_io_document(), report);
    std::cout << "\n";
    report::print_artifacts(std::cout, std::cerr, written, o.out);
    if (!written.complete()) return kExitFailed;
  } else {
    std::filesystem::remove_all(work);
  }
  const bool ok = std::all_of(measured.begin(), measured.end(), [](const auto& m) { return m.second.correct; });
  return ok ? kExitOk : kExitFailed;
}

}  // namespace legion::bench
