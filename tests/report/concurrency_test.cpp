// Throughput and per-task latency under concurrency (report/concurrency.hpp): percentiles over
// every task's own latency, not the batch's; RSS per task in flight; the speed-up over one task at
// a time and the plain verdict where a system serialises.
#include "legion/report/concurrency.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "legion/report/reporters.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {
namespace {

RunRecord batch(const std::string& system, int level, std::vector<std::int64_t> latencies_ms) {
  RunRecord r;
  r.system = system;
  r.scenario = "order-refund";
  r.swept = kSweptConcurrency;
  r.tasks = level;
  r.correct = true;
  r.rss_peak_bytes = 40'000'000;
  for (auto ms : latencies_ms) r.task_latencies_ns.push_back(ms * 1'000'000);
  r.wall_ns = *std::max_element(r.task_latencies_ns.begin(), r.task_latencies_ns.end());
  return r;
}

RunResults run_of(std::vector<RunRecord> records) {
  RunResults run;
  run.context.systems = {"overlaps", "serial"};
  run.records = std::move(records);
  return run;
}

TEST(Concurrency, PercentilesArePerTaskAndThroughputPerBatch) {
  // Four copies that overlap: each takes about one task's time; four that serialise: 10, 20, 30, 40 ms.
  auto run = run_of({batch("overlaps", 1, {10}), batch("overlaps", 4, {10, 11, 11, 12}), batch("serial", 1, {10}),
                     batch("serial", 4, {10, 20, 30, 40}), batch("serial", 4, {10, 20, 30, 40})});
  run.records.push_back(batch("serial", 4, {5, 5, 5, 5}));
  run.records.back().warmup = true;  // left out
  const auto levels = concurrency_levels(run);
  ASSERT_EQ(levels.size(), 4u);
  const auto& serial = levels[3];
  EXPECT_EQ(serial.system, "serial");
  EXPECT_EQ(serial.scenario, "order-refund");
  EXPECT_EQ(serial.level, 4);
  EXPECT_EQ(serial.batches, 2u);
  EXPECT_EQ(serial.tasks, 8u);
  EXPECT_DOUBLE_EQ(serial.tasks_per_s, 4 / 0.040);  // four tasks per 40 ms batch
  EXPECT_DOUBLE_EQ(serial.p50_ms, 25);               // of 10, 10, 20, 20, 30, 30, 40, 40: not the batch's 40
  EXPECT_DOUBLE_EQ(serial.p99_ms, 40);
  EXPECT_DOUBLE_EQ(serial.rss_per_task_mb, 10);
  ASSERT_TRUE(serial.speedup);
  EXPECT_DOUBLE_EQ(*serial.speedup, 1.0);
  EXPECT_NEAR(*levels[1].speedup, 4 * 10.0 / 12, 1e-9);

  std::ostringstream md;
  write_concurrency_markdown(md, levels);
  EXPECT_NE(md.str().find("| order-refund | serial | 4 | 2 | 0 | 100 | 25.0 |"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("`serial` on `order-refund`: **serialises**"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("`overlaps` on `order-refund`: overlaps its copies"), std::string::npos) << md.str();
  const auto j = to_json(levels);
  EXPECT_EQ(j[3]["task_latency_ms"]["p50"], 25.0);
  EXPECT_EQ(j[3]["concurrency"], 4);
  // Concurrency levels are not a parameter sweep.
  EXPECT_TRUE(sweep_trends(run).empty());
}

TEST(Concurrency, FailuresAreCountedAndARunAtOneLevelIsReportedToo) {
  auto wrong = batch("serial", 4, {10, 20, 30, 40});
  wrong.correct = false;
  auto failed = batch("serial", 4, {10});
  failed.error = "worker crashed";
  auto run = run_of({wrong, failed});
  auto levels = concurrency_levels(run);
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(levels[0].failed, 2u);
  EXPECT_EQ(levels[0].batches, 1u);  // the wrong answer is timed, the crash is not
  EXPECT_FALSE(levels[0].speedup);

  // A run made with --concurrency N: every cell is a level, named plainly; a record without
  // per-task latencies (an older store) counts its batch's wall time for each task.
  RunRecord plain;
  plain.system = "overlaps";
  plain.scenario = "single-tool";
  plain.tasks = 3;
  plain.wall_ns = 30'000'000;
  plain.correct = true;
  auto whole = run_of({plain});
  whole.context.concurrency = 3;
  levels = concurrency_levels(whole);
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(levels[0].scenario, "single-tool");
  EXPECT_EQ(levels[0].tasks, 3u);
  EXPECT_DOUBLE_EQ(levels[0].p50_ms, 30);
  // A run with no concurrency has no section.
  whole.context.concurrency = 1;
  whole.records[0].tasks = 1;
  EXPECT_TRUE(concurrency_levels(whole).empty());
}

}  // namespace
}  // namespace legion::report
