#include <deque>
#include <stdexcept>

#include "legion/adapters/adapter.hpp"
#include "legion/adapters/native_adapter.hpp"
#include "legion/adapters/python_adapter.hpp"
#include "legion/datasets/files.hpp"
#include "legion/datasets/systems.hpp"

namespace legion::adapters {
namespace {

// Systems built into legion-bench, by the name datasets/systems.yaml gives them.
std::unique_ptr<Adapter> make_builtin(const std::string& name) {
  if (name == "native") return std::make_unique<NativeAdapter>();
  throw std::invalid_argument("datasets/systems.yaml lists '" + name + "' without an environment, but no such system is built in");
}

std::deque<AdapterInfo>& registry() {  // a deque: adding keeps references valid
  static std::deque<AdapterInfo> systems = [] {
    std::deque<AdapterInfo> out;
    for (const auto& s : datasets::load_systems()) {
      if (s.environment.empty()) {
        make_builtin(s.name);  // fails now, not in a worker, when the list names an unknown built-in
        // The built-in system is the native engine, whose tasks are coroutines on its event loop.
        out.push_back({s.name, s.description, s.dialect, [name = s.name] { return make_builtin(name); }, "", true});
        continue;
      }
      auto module = python_adapter_dir() / (s.environment + "_adapter.py");
      out.push_back({s.name, s.description + " (adapters/python/" + s.environment + "_adapter.py)", s.dialect,
                     [module, environment = s.environment] {
                       return std::make_unique<PythonAdapter>(PythonAdapterSpec{module, venvs_dir() / environment});
                     },
                     ""});
    }
    return out;
  }();
  return systems;
}

}  // namespace

// An installed copy finds both under PREFIX/share/legion-bench; a build tree in its source tree.
std::filesystem::path python_adapter_dir() {
  if (auto share = datasets::installed_share_dir(); !share.empty()) return share / "adapters" / "python";
  return LEGION_SOURCE_PYTHON_ADAPTER_DIR;
}

std::filesystem::path venvs_dir() {
  if (const char* dir = std::getenv("LEGION_VENVS_DIR")) return dir;
  if (auto share = datasets::installed_share_dir(); !share.empty()) return share / "venvs";
  return LEGION_SOURCE_VENVS_DIR;
}

const std::deque<AdapterInfo>& adapter_registry() { return registry(); }

const AdapterInfo& adapter_info(std::string_view name) {
  for (const auto& info : registry())
    if (info.name == name) return info;
  std::string known;
  for (const auto& info : registry()) known += (known.empty() ? "" : ", ") + info.name;
  throw std::invalid_argument("unknown system '" + std::string(name) + "' (known: " + known + ")");
}

const AdapterInfo& add_python_adapter(const std::string& spec) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad --adapter '" + spec + "': " + why + " (expected NAME=FILE.py[,venv=DIR][,dialect=NAME])");
  };
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) throw bad("no NAME=");
  auto name = spec.substr(0, eq);
  std::vector<std::string> fields;
  for (std::size_t start = eq + 1;;) {
    auto comma = spec.find(',', start);
    fields.push_back(spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  PythonAdapterSpec python{std::filesystem::absolute(fields[0]), {}};
  std::string dialect = "native";
  for (std::size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].starts_with("venv=")) python.venv = std::filesystem::absolute(fields[i].substr(5));
    else if (fields[i].starts_with("dialect=")) dialect = fields[i].substr(8);
    else throw bad("unknown field '" + fields[i] + "'");
  }
  if (python.module.extension() != ".py") throw bad("'" + fields[0] + "' is not a .py file");
  if (!std::filesystem::exists(python.module)) throw bad(python.module.string() + " does not exist");
  for (const auto& info : registry())
    if (info.name == name) throw bad("a system named '" + name + "' exists already");
  // Worker processes get the spec with absolute paths, whatever their working directory.
  auto resolved = name + "=" + python.module.string() + (python.venv.empty() ? "" : ",venv=" + python.venv.string()) +
                  ",dialect=" + dialect;
  registry().push_back({name, "Python adapter " + python.module.string(), dialect,
                        [python] { return std::make_unique<PythonAdapter>(python); }, resolved});
  return registry().back();
}

}  // namespace legion::adapters
