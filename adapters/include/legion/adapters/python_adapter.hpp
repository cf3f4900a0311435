#pragma once
// A system under test written in Python: CPython embedded with pybind11, one interpreter per worker
// process, running inside the framework's own virtual environment. The Python side subclasses
// `legion.Adapter` (the C++ Adapter interface, exposed by the embedded module `legion`) in a module
// file whose `create()` returns the instance; adapters/python/ holds the three built-in ones.
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "legion/adapters/adapter.hpp"

namespace legion::adapters {

struct PythonAdapterSpec {
  std::filesystem::path module;  // a .py file defining create() -> legion.Adapter
  std::filesystem::path venv;    // empty: the interpreter's own environment
};

class PythonAdapter final : public Adapter {
 public:
  explicit PythonAdapter(PythonAdapterSpec spec);
  ~PythonAdapter() override;
  void prepare(const AdapterConfig& config) override;
  TaskOutcome run(const core::TaskSpec& task) override;
  // Hands the N copies to the Python adapter's own run_concurrently(task, copies), which runs them
  // on the framework's async API in this process; an adapter without one keeps run() alone (one
  // task at a time: more copies are recorded as errors).
  std::vector<TaskAttempt> run_concurrently(const core::TaskSpec& task, std::size_t copies) override;
  std::map<std::string, std::string> versions() const override;
  std::map<std::string, std::string> packages() const override;
  std::map<std::string, std::string> settings() const override;
  std::map<std::string, std::int64_t> cold_start_parts() const override { return cold_start_parts_; }

 private:
  struct State;
  PythonAdapterSpec spec_;
  std::map<std::string, std::int64_t> cold_start_parts_;
  std::map<std::string, std::string> versions_, packages_, settings_;
  State* state_ = nullptr;  // deliberately never finalised: see the destructor
  std::atomic<int> running_{0};
};

// The embedded interpreter's version ("3.11.2"), and the one a virtual environment was made with
// (from its pyvenv.cfg; nullopt when it has none).
std::string embedded_python_version();
std::optional<std::string> venv_python_version(const std::filesystem::path& venv);

}  // namespace legion::adapters
