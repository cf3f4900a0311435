#pragma once
// One system under test runs in its own worker process (clean CPU and RSS figures, and a hung
// framework can be killed without losing the run). The runner talks to it with one JSON object per
// line over two pipes on file descriptors 3 (jobs in) and 4 (results out), so nothing the system
// prints on stdout can corrupt the protocol; stdout and stderr go to a log file.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "legion/adapters/adapter.hpp"

namespace legion::bench {

// Child side: announces {"ready", "cold_start_ns", "cold_start_parts", "versions", "rss_bytes"} then
// answers each job line {"scenario", "params", "seed", "concurrency", "database" (optional)} with {"answers", "error",
// "unsupported", "wall_ns", "task_latencies_ns" (per copy: from the batch's start to the copy's end),
// "cpu_user_ns", "cpu_sys_ns", "rss_peak_bytes", "reported_llm_calls", "reported_prompt_tokens",
// "reported_completion_tokens"} (the last two only when the system counts). SIGINT and SIGTERM do
// not stop a worker: the runner decides when a run stops.
int worker_main(const std::string& system, const adapters::AdapterConfig& config);

class WorkerProcess {
 public:
  struct Options {
    std::string system;
    std::string adapter_spec;  // for systems added with --adapter
    std::filesystem::path executable;  // legion-bench itself
    std::filesystem::path log_file;
    std::string base_url;
    bool stream = false;
    int max_retries = 0;
    std::int64_t injected_delay_us = 0;  // test-only slowdown per model call
    std::filesystem::path venvs_dir;     // the frameworks' environments, when not the default ones
    std::vector<int> cpus;               // CPUs the worker may run on (empty: any)
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
  // Sends a job and waits for its answer. On timeout or death the worker is killed and an error
  // message is returned instead; the next call starts a fresh worker. A worker dies with the thread
  // that started it (PR_SET_PDEATHSIG): call run() from a thread that lives as long as the worker should.
  nlohmann::json run(const nlohmann::json& job, std::chrono::milliseconds timeout);

 private:
  void start(std::chrono::milliseconds timeout);
  void kill_worker();
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  std::string exit_description();

  Options options_;
  pid_t pid_ = -1;
  int to_worker_ = -1;
  int from_worker_ = -1;
  std::string buffer_;
  bool closed_ = false;  // the worker closed its result pipe (it exited or crashed)
  nlohmann::json hello_;
};

}  // namespace legion::bench
