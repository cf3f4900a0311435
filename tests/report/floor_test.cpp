// The machine's floor in the results: it survives results.json, sets each cell's overhead per call
// as a multiple of it, and gives the reports their floor finding; a run without probes shows none.
#include <gtest/gtest.h>

#include <sstream>

#include "legion/report/reporters.hpp"
#include "legion/report/summary.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

// Probes whose faster round trip is each of `round_trip_us`: floating and one-CPU placements take turns
// at being the faster, and every HTTP exchange is three times its round trip.
MachineFloor floor_of(std::initializer_list<double> round_trip_us) {
  MachineFloor f;
  int round = 0;
  for (double us : round_trip_us) {
    FloorProbe p;
    p.round = round;
    p.at = "2026-12-07T04:00:00Z";
    p.exchanges = 500;
    const bool floating_faster = round++ % 2 == 0;
    p.loopback = {floating_faster ? us : us * 4, us * 2};
    p.loopback_one_cpu = {floating_faster ? us * 4 : us, us * 5};
    p.http = {us * 3, us * 6};
    p.http_one_cpu = {us * 7, us * 8};
    f.probes.push_back(p);
  }
  return f;
}

// `calls` model calls in `wall_us`, of which the model worked `model_us`: (wall − model) / calls per call.
RunRecord record(const std::string& system, const std::string& scenario, int repetition, double wall_us, double model_us, int calls) {
  RunRecord r;
  r.system = system;
  r.scenario = scenario;
  r.repetition = repetition;
  r.wall_ns = static_cast<std::int64_t>(wall_us * 1e3);
  r.model_busy_ns = static_cast<std::int64_t>(model_us * 1e3);
  r.oracle_ns = *r.model_busy_ns;
  r.llm_calls = static_cast<std::uint64_t>(calls);
  r.correct = true;
  return r;
}

RunResults run_with(MachineFloor floor) {
  RunResults r;
  r.context.seed = 7;
  r.context.repetitions = 6;
  r.context.systems = {"native", "slowpoke"};
  r.context.floor = std::move(floor);
  // native: 20, 21, ..., 25 µs per call over two calls; slowpoke 100 times that.
  for (int k = 0; k < 6; ++k) {
    r.records.push_back(record("native", "pipeline", k, 1000 + 2 * (20 + k), 1000, 2));
    r.records.push_back(record("slowpoke", "pipeline", k, 1000 + 200 * (20 + k), 1000, 2));
  }
  summarize_run(r);
  return r;
}

TEST(MachineFloor, ItsMedianIsTheMedianOfEachProbesFasterPlacement) {
  EXPECT_DOUBLE_EQ(floor_of({4, 9, 5}).round_trip_us(), 5);
  EXPECT_DOUBLE_EQ(floor_of({4, 9, 5}).http_us(), 15);
  EXPECT_DOUBLE_EQ(floor_of({4, 6}).round_trip_us(), 5);
  EXPECT_DOUBLE_EQ(MachineFloor{}.round_trip_us(), 0);
}

TEST(MachineFloor, EveryProbeRoundTripsThroughResultsJson) {
  RunContext c;
  c.floor = floor_of({4.25, 30.5});
  const auto j = to_json(c);
  EXPECT_DOUBLE_EQ(j.at("floor").at("round_trip_us").get<double>(), (4.25 + 30.5) / 2);
  const auto back = context_from_json(j);
  ASSERT_EQ(back.floor.probes.size(), 2u);
  const auto& p = back.floor.probes[1];
  EXPECT_EQ(p.round, 1);
  EXPECT_EQ(p.at, "2026-12-07T04:00:00Z");
  EXPECT_EQ(p.exchanges, 500);
  EXPECT_DOUBLE_EQ(p.loopback.median_us, 122);
  EXPECT_DOUBLE_EQ(p.loopback.p99_us, 61);
  EXPECT_DOUBLE_EQ(p.loopback_one_cpu.median_us, 30.5);
  EXPECT_DOUBLE_EQ(p.loopback_one_cpu.p99_us, 152.5);
  EXPECT_DOUBLE_EQ(p.http.median_us, 91.5);
  EXPECT_DOUBLE_EQ(p.http.p99_us, 183);
  EXPECT_DOUBLE_EQ(p.http_one_cpu.median_us, 213.5);
  EXPECT_DOUBLE_EQ(p.http_one_cpu.p99_us, 244);
  EXPECT_DOUBLE_EQ(back.floor.round_trip_us(), (4.25 + 30.5) / 2);
}

