#include "stress/generator.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace legion::bench::stress {

double LoadSpec::schedule_seconds() const {
  double total = 0;
  for (const auto& s : stages) total += s.seconds;
  return total;
}

int LoadSpec::most_agents() const {
  int most = start_agents;
  for (const auto& s : stages) most = std::max(most, s.agents);
  return most;
}

Target target_at(const LoadSpec& spec, double t) {
  double begin = 0;
  Target from{spec.start_agents, spec.start_rate};
  for (const auto& s : spec.stages) {
    if (t < begin + s.seconds && s.seconds > 0) {
      const double f = (t - begin) / s.seconds;
      return {static_cast<int>(std::lround(from.agents + f * (s.agents - from.agents))), from.rate + f * (s.rate - from.rate)};
    }
    begin += s.seconds;
    from = {s.agents, s.rate};
  }
  return from;
}

// Times closer than a nanosecond (the clock's resolution) are one time: summing 1/rate drifts by
// less, and a rate of 10/s for 1 s is then 10 arrivals, not an 11th at 0.9999999999999999 s.
constexpr double kSameTime_s = 1e-9;

Schedule::Schedule(const LoadSpec& spec)
    : spec_(spec), end_s_(spec.schedule_seconds() - kSameTime_s), rng_(spec.seed) {
  std::stable_sort(spec_.bursts.begin(), spec_.bursts.end(), [](const Burst& a, const Burst& b) { return a.at_s < b.at_s; });
}

Arrival Schedule::take(double at_s, std::int64_t count) {
  count = std::min(count, spec_.max_tasks - issued_);
  issued_ += count;
  return {at_s, count};
}

std::optional<Arrival> Schedule::next() {
  while (t_ < end_s_ && issued_ < spec_.max_tasks) {
    if (next_burst_ < spec_.bursts.size() && spec_.bursts[next_burst_].at_s <= t_) {
      const auto& burst = spec_.bursts[next_burst_++];
      return take(burst.at_s, burst.count);
    }
    const double rate = target_at(spec_, t_).rate;
    if (rate <= 0) {
      t_ += 0.01;  // no arrivals here: look again 10 ms on, where a ramp may have begun
      continue;
    }
    const double at = t_;
    t_ += spec_.arrival == LoadSpec::Arrival::poisson ? std::exponential_distribution<double>(rate)(rng_) : 1.0 / rate;
    return take(at, 1);
  }
  return std::nullopt;
}

namespace {

std::int64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

struct Job {
  std::int64_t id;
  Clock::time_point intended;
};

}  // namespace

LoadGenerator::LoadGenerator(LoadSpec spec, Task task, TaskEvents& events, const std::atomic<bool>& stop)
    : spec_(std::move(spec)), task_(std::move(task)), events_(events), stop_(stop) {}

