#include "checks.hpp"

#include "legion/adapters/adapter.hpp"
#include "legion/core/process_status.hpp"
#include "legion/report/results.hpp"
#include "machine.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace legion::bench {
namespace {

// Bytes of memory one planted filler byte takes per concurrent task: the tool result lives in the
// agent's history and is sent again with each later request, so the worker (history, request
// body) and the oracle (body, parsed request, the evidence it searches, token counting) each hold
// several copies at once.
constexpr std::uint64_t kBytesPerPaddingByte = 16;

std::optional<std::uint64_t> read_number(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::uint64_t value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

// Threads on the machine now: the fourth field of /proc/loadavg is running/total.
std::uint64_t threads_on_machine() {
  std::istringstream in(load_average());
  std::string a, b, c, entities;
  in >> a >> b >> c >> entities;
  auto slash = entities.find('/');
  return slash == std::string::npos ? 0 : std::strtoull(entities.c_str() + slash + 1, nullptr, 10);
}

// Threads of every process whose real user is ours: what RLIMIT_NPROC counts.
std::uint64_t threads_of_user(uid_t uid) {
  std::uint64_t total = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const auto status = core::read_process_status(static_cast<pid_t>(std::stol(name)));
    if (status.ok && status.real_uid == uid) total += static_cast<std::uint64_t>(status.threads);
  }
  return total;
}

// The pids controller's limit for this process's cgroup and its ancestors (cgroup v2 or v1).
std::optional<ThreadLimit> cgroup_pids_limit() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  std::filesystem::path folder;
  while (std::getline(in, line)) {
    if (line.starts_with("0::")) folder = std::filesystem::path("/sys/fs/cgroup") / line.substr(4);
    else if (auto at = line.find(":pids:"); at != std::string::npos)
      folder = std::filesystem::path("/sys/fs/cgroup/pids") / line.substr(at + 7);
  }
  std::optional<ThreadLimit> tightest;
  for (; !folder.empty() && folder.string().starts_with("/sys/fs/cgroup"); folder = folder.parent_path()) {
    auto limit = read_number(folder / "pids.max");  // "max" (no limit) does not read as a number
    auto current = read_number(folder / "pids.current");
    if (limit && current) {
      ThreadLimit l{"cgroup pids.max (" + (folder / "pids.max").string() + ")", *limit, *current};
      if (!tightest || l.available() < tightest->available()) tightest = l;
    }
    if (folder == folder.parent_path()) break;
  }
  return tightest;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

std::string plain(double value) {
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

// The whole of `text` as a decimal integer of type T, or nothing (overflow included).
template <typename T>
std::optional<T> parse_decimal(std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string refuse_integer(std::string& text, std::int64_t low, std::int64_t high) {
  const auto value = parse_decimal<std::int64_t>(text);
  if (!value || *value < low || *value > high)
    return "must be an integer from " + std::to_string(low) + " to " + std::to_string(high) + ", got " + text;
  text = std::to_string(*value);
  return {};
}

std::string refuse_seed(std::string& text) {
  const auto value = parse_decimal<std::uint64_t>(text);
  if (!value) return "must be an integer from 0 to " + std::to_string(std::numeric_limits<std::uint64_t>::max()) + ", got " + text;
  text = std::to_string(*value);
  return {};
}

std::string NumberRange::describe() const {
  const auto lower = (above_low ? "> " : "≥ ") + plain(low);
  return std::isinf(high) ? lower : lower + " and " + (below_high ? "< " : "≤ ") + plain(high);
}

std::string refuse_number(std::string_view text, const NumberRange& range) {
  const auto value = parse_decimal<double>(text);  // from_chars: no hexadecimal, and 1e309 overflows
  const bool inside = value && std::isfinite(*value) && (range.above_low ? *value > range.low : *value >= range.low) &&
                      (range.below_high ? *value < range.high : *value <= range.high);
  return inside ? std::string() : "must be a number " + range.describe() + ", got " + std::string(text);
}

oracle::FaultPlan parse_faults(const std::string& spec) {
  constexpr std::int64_t kDayMs = 86'400'000;
  std::istringstream fields(spec == "none" ? "" : spec);
  for (std::string field; std::getline(fields, field, ',');) {
    const auto eq = field.find('=');
    if (eq == std::string::npos) continue;  // FaultPlan::parse says what is wrong with it
    const auto key = field.substr(0, eq);
    // `at` lists request numbers joined by '+'; every other key has one value.
    std::istringstream values(field.substr(eq + 1));
    for (std::string value; std::getline(values, value, key == "at" ? '+' : ',');) {
      std::string why;
      if (key == "rate") why = refuse_number(value, {0, 1});
      else if (key == "seed") why = refuse_seed(value);
      else if (key == "stall_ms" || key == "gap_ms") why = refuse_integer(value, 0, kDayMs);
      else if (key == "at") why = refuse_integer(value, 1, std::numeric_limits<std::int64_t>::max());  // request numbers count from 1
      if (!why.empty()) throw UsageError("--faults '" + spec + "': " + key + " " + why);
    }
  }
  return oracle::FaultPlan::parse(spec);
}

void check_distinct_folders(const std::vector<std::string>& folders) {
  std::map<std::filesystem::path, std::string> seen;
  for (const auto& folder : folders) {
    std::error_code error;
    auto canonical = std::filesystem::canonical(folder, error);  // through links, without a trailing '/'
    if (error) canonical = std::filesystem::absolute(folder).lexically_normal();
    if (auto [at, added] = seen.emplace(canonical, folder); !added)
      throw UsageError("report: '" + at->second + "' and '" + folder + "' are the same folder (" + canonical.string() +
                       "); give each run once");
  }
}

std::vector<ThreadLimit> read_thread_limits() {
  std::vector<ThreadLimit> limits;
  const auto threads = threads_on_machine();
  rlimit nproc{};
  // Root is not held to RLIMIT_NPROC by the kernel.
  if (::getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur != RLIM_INFINITY && ::geteuid() != 0)
    limits.push_back({"RLIMIT_NPROC (ulimit -u)", static_cast<std::uint64_t>(nproc.rlim_cur), threads_of_user(::getuid())});
  if (auto max = read_number("/proc/sys/kernel/threads-max"))
    limits.push_back({"kernel.threads-max (/proc/sys/kernel/threads-max)", *max, threads});
  if (auto max = read_number("/proc/sys/kernel/pid_max")) limits.push_back({"kernel.pid_max (/proc/sys/kernel/pid_max)", *max, threads});
  if (auto cgroup = cgroup_pids_limit()) limits.push_back(*cgroup);
  return limits;
}

std::size_t model_server_connections(int concurrency, bool tasks_on_threads) {
  // Every worker's HTTP clients keep idle connections open (httpx pools keep up to 20), and a run
  // holds up to eight workers (`ab` of four systems): a smaller limit turns them into 503s. The
  // native engine opens at most its pool's connections per worker, whatever the concurrency.
  if (!tasks_on_threads) return 256;
  return std::max<std::size_t>(256, static_cast<std::size_t>(std::max(1, concurrency)) * 8);
}

bool tasks_on_threads(const Plan& plan) {
  for (const auto& s : plan.systems)
    if (!adapters::adapter_info(parse_system_name(s).base).tasks_on_event_loop) return true;
  return false;
}

std::uint64_t threads_needed(int concurrency, std::size_t most_agents, bool tasks_on_threads) {
  // The model server runs on at most two I/O threads whatever its connections; a margin of 32 for
  // the runner, the workers' own and the libraries'.
  constexpr std::uint64_t kModelServer = 4, kMargin = 32;
  // Native systems run every task as a coroutine on the worker's one event-loop thread.
  if (!tasks_on_threads) return kModelServer + 2 + kMargin;
  const auto tasks = static_cast<std::uint64_t>(std::max(1, concurrency));
  return kModelServer + tasks * (1 + most_agents) + kMargin;
}

void check_threads(int concurrency, std::size_t most_agents, const std::vector<ThreadLimit>& limits, bool tasks_on_threads) {
  const auto needed = threads_needed(concurrency, most_agents, tasks_on_threads);
  const ThreadLimit* tightest = nullptr;
  for (const auto& l : limits)
    if (!tightest || l.available() < tightest->available()) tightest = &l;
  if (!tightest || needed <= tightest->available()) return;
  int most = concurrency;
  while (most > 0 && threads_needed(most, most_agents, tasks_on_threads) > tightest->available()) --most;
  std::ostringstream message;
  message << "--concurrency " << concurrency << " needs about " << needed << " threads, but " << tightest->name << " is "
          << tightest->limit << " with " << tightest->in_use << " in use, leaving " << tightest->available() << "; ";
  if (most > 0) message << "the most this machine allows for these scenarios is --concurrency " << most;
  else message << "this machine cannot start a run now";
  throw UsageError(message.str());
}

datasets::LoadOptions padding_budget(int concurrency, std::optional<std::uint64_t> memory) {
  datasets::LoadOptions options;
  if (!memory) return options;
  const auto per_task = kBytesPerPaddingByte * static_cast<std::uint64_t>(std::max(1, concurrency));
  options.max_padding_bytes = std::min(options.max_padding_bytes, *memory / per_task);
  options.padding_limit_reason = "more than fits in memory: MemAvailable is " + std::to_string(*memory >> 20) +
                                 " MiB and each filler byte takes about " + std::to_string(kBytesPerPaddingByte) +
                                 " bytes per concurrent task (--concurrency " + std::to_string(concurrency) + ")";
  return options;
}

datasets::ScenarioSpec PlannedScenario::with_seed(std::uint64_t seed) const {
  auto seeded = options;
  seeded.seed = seed;
  return source->load(seeded);
}

int most_concurrency(const Plan& plan) {
  int most = plan.concurrency;
  for (const auto& part : plan.concurrency_parts)
    for (const auto level : part.levels) most = std::max(most, level);
  return most;
}

namespace {

// The plan's scenarios as it runs them: each file read and parsed once, each (file, parameters)
// loaded once with the plan's seed and the filler budget read once for the run.
class PlanLoader {
 public:
  explicit PlanLoader(const Plan& plan) : plan_(plan), budget_(padding_budget(plan.concurrency, available_memory_bytes())) {
    budget_.seed = plan.seed;
  }

  // The file's cell with the plan's parameters that it declares, then `overrides`.
  PlannedScenario cell(const std::filesystem::path& file, const std::map<std::string, std::int64_t>& overrides = {},
                       const std::string& swept = {}, int concurrency = 0) {
    auto& source = sources_[file];
    if (!source) source = std::make_shared<const datasets::ScenarioSource>(file);
    PlannedScenario c{source, budget_, nullptr, swept, concurrency > 0 ? concurrency : plan_.concurrency, {}};
    for (const auto& name : source->declared_params())
      if (const auto value = plan_.params.find(name); value != plan_.params.end()) c.options.params[name] = value->second;
    for (const auto& [name, value] : overrides) c.options.params[name] = value;
    auto& spec = specs_[{file, c.options.params}];
    if (!spec) spec = std::make_shared<const datasets::ScenarioSpec>(source->load(c.options));
    c.spec = spec;
    c.name = report::cell_label(spec->name, spec->params, swept, c.concurrency);
    return c;
  }

 private:
  const Plan& plan_;
  datasets::LoadOptions budget_;
  std::map<std::filesystem::path, std::shared_ptr<const datasets::ScenarioSource>> sources_;
  std::map<std::pair<std::filesystem::path, std::map<std::string, std::int64_t>>, std::shared_ptr<const datasets::ScenarioSpec>> specs_;
};

// The copies in flight are no scenario parameter: sweeping them is refused, pointing at what sets them.
std::string concurrency_is_no_parameter(const std::string& param) {
  return "sweep " + param + ": the copies of a task in flight are not a scenario parameter; run levels with "
         "--concurrency N (one level per run) or a suite's concurrency part (datasets/suites.yaml: {scenario, levels})";
}

}  // namespace

std::vector<PlannedScenario> check_plan(const Plan& plan) {
  if (plan.systems.empty()) throw UsageError("--systems: no system given");
  std::set<std::string> systems;
  for (const auto& s : plan.systems)
    if (!systems.insert(s).second) throw UsageError("--systems: '" + s + "' is given twice");
  if (plan.scenarios.empty()) throw UsageError("--scenario: no scenario selected");
  if (plan.sweep && plan.sweep->param == report::kSweptConcurrency) throw UsageError("--" + concurrency_is_no_parameter(plan.sweep->param));
  for (const auto& part : plan.sweep_parts)
    if (part.sweep.param == report::kSweptConcurrency) throw UsageError(part.where + ": " + concurrency_is_no_parameter(part.sweep.param));

  // Loading checks each file (with the run's parameters and the memory budget for filler) and
  // gives the names, which must differ: records are grouped by name.
  PlanLoader loader(plan);
  std::vector<PlannedScenario> plain;
  std::map<std::string, std::filesystem::path> names;
  std::set<std::string> declared;
  std::size_t most_agents = 1;
  for (const auto& file : plan.scenarios) {
    plain.push_back(loader.cell(file));
    const auto& spec = *plain.back().spec;
    if (auto [at, added] = names.emplace(spec.name, file); !added)
      throw UsageError("--scenario: '" + spec.name + "' is given twice (" + at->second.string() + " and " + file.string() + ")");
    for (const auto& param : spec.params) declared.insert(param.first);
    most_agents = std::max(most_agents, spec.agents.size());
  }
  for (const auto& [name, value] : plan.params)
    if (!declared.contains(name))
      throw UsageError("--param " + name + ": no selected scenario declares it (they declare: " + join(declared) + ")");

  // The cells, each swept value loaded as it is planned, so that a value outside a scenario's
  // bounds stops the run before anything is measured.
  std::vector<PlannedScenario> cells;
  if (plan.sweep) {
    const auto& sweep = *plan.sweep;
    if (!declared.contains(sweep.param))
      throw UsageError("--sweep " + sweep.param + ": no selected scenario declares it (they declare: " + join(declared) + ")");
    if (plan.params.contains(sweep.param))
      throw UsageError("--sweep " + sweep.param + ": the parameter is also given with --param");
  }
  for (std::size_t i = 0; i < plan.scenarios.size(); ++i) {
    if (!plan.sweep || !plain[i].spec->params.contains(plan.sweep->param)) {
      cells.push_back(plain[i]);
      continue;
    }
    for (const auto value : plan.sweep->values) try {
        cells.push_back(loader.cell(plan.scenarios[i], {{plan.sweep->param, value}}, plan.sweep->param));
      } catch (const datasets::DatasetError& e) {
        throw UsageError("--sweep " + plan.sweep->param + "=" + std::to_string(value) + ": " + e.what());
      }
  }
  // A suite's parts: each is named by its place in suites.yaml, since no flag gave it.
  for (const auto& part : plan.sweep_parts) {
    const auto& sweep = part.sweep;
    const auto base = loader.cell(part.scenario);
    if (!base.spec->params.contains(sweep.param))
      throw UsageError(part.where + ": sweep " + sweep.param + ": scenario '" + base.spec->name + "' does not declare it");
    if (plan.params.contains(sweep.param))
      throw UsageError(part.where + ": sweep " + sweep.param + ": the parameter is also given with --param");
    for (const auto value : sweep.values) try {
        cells.push_back(loader.cell(part.scenario, {{sweep.param, value}}, sweep.param));
      } catch (const datasets::DatasetError& e) {
        throw UsageError(part.where + ": sweep " + sweep.param + "=" + std::to_string(value) + ": " + e.what());
      }
  }
  for (const auto& part : plan.concurrency_parts)
    for (const auto level : part.levels) cells.push_back(loader.cell(part.scenario, {}, report::kSweptConcurrency, level));

  std::set<std::string> cell_names;
  for (const auto& cell : cells)
    if (!cell_names.insert(cell.name).second) throw UsageError("the cell '" + cell.name + "' is planned twice (two of the suite's parts give it)");
  check_threads(most_concurrency(plan), most_agents, read_thread_limits(), tasks_on_threads(plan));
  return cells;
}

}  // namespace legion::bench
