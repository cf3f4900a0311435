#include "legion/adapters/python_adapter.hpp"

#include <pybind11/embed.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <fstream>

#include "legion/core/engine.hpp"

namespace py = pybind11;

namespace legion::adapters {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t elapsed_ns(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count();
}

py::object to_python(const nlohmann::json& value) {
  return py::module_::import("json").attr("loads")(value.dump());
}

// Lets a Python class implement the C++ Adapter interface.
class PyAdapter : public Adapter {
 public:
  void prepare(const AdapterConfig& config) override { PYBIND11_OVERRIDE_PURE(void, Adapter, prepare, config); }
  TaskOutcome run(const core::TaskSpec& task) override {
    PYBIND11_OVERRIDE_PURE(TaskOutcome, Adapter, run, task);
  }
  std::map<std::string, std::string> versions() const override {
    using Versions = std::map<std::string, std::string>;
    PYBIND11_OVERRIDE_PURE(Versions, Adapter, versions);
  }
  std::map<std::string, std::string> settings() const override {
    using Settings = std::map<std::string, std::string>;
    PYBIND11_OVERRIDE(Settings, Adapter, settings);
  }
};

// "ValueError: message" plus the traceback pybind11 collects, for the record's error.
std::string describe(const py::error_already_set& e) { return std::string("python: ") + e.what(); }

}  // namespace

