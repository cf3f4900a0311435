// legion-bench publish: the whole publication from one command. Every suite on every registered
// system, one step after another, each step a legion-bench command of its own writing into
// OUT/runs/STEP (its log in OUT/logs/STEP.log); then one paper over all of them (publication.hpp).
// OUT/publish.json records each finished step, so that the same command again resumes after the
// last one; a step that stopped half-way runs again from its start.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "checks.hpp"
#include "command.hpp"
#include "options.hpp"
#include "exit_status.hpp"
#include "legion/adapters/adapter.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/report/escape.hpp"
#include "legion/report/publication.hpp"
#include "local_model.hpp"
#include "recovery.hpp"
#include "run.hpp"
#include "stress/suite.hpp"
#include "utc_time.hpp"
#include "zero_io.hpp"
#include "footprint.hpp"

namespace legion::bench::commands {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct PublishOptions {
  std::string out, systems, skip;
  std::string verify;  // a stored quick publication (its folder or baseline.json) to compare this one with
  bool quick = false;
};

// The baseline `--verify` names: a folder holding baseline.json, or the file. Refused (exit 2)
// before anything runs when it cannot be read or is not a quick publication's.
json load_baseline(const fs::path& given) {
  const auto file = fs::is_directory(given) ? given / "baseline.json" : given;
  std::ifstream in(file);
  if (!in) throw UsageError("publish --verify: " + file.string() + " cannot be read (a folder written by legion-bench publish --quick holds one)");
  json baseline;
  try {
    baseline = json::parse(in);
    if (!baseline.at("quick").get<bool>()) throw UsageError("publish --verify: " + file.string() + " is a standard publication's; --verify compares quick ones");
    (void)baseline.at("cells").size(), (void)baseline.at("verdicts").size();
  } catch (const json::exception& e) {
    throw UsageError("publish --verify: " + file.string() + " is not a publication's baseline.json: " + e.what());
  }
  return baseline;
}

// The drift a median may move by between two runs: this machine's calibration of the quick form
// (`calibrate --quick`: medians of as few repetitions as the quick publication's) for runs of the kind
// it measured (the scripted model at its latency profile, "zero" unless its command names another);
// for other runs, or with a calibration of another form, whose drift was not measured, ±40% or the
// widest calibrated floor, whichever is larger.
std::pair<std::function<double(const std::string&, const std::string&, const std::string&)>, std::string> drift() {
  if (auto found = find_calibration("")) {
    auto calibration = std::make_shared<report::Calibration>(std::move(*found));
    std::istringstream command(calibration->command);
    std::string word, latency = "zero";
    bool quick = false;
    while (command >> word)
      if (word == "--quick") quick = true;
      else if (word.starts_with("--latency=")) latency = word.substr(10);
      else if (word == "--latency" && command >> word) latency = word;
    double widest = 0;
    for (const auto& c : calibration->cells) widest = std::max(widest, c.between_runs_floor);
    if (!quick)
      return {[widest](const std::string&, const std::string&, const std::string&) { return std::max(report::kUncalibratedDrift, widest); },
              "±40% or the widest calibrated floor, whichever is larger: the calibration here (" + calibration->describe() +
                  ") is not of the quick form (legion-bench calibrate --quick)"};
    return {[calibration, latency, widest](const std::string& run, const std::string& cell, const std::string& system) {
              const auto slash = run.find('/');
              const bool measured_kind = slash != std::string::npos && run.substr(slash + 1) == latency;  // ".../real-model" is not
              return measured_kind ? calibration->between_runs_floor(cell, system) : std::max(report::kUncalibratedDrift, widest);
            },
            "the quick form's between-runs floor " + calibration->describe() + " for runs with the scripted model at latency " + latency +
                "; ±40% or the widest calibrated floor, whichever is larger, for the others"};
  }
  return {[](const std::string&, const std::string&, const std::string&) { return report::kUncalibratedDrift; },
          "±" + std::to_string(static_cast<int>(report::kUncalibratedDrift * 100)) +
              "%, the largest drift between two runs of one build measured on this project's machines; no calibration here "
              "(legion-bench calibrate --quick)"};
}

// What a step's folder holds once it has results, by kind.
enum class Kind { run, comparison, stress };

struct Step {
  std::string name;
  Kind kind;
  std::vector<std::string> arguments;  // after `legion-bench`, before `--out`
  double estimate_s;                   // before any step ran: what this machine took
  std::string result_file;
};

// The plan: what each suite runs in the quick and the standard form. The estimates are this
// machine's (2 cores) for every registered system, from the quick publication's log and the
// standard runs in docs/.
std::vector<Step> plan(const PublishOptions& o, std::string& real_model_missing) {
  const bool q = o.quick;
  const auto given = split(o.systems);
  for (const auto& s : given) {
    try {
      adapters::adapter_info(s);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--systems: ") + e.what());
    }
  }
  // `--systems` for a step: the given systems among those it can measure; without --systems, none
  // (the step's own default). Empty optional: the step has no given system to measure.
  auto systems_of = [&](const std::vector<std::string>& capable) -> std::optional<std::vector<std::string>> {
    if (given.empty()) return std::vector<std::string>{};
    std::string list;
    for (const auto& s : given)
      if (capable.empty() || std::find(capable.begin(), capable.end(), s) != capable.end()) list += (list.empty() ? "" : ",") + s;
    if (list.empty()) return std::nullopt;
    return std::vector<std::string>{"--systems", list};
  };
  std::vector<Step> steps;
  auto add = [&](const std::string& name, Kind kind, std::vector<std::string> args, const std::vector<std::string>& capable, double quick_s,
                 double standard_s, const std::string& result_file) {
    const auto systems = systems_of(capable);
    if (!systems) return;  // none of the given systems can take part
    args.insert(args.end(), systems->begin(), systems->end());
    steps.push_back({name, kind, std::move(args), q ? quick_s : standard_s, result_file});
  };
  auto quick = [&](std::vector<std::string> args, const std::vector<std::string>& quick_args) {
    if (q) args.insert(args.end(), quick_args.begin(), quick_args.end());
    return args;
  };
  add("coordination-zero", Kind::run, quick({"--suite", "coordination", "--latency", "zero"}, {"--quick"}), {}, 45, 900, "results.json");
  // At realistic latency a task waits seconds for the model: the quick form runs two scenarios, one with several agents.
  add("coordination-realistic", Kind::run,
      quick({"--suite", "coordination", "--latency", "realistic"},
            {"--quick", "--scenario", "single-tool", "--scenario", "sequential-pipeline", "-n", "2", "--warmup", "0"}),
      {}, 150, 5400, "results.json");
  add("catalogue", Kind::run, quick({"--suite", "catalogue"}, {"--quick"}), {}, 90, 3600, "results.json");
  add("published", Kind::comparison, quick({"--suite", "published"}, {"--quick"}), {}, 240, 2400, "published_comparison.json");
  add("zero-io", Kind::comparison, quick({"zero-io"}, {"--rounds", "2", "--batches", "2", "--iterations", "5", "--native-iterations", "2000"}),
      systems_with_zero_io_workloads(), 30, 600, "zero_io.json");
  add("footprint", Kind::comparison, quick({"footprint"}, {"--import-samples", "2", "--iterations", "5", "--warmups", "2"}), systems_with_footprint(),
      60, 900, "footprint.json");
  // The real model: deterministic, so one trial a cell says what a repetition would.
  try {
    read_local_model_manifest();
    add("real-model", Kind::run,
        q ? std::vector<std::string>{"--model", "local", "--scenario", "single-tool", "-n", "1", "--warmup", "0", "--timeout", "90"}
          : std::vector<std::string>{"--model", "local", "--suite", "coordination", "-n", "1", "--warmup", "0", "--timeout", "90"},
        {}, 75, 3600, "results.json");
  } catch (const std::exception& e) {
    real_model_missing = e.what();
  }
  for (const auto* name : {"load", "spike", "scalability", "failure", "endurance"}) {
    // Suites that compare every system take the given ones; the others measure the native engine.
    const auto* suite = stress::find_stress_suite(name);
    const std::vector<std::string> capable = suite->every_system_by_default ? std::vector<std::string>{} : std::vector<std::string>{"native"};
    std::vector<std::string> args{"--suite", name};
    if (q) args.push_back("--smoke");
    else if (std::string(name) == "endurance") args.insert(args.end(), {"--duration", "600"});
    const std::map<std::string, std::pair<double, double>> estimates{
        {"load", {60, 3600}}, {"spike", {15, 900}}, {"scalability", {30, 900}}, {"failure", {360, 1800}}, {"endurance", {45, 700}}};
    if (!suite->every_system_by_default && !given.empty()) {
      // These suites take no --systems: they run when the native engine is among the given systems.
      if (std::find(given.begin(), given.end(), "native") == given.end()) continue;
      steps.push_back({name, Kind::stress, args, q ? estimates.at(name).first : estimates.at(name).second, "results.sqlite"});
      continue;
    }
    add(name, Kind::stress, args, capable, estimates.at(name).first, estimates.at(name).second, "results.sqlite");
  }
  // --skip, each name checked.
  for (const auto& name : split(o.skip)) {
    const auto at = std::find_if(steps.begin(), steps.end(), [&](const Step& s) { return s.name == name; });
    if (at == steps.end() && name == "real-model") continue;  // not planned on a machine without the local model
    if (at == steps.end()) {
      std::string known;
      for (const auto& s : steps) known += (known.empty() ? "" : ", ") + s.name;
      if (!real_model_missing.empty()) known += ", real-model";
      throw UsageError("--skip names '" + name + "', which is not a step of this publication (steps: " + known + ")");
    }
    steps.erase(at);
  }
  return steps;
}

std::string command_line(const std::vector<std::string>& arguments) {
  std::string out = "legion-bench";
  for (const auto& a : arguments) out += " " + report::shell_quote(a);
  return out;
}

std::atomic<pid_t> child{0};
std::atomic<int> stop_signal{0};
// Passed on to the running step, which finishes its task in flight and writes what it measured (a
// second SIGINT from a terminal's process group changes nothing there).
void on_signal(int sig) {
  stop_signal = sig;
  if (pid_t pid = child; pid > 0) kill(pid, sig);
}

// Runs legion-bench with `arguments`, stdout and stderr into `log`; its exit status (128 + the signal
// for one that was killed).
int run_child(const std::vector<std::string>& arguments, const fs::path& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + log.string() + ": " + std::strerror(errno));
  std::vector<std::string> argv_strings{"legion-bench"};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The signals wait until the child is known: one that comes in between is passed on, not lost.
  sigset_t stops, before;
  sigemptyset(&stops);
  sigaddset(&stops, SIGINT);
  sigaddset(&stops, SIGTERM);
  sigprocmask(SIG_BLOCK, &stops, &before);
  const pid_t pid = fork();
  if (pid < 0) {
    sigprocmask(SIG_SETMASK, &before, nullptr);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL);  // the step installs its own
    prctl(PR_SET_PDEATHSIG, SIGTERM);                   // and stops when publish dies
    sigprocmask(SIG_SETMASK, &before, nullptr);
    dup2(fd, STDOUT_FILENO), dup2(fd, STDERR_FILENO);
    if (const int null = ::open("/dev/null", O_RDONLY); null >= 0) dup2(null, STDIN_FILENO), ::close(null);  // a step reads nothing
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  ::close(fd);
  child = pid;
  sigprocmask(SIG_SETMASK, &before, nullptr);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  child = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The log's last non-empty line: why a step failed.
std::string last_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

struct State {
  json options;
  std::string started_at, command;
  std::vector<report::PublicationStep> steps;
};

void save(const fs::path& file, const State& s) {
  json j{{"options", s.options}, {"started_at", s.started_at}, {"command", s.command}, {"steps", json::array()}};
  for (const auto& step : s.steps) j["steps"].push_back(report::to_json(step));
  report::write_file_atomically(file, j.dump(2) + "\n");
}

// The state of an earlier publish into the same folder, or a fresh one; refuses other options.
State load_or_start(const fs::path& file, const json& options, const std::string& command) {
  State s{options, utc_timestamp(kIsoUtc), command, {}};
  if (!fs::exists(file)) return s;
  try {
    std::ifstream in(file);
    const auto j = json::parse(in);
    if (j.at("options") != options)
      throw UsageError(file.string() + " is a publication started with other options (" + j.at("options").dump() + ", now " + options.dump() +
                       "): give another --out, or remove that folder");
    s.started_at = j.at("started_at").get<std::string>();
    for (const auto& step : j.at("steps")) s.steps.push_back(report::publication_step_from_json(step));
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(file.string() + ": " + e.what());
  }
  return s;
}

report::PublicationStep* find(State& s, const std::string& name) {
  for (auto& step : s.steps)
    if (step.name == name) return &step;
  return nullptr;
}

// Reads what the finished steps wrote into the publication's model. A step whose results cannot be
// read (a folder removed or damaged since) becomes failed, so that the next publish runs it again,
// and the paper is written from the others.
report::Publication gather(State& state, const std::vector<Step>& steps, const fs::path& out, bool quick) {
  report::Publication p;
  std::vector<report::StressRun> stress;
  for (const auto& step : steps) {
    auto* record = find(state, step.name);
    if (!record || record->status != "done") continue;
    const auto dir = out / "runs" / step.name;
    try {
      if (!fs::exists(dir / step.result_file)) throw std::runtime_error("no " + (dir / step.result_file).string());
      switch (step.kind) {
        case Kind::run:
          p.runs.push_back(results_to_publish(dir, std::cerr));
          break;
        case Kind::comparison: {
          std::ifstream in(dir / step.result_file);
          const auto j = json::parse(in);
          p.published.push_back(report::published_comparison_from_json(j.contains("comparison") ? j.at("comparison") : j));
          break;
        }
        case Kind::stress:
          if (auto run = stress::analyzed_run(dir)) stress.push_back(std::move(*run));
          else throw std::runtime_error("no stress run in " + dir.string());
          break;
      }
    } catch (const std::exception& e) {
      record->status = "failed", record->detail = std::string("its results could not be read: ") + e.what();
      std::cerr << "publish: " << step.name << ": " << report::printable(record->detail) << "\n";
    }
  }
  p.started_at = state.started_at, p.command = state.command, p.quick = quick, p.steps = state.steps;
  for (const auto& s : p.steps) p.seconds += s.seconds;
  if (!stress.empty()) p.stress = report::combine_stress(std::move(stress));
  // The feature matrix with the evidence of every scripted run (a capability is shown by a scenario of any suite).
  for (const auto& run : p.runs)
    if (!run.context.real_model) {
      auto evidence = run;
      for (const auto& other : p.runs)
        if (&other != &run && !other.context.real_model) evidence.summaries.insert(evidence.summaries.end(), other.summaries.begin(), other.summaries.end());
      p.features = report::resolve_feature_matrix(report::load_feature_matrix(report::default_feature_matrix_file()), evidence);
      break;
    }
  for (const auto& file : datasets::scenario_files(datasets::default_scenario_dir()))
    if (const auto spec = datasets::load_scenario(file); spec.agents.size() >= 2) p.multi_agent_scenarios.insert(spec.name);
  report::analyze_publication(p);
  return p;
}

int publish(const PublishOptions& o, const Invocation& invocation) {
  if (o.out.empty()) throw UsageError("publish: name the publication's folder with --out");
  std::optional<json> baseline;
  if (!o.verify.empty()) baseline = load_baseline(o.verify);
  std::string real_model_missing;
  const auto steps = plan(o, real_model_missing);
  const fs::path out = o.out;
  if (run_options().dry_run) {
    double total = 0;
    for (const auto& step : steps) {
      auto arguments = step.arguments;
      arguments.insert(arguments.end(), {"--out", (out / "runs" / step.name).string()});
      std::cout << step.name << " (about " << report::duration_text(step.estimate_s) << "): " << command_line(arguments) << "\n";
      total += step.estimate_s;
    }
    std::cout << steps.size() << " steps, about " << report::duration_text(total) << " in all"
              << (real_model_missing.empty() ? "" : "; no real-model step (" + real_model_missing + ")") << "; nothing run\n";
    return kExitOk;
  }
  fs::create_directories(out / "runs");
  fs::create_directories(out / "logs");
  // One publish at a time in a folder: a second would overwrite publish.json and share the CPUs.
  const int lock = ::open((out / "publish.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0)
    throw UsageError("another legion-bench publish is writing " + out.string() + " (" + (lock < 0 ? std::strerror(errno) : "its lock is held") + ")");
  json options{{"quick", o.quick}, {"systems", o.systems}, {"skip", o.skip}};
  if (!o.verify.empty()) options["verify"] = o.verify;
  auto state = load_or_start(out / "publish.json", options, command_line(invocation.arguments));
  if (!real_model_missing.empty())
    std::cout << "publish: no real-model step (" << real_model_missing << ")\n";

  struct sigaction action{};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  double left = 0;
  for (const auto& step : steps)
    if (const auto* done = find(state, step.name); !done || done->status != "done") left += step.estimate_s;
  for (std::size_t i = 0; i < steps.size() && !stop_signal; ++i) {
    const auto& step = steps[i];
    auto* record = find(state, step.name);
    if (record && record->status == "done") {
      std::cout << "[" << i + 1 << "/" << steps.size() << "] " << step.name << ": done before (" << report::duration_text(record->seconds) << "), kept\n";
      continue;
    }
    const auto dir = out / "runs" / step.name;
    const auto log = out / "logs" / (step.name + ".log");
    fs::remove_all(dir);  // a step that stopped half-way starts again
    auto arguments = step.arguments;
    arguments.insert(arguments.end(), {"--out", dir.string()});
    if (!record) state.steps.push_back({step.name, "", "pending", "", 0, "", 0}), record = &state.steps.back();
    record->command = command_line(arguments);
    record->started_at = utc_timestamp(kIsoUtc);
    std::cout << "[" << i + 1 << "/" << steps.size() << "] " << step.name << ": " << record->command << "\n    about "
              << report::duration_text(step.estimate_s) << "; about " << report::duration_text(left) << " left in all; log " << log.string() << std::endl;
    const auto start = std::chrono::steady_clock::now();
    const int status = run_child(arguments, log);
    record->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record->exit_status = status;
    left = std::max(0.0, left - step.estimate_s);
    const bool results = fs::exists(dir / step.result_file);
    if (stop_signal || status == kExitInterrupted + SIGINT || status == kExitInterrupted + SIGTERM) {
      record->status = "pending", record->detail = "interrupted after " + report::duration_text(record->seconds) + "; runs again on resume";
    } else if (results && (status == kExitOk || status == kExitFailed)) {
      record->status = "done";
      record->detail = status == kExitOk ? "" : "exit status 1: a task failed or a criterion did not hold (a result, in its report)";
    } else {
      record->status = "failed";
      record->detail = (status > kExitInterrupted ? "killed by signal " + std::to_string(status - kExitInterrupted) : "exit status " + std::to_string(status)) +
                       (results ? "" : ", no results") + ": " + last_line(log);
    }
    save(out / "publish.json", state);
    std::cout << "    " << record->status << " in " << report::duration_text(record->seconds) << (record->detail.empty() ? "" : " — " + record->detail) << std::endl;
  }
  signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL);  // writing the paper can be stopped outright
  if (stop_signal) {
    std::cout << "publish: stopped; the same command resumes after the last finished step\n";
    return kExitInterrupted + stop_signal;
  }

  // Every step in the plan's order in the paper; those --skip left out are not listed.
  std::vector<report::PublicationStep> ordered;
  for (const auto& step : steps)
    if (const auto* record = find(state, step.name)) ordered.push_back(*record);
  state.steps = ordered;
  auto publication = gather(state, steps, out, o.quick);
  save(out / "publish.json", state);  // with any step that turned out unreadable marked failed
  // baseline.json: the figures a later `publish --verify` compares with.
  const auto figures = report::publication_baseline(publication);
  std::ofstream(out / "baseline.json") << figures.dump(1) << "\n";
  if (baseline) {
    const auto [tolerance, source] = drift();
    publication.verification = report::verify_publication(*baseline, figures, tolerance);
    publication.verification->baseline_source = o.verify + " (made by `" + baseline->value("command", std::string("?")) + "` at " +
                                                baseline->value("started_at", std::string("?")) + ")";
    publication.verification->drift_source = source;
    report::analyze_publication(publication);  // the reproducibility criterion, now judged
    std::ofstream verify(out / "VERIFY.md");
    report::write_verification_markdown(verify, *publication.verification);
  }
  auto artifacts = report::write_document(out, report::publication_document(), publication);
  if (publication.features) artifacts.add(report::write_document(out, report::feature_matrix_document(), *publication.features));

  std::cout << "\nThe seeds' criteria:\n";
  for (const auto& c : publication.criteria) std::cout << "  [" << c.verdict << "] " << report::printable(c.criterion) << "\n";
  std::cout << "\n";
  report::print_artifacts(std::cout, std::cerr, artifacts, out);
  const bool all_done = std::all_of(publication.steps.begin(), publication.steps.end(), [](const auto& s) { return s.status == "done"; });
  if (!all_done) std::cerr << "publish: some steps have no results (the paper lists them); the same command runs them again\n";
  bool verified = true;
  if (const auto& v = publication.verification) {
    verified = v->outside() == 0 && !v->figures.empty();
    std::cout << "Verified against " << report::printable(o.verify) << ": " << v->outside() << " of " << v->figures.size() << " figures outside ("
              << report::printable(v->drift_source) << "); " << v->not_compared.size() << " on one side only; every figure in "
              << (out / "VERIFY.md").string() << "\n";
    for (const auto& f : v->figures)
      if (f.outside) std::cout << "  outside: " << report::printable(f.figure) << ": " << report::printable(f.baseline) << " then " << report::printable(f.now) << "\n";
  }
  return all_done && artifacts.complete() && verified ? kExitOk : kExitFailed;
}

}  // namespace

Command publish_command() {
  auto o = std::make_shared<PublishOptions>();
  return {"publish",
          "Run every suite on every registered system and write one paper (BENCHMARK_RESULTS.md, report.html, report.pdf) with the "
          "seeds' criteria judged and conclusions; the same command again resumes",
          [o](CLI::App& cmd) {
            cmd.add_option("--out", o->out, "Folder of the publication: the paper, publish.json, runs/STEP and logs/STEP.log")->required();
            cmd.add_flag("--quick", o->quick, "Small runs of every suite (minutes): the same paper, for checking the pipeline, not for quoting");
            cmd.add_option("--systems", o->systems, "Comma-separated systems for the suite runs (default: every registered system)");
            cmd.add_option("--skip", o->skip, "Comma-separated steps to leave out (e.g. real-model,endurance)");
            cmd.add_option("--verify", o->verify,
                           "A stored quick publication (its folder, or its baseline.json): run the quick form (--verify implies --quick) and "
                           "name every figure outside the calibrated drift in VERIFY.md; exit status 1 when one is")
                ->each([o](const std::string&) { o->quick = true; });
          },
          [o](const Invocation& invocation) { return publish(*o, invocation); },
          true};
}

}  // namespace legion::bench::commands
