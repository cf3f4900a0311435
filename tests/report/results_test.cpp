// The record field table: one list of fields drives results.json, the SQLite store and results.csv,
// so a record must come back from each of them as it went in, and every column must be a field.
#include "legion/core/error_text.hpp"
#include "legion/report/results.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "legion/report/reporters.hpp"
#include "legion/report/summary.hpp"
#include "report/record_fixtures.hpp"

namespace legion::report {
namespace {

using nlohmann::json;
using testing::every_field_set;

void expect_same(const RunRecord& a, const RunRecord& b) {
  for (const auto& f : record_fields()) EXPECT_EQ(f.get(a), f.get(b)) << f.name;
}

TEST(RecordFields, NamesAreUniqueAndEveryStoredFieldCanBeSet) {
  std::set<std::string> names;
  for (const auto& f : record_fields()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_NE(std::string(f.doc), "") << f.name;
    if (f.sql) {
      EXPECT_NE(f.set, nullptr) << f.name << " is stored but cannot be read back";
    }
  }
  EXPECT_EQ(names.size(), 36u);
}

TEST(RecordFields, TaskLatenciesReadBackOrNameTheField) {
  auto j = to_json(every_field_set());
  EXPECT_EQ(j["task_latencies_ns"], "27,28");
  EXPECT_EQ(record_from_json(j).task_latencies_ns, (std::vector<std::int64_t>{27, 28}));
  for (const char* bad : {"1,x", "1,,2", "-5"}) {
    j["task_latencies_ns"] = bad;
    try {
      record_from_json(j);
      ADD_FAILURE() << bad << " was read";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("field 'task_latencies_ns'"), std::string::npos) << e.what();
    }
  }
}

TEST(RecordFields, JsonRoundTripsEveryField) {
  const auto r = every_field_set();
  const auto j = to_json(r);
  for (const auto& f : record_fields()) EXPECT_TRUE(j.contains(f.name)) << f.name;
  EXPECT_EQ(j.size(), record_fields().size());
  EXPECT_EQ(j["model_busy_ns"], 29);
  EXPECT_EQ(j["overhead_ns"], r.wall_ns - *r.model_busy_ns - *r.human_wait_ns);  // the human's time is not the system's
  expect_same(record_from_json(j), r);

  RunRecord absent;  // null optionals stay null; without the model's busy time, overhead is null for several tasks at once
  absent.system = "s";
  absent.scenario = "c";
  absent.tasks = 4;
  const auto k = to_json(absent);
  EXPECT_TRUE(k["error"].is_null());
  EXPECT_TRUE(k["reported_prompt_tokens"].is_null());
  EXPECT_TRUE(k["model_busy_ns"].is_null());
  EXPECT_TRUE(k["overhead_ns"].is_null());
  expect_same(record_from_json(k), absent);
}

TEST(RecordFields, MissingKeysTakeTheDefaultsAndWrongTypesNameTheField) {
  auto r = record_from_json({{"system", "native"}, {"scenario", "single-tool"}});
  EXPECT_EQ(r.tasks, 1);
  EXPECT_FALSE(r.reported_prompt_tokens);
  EXPECT_THROW(record_from_json({{"system", "native"}}), std::invalid_argument);
  try {
    record_from_json({{"system", "native"}, {"scenario", "x"}, {"repetition", 3'000'000'000ll}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "field 'repetition': expected an integer within range, got 3000000000");
  }
  try {
    record_from_json({{"system", "native"}, {"scenario", "x"}, {"reported_prompt_tokens", -1}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "field 'reported_prompt_tokens': expected a count (not negative), got -1");
  }
}

// A results.json written before error texts were clipped is clipped when read, so that
// `legion-bench report` republishes no runaway message.
TEST(RecordFields, AnErrorTextFromAnOlderResultsFileIsClippedWhenRead) {
  const auto r = record_from_json({{"system", "native"}, {"scenario", "x"}, {"error", std::string(50'000, 'e') + "Boom"}});
  ASSERT_TRUE(r.error);
  EXPECT_LT(r.error->size(), core::kErrorTextHead + core::kErrorTextTail + 40);
  EXPECT_TRUE(r.error->ends_with("Boom"));
  EXPECT_NE(r.error->find(" bytes cut "), std::string::npos);
}

TEST(RecordFields, CsvHasOneColumnPerCsvFieldInTableOrder) {
  RunResults results;
  results.records = {every_field_set()};
  std::ostringstream out;
  write_records_csv(out, results);
  std::string expected_header;
  for (const auto& f : record_fields())
    if (f.csv) expected_header += std::string(expected_header.empty() ? "" : ",") + f.name;
  EXPECT_EQ(out.str(),
            expected_header + "\n" +
                "native@b,\"pipe,line\",\"{\"\"extra_tools\"\":10,\"\"payload_bytes\"\":100}\",extra_tools,\"pipe,line[extra_tools=10]\",3,true,1,9000000000,11,12,13,14,15,16,21,17,29,8999999949,18,19,20,22,23,24,25,26,true,true,"
                "\"'=a \"\"quoted\"\" error\",30,31,wrong tool\n");
}

// A cell's identity is data: the label every report shows is made from it by cell_label alone.
TEST(CellIdentity, TheLabelIsMadeFromTheIdentityByOneFunction) {
  EXPECT_EQ(cell_label("single-tool", {{"payload_bytes", 100}}, "", 1), "single-tool");
  EXPECT_EQ(cell_label("tool-overhead", {{"extra_tools", 10}, {"payload_bytes", 5}}, "extra_tools", 1), "tool-overhead[extra_tools=10]");
  EXPECT_EQ(cell_label("order-refund", {}, kSweptConcurrency, 8), "order-refund[concurrency=8]");
  RunRecord r;
  r.system = "native";
  r.scenario = "tool-overhead";
  r.params = {{"extra_tools", 50}};
  r.swept = "extra_tools";
  r.tasks = 4;
  EXPECT_EQ(r.cell(), "tool-overhead[extra_tools=50]");
  // A name is never read back: a schema-2 record whose scenario name looks like a label is that name.
  r.scenario = "x[y=3]";
  r.swept.clear();
  EXPECT_EQ(r.cell(), "x[y=3]");
  const auto j = to_json(r);
  EXPECT_EQ(j["cell"], "x[y=3]");
  EXPECT_EQ(j["params"], "{\"extra_tools\":50}");
  const auto back = record_from_json(j);
  EXPECT_EQ(back.scenario, "x[y=3]");
  EXPECT_EQ(back.params, r.params);
  EXPECT_EQ(back.swept, "");
}

TEST(CellIdentity, ASchemaOneLabelIsReadByTheUpgradeAlone) {
  auto upgraded = [](const std::string& label, int tasks = 1) {
    RunRecord r;
    r.scenario = label;
    r.tasks = tasks;
    upgrade_schema_1_record(r);
    return r;
  };
  const auto swept = upgraded("tool-overhead[extra_tools=10]");
  EXPECT_EQ(swept.scenario, "tool-overhead");
  EXPECT_EQ(swept.swept, "extra_tools");
  EXPECT_EQ(swept.params, (std::map<std::string, std::int64_t>{{"extra_tools", 10}}));
  EXPECT_EQ(swept.cell(), "tool-overhead[extra_tools=10]");
  const auto level = upgraded("order-refund[concurrency=8]", 8);
  EXPECT_EQ(level.scenario, "order-refund");
  EXPECT_EQ(level.swept, kSweptConcurrency);
  EXPECT_TRUE(level.params.empty());
  EXPECT_EQ(level.cell(), "order-refund[concurrency=8]");
  for (const char* plain : {"single-tool", "x[y]", "x[=3]", "x[y=]", "x[y=3", "x[y=3a]", "[y=3]"}) {
    const auto r = upgraded(plain);
    EXPECT_EQ(r.scenario, plain);
    EXPECT_EQ(r.swept, "") << plain;
    EXPECT_EQ(r.cell(), plain);
  }
  // record_from_json upgrades a record written without params (schema 1), and only such a one.
  EXPECT_EQ(record_from_json({{"system", "native"}, {"scenario", "tool-overhead[extra_tools=10]"}}).scenario, "tool-overhead");
  EXPECT_EQ(record_from_json({{"system", "native"}, {"scenario", "tool-overhead[extra_tools=10]"}, {"params", "{}"}}).scenario,
            "tool-overhead[extra_tools=10]");
  EXPECT_THROW(record_from_json({{"system", "native"}, {"scenario", "x"}, {"params", "[1]"}}), std::invalid_argument);
}

TEST(CellIdentity, SummariesGroupByCellAndCarryItsIdentity) {
  RunResults run;
  run.context.systems = {"native"};
  for (const std::int64_t tools : {0, 20})
    for (int rep = 0; rep < 2; ++rep) {
      RunRecord r;
      r.system = "native";
      r.scenario = "tool-overhead";
      r.params = {{"extra_tools", tools}};
      r.swept = "extra_tools";
      r.repetition = rep;
      r.wall_ns = 1'000'000 * (1 + tools) + rep;
      r.prompt_tokens = static_cast<std::uint64_t>(100 + 10 * tools);
      r.correct = true;
      run.records.push_back(r);
    }
  summarize_run(run);
  ASSERT_EQ(run.summaries.size(), 2u);
  EXPECT_EQ(run.summaries[1].scenario, "tool-overhead[extra_tools=20]");
  EXPECT_EQ(run.summaries[1].scenario_name, "tool-overhead");
  EXPECT_EQ(run.summaries[1].swept, "extra_tools");
  EXPECT_EQ(run.summaries[1].params.at("extra_tools"), 20);
  EXPECT_EQ(run.summaries[1].concurrency, 1);
  EXPECT_EQ(run.summaries[1].runs, 2u);
  ASSERT_FALSE(run.sweeps.empty());
  EXPECT_EQ(run.sweeps.front().scenario, "tool-overhead");
  EXPECT_EQ(run.sweeps.front().param, "extra_tools");
  // results.json and summaries.csv name each cell by its identity fields.
  const auto summary = results_json(run)["summaries"][1];
  EXPECT_EQ(summary["cell"], "tool-overhead[extra_tools=20]");
  EXPECT_EQ(summary["scenario"], "tool-overhead");
  EXPECT_EQ(summary["params"], (nlohmann::json{{"extra_tools", 20}}));
  EXPECT_EQ(summary["swept"], "extra_tools");
  EXPECT_EQ(summary["concurrency"], 1);
  std::ostringstream csv;
  write_summaries_csv(csv, run);
  EXPECT_TRUE(csv.str().starts_with("cell,scenario,params,swept,concurrency,system,")) << csv.str();
  EXPECT_NE(csv.str().find("\ntool-overhead[extra_tools=20],tool-overhead,\"{\"\"extra_tools\"\":20}\",extra_tools,1,native,"),
            std::string::npos)
      << csv.str();
}

// `legion-bench report` reads a results.json written by schema 1: its labels become identities.
TEST(CellIdentity, AResultsFileOfSchemaOneIsReadWithItsCellsIdentity) {
  nlohmann::json file = {{"run", {{"schema_version", 1}, {"run_id", "old"}, {"systems", {"native"}}}}, {"records", nlohmann::json::array()}};
  for (const auto* label : {"tool-overhead[extra_tools=0]", "tool-overhead[extra_tools=20]", "single-tool"})
    for (int rep = 0; rep < 2; ++rep)
      file["records"].push_back({{"system", "native"}, {"scenario", label}, {"repetition", rep}, {"warmup", false}, {"tasks", 1},
                                 {"wall_ns", 1000000 + rep}, {"prompt_tokens", 100}, {"correct", true}});
  for (int rep = 0; rep < 2; ++rep)
    file["records"].push_back({{"system", "native"}, {"scenario", "order-refund[concurrency=8]"}, {"repetition", rep}, {"warmup", false},
                               {"tasks", 8}, {"wall_ns", 8000000 + rep}, {"correct", true}});
  const auto path = std::filesystem::temp_directory_path() / ("schema-one-" + std::to_string(::getpid()) + ".json");
  { std::ofstream(path) << file.dump(); }
  const auto run = read_results_json(path);
  std::filesystem::remove(path);
  ASSERT_EQ(run.summaries.size(), 4u);
  EXPECT_EQ(run.summaries[0].scenario, "tool-overhead[extra_tools=0]");
  EXPECT_EQ(run.summaries[0].scenario_name, "tool-overhead");
  EXPECT_EQ(run.summaries[2].scenario, "single-tool");
  EXPECT_EQ(run.summaries[3].scenario, "order-refund[concurrency=8]");
  EXPECT_EQ(run.summaries[3].swept, kSweptConcurrency);
  EXPECT_EQ(run.summaries[3].concurrency, 8);
  EXPECT_FALSE(run.sweeps.empty());
  EXPECT_EQ(run.sweeps.front().scenario, "tool-overhead");
  ASSERT_EQ(run.concurrency.size(), 1u);
  EXPECT_EQ(run.concurrency[0].scenario, "order-refund");
  EXPECT_EQ(run.concurrency[0].level, 8);
}

// A results.json from before the model's busy time was kept: the field reads as absent and the
// overhead falls back on the sum of service times, for one task at a time only.
TEST(RecordFields, ARecordWithoutTheModelsBusyTimeFallsBackOnTheSumOfServiceTimes) {
  const json old = {{"system", "native"}, {"scenario", "consensus-vote"}, {"wall_ns", 100}, {"oracle_ns", 30}, {"human_wait_ns", 5}};
  auto r = record_from_json(old);
  EXPECT_FALSE(r.model_busy_ns);
  EXPECT_TRUE(r.overhead_known());
  EXPECT_EQ(r.overhead_ns(), 65);
  EXPECT_EQ(to_json(r)["overhead_ns"], 65);
  auto batch = old;
  batch["tasks"] = 3;
  EXPECT_FALSE(record_from_json(batch).overhead_known());
  EXPECT_TRUE(to_json(record_from_json(batch))["overhead_ns"].is_null());
}

// Five calls of one task in flight at once (a consensus round), 30 ms each within the same 40 ms:
// 150 ms of service time in a 100 ms task. Subtracting the sum makes the overhead negative; the
// union gives the 60 ms the task spent with no call in flight.
TEST(RunRecords, ConcurrentModelCallsOfOneTaskCountOnceInItsOverhead) {
  RunRecord r;
  r.system = "native";
  r.scenario = "consensus-vote";
  r.wall_ns = 100'000'000;
  r.oracle_ns = 150'000'000;
  EXPECT_EQ(r.overhead_ns(), -50'000'000);  // the sum, as records without the union had it
  r.model_busy_ns = 40'000'000;
  ASSERT_TRUE(r.overhead_known());
  EXPECT_EQ(r.overhead_ns(), 60'000'000);
  r.human_wait_ns = 10'000'000;  // and the human's time is not the system's either
  EXPECT_EQ(r.overhead_ns(), 50'000'000);
  EXPECT_EQ(to_json(r)["overhead_ns"], 50'000'000);
}

// A batch of concurrent tasks has an overhead once the model's time is a union: the batch's wall
// time in which no call of any of its tasks was in flight.
TEST(RunRecords, AConcurrentBatchHasAnOverheadFromTheUnion) {
  RunRecord r;
  r.system = "native";
  r.scenario = "order-refund[concurrency=8]";
  r.tasks = 8;
  r.wall_ns = 50'000'000;
  r.oracle_ns = 300'000'000;  // eight tasks' calls, overlapping
  EXPECT_FALSE(r.overhead_known());
  r.model_busy_ns = 45'000'000;
  ASSERT_TRUE(r.overhead_known());
  EXPECT_EQ(r.overhead_ns(), 5'000'000);
  const auto summaries = summarize({r});
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].overhead_ms.n, 1u);
  EXPECT_DOUBLE_EQ(summaries[0].overhead_ms.median, 5.0);
  EXPECT_DOUBLE_EQ(summaries[0].model_busy_ms, 45.0);
}

}  // namespace
}  // namespace legion::report
