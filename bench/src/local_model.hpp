#pragma once
// The offline real model (`--model local`): llama.cpp's OpenAI-compatible server with a small open
// model, both installed by the set-up script (scripts/local_model.sh) into a cache outside the
// checkout and described there by a manifest; nothing is downloaded at run time. The server runs on
// loopback for the length of the run, its output in the results folder.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace legion::bench {

// What scripts/local_model.sh installed: the server, the model file, and how to start them.
struct LocalModelManifest {
  std::filesystem::path file;  // the manifest itself
  std::filesystem::path server, gguf;
  std::string model;           // the name the server is asked to answer to (its --alias)
  std::string license, source, llama_cpp;
  std::vector<std::string> args;  // flags after host, port, model file and alias
};

// $LEGION_LOCAL_MODEL_MANIFEST, else ${LEGION_CACHE_DIR:-$HOME/.cache/legion-bench}/local-model/current/manifest.json.
std::filesystem::path local_model_manifest_path();
// Throws std::runtime_error saying what is missing (and that scripts/bootstrap.sh installs it).
LocalModelManifest read_local_model_manifest(const std::filesystem::path& file = local_model_manifest_path());

class LocalModelServer {
 public:
  // Starts the server on a free loopback port and waits until it has loaded the model. `gguf`
  // replaces the manifest's model file (`--gguf PATH`). Throws std::runtime_error with the end of
  // the server's log when it does not come up.
  LocalModelServer(const LocalModelManifest& manifest, const std::optional<std::filesystem::path>& gguf,
                   const std::filesystem::path& log);
  ~LocalModelServer();
  LocalModelServer(const LocalModelServer&) = delete;
  LocalModelServer& operator=(const LocalModelServer&) = delete;

  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  const std::string& model() const { return model_; }
  // For the report: model file, licence, llama.cpp, flags.
  const std::map<std::string, std::string>& facts() const { return facts_; }
  pid_t pid() const { return pid_; }  // the server's process, part of the run's own CPU time

 private:
  int port_ = 0;
  pid_t pid_ = -1;
  std::string model_;
  std::map<std::string, std::string> facts_;
};

}  // namespace legion::bench
