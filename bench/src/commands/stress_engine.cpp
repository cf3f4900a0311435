#include <memory>

#include "command.hpp"
#include "options.hpp"
#include "stress/scalability.hpp"

namespace legion::bench::commands {

// Started by the scalability suite, one process per engine; hidden from --help.
Command stress_engine_command() {
  auto o = std::make_shared<stress::EngineOptions>();
  return {"stress-engine", "Internal: an engine process consuming tasks from the broker",
          [o](CLI::App& cmd) {
            cmd.group("");
            cmd.add_option("--redis-host", o->redis_host, "The broker's IPv4 address (default 127.0.0.1)");
            cmd.add_option("--redis-port", o->redis_port)->required()->transform(integer_in(1, 65535));
            cmd.add_option("--base-url", o->base_url)->required();
            cmd.add_option("--consumer", o->consumer)->required();
            cmd.add_option("--agents", o->agents)->transform(integer_in(1, kMaxAgents));
            cmd.add_option("--scenario", o->scenario);
            cmd.add_option("--seed", o->seed)->transform(any_seed);
          },
          [o](const Invocation&) { return stress::engine_main(*o); }};
}

}  // namespace legion::bench::commands
