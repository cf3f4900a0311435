#pragma once
// One system under test runs in its own worker process (clean CPU and RSS figures, and a hung
// framework can be killed without losing the run). The runner talks to it with one JSON object per
// line over two pipes on file descriptors 3 (jobs in) and 4 (results out), so nothing the system
// prints on stdout can corrupt the protocol; stdout and stderr go to a log file.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "legion/adapters/adapter.hpp"
#include "legion/datasets/scenario.hpp"
#include "model_pipe.hpp"

namespace legion::bench {

// Raised whenever the protocol below changes, so that a runner never drives a worker of a build
// that speaks another (`legion-bench ab` against a build from before the change).
inline constexpr int kWorkerProtocol = 3;
// A result line longer than this (no legitimate one comes near) is a protocol error.
inline constexpr std::size_t kMaxResultLineBytes = std::size_t{16} << 20;

// The job a worker runs for one round of a cell: the task and what running its tools needs
// (datasets::task_job), the copies to run at once and the fresh copy of the scenario's database
// (`database`, empty when it has none). Never the scenario file, its script or its answer check.
nlohmann::json worker_job(const datasets::ScenarioSpec& spec, int concurrency, const std::filesystem::path& database);

// A result with every field, for a task that produced none: no answers, `reason` as its error.
nlohmann::json failed_result(const std::string& reason);

// Child side: announces {"ready", "protocol", "cold_start_ns", "cold_start_parts", "versions", "packages",
// "settings", "rss_bytes"} then answers each job line {"seq", "task" (datasets::task_job: the task and
// what its tools need, never the scenario), "concurrency", "database" (optional)} with a result
// holding every one of these fields and no other:
//   "seq"                 the job's, echoed: the runner takes no result that does not answer the job it sent
//   "answers"             one string per copy of the task (the job's concurrency), or none when it could not run
//   "task_latencies_ns"   per copy, from the batch's start to the copy's end (at most wall_ns)
//   "error"               text clipped by clip_error_text() (legion/core/error_text.hpp), or null; text whenever
//                         there are no answers
//   "unsupported"         true when the system cannot express the scenario (error says why)
//   whole numbers (0 to 2^63-1): "wall_ns", "cpu_user_ns", "cpu_sys_ns", "rss_peak_bytes", "reported_llm_calls"
//   whole numbers, or null when the system does not measure them: "reported_prompt_tokens",
//                         "reported_completion_tokens", "human_wait_ns", "ingest_ns", "retrieval_ns"
//   "trace"               null, or with --trace an object: "start_ns" and "end_ns" of the task on the steady
//                         clock, "start_unix_ns" (the wall clock then), "calls" (each tool call and wait for the
//                         person: kind tool|human, name, start_ns, end_ns) and "system" (the system's own spans:
//                         name, agent, start_ns, end_ns); the runner reads it with the model server's log
//                         (bench/src/tracing.hpp)
// SIGINT and SIGTERM do not stop a worker: the runner decides when a run stops.
int worker_main(const std::string& system, const adapters::AdapterConfig& config);

class WorkerProcess {
 public:
  struct Options {
    std::string system;
    std::string adapter_spec;  // for systems added with --adapter
    std::filesystem::path executable;  // legion-bench itself
    std::filesystem::path log_file;
    std::string base_url;
    std::string model = "legion-oracle";  // the model name the system asks for
    bool stream = false;
    int max_retries = 0;
    std::int64_t injected_delay_us = 0;  // test-only slowdown per model call
    bool trace = false;                  // every result carries the task's spans (worker.cpp)
    std::filesystem::path venvs_dir;     // the frameworks' environments, when not the default ones
    std::vector<int> cpus;               // CPUs the worker may run on (empty: any)
    // The in-process mode (NAME@in-process): the system's model answers from this oracle over a
    // pipe (model_pipe.hpp) instead of HTTP. Null: the system calls base_url.
    oracle::Oracle* in_process_model = nullptr;
  };

  explicit WorkerProcess(Options options);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // The hello message: the worker's {ready, cold_start_ns (its system's preparation), versions} and
  // the runner's startup_ns (fork to hello, the process's whole cold start). Throws if the worker
  // does not come up in time.
  const nlohmann::json& hello() const { return hello_; }
  pid_t pid() const { return pid_; }
  // Sends a job (numbered with "seq") and waits for its result, which is checked field by field
  // (see above). On timeout, death or a result that breaks the protocol the worker is killed and a
  // failed_result() says why; the next call starts a fresh worker, as does output from the worker
  // between jobs, which no job asked for. A worker dies with the thread that started it
  // (PR_SET_PDEATHSIG): call run() from a thread that lives as long as the worker should.
  nlohmann::json run(const nlohmann::json& job, std::chrono::milliseconds timeout);

 private:
  void start(std::chrono::milliseconds timeout);
  void kill_worker();
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  std::string exit_description();
  bool quiet_between_jobs();

  Options options_;
  pid_t pid_ = -1;
  int to_worker_ = -1;
  int from_worker_ = -1;
  std::string buffer_;
  bool closed_ = false;    // the worker closed its result pipe (it exited or crashed)
  bool too_long_ = false;  // the worker sent a line longer than kMaxResultLineBytes
  std::uint64_t next_seq_;  // from a random start: a program that can write to the pipe cannot guess it
  nlohmann::json hello_;
  std::unique_ptr<ModelPipeServer> model_pipe_;  // in the in-process mode
};

}  // namespace legion::bench
