#pragma once
// The options of the stress suites (legion-bench --suite load|spike|endurance|scalability|failure,
// docs/stress.md); each suite is a registered unit (stress/suite.hpp).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace legion::bench::stress {

struct StressOptions {
  std::string suite;  // the registered suite's name (stress/suite.hpp)
  std::vector<std::string> systems = {"native"};  // load: every system by default (StressSuite::every_system_by_default)
  std::optional<double> duration_s;  // unset: the suite's default; load: the longest level, the others in the seeds' 5:15:30:60
  bool smoke = false;         // seconds-long, task counts ÷ 100 (CI)
  bool full_length = false;   // load: the seeds' 5/15/30/60 minutes and task counts, frameworks included
  std::string mode = "open";  // open | closed
  std::string arrival = "constant";  // constant | poisson
  std::optional<double> rate;  // endurance: tasks per second (unset: 100)
  std::optional<int> agents;   // endurance: agents (unset: 20)
  int max_agents = 1000;      // the configured limit: more agents than this is refused
  double recovery_factor = 2;  // spike: recovered when p99 is back within this factor of the baseline's
  std::string scenario = "single-tool";
  std::string latency = "zero";
  int max_retries = 0;
  double request_timeout_s = 30;
  std::uint64_t seed = 1;
  std::filesystem::path out_dir;
  std::string command;
  bool quiet = false;
  // scalability
  int broker_port = 0;    // 0: a free port; one in use is refused
  int max_engines = 8;    // engine processes, 1..N
  int engine_agents = 8;  // agents (threads) per engine process
};

// The Python frameworks carry a few tens of tasks a second on this machine's two cores (CrewAI
// about 6/s, LangChain and AutoGen 20-30/s, at 100 agents; docs/stress.md), the native engine
// thousands: in load, spike and endurance a framework's tasks, rates and bursts are the native
// engine's divided by this, at the same agent (concurrency) levels.
inline constexpr double kFrameworkScale = 50;

// Limits of the options: a week of run (the seeds' longest endurance test); a million tasks a second
// (a thousand times what the native engine carries here); 64 engine processes.
inline constexpr double kMaxDurationS = 7 * 24 * 3600, kMaxRate = 1e6;
inline constexpr int kMaxEngines = 64;

}  // namespace legion::bench::stress
