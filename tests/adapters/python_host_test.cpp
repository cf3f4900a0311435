// The embedded-Python host, driven the way the runner drives it: a legion-bench worker process per
// adapter (one interpreter each), talking to a real oracle. The adapters are the tiny fixtures in
// tests/adapters/fixtures/, so these tests need no framework installed.
#include <gtest/gtest.h>

#include <fstream>

#include "legion/adapters/adapter.hpp"
#include "legion/adapters/python_adapter.hpp"
#include "legion/datasets/task_job.hpp"
#include "legion/oracle/server.hpp"
#include "test_support.hpp"
#include "worker.hpp"

namespace legion::bench {
namespace {

using nlohmann::json;

const std::filesystem::path kFixtures = LEGION_TEST_FIXTURES;

struct Host {
  explicit Host(const std::string& fixture, std::string venv = "") : oracle(oracle::Oracle::Options{}) {
    scenario = datasets::resolve_scenario("single-tool");
    spec = std::make_shared<const datasets::ScenarioSpec>(datasets::load_scenario(scenario, {{}, 7}));
    oracle.set_script(std::make_shared<oracle::ScriptPolicy>(spec, datasets::dialect_named("native")));
    options.system = "fixture";
    options.adapter_spec = "fixture=" + (kFixtures / fixture).string() + (venv.empty() ? "" : ",venv=" + venv);
    options.executable = LEGION_BENCH_EXE;
    options.log_file = legion::testing::scratch_dir() / (fixture + ".log");
    std::filesystem::create_directories(options.log_file.parent_path());
    options.base_url = oracle.base_url();
  }
  json job(const std::string& scenario_name = "single-tool") const {
    return {{"task", datasets::task_job(datasets::load_scenario(datasets::resolve_scenario(scenario_name), {{}, 7}))}, {"concurrency", 1}};
  }
  std::string log() const {
    std::ifstream in(options.log_file);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  oracle::Oracle oracle;
  std::filesystem::path scenario;
  std::shared_ptr<const datasets::ScenarioSpec> spec;
  WorkerProcess::Options options;
};

TEST(PythonHost, AnAdapterRunsTheScenarioThroughTheOracleWithTheScenarioTools) {
  Host host("raw_openai_adapter.py");
  WorkerProcess worker(host.options);
  const auto& hello = worker.hello();
  EXPECT_EQ(hello["versions"]["raw-openai-fixture"], "1");
  EXPECT_EQ(hello["versions"]["python"], adapters::embedded_python_version());
  for (const char* part : {"interpreter", "import", "construct"})
    EXPECT_GT(hello["cold_start_parts"].value(part, std::int64_t{0}), 0) << part;
  EXPECT_GT(hello["rss_bytes"].get<std::int64_t>(), 0);

  auto reply = worker.run(host.job(), std::chrono::seconds(30));
  ASSERT_TRUE(reply["error"].is_null()) << reply.dump();
  auto answer = reply["answers"][0].get<std::string>();
  EXPECT_TRUE(datasets::check_answer(*host.spec, answer).correct) << answer;
  EXPECT_EQ(reply["reported_llm_calls"], 2);
  // The fixture sums the usage the oracle sent back: the same count, not an estimate.
  auto served = oracle::totals(host.oracle.log_since(0));
  EXPECT_EQ(reply["reported_prompt_tokens"], served.prompt_tokens);
  EXPECT_EQ(reply["reported_completion_tokens"], served.completion_tokens);
}

TEST(PythonHost, APythonExceptionBecomesTheTaskErrorAndTheWorkerCarriesOn) {
  Host host("raising_adapter.py");
  WorkerProcess worker(host.options);
  for (int i = 0; i < 2; ++i) {
    auto reply = worker.run(host.job(), std::chrono::seconds(30));
    auto error = reply["error"].get<std::string>();
    EXPECT_NE(error.find("ValueError: fixture failure in single-tool"), std::string::npos) << error;
    EXPECT_NE(error.find("raising_adapter.py"), std::string::npos) << "the traceback names the file: " << error;
  }
}

TEST(PythonHost, AnUnsupportedPatternIsReportedAsSuch) {
  Host host("raw_openai_adapter.py");
  WorkerProcess worker(host.options);
  auto reply = worker.run(host.job("consensus-vote"), std::chrono::seconds(30));
  EXPECT_EQ(reply.value("unsupported", false), true) << reply.dump();
  EXPECT_EQ(reply["error"], "the fixture runs one-agent sequential scenarios only");
}

TEST(PythonHost, AHungAdapterIsKilledAtItsTimeoutAndRestartedForTheNextTask) {
  Host host("hanging_adapter.py");
  WorkerProcess worker(host.options);
  auto reply = worker.run(host.job(), std::chrono::milliseconds(500));
  EXPECT_EQ(reply["error"], "timeout: no answer within 500 ms");
  reply = worker.run(host.job(), std::chrono::milliseconds(500));
  EXPECT_EQ(reply["error"], "timeout: no answer within 500 ms");
}

TEST(PythonHost, AWrongReturnTypeIsAClearError) {
  Host host("bad_return_adapter.py");
  WorkerProcess worker(host.options);
  auto reply = worker.run(host.job(), std::chrono::seconds(30));
  auto error = reply["error"].get<std::string>();
  EXPECT_NE(error.find("run() must return a legion.TaskOutcome"), std::string::npos) << error;
}

TEST(PythonHost, AnAdapterThatFailsToImportStopsItsWorkerWithTheReason) {
  Host host("broken_import_adapter.py");
  try {
    WorkerProcess worker(host.options);
    FAIL() << "the worker started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("No module named 'a_framework_that_is_not_installed'"), std::string::npos) << e.what();
  }
}

TEST(PythonHost, AVirtualEnvironmentOfAnotherPythonIsRefusedByName) {
  auto venv = legion::testing::scratch_dir() / "old-venv";
  std::filesystem::create_directories(venv / "bin");
  std::ofstream(venv / "pyvenv.cfg") << "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.2\n";
  EXPECT_EQ(adapters::venv_python_version(venv), "3.9.2");
  EXPECT_EQ(adapters::venv_python_version(venv / "nowhere"), std::nullopt);
  Host host("raw_openai_adapter.py", venv.string());
  try {
    WorkerProcess worker(host.options);
    FAIL() << "the worker started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("was made with Python 3.9.2, but legion-bench embeds Python"), std::string::npos)
        << e.what();
  }
}

TEST(PythonHost, AdapterSpecsAreCheckedWhenTheyAreGiven) {
  auto expect_error = [](const std::string& spec, const std::string& fragment) {
    try {
      adapters::add_python_adapter(spec);
      ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  const auto fixture = (kFixtures / "raising_adapter.py").string();
  expect_error("no-equals-sign", "no NAME=");
  expect_error("x=" + fixture + ",colour=blue", "unknown field 'colour=blue'");
  expect_error("x=/nowhere/adapter.py", "/nowhere/adapter.py does not exist");
  expect_error("x=" + (kFixtures / "README").string(), "is not a .py file");
  expect_error("native=" + fixture, "a system named 'native' exists already");
  const auto& added = adapters::add_python_adapter("mine=" + fixture + ",dialect=autogen");
  EXPECT_EQ(added.dialect, "autogen");
  EXPECT_EQ(&adapters::adapter_info("mine"), &added);
  EXPECT_EQ(added.spec, "mine=" + fixture + ",dialect=autogen");
}

TEST(PythonHost, TheBuiltInFrameworksAreRegisteredWithTheirDialects) {
  for (const auto& [system, dialect] : std::map<std::string, std::string>{
           {"native", "native"}, {"langchain", "langgraph"}, {"crewai", "crewai"}, {"autogen", "autogen"}}) {
    EXPECT_EQ(adapters::adapter_info(system).dialect, dialect);
    EXPECT_NO_THROW(datasets::dialect_named(dialect));
  }
}

}  // namespace
}  // namespace legion::bench
