#pragma once
// A Python framework under the stress suites' load generator, through its concurrency path: the
// framework runs in a worker process of its own (bench/src/worker.hpp), and the generator's agents
// hand their tasks to one batch loop that sends every task waiting as one job of that many copies,
// which the framework runs at once on its own async API (asyncio.gather). Up to `agents` tasks are in
// flight; a task that arrives while a batch runs waits for the next batch, and that wait is part of
// its latency from the intended start.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "stress/generator.hpp"
#include "worker.hpp"

namespace legion::bench::stress {

class FrameworkDriver {
 public:
  using Check = std::function<TaskResult(const std::string& answer)>;
  // `job`: the worker's job line without "concurrency" ({"scenario", "params", "seed"}).
  FrameworkDriver(WorkerProcess::Options options, nlohmann::json job, Check check, std::chrono::milliseconds task_timeout);
  ~FrameworkDriver();
  FrameworkDriver(const FrameworkDriver&) = delete;
  FrameworkDriver& operator=(const FrameworkDriver&) = delete;

  // An agent's task: blocks until the batch it joined has ended.
  TaskResult run();
  pid_t pid() const { return worker_.pid(); }
  // Batches sent and the largest, for the report.
  std::int64_t batches() const { return batches_; }
  std::int64_t largest_batch() const { return largest_; }

 private:
  struct Slot {
    bool done = false;
    TaskResult result;
  };
  void loop();

  WorkerProcess worker_;
  nlohmann::json job_;
  Check check_;
  std::chrono::milliseconds task_timeout_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Slot*> waiting_;
  bool stopping_ = false;
  std::atomic<std::int64_t> batches_{0}, largest_{0};
  std::thread thread_;
};

}  // namespace legion::bench::stress