LoadResult LoadGenerator::run(const OnSecond& on_second) {
  const bool open = spec_.mode == LoadSpec::Mode::open;
  const auto t0 = Clock::now();
  const double schedule_s = spec_.schedule_seconds();
  const auto schedule_end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(schedule_s));

  std::mutex m;
  std::condition_variable work_cv, idle_cv;
  std::deque<Job> queue;
  int active = 0;
  bool issuing = true;   // the schedule still issues tasks
  bool shutdown = false;
  std::int64_t issued = 0, in_flight = 0, peak_queue = 0;
  std::int64_t completed = 0, failed = 0, not_started = 0;

  LoadResult result;
  std::mutex hist_m;
  stats::HdrHistogram second_hist(1, 3'600'000'000, 3);

  auto finish = [&](const Job& job, Clock::time_point started, Clock::time_point ended, const TaskResult& r) {
    const auto from = std::max<std::int64_t>(1, ns_between(job.intended, ended) / 1000);
    const auto serve = std::max<std::int64_t>(1, ns_between(started, ended) / 1000);
    {
      std::lock_guard l(hist_m);
      result.latency.record(std::min<std::int64_t>(from, 3'600'000'000));
      result.service.record(std::min<std::int64_t>(serve, 3'600'000'000));
      second_hist.record(std::min<std::int64_t>(from, 3'600'000'000));
    }
    events_.finished(job.id, ns_between(t0, job.intended), ns_between(t0, started), ns_between(t0, ended), r.ok, r.reason);
  };

  auto agent = [&](int index) {
    for (;;) {
      Job job;
      {
        std::unique_lock l(m);
        work_cv.wait(l, [&] {
          return shutdown || (index < active && (open ? !queue.empty() : issuing && issued < spec_.max_tasks));
        });
        if (shutdown) return;
        if (open) {
          job = queue.front();
          queue.pop_front();
        } else {
          job = {issued++, Clock::now()};
          events_.submitted(job.id, ns_between(t0, job.intended));
        }
        ++in_flight;
      }
      const auto started = Clock::now();
      TaskResult r;
      try {
        r = task_(job.id);
      } catch (const std::exception& e) {
        r = {false, e.what()};
      } catch (...) {
        r = {false, "unknown exception"};
      }
      const auto ended = Clock::now();
      finish(job, started, ended, r);
      {
        std::lock_guard l(m);
        --in_flight;
        ++(r.ok ? completed : failed);
      }
      idle_cv.notify_all();
    }
  };

  // Open loop: the dispatcher issues on schedule, whatever the agents are doing.
  std::thread dispatcher;
  if (open) {
    dispatcher = std::thread([&] {
      // Sleeps until `at` unless the run is stopped; false when stopped.
      auto wait_until = [&](Clock::time_point at) {
        std::unique_lock l(m);
        while (!stop_ && !shutdown && Clock::now() < at) work_cv.wait_until(l, std::min(at, Clock::now() + std::chrono::milliseconds(50)));
        return !stop_ && !shutdown;
      };
      Schedule schedule(spec_);
      while (const auto arrival = schedule.next()) {
        const auto intended = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arrival->at_s));
        if (!wait_until(intended)) break;
        {
          std::lock_guard l(m);
          for (std::int64_t k = 0; k < arrival->count; ++k) {
            Job job{issued++, intended};
            events_.submitted(job.id, ns_between(t0, intended));
            queue.push_back(job);
          }
          peak_queue = std::max<std::int64_t>(peak_queue, static_cast<std::int64_t>(queue.size()));
        }
        if (arrival->count == 1) work_cv.notify_one();
        else work_cv.notify_all();
      }
      std::lock_guard l(m);
      issuing = false;
    });
  }

  std::vector<std::thread> agents;
  auto set_agents = [&](int n) {
    {
      std::lock_guard l(m);
      active = n;
    }
    while (static_cast<int>(agents.size()) < n) agents.emplace_back(agent, static_cast<int>(agents.size()));
    result.peak_agents = std::max(result.peak_agents, n);
    work_cv.notify_all();
  };

  // The ticker: agents follow the stages every 50 ms; a Second every second; the end conditions.
  std::int64_t last_completed = 0, last_failed = 0, last_issued = 0;
  auto next_tick = t0 + std::chrono::seconds(1);
  auto emit_second = [&](Clock::time_point now) {
    Second s;
    s.t_s = std::chrono::duration<double>(now - t0).count();
    {
      std::lock_guard l(m);
      s.submitted = issued - last_issued;
      s.completed = completed - last_completed;
      s.failed = failed - last_failed;
      last_issued = issued, last_completed = completed, last_failed = failed;
      s.queue_depth = static_cast<std::int64_t>(queue.size());
      s.in_flight = in_flight;
      s.agents = active;
    }
    s.target_rate = now < schedule_end ? target_at(spec_, s.t_s).rate : 0;
    {
      std::lock_guard l(hist_m);
      if (second_hist.total_count() > 0) {
        s.p50_us = second_hist.value_at_percentile(50);
        s.p90_us = second_hist.value_at_percentile(90);
        s.p99_us = second_hist.value_at_percentile(99);
        s.max_us = second_hist.max();
      }
      second_hist.reset();
    }
    ++result.seconds_measured;  // kept by the caller (the store), not here: a day's run would grow by it
    if (on_second) on_second(s);
  };
  auto tick_until = [&](Clock::time_point until, const std::function<bool()>& done) {
    for (;;) {
      auto now = Clock::now();
      if (now >= next_tick) {
        emit_second(next_tick);
        next_tick += std::chrono::seconds(1);
      }
      if (done() || now >= until) return;
      std::unique_lock l(m);
      idle_cv.wait_until(l, std::min({until, next_tick, now + std::chrono::milliseconds(50)}));
    }
  };

  set_agents(std::min(spec_.start_agents, spec_.most_agents()));
  tick_until(schedule_end, [&] {
    if (stop_) return true;
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    const int want = target_at(spec_, t).agents;
    int now_active;
    {
      std::lock_guard l(m);
      now_active = active;
    }
    if (want != now_active) set_agents(want);
    std::lock_guard l(m);
    // The count bound: everything issued has ended and nothing more will be.
    return issued >= spec_.max_tasks && queue.empty() && in_flight == 0;
  });
  {
    std::lock_guard l(m);
    issuing = false;
  }
  work_cv.notify_all();
  if (dispatcher.joinable()) dispatcher.join();
  result.interrupted = stop_.load();

  // Drain: queued tasks may still start (not after an interrupt) and running ones finish, until the deadline.
  auto fail_queued = [&](const std::string& reason) {
    std::deque<Job> left;
    {
      std::lock_guard l(m);
      left.swap(queue);
    }
    const auto now = Clock::now();
    for (const auto& job : left) {
      finish(job, now, now, {false, reason});
      std::lock_guard l(m);
      ++failed;
      ++not_started;
    }
  };
  if (stop_) fail_queued("not started: the run was interrupted");
  const auto drain_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(spec_.drain_s));
  bool none_active;
  {
    std::lock_guard l(m);
    none_active = active == 0;
  }
  if (!stop_ && none_active && !agents.empty()) set_agents(1);  // a schedule that ends at 0 agents still drains
  tick_until(drain_deadline, [&] {
    std::lock_guard l(m);
    return queue.empty() && in_flight == 0;
  });
  fail_queued(stop_ ? "not started: the run was interrupted" : "not started before the drain deadline");
  {
    std::lock_guard l(m);
    shutdown = true;
  }
  work_cv.notify_all();
  for (auto& a : agents) a.join();  // a task still running ends by its own request timeout
  emit_second(Clock::now());

  result.elapsed_s = std::chrono::duration<double>(Clock::now() - t0).count();
  result.submitted = issued;
  result.completed = completed;
  result.failed = failed;
  result.not_started = not_started;
  result.peak_queue_depth = peak_queue;
  result.interrupted = result.interrupted || stop_.load();
  return result;
}

}  // namespace legion::bench::stress