// The module Python adapters import: the Adapter interface and read-only views of the scenario.
// The scripts and planted values stay on the oracle's side; an adapter sees what a user's program
// would: agents, tools, the task.
PYBIND11_EMBEDDED_MODULE(legion, m) {
  m.doc() = "legion-bench: the interface a framework adapter implements, and the scenario it runs";
  // Raised by an adapter for a pattern its framework cannot express. Never destroyed, like the
  // interpreter (see ~PythonAdapter).
  new py::exception<Unsupported>(m, "Unsupported");

  // A refusal or failure of the in-process model: .status is the HTTP status it stands for (0: the
  // model could not be reached).
  static py::exception<core::LlmError> model_error(m, "ModelError");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const core::LlmError& e) {
      py::object error = py::reinterpret_borrow<py::object>(model_error.ptr())(e.what());
      error.attr("status") = e.status;
      PyErr_SetObject(model_error.ptr(), error.ptr());
    }
  });

  py::class_<AdapterConfig>(m, "AdapterConfig")
      .def_readonly("base_url", &AdapterConfig::base_url)
      // The in-process mode: the adapter uses its framework's own test or custom model class, whose
      // answers come from post_model(path, body) (the scripted model over a pipe), never base_url.
      .def_property_readonly("in_process", [](const AdapterConfig& c) { return c.in_process_model != nullptr; })
      .def(
          "post_model",
          [](const AdapterConfig& c, const std::string& path, const std::string& body) {
            if (!c.in_process_model) throw std::logic_error("post_model: this worker has no in-process model");
            py::gil_scoped_release release;  // other threads' Python runs while the answer crosses the pipe
            return c.in_process_model->post(path, body);
          },
          py::arg("path"), py::arg("body"))
      .def_readonly("model", &AdapterConfig::model)
      .def_readonly("stream", &AdapterConfig::stream)
      .def_readonly("max_retries", &AdapterConfig::max_retries)
      .def_readonly("trace", &AdapterConfig::trace)
      .def_property_readonly("request_timeout_s",
                             [](const AdapterConfig& c) { return std::chrono::duration<double>(c.request_timeout).count(); });

  py::class_<TaskOutcome>(m, "TaskOutcome")
      .def(py::init([](std::string answer, std::uint64_t llm_calls, std::optional<std::uint64_t> prompt_tokens,
                       std::optional<std::uint64_t> completion_tokens, std::optional<std::int64_t> ingest_ns,
                       std::optional<std::int64_t> retrieval_ns) {
             TaskOutcome o{std::move(answer), llm_calls, std::nullopt, 0, ingest_ns, retrieval_ns};
             if (prompt_tokens || completion_tokens)
               o.reported_usage = core::Usage{prompt_tokens.value_or(0), completion_tokens.value_or(0)};
             return o;
           }),
           py::arg("answer"), py::arg("llm_calls") = 0, py::arg("prompt_tokens") = py::none(),
           py::arg("completion_tokens") = py::none(), py::arg("ingest_ns") = py::none(), py::arg("retrieval_ns") = py::none())
      .def_readonly("answer", &TaskOutcome::answer)
      .def_readwrite("latency_ns", &TaskOutcome::latency_ns)
      .def_readwrite("ingest_ns", &TaskOutcome::ingest_ns)
      .def_readwrite("retrieval_ns", &TaskOutcome::retrieval_ns)
      // A span of the framework's own tracing (AdapterConfig.trace), times on the steady clock
      // (Python's time.monotonic_ns()); legion_common.SpanCollector adds them.
      .def(
          "add_span",
          [](TaskOutcome& o, std::string name, std::string agent, std::int64_t start_ns, std::int64_t end_ns) {
            o.spans.push_back({std::move(name), std::move(agent), start_ns, end_ns});
          },
          py::arg("name"), py::arg("agent"), py::arg("start_ns"), py::arg("end_ns"))
      .def_property_readonly("span_count", [](const TaskOutcome& o) { return o.spans.size(); });

  py::class_<core::TaskTool>(m, "Tool")
      .def_readonly("name", &core::TaskTool::name)
      .def_readonly("description", &core::TaskTool::description)
      .def_readonly("kind", &core::TaskTool::kind)
      .def_property_readonly("parameters", [](const core::TaskTool& t) { return to_python(t.parameters); });

  py::class_<core::TaskAgent>(m, "Agent")
      .def_readonly("id", &core::TaskAgent::id)
      .def_readonly("role", &core::TaskAgent::role)
      .def_readonly("goal", &core::TaskAgent::goal)
      .def_readonly("tools", &core::TaskAgent::tools)
      .def_property_readonly("system_prompt", [](const core::TaskAgent& a) { return core::native_system_prompt(a); });

  // The task as a system receives it (core/task.hpp): no script, planted value or expected answer.
  py::class_<core::TaskSpec>(m, "Task")
      .def_readonly("name", &core::TaskSpec::name)
      .def_property_readonly("pattern", [](const core::TaskSpec& s) { return std::string(core::to_string(s.pattern)); })
      .def_readonly("task", &core::TaskSpec::task)
      .def_readonly("tools", &core::TaskSpec::tools)
      .def_readonly("agents", &core::TaskSpec::agents)
      .def_readonly("manager", &core::TaskSpec::manager)
      .def_readonly("moderator", &core::TaskSpec::moderator)
      .def_readonly("aggregator", &core::TaskSpec::aggregator)
      .def_readonly("termination_text", &core::TaskSpec::termination_text)
      .def_readonly("max_turns", &core::TaskSpec::max_turns)
      .def_readonly("context_window", &core::TaskSpec::context_window)
      .def_readonly("params", &core::TaskSpec::params)
      // The knowledge base to ingest (empty for most tasks) and how many documents a recall returns.
      .def_property_readonly("documents", [](const core::TaskSpec& s) { return s.knowledge.documents; })
      .def_property_readonly("top_k", [](const core::TaskSpec& s) { return s.knowledge.top_k; })
      .def("agent",
           [](const core::TaskSpec& s, const std::string& id) {
             const auto* a = s.agent(id);
             if (!a) throw py::key_error("no agent '" + id + "' in task '" + s.name + "'");
             return *a;
           })
      // The shared wording of the patterns (datasets/prompts.yaml): task.prompt("vote", task=..., proposals=...).
      .def("prompt",
           [](const core::TaskSpec& s, const std::string& name, const py::kwargs& values) {
             std::map<std::string, std::string> filled;
             for (const auto& [key, value] : values) filled[py::str(key)] = py::str(value);
             try {
               return s.prompt(name, filled);
             } catch (const std::invalid_argument& e) {
               throw py::key_error(e.what());
             }
           })
      // Human review: the scripted person shown an answer; returns feedback, or "" to approve it.
      .def("ask_human",
           [](const core::TaskSpec& s, const std::string& answer) {
             if (!s.ask_human) throw py::value_error("task '" + s.name + "' has no human reviewer");
             return s.ask_human(answer);
           })
      // The task's deterministic tool, the same code for every system. Arguments: a dict or JSON text.
      .def("run_tool", [](const core::TaskSpec& s, const std::string& name, const py::object& arguments) {
        auto text = py::isinstance<py::str>(arguments) ? arguments.cast<std::string>()
                                                       : py::module_::import("json").attr("dumps")(arguments).cast<std::string>();
        return s.run_tool(name, text);
      });

  py::class_<Adapter, PyAdapter>(m, "Adapter")
      .def(py::init<>())
      .def("prepare", &Adapter::prepare)
      .def("run", &Adapter::run)
      .def("versions", &Adapter::versions)
      .def("settings", &Adapter::settings);
}

