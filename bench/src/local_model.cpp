#include "local_model.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <sys/wait.h>

#include "stress/processes.hpp"
#include "stress/resp.hpp"

namespace legion::bench {

using nlohmann::json;

std::filesystem::path local_model_manifest_path() {
  if (const char* explicit_path = std::getenv("LEGION_LOCAL_MODEL_MANIFEST"); explicit_path && *explicit_path) return explicit_path;
  std::filesystem::path cache;
  if (const char* dir = std::getenv("LEGION_CACHE_DIR"); dir && *dir) cache = dir;
  else if (const char* home = std::getenv("HOME"); home && *home) cache = std::filesystem::path(home) / ".cache" / "legion-bench";
  else cache = "/tmp/legion-bench-cache";
  return cache / "local-model" / "current" / "manifest.json";
}

LocalModelManifest read_local_model_manifest(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("no local model: " + file.string() +
                             " does not exist (scripts/bootstrap.sh installs llama.cpp's server and the model)");
  const auto j = json::parse(in, nullptr, false);
  if (!j.is_object()) throw std::runtime_error(file.string() + ": not a JSON object");
  auto text = [&](const char* key, bool required) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      if (required) throw std::runtime_error(file.string() + ": '" + key + "' is missing or not a string");
      return std::string();
    }
    return it->get<std::string>();
  };
  LocalModelManifest m;
  m.file = file;
  m.server = text("server", true);
  m.gguf = text("gguf", true);
  m.model = text("model", true);
  m.license = text("license", false);
  m.source = text("source", false);
  m.llama_cpp = text("llama_cpp", false);
  if (const auto args = j.find("args"); args != j.end()) {
    if (!args->is_array()) throw std::runtime_error(file.string() + ": 'args' must be a list of strings");
    for (const auto& a : *args) {
      if (!a.is_string()) throw std::runtime_error(file.string() + ": 'args' must be a list of strings");
      m.args.push_back(a.get<std::string>());
    }
  }
  for (const auto& [what, path] : {std::pair{"server", m.server}, std::pair{"model file", m.gguf}})
    if (!std::filesystem::is_regular_file(path))
      throw std::runtime_error(file.string() + ": the " + what + " " + path.string() + " is not there (run scripts/bootstrap.sh again)");
  return m;
}

namespace {

std::string log_tail(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::stringstream all;
  all << in.rdbuf();
  const auto text = all.str();
  return text.size() > 1500 ? "…" + text.substr(text.size() - 1500) : text;
}

}  // namespace

LocalModelServer::LocalModelServer(const LocalModelManifest& manifest, const std::optional<std::filesystem::path>& gguf,
                                   const std::filesystem::path& log) {
  const auto model_file = gguf.value_or(manifest.gguf);
  if (!std::filesystem::is_regular_file(model_file)) throw std::runtime_error("--gguf " + model_file.string() + ": no such file");
  model_ = gguf ? model_file.stem().string() : manifest.model;
  port_ = stress::free_port();
  std::vector<std::string> args = {manifest.server.string(), "--host", "127.0.0.1", "--port", std::to_string(port_),
                                   "-m", model_file.string(), "--alias", model_};
  args.insert(args.end(), manifest.args.begin(), manifest.args.end());
  std::string flags;
  for (std::size_t i = 1; i < args.size(); ++i) flags += (i > 1 ? " " : "") + args[i];
  facts_ = {{"model file", model_file.filename().string()}, {"flags", flags}};
  if (!gguf) {
    if (!manifest.license.empty()) facts_["licence"] = manifest.license;
    if (!manifest.source.empty()) facts_["source"] = manifest.source;
  }
  if (!manifest.llama_cpp.empty()) facts_["llama.cpp"] = manifest.llama_cpp;
  stress::SpawnOptions options;
  options.log = log.string();
  pid_ = stress::spawn(args, options);
  // The server answers /health with 503 while it loads the model and 200 once it can serve.
  httplib::Client client("http://127.0.0.1:" + std::to_string(port_));
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(5));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the local model server exited at start; the end of " + log.string() + ":\n" + log_tail(log));
    }
    if (auto r = client.Get("/health"); r && r->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stress::end(pid_);
  throw std::runtime_error("the local model server did not become ready within 180 s; the end of " + log.string() + ":\n" +
                           log_tail(log));
}

LocalModelServer::~LocalModelServer() { stress::end(pid_); }

std::string LocalModelServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

}  // namespace legion::bench
