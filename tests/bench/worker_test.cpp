#include "worker.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <set>
#include <thread>

#include "legion/core/error_text.hpp"
#include "legion/datasets/dialect.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/datasets/task_job.hpp"
#include "legion/oracle/server.hpp"
#include "test_support.hpp"

namespace legion::bench {
namespace {

using nlohmann::json;

// A stand-in worker executable: a shell script speaking the protocol on fds 3 and 4.
std::filesystem::path fake_worker(const std::string& name, const std::string& body) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::create_directories(dir);
  auto file = dir / name;
  std::ofstream(file) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(file, std::filesystem::perms::owner_all);
  return file;
}

WorkerProcess::Options options(const std::filesystem::path& executable) {
  WorkerProcess::Options o;
  o.system = "fake";
  o.executable = executable;
  o.log_file = executable.string() + ".log";
  o.base_url = "http://127.0.0.1:1/v1";
  return o;
}

TEST(WorkerProcess, AWorkerThatCannotStartIsAClearError) {
  try {
    WorkerProcess w(options(fake_worker("exits", "exit 3\n")));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("worker for 'fake' did not start: exited with status 3"), std::string::npos) << e.what();
  }
}

TEST(WorkerProcess, ACrashDuringATaskBecomesAnErrorAndTheNextTaskRestartsIt) {
  auto exe = fake_worker("crashes", R"(echo '{"ready":true,"protocol":3,"cold_start_ns":5,"versions":{"fake":"1"}}' >&4
read line <&3
echo "$line" >> "$0.jobs"
kill -9 $$
)");
  std::filesystem::remove(exe.string() + ".jobs");
  WorkerProcess w(options(exe));
  EXPECT_EQ(w.hello()["versions"]["fake"], "1");
  EXPECT_GT(w.hello()["startup_ns"].get<std::int64_t>(), 0);
  auto first = w.run({{"n", 1}}, std::chrono::seconds(5));
  EXPECT_EQ(first["error"], "worker crashed (killed by signal Killed)");
  auto second = w.run({{"n", 2}}, std::chrono::seconds(5));  // a fresh worker got the job
  EXPECT_EQ(second["error"], "worker crashed (killed by signal Killed)");
  std::ifstream jobs(exe.string() + ".jobs");
  std::string a, b;
  std::getline(jobs, a);
  std::getline(jobs, b);
  EXPECT_EQ(json::parse(a)["n"], 1);  // each job numbered, one more than the one before
  EXPECT_EQ(json::parse(b)["n"], 2);
  EXPECT_EQ(json::parse(b)["seq"].get<std::uint64_t>(), json::parse(a)["seq"].get<std::uint64_t>() + 1);
}

