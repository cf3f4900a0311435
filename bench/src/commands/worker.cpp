#include <fcntl.h>

#include <memory>

#include "command.hpp"
#include "legion/adapters/adapter.hpp"
#include "options.hpp"
#include "model_pipe.hpp"
#include "worker.hpp"

namespace legion::bench::commands {
namespace {

struct WorkerOptions {
  std::string system, adapter;
  adapters::AdapterConfig config;
  std::int64_t delay_us = 0;
  bool model_pipe = false;
};

}  // namespace

// Started by the runner, one process per system; hidden from --help.
Command worker_command() {
  auto o = std::make_shared<WorkerOptions>();
  return {"worker", "Internal: a worker process for the runner",
          [o](CLI::App& cmd) {
            cmd.group("");
            cmd.add_option("--system", o->system)->required();
            cmd.add_option("--adapter", o->adapter);
            cmd.add_option("--base-url", o->config.base_url)->required();
            cmd.add_option("--model", o->config.model);
            cmd.add_option("--max-retries", o->config.max_retries)->transform(integer_in(0, 100));
            cmd.add_flag("--stream", o->config.stream);
            cmd.add_option("--inject-delay-us", o->delay_us)->transform(integer_in(0, kMaxDelayUs));
            cmd.add_flag("--trace", o->config.trace, "Record the spans of every task (tools, the person, the system's own)");
            cmd.add_flag("--model-pipe", o->model_pipe, "The model answers over the pipes on fds 5 and 6 (in-process mode)");
          },
          [o](const Invocation&) {
            if (!o->adapter.empty()) adapters::add_python_adapter(o->adapter);
            o->config.injected_delay = std::chrono::microseconds(o->delay_us);
            if (o->model_pipe) {
              // Kept across this process's life, not given to the programs it starts (sandboxes, tools).
              ::fcntl(kModelRequestFd, F_SETFD, FD_CLOEXEC);
              ::fcntl(kModelAnswerFd, F_SETFD, FD_CLOEXEC);
              o->config.in_process_model = std::make_shared<ModelPipeClient>();
            }
            return worker_main(o->system, o->config);
          }};
}

}  // namespace legion::bench::commands
