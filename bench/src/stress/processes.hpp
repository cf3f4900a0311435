#pragma once
// The child processes of the broker suites (scalability, failure): engine processes, the model
// server and redis-server, each started with execv and ended with its parent (PR_SET_PDEATHSIG);
// optionally inside a cgroup or a network namespace, joined before execv so that nothing the
// program does happens outside them.
#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace legion::bench::stress {

struct SpawnOptions {
  std::string log = "/dev/null";          // stdout and stderr, appended
  std::vector<int> cpus = {};             // sched_setaffinity; empty: any
  std::filesystem::path cgroup_procs = {};  // a cgroup's cgroup.procs file to join; empty: none
  std::filesystem::path netns = {};       // a network namespace (/run/netns/NAME) to enter; empty: this one's
};

// The child is killed (SIGKILL) when the thread that spawned it ends, and at once when that was
// before it could ask to be: no child outlives the run, however the run ends.
pid_t spawn(const std::vector<std::string>& args, const SpawnOptions& options = {});
// SIGTERM (or `sig`), then SIGKILL after 2 s; reaps the child and sets pid to -1.
void end(pid_t& pid, int sig = SIGTERM);

// redis-server on 127.0.0.1:port (and on `extra_binds`, e.g. the broker's end of a veth pair) with
// an append-only file fsynced on every write, so that a restart after SIGKILL finds the streams,
// the group and its pending entries again.
class RedisServer {
 public:
  RedisServer(int port, std::filesystem::path dir, std::vector<std::string> extra_binds = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  void start();
  void kill_hard();
  pid_t pid() const { return pid_; }

 private:
  int port_;
  std::filesystem::path dir_;
  std::vector<std::string> binds_;
  pid_t pid_ = -1;
};

// The scripted model server (`legion-bench oracle`) on 127.0.0.1 of this network namespace, or of
// `options.netns` (then the port is chosen and awaited from a thread inside that namespace).
class ModelServer {
 public:
  ModelServer(const std::string& scenario, std::uint64_t seed, const std::filesystem::path& dir, const std::string& latency = "zero",
              const std::string& program = "/proc/self/exe", const SpawnOptions& options = {});
  ~ModelServer();
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  pid_t pid() const { return pid_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace legion::bench::stress
