#pragma once
// Adapter: one system under test, as the benchmark worker drives it. The native engine implements
// it in C++; the Python frameworks implement it through the embedded interpreter.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "legion/core/chat.hpp"
#include "legion/core/scenario.hpp"

namespace legion::adapters {

struct AdapterConfig {
  std::string base_url;  // the oracle, e.g. http://127.0.0.1:PORT/v1
  std::string model = "legion-oracle";
  bool stream = false;
  int max_retries = 0;
  std::chrono::milliseconds request_timeout{120000};
};

struct TaskOutcome {
  std::string answer;
  std::uint64_t reported_llm_calls = 0;  // the system's own count, cross-checked against the oracle's
  core::Usage reported_usage;
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // Called once per worker process before any task; the time it takes is the cold start.
  virtual void prepare(const AdapterConfig& config) = 0;
  // Called once per task, inside the timed region. Throws on failure; the worker records the message.
  virtual TaskOutcome run(const core::ScenarioSpec& scenario) = 0;
  // Called once per run for the context block: component name -> version.
  virtual std::map<std::string, std::string> versions() const = 0;
};

struct AdapterInfo {
  std::string name;
  std::string description;
  std::string dialect;  // datasets/dialects/<dialect>.yaml
  std::function<std::unique_ptr<Adapter>()> make;
};

// Built-in adapters, registered explicitly in one place (adapters/src/registry.cpp).
const std::vector<AdapterInfo>& adapter_registry();
// Throws std::invalid_argument listing the known names when `name` is unknown.
const AdapterInfo& adapter_info(std::string_view name);

}  // namespace legion::adapters
