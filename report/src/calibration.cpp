#include "legion/report/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

constexpr double kZ95 = 1.959963984540054;

double value_of(const RunRecord& r, const std::string& metric) {
  if (metric == "wall") return static_cast<double>(r.wall_ns) / 1e6;
  if (metric == "overhead") return static_cast<double>(r.overhead_ns()) / 1e6;
  return static_cast<double>(r.cpu_user_ns + r.cpu_sys_ns) / 1e6;
}

bool counts(const RunRecord& r, const std::string& metric) {
  return !r.warmup && !r.error && !r.unsupported && (metric != "overhead" || r.overhead_known());
}

std::vector<double> logs_of(const std::vector<double>& xs) {
  std::vector<double> out;
  for (double x : xs)
    if (x > 0) out.push_back(std::log(x));
  return out;
}

std::string share(double x) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << x * 100 << "%";
  return s.str();
}

}  // namespace

std::vector<double> metric_values(const RunResults& run, const std::string& cell, const std::string& system,
                                  const std::string& metric) {
  std::vector<double> out;
  for (const auto& r : run.records)
    if (counts(r, metric) && r.system == system && r.cell() == cell) out.push_back(value_of(r, metric));
  return out;
}

std::vector<std::pair<double, double>> paired_values(const RunResults& run, const std::string& cell,
                                                     const std::string& old_system, const std::string& new_system,
                                                     const std::string& metric) {
  std::map<int, double> old_values, new_values;
  for (const auto& r : run.records) {
    if (!counts(r, metric) || r.cell() != cell) continue;
    if (r.system == old_system) old_values[r.repetition] = value_of(r, metric);
    else if (r.system == new_system) new_values[r.repetition] = value_of(r, metric);
  }
  std::vector<std::pair<double, double>> out;
  for (const auto& [repetition, v] : old_values)
    if (auto it = new_values.find(repetition); it != new_values.end()) out.emplace_back(v, it->second);
  return out;
}

const CellNoise* Calibration::find(const std::string& scenario, const std::string& system) const {
  const auto base = system.substr(0, system.find('@'));
  for (const auto& c : cells)
    if (c.scenario == scenario && c.system == base) return &c;
  return nullptr;
}

double Calibration::between_runs_floor(const std::string& scenario, const std::string& system) const {
  if (const auto* c = find(scenario, system)) return c->between_runs_floor;
  double widest = 0;
  for (const auto& c : cells) widest = std::max(widest, c.between_runs_floor);
  return cells.empty() ? kUncalibratedDrift : widest;
}

double Calibration::within_run_floor(const std::string& scenario, const std::string& system) const {
  if (const auto* c = find(scenario, system)) return c->within_run_floor;
  double widest = 0;
  for (const auto& c : cells) widest = std::max(widest, c.within_run_floor);
  return widest;
}

std::string Calibration::describe() const {
  std::vector<double> floors;
  for (const auto& c : cells) floors.push_back(c.between_runs_floor);
  std::string out = "calibrated on " + host + " at " + created_at + " from " + std::to_string(run_ids.size()) + " runs";
  if (!floors.empty())
    out += ": run-to-run drift ±" + share(stats::median(floors)) + " (median over cells, largest ±" +
           share(*std::max_element(floors.begin(), floors.end())) + ")";
  return out;
}

