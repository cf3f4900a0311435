#pragma once
// Running a suite, the default action. Its options are the top-level ones; `ab` and `calibrate`
// run a suite too, with the run options given after them (fallthrough).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "legion/report/calibration.hpp"
#include "live_metrics.hpp"
#include "runner.hpp"
#include "stress/options.hpp"

namespace legion::bench::commands {

struct RunOptions {
  Plan plan;
  std::string systems, latency = "zero", faults, store, sweep, resume;
  std::string calibration_path;  // also set by compare --calibration and plan --calibration
  std::vector<std::string> scenarios, params, python_adapters, builds, venvs, delays;
  bool quick = false, quiet = false;
  bool dry_run = false;  // --dry-run: everything checked, what would run printed, nothing run
  std::optional<int> repetitions, warmup;  // not given: the defaults of the plan
  double timeout_s = 120;
  // A real model (docs/real-models.md): --endpoint, --model, --api-key-env, --gguf, --sampling, --temperature, --prices.
  std::string endpoint, model, api_key_env, sampling = "deterministic", prices;
  std::optional<double> temperature;
  std::optional<std::filesystem::path> gguf;
  bool allow_remote_endpoint = false;
  stress::StressOptions stress;
  MetricsOptions metrics;  // --metrics-port, --metrics-host, --metrics-linger
  std::string otlp_endpoint;  // --otlp-endpoint: where the traces go over OTLP/HTTP (implies --trace)
};
// The top-level options: one command line, one set.
RunOptions& run_options();

// --resume DIR: parses the interrupted run's stored command line again, from the folder it was
// started in.
void resume_if_asked(CLI::App& app);

// How ab and calibrate run a suite: each system twice, under two names (NAME@old and NAME@new;
// NAME and its twin), the native engine when --systems is not given.
struct Twins {
  std::string folder;  // results/FOLDER when --out is not given
  std::function<std::vector<std::string>(const std::string& system)> names;
  std::vector<std::string> builds;  // LABEL=DIR, as --build
};

// Runs the suite of the run options: a stress suite by itself; otherwise plans it (each system as
// `twins` when given) and hands the plan and the calibration found to `measure`, with Ctrl-C and
// SIGTERM ending the run cleanly.
using Measure = std::function<int(Plan&, const std::optional<report::Calibration>&)>;
int run_suite(const Invocation& invocation, const Twins* twins, const Measure& measure);

// Measures the plan, then writes its reports and prints its table.
struct Measured {
  report::RunResults results;
  report::Artifacts artifacts;
};
Measured measure_and_publish(Plan& plan);

// The exit status of a run stopped by a signal: 128 plus the signal.
int interrupted_status();

}  // namespace legion::bench::commands
