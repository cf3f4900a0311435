// The stress suites' core: the load generator (open loop with intended-start latency, closed loop,
// bounds, drain), the task ledger in the store, and the analysis the reports are written from.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <cstring>
#include <sstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "checks.hpp"
#include "legion/report/stress.hpp"
#include "stress/broker_faults.hpp"
#include "stress/phases.hpp"
#include "stress/suite.hpp"
#include "stress/failure.hpp"
#include "stress/generator.hpp"
#include "stress/ledger.hpp"
#include "stress/resp.hpp"
#include "stress/sampler.hpp"
#include <sys/wait.h>
#include "test_support.hpp"

namespace legion::bench::stress {
namespace {

struct MemoryEvents final : TaskEvents {
  struct Times {
    std::int64_t intended_ns, started_ns, finished_ns;
  };
  std::mutex m;
  std::set<std::int64_t> submitted_ids;
  std::map<std::int64_t, int> ended;  // id -> how many times
  std::map<std::int64_t, std::string> reasons;
  std::map<std::int64_t, Times> times;
  void submitted(std::int64_t id, std::int64_t) override {
    std::lock_guard l(m);
    submitted_ids.insert(id);
  }
  void finished(std::int64_t id, std::int64_t intended_ns, std::int64_t started_ns, std::int64_t finished_ns, bool ok,
                const std::string& reason) override {
    std::lock_guard l(m);
    ++ended[id];
    times[id] = {intended_ns, started_ns, finished_ns};
    if (!ok) reasons[id] = reason;
  }
  std::int64_t finished_count() {
    std::lock_guard l(m);
    return static_cast<std::int64_t>(ended.size());
  }
  // Every submitted id ended exactly once, and nothing else ended.
  bool balanced() {
    std::lock_guard l(m);
    if (ended.size() != submitted_ids.size()) return false;
    for (auto [id, n] : ended)
      if (n != 1 || !submitted_ids.contains(id)) return false;
    return true;
  }
};

LoadSpec constant(double seconds, int agents, double rate, std::int64_t max_tasks) {
  LoadSpec s;
  s.start_agents = agents;
  s.start_rate = rate;
  s.stages = {{seconds, agents, rate}};
  s.max_tasks = max_tasks;
  s.drain_s = 5;
  return s;
}

TEST(StressGenerator, TargetsRampLinearlyBetweenStages) {
  LoadSpec s;
  s.start_agents = 10;
  s.start_rate = 50;
  s.stages = {{10, 10, 50}, {10, 100, 500}};
  EXPECT_EQ(target_at(s, 5).agents, 10);
  EXPECT_EQ(target_at(s, 15).agents, 55);
  EXPECT_DOUBLE_EQ(target_at(s, 15).rate, 275);
  EXPECT_EQ(target_at(s, 99).agents, 100);
  EXPECT_EQ(s.most_agents(), 100);
  EXPECT_DOUBLE_EQ(s.schedule_seconds(), 20);
}

std::vector<Arrival> arrivals(const LoadSpec& spec) {
  std::vector<Arrival> all;
  Schedule schedule(spec);
  while (auto a = schedule.next()) all.push_back(*a);
  return all;
}

// The open loop's schedule depends on the spec alone, so it is asserted exactly: a constant rate r
// for s seconds is r·s arrivals, one every 1/r seconds from 0.
TEST(StressSchedule, ConstantRateIssuesOnAFixedGrid) {
  for (const auto& [seconds, rate] : std::vector<std::pair<double, double>>{{1, 100}, {1, 10}, {0.5, 20}, {3, 7}}) {
    const auto all = arrivals(constant(seconds, 1, rate, 1'000'000));
    ASSERT_EQ(all.size(), static_cast<std::size_t>(std::lround(seconds * rate))) << rate << "/s for " << seconds << " s";
    for (std::size_t k = 0; k < all.size(); ++k) {
      EXPECT_NEAR(all[k].at_s, static_cast<double>(k) / rate, 1e-9) << "arrival " << k << " at " << rate << "/s";
      EXPECT_EQ(all[k].count, 1);
    }
  }
}

TEST(StressSchedule, StopsAtTheCountBound) {
  const auto all = arrivals(constant(30, 4, 1000, 50));
  ASSERT_EQ(all.size(), 50u);
  EXPECT_NEAR(all.back().at_s, 0.049, 1e-9);
}

// A burst is one arrival of its whole count at its time, cut to what the count bound leaves; the
// rate goes on around it.
TEST(StressSchedule, BurstsComeWholeAtTheirTimeWithinTheCountBound) {
  auto spec = constant(1, 1, 4, 100);
  spec.bursts = {{0.6, 10}, {0.3, 20}};
  auto all = arrivals(spec);
  ASSERT_EQ(all.size(), 6u);
  const std::vector<std::pair<double, std::int64_t>> expected{{0, 1}, {0.25, 1}, {0.3, 20}, {0.5, 1}, {0.6, 10}, {0.75, 1}};
  for (std::size_t k = 0; k < all.size(); ++k) {
    EXPECT_NEAR(all[k].at_s, expected[k].first, 1e-9) << "arrival " << k;
    EXPECT_EQ(all[k].count, expected[k].second) << "arrival " << k;
  }
  spec.max_tasks = 15;
  all = arrivals(spec);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.back().count, 13);  // 2 single arrivals, then what is left of the first burst
}

// On a ramp each arrival follows the last by 1/rate at the last; Poisson arrivals are the same for
// the same seed.
TEST(StressSchedule, FollowsARampAndPoissonArrivalsRepeatWithTheirSeed) {
  LoadSpec ramp;
  ramp.start_rate = 10;
  ramp.stages = {{1, 1, 10}, {1, 1, 100}};
  ramp.max_tasks = 1'000'000;
  const auto ramped = arrivals(ramp);
  ASSERT_GT(ramped.size(), 50u);
  EXPECT_LT(ramped.back().at_s, 2.0);
  for (std::size_t k = 1; k < ramped.size(); ++k)
    EXPECT_NEAR(ramped[k].at_s - ramped[k - 1].at_s, 1.0 / target_at(ramp, ramped[k - 1].at_s).rate, 1e-9);

  auto poisson = constant(10, 1, 100, 1'000'000);
  poisson.arrival = LoadSpec::Arrival::poisson;
  const auto first = arrivals(poisson), again = arrivals(poisson);
  ASSERT_EQ(first.size(), again.size());
  for (std::size_t k = 0; k < first.size(); ++k) EXPECT_EQ(first[k].at_s, again[k].at_s);
  EXPECT_NEAR(static_cast<double>(first.size()), 1000, 150);  // 1,000 expected, sd 32
  poisson.seed = 2;
  EXPECT_NE(arrivals(poisson)[1].at_s, first[1].at_s);
}

// What the run measured, rebuilt from the ledger's times: `from` picks the start of a latency.
stats::HdrHistogram histogram_of(MemoryEvents& events, std::int64_t MemoryEvents::Times::*from) {
  stats::HdrHistogram h(1, 3'600'000'000, 3);
  std::lock_guard l(events.m);
  for (const auto& [id, t] : events.times) h.record(std::max<std::int64_t>(1, (t.finished_ns - t.*from) / 1000));
  return h;
}

void expect_same(const stats::HdrHistogram& measured, const stats::HdrHistogram& expected, const char* what) {
  EXPECT_EQ(measured.total_count(), expected.total_count()) << what;
  for (double p : {10.0, 50.0, 90.0, 99.0, 100.0})
    EXPECT_EQ(measured.value_at_percentile(p), expected.value_at_percentile(p)) << what << " p" << p;
}

// A system that stalls for 400 ms once: the open loop keeps issuing on schedule (every task meant
// to start where the schedule says) and counts the queueing behind the stall in the latency of
// every task that waited (no coordinated omission); the service time is measured from the actual start.
TEST(StressGenerator, OpenLoopMeasuresFromTheIntendedStart) {
  std::atomic<bool> stop{false};
  MemoryEvents events;
  std::atomic<int> calls{0};
  const auto spec = constant(1.0, 1, 100, 100);
  LoadGenerator g(spec, [&](std::int64_t) {
    if (calls++ == 10) std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return TaskResult{true, {}};
  }, events, stop);
  auto r = g.run();
  EXPECT_EQ(r.submitted, 100);
  EXPECT_EQ(r.completed, 100);
  ASSERT_TRUE(events.balanced());
  const auto schedule = arrivals(spec);
  for (std::int64_t k = 0; k < 100; ++k) {
    EXPECT_NEAR(static_cast<double>(events.times[k].intended_ns), schedule[k].at_s * 1e9, 1) << "task " << k;
    EXPECT_GE(events.times[k].started_ns, events.times[k].intended_ns) << "task " << k << " started before it was due";
  }
  // One agent: the tasks due during the stall (11 to 49, due at 110-490 ms) waited for it to end.
  const auto stall_end = events.times[10].finished_ns;
  EXPECT_GE(stall_end - events.times[10].started_ns, 400'000'000);
  for (std::int64_t k = 11; k < 50; ++k) EXPECT_GE(events.times[k].started_ns, stall_end) << "task " << k;
  expect_same(r.latency, histogram_of(events, &MemoryEvents::Times::intended_ns), "latency");
  expect_same(r.service, histogram_of(events, &MemoryEvents::Times::started_ns), "service");
  // So tasks 10-30, 21% of all, waited ≥ 200 ms from their intended start.
  EXPECT_GE(r.latency.value_at_percentile(80), 200'000);
}

// The closed loop hides the same stall in one sample, measured from the actual start: that is why
// the suites default to the open loop.
TEST(StressGenerator, ClosedLoopRunsBackToBack) {
  std::atomic<bool> stop{false};
  MemoryEvents events;
  std::atomic<int> calls{0};
  auto spec = constant(30.0, 2, 0, 60);
  spec.mode = LoadSpec::Mode::closed;
  LoadGenerator g(spec, [&](std::int64_t) {
    if (calls++ == 10) std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return TaskResult{true, {}};
  }, events, stop);
  auto r = g.run();
  EXPECT_EQ(r.submitted, 60);  // the count bound, long before the time bound
  EXPECT_EQ(r.completed, 60);
  EXPECT_LT(r.elapsed_s, spec.schedule_seconds());
  ASSERT_TRUE(events.balanced());
  expect_same(r.latency, histogram_of(events, &MemoryEvents::Times::intended_ns), "latency");
  std::int64_t stalled = 0;
  for (const auto& [id, t] : events.times) {
    EXPECT_LE(t.intended_ns, t.started_ns) << "task " << id;
    stalled += t.finished_ns - t.intended_ns >= 400'000'000;
  }
  EXPECT_EQ(stalled, 1);
}

// The count bound stops the run once the last task ends, long before the schedule's end; the time
// bound issues exactly the schedule and waits for its end.
TEST(StressGenerator, BoundedByCountAndByTime) {
  std::atomic<bool> stop{false};
  {
    MemoryEvents events;
    const auto spec = constant(30.0, 4, 1000, 50);
    LoadGenerator g(spec, [](std::int64_t) { return TaskResult{true, {}}; }, events, stop);
    auto r = g.run();
    EXPECT_EQ(r.submitted, 50);
    EXPECT_EQ(r.completed, 50);
    EXPECT_LT(r.elapsed_s, spec.schedule_seconds());
  }
  {
    MemoryEvents events;
    LoadGenerator g(constant(0.5, 4, 20, 1'000'000), [](std::int64_t) { return TaskResult{true, {}}; }, events, stop);
    auto r = g.run();
    EXPECT_EQ(r.submitted, 10);
    EXPECT_EQ(r.completed, 10);
    EXPECT_GE(r.elapsed_s, 0.5);
  }
}

// Tasks that cannot start before the drain deadline fail with that reason without running: none is
// lost, and none that started is failed.
TEST(StressGenerator, DrainDeadlineFailsWhatCouldNotStart) {
  std::atomic<bool> stop{false};
  MemoryEvents events;
  auto spec = constant(0.2, 1, 0, 1000);
  spec.bursts = {{0.0, 40}};
  spec.drain_s = 0.3;
  LoadGenerator g(spec, [](std::int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return TaskResult{true, {}};
  }, events, stop);
  auto r = g.run();
  EXPECT_EQ(r.submitted, 40);
  ASSERT_TRUE(events.balanced());
  EXPECT_GT(r.not_started, 0);  // 40 tasks of 50 ms on one agent need 2 s, four times the time given
  EXPECT_EQ(r.failed, r.not_started);
  EXPECT_EQ(r.completed + r.not_started, 40);
  std::int64_t last_start = 0, first_refusal = std::numeric_limits<std::int64_t>::max();
  for (const auto& [id, t] : events.times) {
    if (events.reasons.contains(id)) {
      EXPECT_EQ(events.reasons[id], "not started before the drain deadline");
      EXPECT_EQ(t.started_ns, t.finished_ns) << "task " << id << " ran, yet failed as not started";
      EXPECT_GE(t.started_ns, 500'000'000) << "task " << id << " failed before the schedule and the drain time ended";
      first_refusal = std::min(first_refusal, t.started_ns);
    } else {
      EXPECT_GE(t.finished_ns - t.started_ns, 50'000'000) << "task " << id << " did not run";
      last_start = std::max(last_start, t.started_ns);
    }
  }
  EXPECT_LE(last_start, first_refusal);  // the queue was failed only when no agent could take from it any more
}

// An interrupt ends the run long before its schedule, and every task issued is accounted for.
TEST(StressGenerator, InterruptStopsAtOnceAndAccountsForEveryTask) {
  std::atomic<bool> stop{false};
  MemoryEvents events;
  const auto spec = constant(60, 2, 200, 1'000'000);
  LoadGenerator g(spec, [](std::int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return TaskResult{true, {}};
  }, events, stop);
  std::thread stopper([&] {  // once the run is under way
    const auto give_up = Clock::now() + std::chrono::seconds(30);
    while (events.finished_count() < 5 && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stop = true;
  });
  auto r = g.run();
  stopper.join();
  EXPECT_TRUE(r.interrupted);
  EXPECT_LT(r.elapsed_s, spec.schedule_seconds() / 2);  // the loops look at the flag every 50 ms
  EXPECT_EQ(r.completed + r.failed, r.submitted);
  EXPECT_GE(r.completed, 5);
  EXPECT_TRUE(events.balanced());
}

TEST(StressGenerator, ExceptionsAreFailuresWithTheirMessage) {
  std::atomic<bool> stop{false};
  MemoryEvents events;
  LoadGenerator g(constant(0.2, 2, 50, 10), [](std::int64_t id) -> TaskResult {
    if (id % 2) throw std::runtime_error("HTTP 500 from the model server");
    return {true, {}};
  }, events, stop);
  auto r = g.run();
  EXPECT_EQ(r.failed, 5);
  EXPECT_EQ(events.reasons.begin()->second, "HTTP 500 from the model server");
}

// The ledger in the store: every task submitted and ended once, read back from the file.
TEST(StressLedger, StoreHoldsEveryTaskAndTheAnalysisFindsNoneLost) {
  const auto file = legion::testing::scratch_dir() / "results.sqlite";
  std::atomic<bool> stop{false};
  {
    StressStore store(file);
    store.begin_run("r1", {{"suite", "load"}, {"command", "test"}, {"mode", "open"}, {"arrival", "constant"}, {"scenario", "single-tool"},
                           {"latency", "zero"}, {"max_retries", 0}, {"request_timeout_s", 30}, {"machine", nlohmann::json::object()}});
    store.begin_phase("r1", "p", {{"description", "test"}, {"load_class", "normal"}, {"stages", nlohmann::json::array()},
                                  {"bursts", nlohmann::json::array()}, {"most_agents", 4}, {"schedule_s", 0.5}});
    LedgerEvents events(store, "r1", "p");
    LoadGenerator g(constant(0.5, 4, 200, 80), [](std::int64_t id) { return TaskResult{id != 7, "wrong answer"}; }, events, stop);
    auto r = g.run([&](const Second& s) { store.sample("r1", "p", s.t_s, {{"t_s", s.t_s}}); });
    store.end_phase("r1", "p", {{"elapsed_s", r.elapsed_s}, {"peak_agents", r.peak_agents}, {"peak_queue_depth", r.peak_queue_depth}});
    store.finish_run("r1", false, nlohmann::json::object());
  }
  StressStore store(file);
  auto raw = store.load("r1");
  const auto& ledger = raw["phases"][0]["ledger"];
  EXPECT_EQ(ledger["submitted"], 80);
  EXPECT_EQ(ledger["completed"], 79);
  EXPECT_EQ(ledger["failed"], 1);
  EXPECT_EQ(ledger["open"], 0);
  EXPECT_EQ(ledger["reasons"]["wrong answer"], 1);
  EXPECT_EQ(raw["phases"][0]["latency_us"].size(), 80u);
}

// The failure suite's disk-full phase: the ledger copy on a filled tmpfs keeps its first write
// error and loses nothing; once freed it holds every task and is published. Without root it must
// say it was skipped and why.
TEST(StressFailure, DiskFullKeepsTheFirstErrorLosesNothingAndPublishesAfterwards) {
  const auto file = legion::testing::scratch_dir() / "disk-full" / "results.sqlite";
  const nlohmann::json config = {{"suite", "failure"}, {"command", "test"}, {"mode", "closed"}, {"arrival", "—"}, {"scenario", "single-tool"},
                                 {"latency", "zero"}, {"max_retries", 2}, {"request_timeout_s", 30}, {"machine", nlohmann::json::object()}};
  std::atomic<bool> stop{false};
  StressStore store(file);
  store.begin_run("f1", config);
  const auto d = run_disk_full(store, "f1", config, 200, stop, true);
  if (::geteuid() != 0) {
    ASSERT_TRUE(d.contains("skipped"));
    EXPECT_NE(d["skipped"].get<std::string>().find("root"), std::string::npos);
    return;
  }
  ASSERT_FALSE(d.contains("skipped")) << d.dump();
  ASSERT_TRUE(d.contains("before") && d["before"].contains("submitted")) << d.dump();
  EXPECT_NE(d["first_write_error"].get<std::string>().find("full"), std::string::npos) << d.dump();
  EXPECT_TRUE(d.contains("write_error_after_s")) << d.dump();
  EXPECT_GT(d["before"]["submitted"].get<int>(), 0);
  EXPECT_TRUE(d["preserved"]);
  EXPECT_EQ(d["integrity"], "ok");
  EXPECT_TRUE(d.contains("recovery_s")) << d.dump();
  EXPECT_TRUE(d["copy_matches_ledger"]) << d.dump();
  EXPECT_EQ(d["after"]["open"], 0);
  EXPECT_TRUE(d["report_published"]);
  EXPECT_TRUE(d["passed"]);
  // The run's own ledger: every submitted task ended, none lost.
  store.flush();
  const auto ledger = store.load("f1")["phases"][0]["ledger"];
  EXPECT_EQ(d["lost"], 0);
  EXPECT_EQ(ledger["submitted"], 200);
  EXPECT_EQ(ledger["completed"], 200);
  EXPECT_EQ(ledger["open"], 0);
}

nlohmann::json raw_run(bool phase_ended, std::int64_t open) {
  using nlohmann::json;
  json samples = json::array();
  for (int t = 1; t <= 3; ++t)
    samples.push_back({{"t_s", t}, {"completed", 10}, {"failed", 0}, {"queue_depth", 0}, {"in_flight", 0}, {"agents", 100}, {"target_rate", 10},
                       {"submitted", 10}, {"p50_us", 1000}, {"p90_us", 1000}, {"p99_us", 2000}, {"max_us", 3000},
                       {"system", {{"rss_mb", 10}, {"cpu", 0.5}, {"threads", 5}, {"fds", 9}}},
                       {"server", {{"rss_mb", 10}, {"cpu", 0.5}, {"threads", 5}, {"fds", 9}}}});
  json phase = {{"name", "native / 100 agents"},
                {"spec", {{"description", "d"}, {"load_class", "normal"}, {"stages", json::array()}, {"bursts", json::array()},
                          {"most_agents", 100}, {"schedule_s", 3}}},
                {"summary", phase_ended ? json{{"elapsed_s", 3.0}, {"peak_agents", 100}, {"peak_queue_depth", 0}} : json()},
                {"samples", samples},
                {"ledger", {{"submitted", 30}, {"completed", 30 - open}, {"failed", 0}, {"open", open}, {"reasons", json::object()},
                            {"errors", json::array()}}},
                {"latency_us", json(std::vector<int>(30 - open, 1500))},
                {"service_us", json(std::vector<int>(30 - open, 1000))}};
  return {{"run_id", "r"}, {"started_at", "now"}, {"finished", phase_ended}, {"interrupted", false}, {"extra", json::object()},
          {"config", {{"suite", "load"}, {"command", "c"}, {"mode", "open"}, {"arrival", "constant"}, {"scenario", "single-tool"},
                      {"latency", "zero"}, {"max_retries", 0}, {"request_timeout_s", 30}, {"machine", json::object()}}},
          {"phases", json::array({phase})}};
}

TEST(StressAnalysis, OpenTaskInAnEndedPhaseIsLostAndFailsTheCriterion) {
  const auto a = report::analyze_stress(raw_run(true, 2));
  EXPECT_EQ(a.lost_tasks, 2);
  EXPECT_EQ(a.criteria[1].status, "fail");
  EXPECT_FALSE(a.all_criteria_pass);
}

TEST(StressAnalysis, CrashedRunClosesOpenTasksAsFailedWithAReason) {
  const auto a = report::analyze_stress(raw_run(false, 2));
  EXPECT_EQ(a.lost_tasks, 0);
  const auto& x = a.phases[0]["analysis"];
  EXPECT_EQ(x["failed"], 2);
  EXPECT_EQ(a.phases[0]["ledger"]["reasons"].size(), 1u);
}

TEST(StressAnalysis, CleanRunPassesWhatItMeasuredAndSaysWhatItDidNot) {
  const auto a = report::analyze_stress(raw_run(true, 0));
  EXPECT_EQ(a.lost_tasks, 0);
  EXPECT_EQ(a.criteria[0].status, "pass");  // 100 agents, no failure
  EXPECT_EQ(a.criteria[2].status, "not measured");  // no spike in a load run
  EXPECT_EQ(a.phases[0]["analysis"]["latency"]["p50_us"], 1500);
  EXPECT_TRUE(a.all_criteria_pass);
}

TEST(StressSampler, ReadsThisProcess) {
  auto s = read_proc();
  ASSERT_TRUE(s.ok);
  EXPECT_GT(s.rss_mb, 1);
  EXPECT_GE(s.threads, 1);
  EXPECT_GE(s.fds, 3);
  EXPECT_FALSE(read_proc(999999999).ok);
}

TEST(StressResp, EncodesAndParsesEveryReplyTypeAndWaitsForWholeReplies) {
  EXPECT_EQ(encode_command({"XADD", "s", "*", "task", ""}), "*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$4\r\ntask\r\n$0\r\n\r\n");
  const std::string whole = "*4\r\n+OK\r\n:42\r\n$5\r\nhe\r\no\r\n*-1\r\n";
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {  // every prefix is incomplete, never malformed
    std::size_t pos = 0;
    Reply r;
    EXPECT_FALSE(parse_reply(whole.substr(0, cut), pos, r)) << cut;
  }
  std::size_t pos = 0;
  Reply r;
  ASSERT_TRUE(parse_reply(whole, pos, r));
  EXPECT_EQ(pos, whole.size());
  ASSERT_EQ(r.elements.size(), 4u);
  EXPECT_EQ(r.elements[0].str, "OK");
  EXPECT_EQ(r.elements[1].integer, 42);
  EXPECT_EQ(r.elements[2].str, "he\r\no");  // binary-safe
  EXPECT_TRUE(r.elements[3].is_nil());
  pos = 0;
  EXPECT_THROW(parse_reply("?x\r\n", pos, r), std::runtime_error);
  pos = 0;
  EXPECT_THROW(parse_reply(":4x\r\n", pos, r), std::runtime_error);
}

// Connecting has a timeout of its own: a listener whose accept queue is full drops the SYNs (as a
// link that is down does), and the client gives up after its timeout, not the kernel's two
// minutes; nothing listening is refused at once. Both are connection errors naming the address.
TEST(StressResp, ConnectGivesUpAfterItsTimeoutAndReportsRefusal) {
  const int port = free_port();
  try {
    Redis refused("127.0.0.1", port, std::chrono::milliseconds(300));
    ADD_FAILURE() << "connected to a port nothing listens on";
  } catch (const RedisConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 0), 0);  // never accepted: the queue fills after one or two
  std::vector<std::unique_ptr<Redis>> held;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    const auto start = std::chrono::steady_clock::now();
    try {
      held.push_back(std::make_unique<Redis>("127.0.0.1", port, std::chrono::milliseconds(300)));
    } catch (const RedisConnectionError& e) {
      const auto took = std::chrono::steady_clock::now() - start;
      EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
      EXPECT_GE(took, std::chrono::milliseconds(250));
      EXPECT_LT(took, std::chrono::milliseconds(2000));
      timed_out = true;
    }
  }
  EXPECT_TRUE(timed_out) << "every connection to a full accept queue succeeded";
  ::close(listener);
}

// Against Debian's redis-server on loopback: a consumer group, acknowledgement, and a dead
// consumer's pending entry taken over with XAUTOCLAIM.
TEST(StressResp, StreamsConsumerGroupAndReclaimOnARealRedis) {
  if (!std::filesystem::exists("/usr/bin/redis-server")) GTEST_SKIP() << "redis-server is not installed";
  const int port = free_port();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/usr/bin/redis-server", "redis-server", "--port", std::to_string(port).c_str(), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--logfile", "/dev/null", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::unique_ptr<Redis> r;
  for (int i = 0; i < 100 && !r; ++i) {
    try {
      r = std::make_unique<Redis>("127.0.0.1", port);
    } catch (const RedisConnectionError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_TRUE(r);
  EXPECT_FALSE(port_free(port));
  r->command({"XGROUP", "CREATE", "t", "g", "$", "MKSTREAM"});
  auto replies = r->pipeline({{"XADD", "t", "*", "task", "1"}, {"XADD", "t", "*", "task", "2"}, {"NOSUCHCOMMAND"}});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[2].type, Reply::Type::error);
  auto got = r->command({"XREADGROUP", "GROUP", "g", "dead", "COUNT", "2", "STREAMS", "t", ">"});
  ASSERT_EQ(got.elements[0].elements[1].elements.size(), 2u);
  const auto first_id = got.elements[0].elements[1].elements[0].elements[0].str;
  EXPECT_EQ(r->command({"XACK", "t", "g", first_id}).integer, 1);
  // "dead" never acknowledges the second: another consumer takes it over once it is idle.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  auto claimed = r->command({"XAUTOCLAIM", "t", "g", "alive", "10", "0-0", "COUNT", "10"});
  ASSERT_EQ(claimed.elements[1].elements.size(), 1u);
  EXPECT_EQ(claimed.elements[1].elements[0].elements[1].elements[1].str, "2");
  EXPECT_THROW(r->command({"XGROUP", "CREATE", "t", "g", "$"}), RedisReplyError);  // BUSYGROUP
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  EXPECT_THROW(r->command({"PING"}), RedisConnectionError);
  EXPECT_TRUE(port_free(port));
}

}  // namespace
}  // namespace legion::bench::stress

namespace legion::bench::stress {
namespace {

nlohmann::json broker_fault_config() {
  return {{"suite", "failure"}, {"command", "test"}, {"mode", "open"}, {"arrival", "constant"}, {"scenario", "single-tool"},
          {"latency", "zero"}, {"max_retries", 0}, {"request_timeout_s", 30}, {"machine", nlohmann::json::object()}};
}

BrokerFaultOptions quick_broker_faults(const std::string& name) {
  BrokerFaultOptions o;
  o.dir = legion::testing::scratch_dir() / name;
  o.program = LEGION_BENCH_EXE;
  o.quick = true;
  o.quiet = true;
  return o;
}

// The skip reasons name what was missing; a phase that ran must never pass as skipped or vice versa.
bool skipped_for_a_reason(const nlohmann::json& r) { return r.contains("skipped") && !r["skipped"].get<std::string>().empty() && !r.contains("passed"); }

// An engine under a cgroup memory limit, a burst of tasks holding large documents: the kernel's OOM
// killer ends it (the cgroup's own count says so), a replacement takes over the dead consumer's
// pending tasks, every task ends in the ledger and the cgroup is gone afterwards.
TEST(StressFailure, MemoryExhaustionIsAnOomKillRecoveredWithNothingLost) {
  if (!std::filesystem::exists("/usr/bin/redis-server")) GTEST_SKIP() << "redis-server is not installed";
  StressStore store(legion::testing::scratch_dir() / "oom" / "results.sqlite");
  store.begin_run("m1", broker_fault_config());
  std::atomic<bool> stop{false};
  const auto r = run_memory_exhaustion(store, "m1", quick_broker_faults("oom"), stop);
  if (r.contains("skipped")) {
    EXPECT_TRUE(skipped_for_a_reason(r)) << r.dump();
    GTEST_SKIP() << r["skipped"].get<std::string>();
  }
  ASSERT_FALSE(r["deaths"].empty()) << r.dump();
  EXPECT_EQ(r["deaths"][0]["signal"], std::string(::strsignal(SIGKILL))) << r.dump();
  EXPECT_GE(r["cgroup"]["oom_kills"].get<int>(), 1) << r.dump();
  EXPECT_EQ(r["cgroup"]["max_usage_bytes"], r["cgroup"]["limit_bytes"]) << r.dump();
  EXPECT_GE(r["replacements"].get<int>(), 1);
  EXPECT_TRUE(r["oom_killed"]);
  ASSERT_TRUE(r.contains("recovery_s")) << r.dump();
  EXPECT_GT(r["recovery_s"].get<double>(), 0);
  EXPECT_TRUE(r["recovery"].contains("first_completion_s")) << r.dump();
  EXPECT_GE(r["recovery_s"].get<double>(), r["recovery"]["pending_reclaimed_s"].get<double>()) << r.dump();
  EXPECT_GT(r["outcome"]["redelivered"].get<int>(), 0) << r.dump();
  EXPECT_EQ(r["lost"], 0) << r.dump();
  EXPECT_EQ(r["outcome"]["no_result"], 0) << r.dump();
  const auto& ledger = r["ledger"];
  EXPECT_EQ(ledger["submitted"], r["outcome"]["submitted"]);
  EXPECT_EQ(ledger["open"], 0);
  EXPECT_EQ(ledger["completed"].get<int>() + ledger["failed"].get<int>(), ledger["submitted"].get<int>());
  EXPECT_TRUE(r["passed"]) << r.dump();
  EXPECT_FALSE(std::filesystem::exists(r["cgroup"]["cgroup"].get<std::string>())) << "the cgroup is left behind";
}

// Engines in namespaces of their own, the veth links down and up: the engines' connections fail
// and come back (they say so), nothing completes while the links are down, the run recovers,
// every task ends in the ledger, and no namespace or veth is left.
TEST(StressFailure, NetworkPartitionTimesOutReconnectsAndLosesNothing) {
  if (!std::filesystem::exists("/usr/bin/redis-server")) GTEST_SKIP() << "redis-server is not installed";
  StressStore store(legion::testing::scratch_dir() / "partition" / "results.sqlite");
  store.begin_run("p1", broker_fault_config());
  std::atomic<bool> stop{false};
  const auto r = run_partition(store, "p1", quick_broker_faults("partition"), stop);
  if (r.contains("skipped")) {
    EXPECT_TRUE(skipped_for_a_reason(r)) << r.dump();
    GTEST_SKIP() << r["skipped"].get<std::string>();
  }
  EXPECT_FALSE(r.contains("link_error")) << r.dump();
  for (const auto& l : r["links"]) EXPECT_EQ(l["broker_side"].get<std::string>().rfind("169.254.", 0), 0u) << "a private link-local address";
  EXPECT_GE(r["engine_reports"]["connections_recovered"].get<int>(), 2) << r.dump();  // both engines lost and regained the broker
  EXPECT_GE(r["engine_reports"]["longest_outage_s"].get<double>(), 1.0) << r.dump();
  EXPECT_EQ(r["completed_while_down"], 0) << r.dump();
  ASSERT_TRUE(r.contains("recovery_s")) << r.dump();
  EXPECT_LT(r["recovery_s"].get<double>(), 30);
  EXPECT_EQ(r["lost"], 0) << r.dump();
  EXPECT_EQ(r["outcome"]["no_result"], 0) << r.dump();
  EXPECT_EQ(r["ledger"]["open"], 0);
  EXPECT_EQ(r["ledger"]["submitted"], r["outcome"]["submitted"]);
  EXPECT_EQ(r["left_behind"], 0);
  for (const auto& l : r["links"]) EXPECT_FALSE(std::filesystem::exists("/run/netns/" + l["netns"].get<std::string>()));
  EXPECT_TRUE(r["passed"]) << r.dump();
}

// Leftovers of a run that no longer exists (here: names with a pid no process has) are removed.
TEST(StressFailure, LeftoverCgroupOfADeadRunIsRemoved) {
  if (::geteuid() != 0 || !std::filesystem::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) GTEST_SKIP() << "needs root and cgroup v1 memory";
  const std::filesystem::path stale = "/sys/fs/cgroup/memory/legion-oom-4194303";  // above any pid_max in use here
  ASSERT_FALSE(::kill(4194303, 0) == 0);
  std::filesystem::create_directory(stale);
  std::ostringstream log;
  EXPECT_GE(remove_leftovers(log), 1);
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_NE(log.str().find("legion-oom-4194303"), std::string::npos) << log.str();
}

// --full-length: the seeds' load levels at their lengths and counts, frameworks included; refused
// where it means nothing.
TEST(StressLoad, FullLengthRunsTheSeedsLevelsOnEverySystem) {
  StressOptions o;
  o.suite = "load";
  EXPECT_EQ(load_scale(o, "native"), 1);
  EXPECT_EQ(load_scale(o, "langchain"), kFrameworkScale);
  o.full_length = true;
  EXPECT_EQ(load_scale(o, "langchain"), 1);
  std::vector<std::string> descriptions;
  for (const auto& p : find_stress_suite("load")->plan(o)) descriptions.push_back(p.description);
  EXPECT_EQ(descriptions, (std::vector<std::string>{"1000 tasks over 5.00 min (3.33/s) by 10 agents", "5000 tasks over 15.0 min (5.56/s) by 50 agents",
                                                    "10000 tasks over 30.0 min (5.56/s) by 100 agents",
                                                    "20000 tasks over 60.0 min (5.56/s) by 200 agents"}));
  auto refused = [](StressOptions x) {
    try {
      validate(x);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused(o), "accepted");
  auto with_duration = o;
  with_duration.duration_s = 600;
  EXPECT_NE(refused(with_duration).find("leave out --duration"), std::string::npos);
  auto endurance = o;
  endurance.suite = "endurance";
  EXPECT_NE(refused(endurance).find("the endurance suite takes --duration"), std::string::npos);
  // A week of endurance is allowed, a day more is not.
  StressOptions week;
  week.suite = "endurance";
  week.duration_s = 7 * 86400.0;
  EXPECT_EQ(refused(week), "accepted");
  week.duration_s = 8 * 86400.0;
  EXPECT_NE(refused(week).find("≤ 604800 (7 days)"), std::string::npos);
}

}  // namespace
}  // namespace legion::bench::stress
