#include "legion/adapters/native_adapter.hpp"

#include "legion/version.hpp"

#include <stdexcept>

namespace legion::adapters {
namespace {

// The engine's span names as OpenTelemetry's generative-AI conventions name the operations.
std::string convention_name(const std::string& name, const std::string& agent, const std::string& model) {
  if (name == "llm") return "chat " + model;
  if (name == "agent") return "invoke_agent " + agent;
  if (name.starts_with("tool:")) return "execute_tool " + name.substr(5);
  if (name.starts_with("pattern:")) return "invoke_workflow " + name.substr(8);
  return name;  // ingest, recall, tally: the engine's own steps
}

TaskOutcome outcome_of(core::TaskResult result, const core::TaskSpec& task, const std::string& model) {
  TaskOutcome o{std::move(result.answer), result.llm_calls, result.usage};
  if (!task.knowledge.empty()) o.ingest_ns = result.ingest_ns, o.retrieval_ns = result.retrieval_ns;
  const auto origin = std::chrono::duration_cast<std::chrono::nanoseconds>(result.trace_origin.time_since_epoch()).count();
  for (auto& s : result.spans)
    o.spans.push_back({convention_name(s.name, s.agent, model), std::move(s.agent), origin + s.start_ns, origin + s.end_ns});
  return o;
}

}  // namespace

void NativeAdapter::prepare(const AdapterConfig& config) {
  core::EngineOptions options;
  options.client.base_url = config.base_url;
  options.client.max_retries = config.max_retries;
  options.client.timeout = config.request_timeout;
  options.client.injected_delay = config.injected_delay;
  options.client.in_process = config.in_process_model;
  in_process_ = config.in_process_model != nullptr;
  options.model = config.model;
  options.stream = config.stream;
  options.trace = config.trace;
  engine_ = std::make_unique<core::Engine>(options);
}

TaskOutcome NativeAdapter::run(const core::TaskSpec& task) {
  if (!engine_) throw std::logic_error("NativeAdapter::run before prepare");
  return outcome_of(engine_->run(task), task, engine_->options().model);
}

std::vector<TaskAttempt> NativeAdapter::run_concurrently(const core::TaskSpec& task, std::size_t copies) {
  if (!engine_) throw std::logic_error("NativeAdapter::run_concurrently before prepare");
  std::vector<TaskAttempt> attempts(copies);
  const auto start = std::chrono::steady_clock::now();
  auto results = engine_->run_many(task, copies);
  for (std::size_t i = 0; i < copies; ++i) {
    auto& r = results[i];
    attempts[i].latency_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(r.finished - start).count();
    if (r.error) {
      try {
        std::rethrow_exception(r.error);
      } catch (const std::exception& e) {
        attempts[i].error = e.what();
      } catch (...) {
        attempts[i].error = "unknown error";
      }
      continue;
    }
    attempts[i].outcome = outcome_of(std::move(r.result), task, engine_->options().model);
  }
  return attempts;
}

std::map<std::string, std::string> NativeAdapter::settings() const {
  // Listed in a report only when a scenario turns it on (the runner drops it otherwise).
  std::map<std::string, std::string> settings = {
      {std::string(kContextTrimmingSetting) + " (context_window N)",
       "the engine's window (default: none): the task, the first turn and the last N messages"}};
  if (in_process_)
    settings[std::string(kInProcessModelSetting)] =
        "core::ClientOptions::in_process: the engine's client hands each encoded request to the in-process model "
        "instead of its HTTP connection pool (the engine's own seam; everything else unchanged)";
  return settings;
}

std::map<std::string, std::string> NativeAdapter::versions() const {
  return {{"legion-engine", LEGION_VERSION}};
}

}  // namespace legion::adapters
