#include <pthread.h>

#include <csignal>
#include <iostream>
#include <memory>

#include "command.hpp"
#include "legion/datasets/dialect.hpp"
#include "legion/oracle/server.hpp"
#include "options.hpp"

namespace legion::bench::commands {
namespace {

struct OracleOptions {
  std::string scenario, dialect = "native", latency = "zero", faults;
  std::vector<std::string> params;
  int port = 0;
  std::uint64_t seed = 1;
  oracle::Oracle::Options server;
  int keep_alive_s = static_cast<int>(server.keep_alive_timeout.count());
  // Slow clients cannot hold a slot: a request must arrive within these deadlines.
  int header_timeout_s = static_cast<int>(server.header_timeout.count() / 1000);
  int body_timeout_s = static_cast<int>(server.body_timeout.count() / 1000);
};

void add_oracle_options(CLI::App& cmd, OracleOptions& o) {
  cmd.add_option("--scenario", o.scenario, "Scenario name or file")->required();
  cmd.add_option("--dialect", o.dialect, "How the client expresses delegation and speaker selection")->capture_default_str();
  cmd.add_option("--port", o.port, "Port on 127.0.0.1 (0: a free one)")->capture_default_str()->transform(integer_in(0, 65535));
  cmd.add_option("--latency", o.latency, "Latency profile")->capture_default_str();
  cmd.add_option("--faults", o.faults, "Fault injection plan");
  cmd.add_option("--seed", o.seed, "Seed of the planted values")->capture_default_str()->transform(any_seed);
  cmd.add_option("--param", o.params, "Scenario parameter NAME=INTEGER; repeatable");
  cmd.add_option("--max-connections", o.server.max_connections, "Connections open at once; beyond them a connection gets HTTP 503")
      ->capture_default_str()
      ->transform(integer_in(1, 1000000));
  cmd.add_option("--io-threads", o.server.io_threads, "I/O threads, each with its own event loop (0: one per core, at most 2)")
      ->capture_default_str()
      ->transform(integer_in(0, 64));
  cmd.add_option("--keep-alive", o.keep_alive_s, "Seconds an idle keep-alive connection stays open")
      ->capture_default_str()
      ->transform(integer_in(1, 3600));
  cmd.add_option("--header-timeout", o.header_timeout_s, "Seconds from a request's first byte to the end of its header")
      ->capture_default_str()
      ->transform(integer_in(1, 3600));
  cmd.add_option("--body-timeout", o.body_timeout_s, "Seconds from a request's header to the end of its body")
      ->capture_default_str()
      ->transform(integer_in(1, 3600));
}

// Serves until SIGINT or SIGTERM, then prints what it served.
int serve(OracleOptions& o) {
  datasets::LoadOptions load{parse_params(o.params), o.seed};
  auto spec = std::make_shared<const datasets::ScenarioSpec>(datasets::load_scenario(datasets::resolve_scenario(o.scenario), load));
  auto& options = o.server;
  options.port = o.port;
  options.latency = oracle::LatencyProfile::parse(o.latency);
  options.faults = parse_faults(o.faults);
  options.keep_alive_timeout = std::chrono::seconds(o.keep_alive_s);
  options.header_timeout = std::chrono::seconds(o.header_timeout_s);
  options.body_timeout = std::chrono::seconds(o.body_timeout_s);
  // The script (and the tokenizer it loads) is ready before the first connection is accepted.
  options.script = std::make_shared<oracle::ScriptPolicy>(spec, datasets::dialect_named(o.dialect));
  oracle::Oracle oracle(options);
  std::cout << "legion oracle serving scenario '" << spec->name << "' (dialect " << o.dialect << ") at " << oracle.base_url()
            << "\nmodel: " << oracle.model() << "; " << oracle.io_threads() << " I/O threads; up to " << oracle.max_connections()
            << " connections at once (more get HTTP 503), idle keep-alive connections closed after " << o.keep_alive_s
            << " s; Ctrl-C to stop" << std::endl;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  const auto t = oracle.totals();
  std::cout << "served " << t.requests << " requests (" << t.errors << " errors, " << t.faults << " injected faults), "
            << t.prompt_tokens << " prompt and " << t.completion_tokens << " completion tokens" << std::endl;
  if (t.requests > 0)
    std::cout << "service time: median " << static_cast<double>(oracle.service_quantile_ns(0.5)) / 1e3 << " us, p99 "
              << static_cast<double>(oracle.service_quantile_ns(0.99)) / 1e3 << " us (histogram, within 1.6%)" << std::endl;
  return 0;
}

}  // namespace

Command oracle_command() {
  auto o = std::make_shared<OracleOptions>();
  return {"oracle", "Serve the scripted model server for one scenario until interrupted",
          [o](CLI::App& cmd) { add_oracle_options(cmd, *o); }, [o](const Invocation&) { return serve(*o); }};
}

}  // namespace legion::bench::commands
