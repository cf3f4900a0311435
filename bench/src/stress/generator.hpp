#pragma once
// The stress suites' load generator, as k6's arrival-rate executors and wrk2 do it: in the open
// loop, a dispatcher issues tasks on a schedule (constant rate or Poisson arrivals, ramped by
// stages, plus bursts queued at once) that never waits for the system, and each task's latency is
// measured from its *intended* start, so a stalled system cannot hide its queueing behind a
// slowed-down client (coordinated omission). In the closed loop each agent starts its next task
// when the last one ends (latency from the actual start). Agents are threads that take tasks from
// one queue and run them through a caller-given function (Adapter::run for a system); their count
// follows the stages. Every run is bounded in tasks and in time and stops by itself.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "legion/stats/hdr_histogram.hpp"

namespace legion::bench::stress {

using Clock = std::chrono::steady_clock;

// From the previous stage's end (or the start values) to these values, linearly, over `seconds`.
struct Stage {
  double seconds = 0;
  int agents = 0;
  double rate = 0;  // tasks per second the dispatcher issues (open loop)
};

// `count` tasks queued at once, `at_s` seconds after the start (open loop).
struct Burst {
  double at_s = 0;
  std::int64_t count = 0;
};

struct LoadSpec {
  enum class Mode { open, closed } mode = Mode::open;
  enum class Arrival { constant, poisson } arrival = Arrival::constant;
  int start_agents = 1;
  double start_rate = 0;
  std::vector<Stage> stages;
  std::vector<Burst> bursts;
  std::int64_t max_tasks = 0;  // the count bound: no task is issued past it
  double drain_s = 30;         // after the schedule: time left for queued and running tasks
  std::uint64_t seed = 1;

  double schedule_seconds() const;
  int most_agents() const;
};

// What the task function says about one task.
struct TaskResult {
  bool ok = false;
  std::string reason;  // why it failed
};

// Every task's life, for the ledger: each id gets one submit and exactly one finish.
struct TaskEvents {
  virtual ~TaskEvents() = default;
  virtual void submitted(std::int64_t id, std::int64_t intended_ns) = 0;
  virtual void finished(std::int64_t id, std::int64_t intended_ns, std::int64_t started_ns, std::int64_t finished_ns,
                        bool ok, const std::string& reason) = 0;
};

// One second of the run (times in ns since the start; latencies in microseconds).
struct Second {
  double t_s = 0;  // end of the second
  std::int64_t submitted = 0, completed = 0, failed = 0;
  std::int64_t queue_depth = 0, in_flight = 0;  // at the end of the second
  int agents = 0;
  double target_rate = 0;
  std::int64_t p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;  // of the tasks that ended in it
};

struct LoadResult {
  stats::HdrHistogram latency{1, 3'600'000'000, 3};  // µs from the intended start (open) or the start (closed)
  stats::HdrHistogram service{1, 3'600'000'000, 3};  // µs from the start of execution
  std::int64_t submitted = 0, completed = 0, failed = 0;
  std::int64_t not_started = 0;  // failed without running: the drain deadline or an interrupt came first
  std::int64_t seconds_measured = 0;  // each went to OnSecond; none is kept in memory
  double elapsed_s = 0;
  bool interrupted = false;
  int peak_agents = 0;
  std::int64_t peak_queue_depth = 0;
};

class LoadGenerator {
 public:
  using Task = std::function<TaskResult(std::int64_t id)>;
  // Called once a second from the generator's ticker with the second just measured (the suite adds
  // its /proc sample and stores it).
  using OnSecond = std::function<void(const Second&)>;

  LoadGenerator(LoadSpec spec, Task task, TaskEvents& events, const std::atomic<bool>& stop);
  LoadResult run(const OnSecond& on_second = {});

 private:
  LoadSpec spec_;
  Task task_;
  TaskEvents& events_;
  const std::atomic<bool>& stop_;
};

// The agents and rate the stages ask for `t` seconds after the start.
struct Target {
  int agents = 0;
  double rate = 0;
};
Target target_at(const LoadSpec& spec, double t);

// `count` tasks intended to start `at_s` seconds after the start.
struct Arrival {
  double at_s = 0;
  std::int64_t count = 0;
};

// The open loop's schedule as a function of the spec alone: the dispatcher waits for each arrival's
// time and queues it, so what is issued and when it was meant to start never depend on the machine.
// Computed one arrival at a time (a day at a high rate is too many to hold); it ends at the end of
// the stages or once max_tasks are issued.
class Schedule {
 public:
  explicit Schedule(const LoadSpec& spec);
  std::optional<Arrival> next();

 private:
  Arrival take(double at_s, std::int64_t count);

  LoadSpec spec_;  // its bursts by time
  double end_s_;
  std::size_t next_burst_ = 0;
  double t_ = 0;  // the next single arrival
  std::int64_t issued_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace legion::bench::stress