Calibration calibrate(const std::vector<RunResults>& runs, const std::string& metric) {
  if (runs.size() < 3) throw std::invalid_argument("a calibration needs at least 3 runs, got " + std::to_string(runs.size()));
  Calibration out;
  const auto& first = runs.front().context;
  out.host = first.host;
  out.cpu_model = first.cpu_model;
  out.created_at = runs.back().context.started_at;
  out.metric = metric;
  for (const auto& run : runs) out.run_ids.push_back(run.context.run_id);
  for (const auto& scenario : first.scenarios) {
    for (const auto& system : first.systems) {
      if (system.find('@') != std::string::npos) continue;
      const auto twin = system + "@" + kTwinLabel;
      CellNoise cell;
      cell.scenario = scenario;
      cell.system = system;
      std::vector<double> log_medians, twin_effects, repetitions;
      std::vector<std::vector<double>> samples;
      double within_ss = 0, within_df = 0, pair_ss = 0, pair_df = 0;
      for (const auto& run : runs) {
        auto logs = logs_of(metric_values(run, scenario, system, metric));
        if (logs.empty()) continue;
        samples.push_back(logs);
        repetitions.push_back(static_cast<double>(logs.size()));
        log_medians.push_back(stats::median(logs));
        if (logs.size() >= 2) {
          within_ss += std::pow(stats::stddev(logs), 2) * static_cast<double>(logs.size() - 1);
          within_df += static_cast<double>(logs.size() - 1);
        }
        std::vector<double> d;
        for (const auto& [a, b] : paired_values(run, scenario, system, twin, metric))
          if (a > 0 && b > 0) d.push_back(std::log(b) - std::log(a));
        if (d.size() >= 2) {
          twin_effects.push_back(stats::hodges_lehmann_paired(d).point);
          pair_ss += std::pow(stats::stddev(d), 2) * static_cast<double>(d.size() - 1);
          pair_df += static_cast<double>(d.size() - 1);
        }
      }
      if (log_medians.size() < 3) continue;  // the cell failed too often to say anything
      cell.runs = log_medians.size();
      cell.repetitions = stats::median(repetitions);
      cell.sigma_run = stats::stddev(log_medians);
      cell.sigma_repetition = within_df > 0 ? std::sqrt(within_ss / within_df) : 0;
      cell.sigma_pair = pair_df > 0 ? std::sqrt(pair_ss / pair_df) : 0;
      double sum_sq = 0;
      for (double e : twin_effects) sum_sq += e * e;
      cell.twin_rms = twin_effects.empty() ? 0 : std::sqrt(sum_sq / static_cast<double>(twin_effects.size()));
      cell.between_runs_floor = std::expm1(kZ95 * std::sqrt(2.0) * cell.sigma_run);
      cell.within_run_floor = std::expm1(kZ95 * cell.twin_rms);
      for (std::size_t i = 0; i < samples.size(); ++i)
        for (std::size_t j = i + 1; j < samples.size(); ++j) {
          cell.max_drift = std::max(cell.max_drift, std::abs(std::expm1(log_medians[j] - log_medians[i])));
          if (samples[i].size() < 2 || samples[j].size() < 2) continue;
          ++cell.pairs_compared;
          if (stats::mann_whitney_u(samples[j], samples[i]).p_value < 0.05) ++cell.pairs_called;
        }
      out.cells.push_back(cell);
    }
  }
  if (out.cells.empty()) throw std::invalid_argument("no cell had successful records in 3 or more runs: nothing to calibrate");
  return out;
}

json to_json(const Calibration& c) {
  json cells = json::array();
  for (const auto& n : c.cells)
    cells.push_back({{"scenario", n.scenario},
                     {"system", n.system},
                     {"runs", n.runs},
                     {"repetitions", n.repetitions},
                     {"sigma_run", n.sigma_run},
                     {"sigma_repetition", n.sigma_repetition},
                     {"sigma_pair", n.sigma_pair},
                     {"twin_rms", n.twin_rms},
                     {"max_drift", n.max_drift},
                     {"between_runs_floor", n.between_runs_floor},
                     {"within_run_floor", n.within_run_floor},
                     {"pairs_compared", n.pairs_compared},
                     {"pairs_called", n.pairs_called}});
  return {{"host", c.host},       {"cpu_model", c.cpu_model}, {"created_at", c.created_at}, {"metric", c.metric},
          {"command", c.command}, {"run_ids", c.run_ids},     {"cells", cells}};
}