TEST(WorkerProcess, AHungTaskIsKilledAtItsTimeout) {
  auto exe = fake_worker("hangs", R"(echo '{"ready":true,"protocol":3}' >&4
read line <&3
sleep 30
)");
  WorkerProcess w(options(exe));
  auto started = std::chrono::steady_clock::now();
  auto reply = w.run({{"n", 1}}, std::chrono::milliseconds(200));
  EXPECT_EQ(reply["error"], "timeout: no answer within 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// A worker that answers each job with the lines of `$0.reply` (rewritten by the test between jobs),
// SEQ and N replaced by the job's seq and n, PREV by the seq before it.
std::filesystem::path scripted_worker() {
  return fake_worker("scripted", R"(echo '{"ready":true,"protocol":3}' >&4
while read line <&3; do
  seq=$(printf '%s' "$line" | sed 's/.*"seq":\([0-9]*\).*/\1/')
  n=$(printf '%s' "$line" | sed 's/.*"n":\([0-9]*\).*/\1/')
  sed -e "s/SEQ/$seq/g" -e "s/PREV/$((seq - 1))/g" -e "s/\"N\"/\"$n\"/g" "$0.reply" >&4
done
)");
}

// A result that keeps the protocol, for the job numbered SEQ whose n is N.
json good_result() {
  return json::parse(R"({"seq":0,"answers":["N"],"task_latencies_ns":[5],"error":null,"unsupported":false,"wall_ns":10,
    "cpu_user_ns":1,"cpu_sys_ns":1,"rss_peak_bytes":100,"reported_llm_calls":2,"reported_prompt_tokens":null,
    "reported_completion_tokens":30,"human_wait_ns":null,"ingest_ns":null,"retrieval_ns":null,"trace":null})");
}

// The result as the scripted worker sends it: seq written SEQ (or `seq` as given).
std::string line_of(json result, const std::string& seq = "SEQ") {
  if (result.contains("seq")) result["seq"] = 0;
  auto text = result.dump();
  if (auto at = text.find("\"seq\":0"); at != std::string::npos) text.replace(at, 7, "\"seq\":" + seq);
  return text + "\n";
}

void set_reply(const std::filesystem::path& worker, const std::string& lines) { std::ofstream(worker.string() + ".reply") << lines; }

TEST(WorkerProtocol, AResultThatKeepsTheProtocolIsTakenAsSent) {
  const auto exe = scripted_worker();
  set_reply(exe, line_of(good_result()));
  WorkerProcess w(options(exe));
  for (int n = 1; n <= 3; ++n) {
    auto reply = w.run({{"n", n}}, std::chrono::seconds(10));
    EXPECT_EQ(reply["answers"], json::array({std::to_string(n)})) << reply.dump();
    EXPECT_TRUE(reply["error"].is_null()) << reply.dump();
    EXPECT_EQ(reply["reported_completion_tokens"], 30);
  }
}

// Every field missing, of the wrong type, or out of range: a protocol error naming the field, never a
// record with the field defaulted.
TEST(WorkerProtocol, EveryFieldIsRequiredWithItsTypeAndRange) {
  const auto exe = scripted_worker();
  WorkerProcess w(options(exe));
  const auto fields = good_result();
  auto expect_refused = [&](const json& result, const std::string& reason) {
    set_reply(exe, line_of(result));
    auto reply = w.run({{"n", 1}}, std::chrono::seconds(10));
    EXPECT_EQ(reply["error"], "protocol error: " + reason) << result.dump();
    EXPECT_EQ(reply["answers"], json::array());
    EXPECT_EQ(reply["wall_ns"], 0);
    EXPECT_EQ(w.pid(), -1) << "the worker that broke the protocol was not stopped";
  };
  for (const auto& [field, value] : fields.items()) {
    if (field == "seq") continue;
    auto missing = fields;
    missing.erase(field);
    expect_refused(missing, "no '" + field + "'");
    auto wrong = fields;
    wrong[field] = field == "error" ? json(5) : json("text");
    set_reply(exe, line_of(wrong));
    const auto error = w.run({{"n", 1}}, std::chrono::seconds(10))["error"].get<std::string>();
    EXPECT_TRUE(error.starts_with("protocol error: '" + field + "' must be ")) << error;
  }
  auto negative = fields;
  negative["wall_ns"] = -1;
  expect_refused(negative, "'wall_ns' must be a whole number from 0 to 2^63-1, got -1");
  auto fraction = fields;
  fraction["cpu_user_ns"] = 1.5;
  expect_refused(fraction, "'cpu_user_ns' must be a whole number from 0 to 2^63-1, got 1.5");
  auto beyond = fields;
  beyond["rss_peak_bytes"] = std::uint64_t{1} << 63;
  expect_refused(beyond, "'rss_peak_bytes' must be a whole number from 0 to 2^63-1, got 9223372036854775808");
  auto extra = fields;
  extra["answer"] = "forged";
  expect_refused(extra, "unknown field 'answer'");
  auto late = fields;
  late["task_latencies_ns"] = {11};
  expect_refused(late, "a task latency of 11 ns beyond the wall time of 10 ns");
  auto two = fields;
  two["answers"] = {"1", "1"};
  expect_refused(two, "2 answers for 1 copies of the task");
  auto silent = fields;
  silent["answers"] = json::array();
  silent["task_latencies_ns"] = json::array();
  expect_refused(silent, "no answers and no error");
  set_reply(exe, "not json\n");
  EXPECT_EQ(w.run({{"n", 1}}, std::chrono::seconds(10))["error"], "protocol error: the result is not JSON");
  set_reply(exe, "[1]\n");
  EXPECT_EQ(w.run({{"n", 1}}, std::chrono::seconds(10))["error"], "protocol error: the result is array, not an object");
}

// A line that someone else wrote to the result pipe (a program the system ran, holding the pipe)
// or an answer to another job: a protocol error for the job in flight, and the next job is answered
// by a fresh worker, so that no record is shifted onto the wrong task.
TEST(WorkerProtocol, AForgedOrOutOfSequenceLineIsNeverARecord) {
  const auto exe = scripted_worker();
  WorkerProcess w(options(exe));
  auto forged = good_result();
  forged["answers"] = {"forged"};
  forged["wall_ns"] = 1;
  forged["task_latencies_ns"] = {1};
  for (const auto& seq : {std::string("1"), std::string("PREV"), std::string("SEQ1")}) {
    SCOPED_TRACE(seq);
    set_reply(exe, line_of(forged, seq) + line_of(good_result()));  // the forged line first, then the real one
    auto reply = w.run({{"n", 1}}, std::chrono::seconds(10));
    EXPECT_TRUE(reply["error"].get<std::string>().starts_with("protocol error: the result does not answer job ")) << reply.dump();
    EXPECT_EQ(reply["answers"], json::array());
    set_reply(exe, line_of(good_result()));
    reply = w.run({{"n", 2}}, std::chrono::seconds(10));
    EXPECT_EQ(reply["answers"], json::array({"2"})) << "the next job got another's result: " << reply.dump();
    EXPECT_TRUE(reply["error"].is_null());
  }
  auto no_seq = forged;
  no_seq.erase("seq");
  set_reply(exe, line_of(no_seq));
  EXPECT_TRUE(w.run({{"n", 3}}, std::chrono::seconds(10))["error"].get<std::string>().ends_with("(its seq is missing)"));

  // A line after the real one, arriving between jobs: the next job goes to a fresh worker.
  set_reply(exe, line_of(good_result()) + line_of(forged, "SEQ"));
  auto reply = w.run({{"n", 4}}, std::chrono::seconds(10));
  EXPECT_EQ(reply["answers"], json::array({"4"}));
  const auto pid = w.pid();
  set_reply(exe, line_of(good_result()));
  reply = w.run({{"n", 5}}, std::chrono::seconds(10));
  EXPECT_EQ(reply["answers"], json::array({"5"})) << reply.dump();
  EXPECT_TRUE(reply["error"].is_null()) << reply.dump();
  EXPECT_NE(w.pid(), pid) << "the worker that wrote between jobs was not replaced";
}

TEST(WorkerProtocol, ErrorTextsAreClippedToTheirStatedSize) {
  const auto clipped = core::clip_error_text(std::string(5000, 'h') + std::string(2000, 't'));
  const std::string marker = "\n[… 2904 bytes cut …]\n";  // 7,000 bytes less the 4,096 kept
  EXPECT_EQ(clipped.size(), core::kErrorTextHead + marker.size() + core::kErrorTextTail);
  EXPECT_EQ(clipped.find_first_not_of('h'), core::kErrorTextHead);
  EXPECT_EQ(clipped.substr(core::kErrorTextHead, marker.size()), marker);
  EXPECT_EQ(clipped.find_first_not_of('t', core::kErrorTextHead + marker.size()), std::string::npos);
  EXPECT_EQ(core::clip_error_text("short"), "short");
  // Whole UTF-8 characters only: "é" is two bytes, and after the "x" byte 3,072 is the second of one.
  std::string accents = "x";
  while (accents.size() < 10000) accents += "é";
  const auto cut = core::clip_error_text(accents);
  EXPECT_NO_THROW(json(cut).dump()) << "not valid UTF-8";  // dump() throws on a split character
  EXPECT_LT(cut.size(), core::kErrorTextHead + core::kErrorTextTail + 40);

  // From a worker: a 1 MB error text arrives clipped; a line beyond the protocol's limit is refused.
  const auto exe = scripted_worker();
  auto huge = good_result();
  huge["error"] = std::string(1 << 20, 'x') + "ValueError: the end";
  set_reply(exe, line_of(huge));
  WorkerProcess w(options(exe));
  auto reply = w.run({{"n", 1}}, std::chrono::seconds(10));
  const auto error = reply["error"].get<std::string>();
  EXPECT_LT(error.size(), core::kErrorTextHead + core::kErrorTextTail + 40);
  EXPECT_TRUE(error.ends_with("ValueError: the end")) << error.substr(error.size() - std::min<std::size_t>(error.size(), 100));
  EXPECT_NE(error.find("bytes cut"), std::string::npos);
  huge["error"] = std::string(kMaxResultLineBytes, 'x');
  set_reply(exe, line_of(huge));
  reply = w.run({{"n", 1}}, std::chrono::seconds(30));
  EXPECT_EQ(reply["error"], "protocol error: a result line longer than 16777216 bytes");
}

// SIGTERM sent to the whole process group reaches the worker too: it carries on, and the runner
// decides when the run stops.
TEST(WorkerProcess, TheRealWorkerCarriesOnAfterSigterm) {
  oracle::Oracle oracle(oracle::Oracle::Options{});
  const auto scenario = datasets::resolve_scenario("single-tool");
  const auto spec = std::make_shared<const datasets::ScenarioSpec>(datasets::load_scenario(scenario, {{}, 7}));
  oracle.set_script(std::make_shared<oracle::ScriptPolicy>(spec, datasets::dialect_named("native")));
  auto o = options(LEGION_BENCH_EXE);
  o.system = "native";
  o.log_file = legion::testing::scratch_dir() / "native.log";
  o.base_url = oracle.base_url();
  WorkerProcess w(o);
  const auto pid = w.pid();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  auto reply = w.run({{"task", datasets::task_job(*spec)}, {"concurrency", 1}}, std::chrono::seconds(30));
  EXPECT_TRUE(reply["error"].is_null()) << reply.dump();
  EXPECT_TRUE(datasets::check_answer(*spec, reply["answers"][0].get<std::string>()).correct) << reply.dump();
  EXPECT_EQ(w.pid(), pid) << "the worker died of SIGTERM";
}

// The task boundary by process: the line a worker process reads for each shipped scenario holds the
// task and what its tools need, never the scenario file's path, its script or its answer check.
TEST(WorkerProcess, AWorkersInputHoldsNoScriptNoExpectedAnswerAndNoScenarioFile) {
  auto exe = fake_worker("records", R"(echo '{"ready":true,"protocol":3}' >&4
read line <&3
echo "$line" >> "$0.jobs"
kill -9 $$
)");
  for (const auto& file : datasets::scenario_files(datasets::default_scenario_dir())) {
    const auto spec = datasets::load_scenario(file, {{}, 7});
    SCOPED_TRACE(spec.name);
    std::filesystem::remove(exe.string() + ".jobs");
    WorkerProcess w(options(exe));
    const auto database = spec.database ? legion::testing::scratch_dir() / "run.sqlite" : std::filesystem::path();
    w.run(worker_job(spec, 2, database), std::chrono::seconds(5));
    std::ifstream jobs(exe.string() + ".jobs");
    std::string line;
    ASSERT_TRUE(std::getline(jobs, line));
    const auto job = json::parse(line);
    std::set<std::string> keys;
    for (const auto& [key, value] : job.items()) keys.insert(key);
    std::set<std::string> expected_keys{"seq", "task", "concurrency"};
    if (spec.database) expected_keys.insert("database");
    EXPECT_EQ(keys, expected_keys);
    EXPECT_EQ(job["concurrency"], 2);
    EXPECT_EQ(line.find(file.filename().string()), std::string::npos) << "the scenario file reaches the worker";
    EXPECT_EQ(line.find("{{"), std::string::npos) << "an oracle placeholder reaches the worker";
    // What the task itself, a tool's answer, the knowledge base or the scripted person says may hold
    // a planted value; nothing else the scenario holds may travel.
    std::string allowed = spec.task + spec.human_feedback + spec.human_witness;
    for (const auto& document : spec.knowledge.documents) allowed += document;
    for (const auto& tool : spec.tools) {
      for (const auto& c : tool.cases) allowed += c.result;
      allowed += tool.fallback.value_or("");
    }
    const auto as_sent = [](const std::string& text) {  // as it reads inside a JSON string
      const auto quoted = json(text).dump();
      return quoted.substr(1, quoted.size() - 2);
    };
    for (const auto& expected : spec.expected) {
      if (allowed.find(expected) == std::string::npos) {
        EXPECT_EQ(line.find(as_sent(expected)), std::string::npos) << "expected '" << expected << "'";
      }
    }
    for (const auto& agent : spec.agents) {
      for (const auto& step : agent.script) {
        if (!step.text.empty() && allowed.find(step.text) == std::string::npos) {
          EXPECT_EQ(line.find(as_sent(step.text)), std::string::npos) << "script line " << step.line;
        }
        if (!step.witness.empty() && allowed.find(step.witness) == std::string::npos) {
          EXPECT_EQ(line.find(step.witness), std::string::npos) << "witness of script line " << step.line;
        }
      }
    }
  }
}

TEST(WorkerProcess, AnOlderProtocolIsRefusedByName) {
  try {
    WorkerProcess w(options(fake_worker("old", "echo '{\"ready\":true}' >&4\nread line <&3\n")));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("speaks protocol 1, this legion-bench speaks 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace legion::bench
