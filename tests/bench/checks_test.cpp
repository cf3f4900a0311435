#include "checks.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <set>

#include "machine.hpp"
#include "test_support.hpp"

namespace legion::bench {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(Checks, NumericOptionsRefuseWhatIsNotANumberOfTheirKindOrOutOfRange) {
  auto integer = [](std::string text) { return refuse_integer(text, 1, 1000000); };
  EXPECT_EQ(integer("0"), "must be an integer from 1 to 1000000, got 0");
  for (const char* bad : {"-1", "1.5", "1e3", "0x10", "nan", "", "5 ", "99999999999999999999"})
    EXPECT_EQ(integer(bad), std::string("must be an integer from 1 to 1000000, got ") + bad) << bad;
  std::string octal_looking = "010";
  EXPECT_EQ(refuse_integer(octal_looking, 1, 100), "");
  EXPECT_EQ(octal_looking, "10");  // what CLI11 then reads is decimal

  std::string seed = "18446744073709551615";
  EXPECT_EQ(refuse_seed(seed), "");
  for (std::string bad : {"18446744073709551616", "-1", "1e3"})
    EXPECT_EQ(refuse_seed(bad), "must be an integer from 0 to 18446744073709551615, got " + bad);

  const NumberRange timeout{0.001, 604800}, change{0, 10, true}, alpha{1e-6, 0.5, false, true};
  EXPECT_EQ(refuse_number("120", timeout), "");
  EXPECT_EQ(refuse_number("1e-3", timeout), "");
  for (const char* bad : {"nan", "-nan", "inf", "-inf", "0", "1e309", "0x1p3", "1s"})
    EXPECT_EQ(refuse_number(bad, timeout), std::string("must be a number ≥ 0.001 and ≤ 604800, got ") + bad) << bad;
  EXPECT_EQ(refuse_number("0", change), "must be a number > 0 and ≤ 10, got 0");
  EXPECT_EQ(refuse_number("1e-300", change), "");
  EXPECT_EQ(refuse_number("0.5", alpha), "must be a number ≥ 1e-06 and < 0.5, got 0.5");
  EXPECT_EQ(refuse_number("-1", {0, std::numeric_limits<double>::infinity(), true}), "must be a number > 0, got -1");
}

TEST(Checks, FaultPlansWithANumberOutOfRangeAreRefusedNamingIt) {
  EXPECT_EQ(error_of([] { parse_faults("rate=nan"); }), "--faults 'rate=nan': rate must be a number ≥ 0 and ≤ 1, got nan");
  EXPECT_EQ(error_of([] { parse_faults("rate=0.1,at=0"); }),
            "--faults 'rate=0.1,at=0': at must be an integer from 1 to 9223372036854775807, got 0");
  EXPECT_EQ(error_of([] { parse_faults("at=3+-5"); }), "--faults 'at=3+-5': at must be an integer from 1 to 9223372036854775807, got -5");
  EXPECT_EQ(error_of([] { parse_faults("kinds=timeout,stall_ms=-5"); }),
            "--faults 'kinds=timeout,stall_ms=-5': stall_ms must be an integer from 0 to 86400000, got -5");
  EXPECT_EQ(error_of([] { parse_faults("gap_ms=nan"); }), "--faults 'gap_ms=nan': gap_ms must be an integer from 0 to 86400000, got nan");
  EXPECT_EQ(error_of([] { parse_faults("seed=18446744073709551616"); }),
            "--faults 'seed=18446744073709551616': seed must be an integer from 0 to 18446744073709551615, got 18446744073709551616");
  const auto plan = parse_faults("rate=0.5,at=3+5,kinds=timeout,stall_ms=0,gap_ms=86400000,seed=18446744073709551615");
  EXPECT_EQ(plan.probability, 0.5);
  EXPECT_EQ(plan.at_requests, (std::set<std::uint64_t>{3, 5}));
  EXPECT_EQ(plan.seed, 18446744073709551615u);
  EXPECT_EQ(parse_faults("none").kinds.size(), 0u);
  EXPECT_NE(error_of([] { parse_faults("rate=0.1,kinds=nosuch"); }).find("unknown fault kind 'nosuch'"), std::string::npos);
}

TEST(Checks, OneReportFolderGivenTwiceIsRefusedByAnyPathToIt) {
  const auto dir = legion::testing::scratch_dir() / "run";
  std::filesystem::create_directories(dir);
  const auto link = legion::testing::scratch_dir() / "link";
  std::filesystem::remove(link);
  std::filesystem::create_directory_symlink(dir, link);
  EXPECT_NO_THROW(check_distinct_folders({dir.string(), (legion::testing::scratch_dir() / "other").string()}));
  for (const auto& again : {dir.string() + "/", link.string(), (dir / ".." / "run").string()})
    EXPECT_EQ(error_of([&] { check_distinct_folders({dir.string(), again}); }),
              "report: '" + dir.string() + "' and '" + again + "' are the same folder (" + std::filesystem::canonical(dir).string() +
                  "); give each run once")
        << again;
}

TEST(Checks, ThreadsBeyondTheTightestLimitAreRefusedNamingIt) {
  const std::vector<ThreadLimit> limits = {{"kernel.threads-max (/proc/sys/kernel/threads-max)", 190000, 400},
                                           {"kernel.pid_max (/proc/sys/kernel/pid_max)", 32768, 400}};
  EXPECT_NO_THROW(check_threads(100, 2, limits));
  // single-tool has one agent: 2 worker threads per task on threads, 4 for the model server's
  // event loops whatever its connections, and a margin.
  EXPECT_EQ(threads_needed(20000, 1), 4 + 20000u * 2 + 32);
  EXPECT_EQ(error_of([&] { check_threads(20000, 1, limits); }),
            "--concurrency 20000 needs about 40036 threads, but kernel.pid_max (/proc/sys/kernel/pid_max) is 32768 with 400 "
            "in use, leaving 32368; the most this machine allows for these scenarios is --concurrency 16166");
  EXPECT_NO_THROW(check_threads(16166, 1, limits));
  EXPECT_EQ(error_of([&] { check_threads(1, 1, {{"RLIMIT_NPROC (ulimit -u)", 50, 40}}); }),
            "--concurrency 1 needs about 38 threads, but RLIMIT_NPROC (ulimit -u) is 50 with 40 in use, leaving 10; this "
            "machine cannot start a run now");
  EXPECT_NO_THROW(check_threads(10000, 50, {}));  // nothing readable: nothing to refuse on
  // The native engine runs every task as a coroutine on one thread, over at most its pool's
  // connections: 10,000 concurrent tasks of six agents fit in a few threads.
  EXPECT_EQ(model_server_connections(10000, false), 256u);
  EXPECT_EQ(threads_needed(10000, 6, false), 4u + 2 + 32);
  EXPECT_NO_THROW(check_threads(10000, 6, limits, false));
}

TEST(Checks, TheMachineLimitsCanBeRead) {
  auto limits = read_thread_limits();
  ASSERT_FALSE(limits.empty());
  for (const auto& l : limits) {
    EXPECT_GT(l.limit, 0u) << l.name;
    EXPECT_FALSE(l.name.empty());
  }
  ASSERT_TRUE(available_memory_bytes());
  EXPECT_GT(*available_memory_bytes(), 0u);
}

TEST(Checks, PaddingBudgetSharesMemoryAmongConcurrentTasks) {
  auto one = padding_budget(1, std::uint64_t{16} << 30);
  auto many = padding_budget(1000, std::uint64_t{16} << 30);
  EXPECT_EQ(one.max_padding_bytes, std::uint64_t{1} << 30);  // the loader's own cap is lower than 16 GiB / 16
  EXPECT_EQ(many.max_padding_bytes, (std::uint64_t{16} << 30) / (16 * 1000));
  EXPECT_NE(many.padding_limit_reason.find("MemAvailable is 16384 MiB"), std::string::npos) << many.padding_limit_reason;
  EXPECT_NE(many.padding_limit_reason.find("--concurrency 1000"), std::string::npos);
}

Plan plan_of(std::vector<std::string> systems, std::vector<std::string> scenarios) {
  Plan plan;
  plan.systems = std::move(systems);
  for (const auto& s : scenarios) plan.scenarios.push_back(datasets::resolve_scenario(s));
  return plan;
}

TEST(Checks, PlansThatWouldMergeCellsOrIgnoreAnOptionAreRefused) {
  EXPECT_NO_THROW(check_plan(plan_of({"native"}, {"single-tool", "sequential-pipeline"})));
  EXPECT_EQ(error_of([] { check_plan(plan_of({}, {"single-tool"})); }), "--systems: no system given");
  EXPECT_EQ(error_of([] { check_plan(plan_of({"native", "native"}, {"single-tool"})); }), "--systems: 'native' is given twice");
  const auto file = datasets::resolve_scenario("single-tool");
  EXPECT_EQ(error_of([] { check_plan(plan_of({"native"}, {"single-tool", "single-tool"})); }),
            "--scenario: 'single-tool' is given twice (" + file.string() + " and " + file.string() + ")");
  // The same name from another folder is the same cell too.
  auto copy = legion::testing::scratch_dir() / "single-tool.yaml";
  std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(error_of([&] { check_plan(plan_of({"native"}, {"single-tool", copy.string()})); }),
            "--scenario: 'single-tool' is given twice (" + file.string() + " and " + copy.string() + ")");

  auto with_param = plan_of({"native"}, {"single-tool", "team-round-robin"});
  with_param.params["nosuch"] = 3;
  EXPECT_EQ(error_of([&] { check_plan(with_param); }),
            "--param nosuch: no selected scenario declares it (they declare: members, payload_bytes, rounds)");
  with_param.params = {{"payload_bytes", 10}};  // declared by one of them: applied to that one
  EXPECT_NO_THROW(check_plan(with_param));
}

TEST(Checks, APayloadBeyondAvailableMemoryIsRefusedBeforeTheRun) {
  std::ifstream in(datasets::resolve_scenario("single-tool"));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text.replace(text.find("max: 1000000"), 12, "max: 1000000000000000");
  auto file = legion::testing::scratch_dir() / "single-tool.yaml";
  std::ofstream(file) << text;
  auto plan = plan_of({"native"}, {});
  plan.scenarios = {file};
  plan.params["payload_bytes"] = 100'000'000'000'000;
  auto message = error_of([&] { check_plan(plan); });
  EXPECT_NE(message.find("{{pad.100000000000000}} brings the scenario's padding to more than"), std::string::npos) << message;
  EXPECT_NE(message.find("MemAvailable is"), std::string::npos) << message;
  EXPECT_EQ(message.rfind(file.string() + ":", 0), 0u) << message;
}

}  // namespace
}  // namespace legion::bench