Calibration calibration_from_json(const json& j) {
  Calibration c;
  c.host = j.at("host").get<std::string>();
  c.cpu_model = j.value("cpu_model", "");
  c.created_at = j.at("created_at").get<std::string>();
  c.metric = j.value("metric", "wall");
  c.command = j.value("command", "");
  c.run_ids = j.at("run_ids").get<std::vector<std::string>>();
  for (const auto& n : j.at("cells")) {
    CellNoise cell;
    cell.scenario = n.at("scenario").get<std::string>();
    cell.system = n.at("system").get<std::string>();
    cell.runs = n.at("runs").get<std::size_t>();
    cell.repetitions = n.value("repetitions", 0.0);
    cell.sigma_run = n.at("sigma_run").get<double>();
    cell.sigma_repetition = n.value("sigma_repetition", 0.0);
    cell.sigma_pair = n.value("sigma_pair", 0.0);
    cell.twin_rms = n.value("twin_rms", 0.0);
    cell.max_drift = n.value("max_drift", 0.0);
    cell.between_runs_floor = n.at("between_runs_floor").get<double>();
    cell.within_run_floor = n.at("within_run_floor").get<double>();
    cell.pairs_compared = n.value("pairs_compared", std::size_t{0});
    cell.pairs_called = n.value("pairs_called", std::size_t{0});
    if (!(cell.between_runs_floor >= 0) || !(cell.within_run_floor >= 0))
      throw std::invalid_argument("a noise floor must be 0 or more (" + cell.scenario + ", " + cell.system + ")");
    c.cells.push_back(cell);
  }
  return c;
}

Calibration load_calibration(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "calibration.json" : path;
  std::ifstream in(file);
  if (!in) throw std::invalid_argument("cannot read calibration " + file.string());
  try {
    return calibration_from_json(json::parse(in));
  } catch (const std::exception& e) {
    throw std::invalid_argument(file.string() + ": not a calibration: " + e.what());
  }
}

std::optional<std::filesystem::path> default_calibration() {
  const std::filesystem::path file = "results/calibration/calibration.json";
  if (std::filesystem::is_regular_file(file)) return file;
  return std::nullopt;
}

void write_calibration_markdown(std::ostream& out, const Calibration& c) {
  out << "# Calibration: run-to-run drift on " << markdown_escape(c.host) << "\n\n"
      << markdown_escape(c.describe()) << "; metric: " << c.metric << " time.\n\n"
      << "Each run held every system twice (NAME and NAME@twin: separate worker processes of the same build, interleaved). "
         "σ values are standard deviations on log scale (0.05 ≈ 5%). The between-runs floor is exp(1.96·√2·σ_run) − 1: two single "
         "runs of the same thing differ by less than that 95% of the time, so `compare` of one run a side never calls a smaller "
         "change. The within-run floor, exp(1.96·RMS of the twin's effect) − 1, plays that part for interleaved runs. "
         "\"Floorless calls\" counts the pairs of runs in which a Mann–Whitney test over repetitions (p < 0.05) would have "
         "reported a change between two runs of the same build.\n\n"
      << "| scenario | system | runs | reps/run | σ run | σ rep | σ pair | largest drift | between-runs floor | within-run floor | "
         "floorless calls |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& n : c.cells)
    out << "| " << markdown_escape(n.scenario) << " | " << markdown_escape(n.system) << " | " << n.runs << " | " << n.repetitions
        << " | " << std::setprecision(3) << n.sigma_run << " | " << n.sigma_repetition << " | " << n.sigma_pair << " | ±"
        << share(n.max_drift) << " | ±" << share(n.between_runs_floor) << " | ±" << share(n.within_run_floor) << " | "
        << n.pairs_called << "/" << n.pairs_compared << " |\n";
  if (!c.command.empty()) out << "\nReproduce: " << markdown_escape(c.command) << "\n";
}

const Document<Calibration>& calibration_document() {
  static const Document<Calibration> document{
      "calibration",
      "this machine's run-to-run drift and noise floors (legion-bench calibrate)",
      {{"json", "json", "calibration.json", "the noise floors per cell, as compare and plan read them",
        [](std::ostream& out, const Calibration& c) { out << to_json(c).dump(2) << "\n"; }},
       {"markdown", "md", "CALIBRATION.md", "the drift per cell and the floors it sets", write_calibration_markdown}},
      {}};
  return document;
}

}  // namespace legion::report