struct PythonAdapter::State {
  py::object instance;         // the Python adapter object
  Adapter* adapter = nullptr;  // the same object through the C++ interface
  py::object unsupported;      // legion.Unsupported
  PyThreadState* released = nullptr;
};

std::string embedded_python_version() { return PY_VERSION; }

std::optional<std::string> venv_python_version(const std::filesystem::path& venv) {
  std::ifstream cfg(venv / "pyvenv.cfg");
  if (!cfg) return std::nullopt;
  std::string line;
  while (std::getline(cfg, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto key = line.substr(0, line.find_last_not_of(' ', eq - 1) + 1);
    if (key == "version" || key == "version_info") return line.substr(line.find_first_not_of(' ', eq + 1));
  }
  return std::string("unknown");
}

PythonAdapter::PythonAdapter(PythonAdapterSpec spec) : spec_(std::move(spec)) {}

// The interpreter is never finalised: frameworks leave threads, exporters and atexit hooks behind
// that can hang a shutdown. Results are written before the worker exits, and the process ends
// without them.
PythonAdapter::~PythonAdapter() = default;

void PythonAdapter::prepare(const AdapterConfig& config) {
  if (Py_IsInitialized()) throw std::logic_error("one Python adapter per process");
  if (!std::filesystem::exists(spec_.module))
    throw std::runtime_error("Python adapter module " + spec_.module.string() + " does not exist");
  if (!spec_.venv.empty()) {
    auto made_with = venv_python_version(spec_.venv);
    if (!made_with)
      throw std::runtime_error("no virtual environment at " + spec_.venv.string() +
                               " (scripts/bootstrap.sh creates it from adapters/python/requirements/)");
    if (*made_with != PY_VERSION)
      throw std::runtime_error("virtual environment " + spec_.venv.string() + " was made with Python " + *made_with +
                               ", but legion-bench embeds Python " PY_VERSION "; recreate it (scripts/bootstrap.sh)");
  }

  auto started = Clock::now();
  PyConfig pyconfig;
  PyConfig_InitPythonConfig(&pyconfig);
  pyconfig.install_signal_handlers = 0;  // SIGINT and SIGPIPE stay as the worker set them
  pyconfig.parse_argv = 0;
  pyconfig.use_environment = 0;          // no PYTHONPATH or PYTHONHOME from the caller's shell
  pyconfig.user_site_directory = 0;
  pyconfig.safe_path = 1;
  if (!spec_.venv.empty()) {  // the venv's python as program name: CPython reads its pyvenv.cfg
    auto status = PyConfig_SetBytesString(&pyconfig, &pyconfig.program_name, (spec_.venv / "bin" / "python").c_str());
    if (PyStatus_Exception(status)) {
      PyConfig_Clear(&pyconfig);
      throw std::runtime_error("cannot configure Python for " + spec_.venv.string());
    }
  }
  py::initialize_interpreter(&pyconfig, 0, nullptr, false);
  cold_start_parts_["interpreter"] = elapsed_ns(started);

  state_ = new State;
  try {
    started = Clock::now();
    auto sys = py::module_::import("sys");
    sys.attr("path").attr("insert")(0, spec_.module.parent_path().string());
    auto util = py::module_::import("importlib.util");
    auto name = spec_.module.stem().string();
    auto module_spec = util.attr("spec_from_file_location")(name, spec_.module.string());
    auto module = util.attr("module_from_spec")(module_spec);
    sys.attr("modules")[py::str(name)] = module;
    module_spec.attr("loader").attr("exec_module")(module);
    cold_start_parts_["import"] = elapsed_ns(started);

    started = Clock::now();
    if (!py::hasattr(module, "create")) throw std::runtime_error(spec_.module.string() + " defines no create()");
    state_->instance = module.attr("create")();
    if (!py::isinstance<Adapter>(state_->instance))
      throw std::runtime_error(spec_.module.string() + ": create() must return a legion.Adapter");
    state_->adapter = state_->instance.cast<Adapter*>();
    state_->unsupported = py::module_::import("legion").attr("Unsupported");
    state_->adapter->prepare(config);
    versions_ = state_->adapter->versions();
    versions_["python"] = PY_VERSION;
    settings_ = state_->adapter->settings();
    // The environment's full package set, read by the host so that every Python system reports it.
    for (auto dist : py::module_::import("importlib.metadata").attr("distributions")()) {
      auto metadata = dist.attr("metadata");
      auto package = metadata.attr("get")("Name");
      if (!package.is_none()) packages_[package.cast<std::string>()] = dist.attr("version").cast<std::string>();
    }
    cold_start_parts_["construct"] = elapsed_ns(started);
  } catch (const py::error_already_set& e) {
    throw std::runtime_error(describe(e));
  }
  state_->released = PyEval_SaveThread();  // tasks take the GIL when they run
}

TaskOutcome PythonAdapter::run(const core::TaskSpec& task) {
  if (!state_ || !state_->adapter) throw std::logic_error("PythonAdapter::run before prepare");
  // Frameworks keep one event loop and client per process; concurrent tasks would share them.
  struct InFlight {
    std::atomic<int>& n;
    ~InFlight() { --n; }
  } in_flight{running_};
  if (++running_ > 1) throw std::runtime_error("Python adapters run one task at a time (use --concurrency 1)");
  py::gil_scoped_acquire gil;
  try {
    return state_->adapter->run(task);
  } catch (py::error_already_set& e) {
    if (e.matches(state_->unsupported)) throw Unsupported(py::str(e.value()).cast<std::string>());
    throw std::runtime_error(describe(e));
  } catch (const py::cast_error& e) {
    throw std::runtime_error(std::string("python: run() must return a legion.TaskOutcome (") + e.what() + ")");
  }
}

std::vector<TaskAttempt> PythonAdapter::run_concurrently(const core::TaskSpec& task, std::size_t copies) {
  if (!state_ || !state_->adapter) throw std::logic_error("PythonAdapter::run_concurrently before prepare");
  bool has_own = false;
  {
    py::gil_scoped_acquire gil;
    has_own = py::hasattr(state_->instance, "run_concurrently");
  }
  if (!has_own) return Adapter::run_concurrently(task, copies);  // threads calling run(): refused past one

  struct InFlight {
    std::atomic<int>& n;
    ~InFlight() { --n; }
  } in_flight{running_};
  if (++running_ > 1) throw std::runtime_error("a Python adapter runs one batch of concurrent tasks at a time");
  std::vector<TaskAttempt> attempts(copies);
  py::gil_scoped_acquire gil;
  auto fail_all = [&](const std::string& error, bool unsupported) {
    for (auto& a : attempts) a.error = error, a.unsupported = unsupported;
  };
  try {
    // One item per copy: a legion.TaskOutcome, or the exception that copy raised.
    auto results = state_->instance.attr("run_concurrently")(task, copies).cast<py::list>();
    if (results.size() != copies)
      throw std::runtime_error("python: run_concurrently returned " + std::to_string(results.size()) + " results for " +
                               std::to_string(copies) + " copies");
    auto format_exception = py::module_::import("traceback").attr("format_exception");
    for (std::size_t i = 0; i < copies; ++i) {
      py::handle item = results[i];
      // run_copies (legion_common.py) stamps each item, outcome or exception, with its latency.
      if (py::hasattr(item, "latency_ns")) attempts[i].latency_ns = item.attr("latency_ns").cast<std::int64_t>();
      if (py::isinstance(item, py::module_::import("builtins").attr("BaseException"))) {
        attempts[i].unsupported = py::isinstance(item, state_->unsupported);
        attempts[i].error = attempts[i].unsupported ? py::str(item).cast<std::string>()
                                                    : "python: " + py::str("").attr("join")(format_exception(item)).cast<std::string>();
      } else {
        attempts[i].outcome = item.cast<TaskOutcome>();
      }
    }
  } catch (py::error_already_set& e) {
    if (e.matches(state_->unsupported)) fail_all(py::str(e.value()).cast<std::string>(), true);
    else fail_all(describe(e), false);
  } catch (const py::cast_error& e) {
    fail_all(std::string("python: run_concurrently() must return a list of legion.TaskOutcome (") + e.what() + ")", false);
  } catch (const std::exception& e) {
    fail_all(e.what(), false);
  }
  return attempts;
}

std::map<std::string, std::string> PythonAdapter::versions() const { return versions_; }
std::map<std::string, std::string> PythonAdapter::packages() const { return packages_; }
std::map<std::string, std::string> PythonAdapter::settings() const { return settings_; }

}  // namespace legion::adapters
