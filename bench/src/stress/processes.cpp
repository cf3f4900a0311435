#include "stress/processes.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "stress/generator.hpp"
#include "stress/resp.hpp"

namespace legion::bench::stress {

using namespace std::chrono_literals;

pid_t spawn(const std::vector<std::string>& args, const SpawnOptions& o) {
  // Opened before fork: the child only makes system calls that cannot allocate.
  const int netns_fd = o.netns.empty() ? -1 : ::open(o.netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (!o.netns.empty() && netns_fd < 0) throw std::runtime_error("cannot open " + o.netns.string() + ": " + std::strerror(errno));
  const int cgroup_fd = o.cgroup_procs.empty() ? -1 : ::open(o.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
  if (!o.cgroup_procs.empty() && cgroup_fd < 0) {
    if (netns_fd >= 0) ::close(netns_fd);
    throw std::runtime_error("cannot open " + o.cgroup_procs.string() + ": " + std::strerror(errno));
  }
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // A parent gone before the request is not seen by it: hence the check.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(126);
    if (cgroup_fd >= 0) {
      char text[24];
      const int n = std::snprintf(text, sizeof text, "%d", static_cast<int>(::getpid()));
      if (::write(cgroup_fd, text, static_cast<std::size_t>(n)) != n) ::_exit(126);
    }
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) ::_exit(126);
    if (!o.cpus.empty()) {
      cpu_set_t set;
      CPU_ZERO(&set);
      for (int c : o.cpus) CPU_SET(c, &set);
      ::sched_setaffinity(0, sizeof set, &set);
    }
    const int fd = ::open(o.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (netns_fd >= 0) ::close(netns_fd);
  if (cgroup_fd >= 0) ::close(cgroup_fd);
  return pid;
}

void end(pid_t& pid, int sig) {
  if (pid <= 0) return;
  ::kill(pid, sig);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

RedisServer::RedisServer(int port, std::filesystem::path dir, std::vector<std::string> extra_binds)
    : port_(port), dir_(std::move(dir)), binds_(std::move(extra_binds)) {
  std::filesystem::create_directories(dir_);
  start();
}

RedisServer::~RedisServer() { end(pid_); }

void RedisServer::start() {
  std::vector<std::string> args = {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1"};
  for (const auto& b : binds_) args.push_back(b);  // --bind takes every address after it
  // Protected mode refuses every client not on loopback; the extra addresses are this machine's own
  // veth ends, reachable only from the project's network namespaces, so it is off only then.
  args.insert(args.end(), {"--protected-mode", binds_.empty() ? "yes" : "no"});
  for (const char* a : {"--save", "", "--appendonly", "yes", "--appendfsync", "always"}) args.emplace_back(a);
  for (const auto& a : {std::string("--dir"), dir_.string(), std::string("--daemonize"), std::string("no")}) args.push_back(a);
  pid_ = spawn(args, SpawnOptions{(dir_ / "redis.log").string()});
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    try {
      Redis r("127.0.0.1", port_, 500ms);
      if (r.command({"PING"}).str == "PONG") return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("redis-server did not start on 127.0.0.1:" + std::to_string(port_) + " (see " + (dir_ / "redis.log").string() + ")");
}

void RedisServer::kill_hard() { end(pid_, SIGKILL); }

namespace {

// Runs `work` on a thread that has entered the network namespace (setns changes only the calling thread's).
template <class F>
auto in_netns(const std::filesystem::path& netns, F work) {
  decltype(work()) result{};
  std::exception_ptr error;
  std::thread t([&] {
    try {
      if (!netns.empty()) {
        const int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
          const std::string why = std::strerror(errno);
          if (fd >= 0) ::close(fd);
          throw std::runtime_error("cannot enter " + netns.string() + ": " + why);
        }
        ::close(fd);
      }
      result = work();
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace

ModelServer::ModelServer(const std::string& scenario, std::uint64_t seed, const std::filesystem::path& dir, const std::string& latency,
                         const std::string& program, const SpawnOptions& options) {
  port_ = in_netns(options.netns, [] { return free_port(); });
  auto o = options;
  o.log = (dir / "oracle.log").string();
  pid_ = spawn({program, "oracle", "--scenario", scenario, "--seed", std::to_string(seed), "--port", std::to_string(port_), "--latency", latency}, o);
  const bool up = in_netns(options.netns, [&] {
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline && port_free(port_)) std::this_thread::sleep_for(20ms);
    return !port_free(port_);
  });
  if (!up) {
    end(pid_);
    throw std::runtime_error("the model server did not start (see " + o.log + ")");
  }
}

ModelServer::~ModelServer() { end(pid_); }

}  // namespace legion::bench::stress