TEST(MachineFloor, AResultsFileWithoutOneReadsAsNoneAndABadOneNamesTheField) {
  EXPECT_TRUE(context_from_json(json::object()).floor.probes.empty());
  EXPECT_TRUE(context_from_json(json{{"floor", nullptr}}).floor.probes.empty());
  try {
    context_from_json(json{{"floor", {{"probes", {{{"loopback", {{"median_us", "fast"}}}}}}}}});
    FAIL() << "a probe's median that is not a number was read";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("floor"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("loopback: field 'median_us'"), std::string::npos) << e.what();
  }
}

TEST(MachineFloor, OverheadPerCallIsStatedAsAMultipleOfItWithAnInterval) {
  const auto r = run_with(floor_of({4, 5, 6}));
  ASSERT_EQ(r.options.floor_us, 5);
  const auto& native = r.summaries.at(0);
  ASSERT_EQ(native.system, "native");
  EXPECT_DOUBLE_EQ(native.overhead_per_call_us, 22.5);  // median of 20..25
  ASSERT_TRUE(native.overhead_per_call_ci && native.floor_multiple);
  EXPECT_DOUBLE_EQ(native.floor_multiple->point, 22.5 / 5);
  EXPECT_DOUBLE_EQ(native.floor_multiple->lower, native.overhead_per_call_ci->lower / 5);
  EXPECT_DOUBLE_EQ(native.floor_multiple->upper, native.overhead_per_call_ci->upper / 5);
  EXPECT_LE(native.floor_multiple->lower, native.floor_multiple->point);
  EXPECT_GE(native.floor_multiple->upper, native.floor_multiple->point);
  EXPECT_GE(native.overhead_per_call_ci->lower, 20);
  EXPECT_LE(native.overhead_per_call_ci->upper, 25);
}

TEST(MachineFloor, TheFindingGivesEachSystemsMultipleAndTheFastestOtherOverTheBaseline) {
  const auto r = run_with(floor_of({5}));
  const Finding* floor = nullptr;
  for (const auto& f : r.findings)
    if (f.topic == "Floor") floor = &f;
  ASSERT_NE(floor, nullptr);
  EXPECT_NE(floor->text.find("native 4.50×"), std::string::npos) << floor->text;
  EXPECT_NE(floor->text.find("slowpoke 450×"), std::string::npos) << floor->text;
  // Every slowpoke record is exactly 100 times a native one: the Hodges–Lehmann ratio is 100.
  EXPECT_NE(floor->text.find("slowpoke on pipeline, 100×"), std::string::npos) << floor->text;
  std::ostringstream md;
  write_markdown(md, r);
  EXPECT_NE(md.str().find("per call ÷ floor"), std::string::npos);
  EXPECT_NE(md.str().find("The machine's floor, measured in the run's own time slice"), std::string::npos);
}

TEST(MachineFloor, ARunWithoutProbesHasNoMultipleNoColumnAndNoFinding) {
  const auto r = run_with({});
  EXPECT_EQ(r.options.floor_us, 0);
  EXPECT_FALSE(r.summaries.at(0).floor_multiple);
  EXPECT_TRUE(r.summaries.at(0).overhead_per_call_ci);
  for (const auto& f : r.findings) EXPECT_NE(f.topic, "Floor");
  std::ostringstream md;
  write_markdown(md, r);
  EXPECT_EQ(md.str().find("÷ floor"), std::string::npos);
  EXPECT_EQ(md.str().find("machine's floor"), std::string::npos);
}

}  // namespace
}  // namespace legion::report
