#include "stress/broker_faults.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "stress/generator.hpp"
#include "stress/ledger.hpp"
#include "stress/processes.hpp"
#include "stress/resp.hpp"
#include "stress/scalability.hpp"

namespace legion::bench::stress {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kCgroupPrefix = "legion-oom-";
constexpr const char* kNetnsPrefix = "legion-part-";
constexpr const char* kVethPrefix = "lgp";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

// "key value" lines (memory.events, memory.oom_control): the value of `key`, or -1.
std::int64_t keyed_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  std::int64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return -1;
}

std::int64_t number_in(const std::filesystem::path& file) {
  try {
    return std::stoll(read_text(file));
  } catch (const std::exception&) {
    return -1;
  }
}

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// The pid in a name such as legion-oom-1234 or lgp1234h0, or -1.
long pid_in(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return -1;
  try {
    return std::stol(name.substr(prefix.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

std::string ip_program() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

// `ip ARGS...`: empty on success, else its message.
std::string ip(const std::vector<std::string>& args) {
  const auto program = ip_program();
  if (program.empty()) return "iproute2's ip is not installed";
  char log_template[] = "/tmp/legion-ip-XXXXXX";
  const int fd = ::mkstemp(log_template);
  if (fd >= 0) ::close(fd);
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = spawn(argv, SpawnOptions{log_template});
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto message = read_text(log_template);
  ::unlink(log_template);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  while (!message.empty() && message.back() == '\n') message.pop_back();
  std::string command = "ip";
  for (const auto& a : args) command += " " + a;
  return command + ": " + (message.empty() ? "exit status " + std::to_string(WEXITSTATUS(status)) : message);
}

// ---------------------------------------------------------------------------------------------
// A cgroup with a memory limit (v2's memory.max, or v1's memory.limit_in_bytes, swap included),
// removed when it goes out of scope (after the processes in it have ended).
class MemoryCgroup {
 public:
  // Empty: created; else why not.
  std::string create(std::int64_t limit_bytes) {
    if (::geteuid() != 0) return "creating a cgroup needs root; running as uid " + std::to_string(::geteuid());
    const auto name = kCgroupPrefix + std::to_string(::getpid());
    for (const std::filesystem::path root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
      if (read_text(root / "cgroup.controllers").find("memory") == std::string::npos) continue;
      write_text(root / "cgroup.subtree_control", "+memory");  // usually on already
      v2_ = true;
      dir_ = root / name;
      break;
    }
    if (dir_.empty()) {
      if (!std::filesystem::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
        return "no cgroup memory controller is mounted (neither cgroup v2 with memory nor /sys/fs/cgroup/memory)";
      dir_ = std::filesystem::path("/sys/fs/cgroup/memory") / name;
    }
    std::error_code error;
    if (!std::filesystem::create_directory(dir_, error) && error) {
      const auto why = "mkdir " + dir_.string() + ": " + error.message();
      dir_.clear();
      return why;
    }
    const auto limit = std::to_string(limit_bytes);
    const bool ok = v2_ ? write_text(dir_ / "memory.max", limit) && (!std::filesystem::exists(dir_ / "memory.swap.max") || write_text(dir_ / "memory.swap.max", "0"))
                        : write_text(dir_ / "memory.limit_in_bytes", limit) &&
                              (!std::filesystem::exists(dir_ / "memory.memsw.limit_in_bytes") || write_text(dir_ / "memory.memsw.limit_in_bytes", limit));
    if (!ok) return "cannot set the memory limit of " + dir_.string();
    return {};
  }
  ~MemoryCgroup() {
    if (dir_.empty()) return;
    for (int i = 0; i < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i) std::this_thread::sleep_for(20ms);
  }
  std::filesystem::path procs() const { return dir_ / "cgroup.procs"; }
  const std::filesystem::path& dir() const { return dir_; }
  // The kernel's own account: OOM kills, the highest usage, how often the limit was hit.
  json evidence() const {
    json e = {{"cgroup", dir_.string()}, {"version", v2_ ? 2 : 1}};
    if (v2_) {
      const auto events = read_text(dir_ / "memory.events");
      e["limit_bytes"] = number_in(dir_ / "memory.max");
      e["oom_kills"] = keyed_value(events, "oom_kill");
      e["oom_events"] = keyed_value(events, "oom");
      e["limit_hits"] = keyed_value(events, "max");
      if (const auto peak = number_in(dir_ / "memory.peak"); peak >= 0) e["max_usage_bytes"] = peak;
    } else {
      e["limit_bytes"] = number_in(dir_ / "memory.limit_in_bytes");
      e["oom_kills"] = keyed_value(read_text(dir_ / "memory.oom_control"), "oom_kill");
      // With swap limited too, the kernel counts the hits on memory+swap.
      e["limit_hits"] = std::max(number_in(dir_ / "memory.failcnt"), number_in(dir_ / "memory.memsw.failcnt"));
      e["max_usage_bytes"] = number_in(dir_ / "memory.max_usage_in_bytes");
    }
    return e;
  }

 private:
  std::filesystem::path dir_;
  bool v2_ = false;
};

// ---------------------------------------------------------------------------------------------
// Network namespaces legion-part-PID-I, each joined to this namespace by a veth pair lgpPIDhI (here)
// / lgpPIDnI (there) on a /30 of 169.254.0.0/16 (link-local: never routed beyond this machine).
// Removed on every way out of the scope; an interrupted run's leftovers by remove_leftovers().
class Partitionable {
 public:
  std::string create(int count) {
    if (::geteuid() != 0) return "network namespaces and veth pairs need root; running as uid " + std::to_string(::geteuid());
    if (ip_program().empty()) return "iproute2's ip is not installed";
    const int subnet = free_subnet();
    if (subnet < 0) return "no free 169.254.X.0/24 for the veth pairs";
    for (int i = 0; i < count; ++i) {
      const auto tag = std::to_string(::getpid());
      Link l{kNetnsPrefix + tag + "-" + std::to_string(i), kVethPrefix + tag + "h" + std::to_string(i), kVethPrefix + tag + "n" + std::to_string(i),
             "169.254." + std::to_string(subnet) + "." + std::to_string(4 * i + 1), "169.254." + std::to_string(subnet) + "." + std::to_string(4 * i + 2)};
      if (auto e = ip({"netns", "add", l.netns}); !e.empty()) return e;
      links_.push_back(l);
      for (const auto& step : std::vector<std::vector<std::string>>{
               {"link", "add", l.host_veth, "type", "veth", "peer", "name", l.ns_veth},
               {"link", "set", l.ns_veth, "netns", l.netns},
               {"addr", "add", l.host_address + "/30", "dev", l.host_veth},
               {"link", "set", l.host_veth, "up"},
               {"-n", l.netns, "addr", "add", l.ns_address + "/30", "dev", l.ns_veth},
               {"-n", l.netns, "link", "set", l.ns_veth, "up"},
               {"-n", l.netns, "link", "set", "lo", "up"}})
        if (auto e = ip(step); !e.empty()) return e;
    }
    return {};
  }
  ~Partitionable() { remove(); }
  void remove() {
    for (const auto& l : links_) {
      if (std::filesystem::exists("/sys/class/net/" + l.host_veth)) ip({"link", "del", l.host_veth});  // its peer goes with it
      ip({"netns", "del", l.netns});
    }
    links_.clear();
  }
  // Takes the links down (the partition) or up (healed), this side: the namespace's end loses its carrier.
  std::string set_links(bool up) {
    for (const auto& l : links_)
      if (auto e = ip({"link", "set", l.host_veth, up ? "up" : "down"}); !e.empty()) return e;
    return {};
  }
  struct Link {
    std::string netns, host_veth, ns_veth, host_address, ns_address;
  };
  const std::vector<Link>& links() const { return links_; }

 private:
  // A third octet no address of this machine uses (169 skipped: 169.254.169.254 is a cloud's metadata service).
  static int free_subnet() {
    std::set<int> used = {169};
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) == 0) {
      for (auto* a = list; a; a = a->ifa_next)
        if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET) {
          const auto ip = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
          if ((ip >> 16) == ((169u << 8) | 254u)) used.insert(static_cast<int>((ip >> 8) & 0xff));
        }
      ::freeifaddrs(list);
    }
    for (int k = 0; k < 250; ++k) {
      const int s = 1 + (static_cast<int>(::getpid()) + k) % 250;
      if (!used.contains(s)) return s;
    }
    return -1;
  }
  std::vector<Link> links_;
};

// ---------------------------------------------------------------------------------------------
// A phase on the broker: tasks XADDed at a steady rate (and a burst), results read from the result
// stream into the ledger; `on_tick` does the fault. Times are milliseconds since the phase began
// on the wall clock, which is also the broker's (stream ids are its milliseconds since the epoch).
struct Traffic {
  double rate = 20;            // tasks a second
  double seconds = 10;         // of submissions
  double burst_at_s = -1;      // a burst of tasks with documents, once
  int burst_tasks = 0;
  std::int64_t burst_document_kb = 0;
  double drain_s = 60;         // after the last submission, for the last results
};

struct Outcome {
  std::int64_t submitted = 0, completed = 0, failed = 0, duplicates = 0, redelivered = 0, no_result = 0;
  std::map<std::string, std::int64_t> reasons;
  std::vector<std::int64_t> ok_end_ms;  // when each completed task's result was written
  std::vector<std::pair<std::int64_t, std::string>> failures;  // ms, reason
  double elapsed_s = 0;
};

class BrokerPhase {
 public:
  BrokerPhase(StressStore& store, std::string run_id, std::string name, int port)
      : store_(store), run_id_(std::move(run_id)), name_(std::move(name)), port_(port) {}

  Outcome run(const Traffic& t, const std::atomic<bool>& stop, const std::function<void(std::int64_t now_ms)>& on_tick) {
    Redis w("127.0.0.1", port_, 5000ms), reader("127.0.0.1", port_, 5000ms);
    start_ms_ = wall_ms();
    std::map<std::string, std::int64_t> open;  // task id -> when submitted
    std::set<std::string> ended;
    Outcome out;
    const std::int64_t planned = static_cast<std::int64_t>(t.rate * t.seconds);
    bool burst_sent = t.burst_tasks == 0;
    std::string last = "0-0";
    auto submit = [&](const std::vector<std::vector<std::string>>& batch, const std::vector<std::int64_t>& ids) {
      auto replies = w.pipeline(batch);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto at = replies[i].type == Reply::Type::bulk ? broker_ms(replies[i].str) : now_ms();
        store_.submitted(run_id_, name_, ids[i], at * 1'000'000);
        open[std::to_string(ids[i])] = at;
      }
      out.submitted += static_cast<std::int64_t>(ids.size());
    };
    std::int64_t next_id = 0, regular = 0;
    const auto drain_until = [&] { return static_cast<std::int64_t>((t.seconds + t.drain_s) * 1000); };
    while (!stop) {
      const auto now = now_ms();
      // Submissions due by now (rate × elapsed), in one pipelined write.
      std::vector<std::vector<std::string>> batch;
      std::vector<std::int64_t> ids;
      for (; regular < planned && regular < static_cast<std::int64_t>(t.rate * static_cast<double>(now) / 1000.0) + 1; ++regular) {
        ids.push_back(next_id);
        batch.push_back({"XADD", kTaskStream, "*", "task", std::to_string(next_id++)});
      }
      if (!burst_sent && now >= static_cast<std::int64_t>(t.burst_at_s * 1000)) {
        burst_sent = true;
        for (int b = 0; b < t.burst_tasks; ++b) {
          ids.push_back(next_id);
          batch.push_back({"XADD", kTaskStream, "*", "task", std::to_string(next_id++), "document_kb", std::to_string(t.burst_document_kb)});
        }
      }
      if (!batch.empty()) submit(batch, ids);
      on_tick(now);
      if (regular >= planned && burst_sent && open.empty()) break;
      if (now > drain_until()) break;
      auto got = reader.command({"XREAD", "COUNT", "100", "BLOCK", "20", "STREAMS", kResultStream, last}, 1000ms);
      if (got.is_nil() || got.elements.empty()) continue;
      for (const auto& e : got.elements[0].elements[1].elements) {
        last = e.elements[0].str;
        std::map<std::string, std::string> f;
        for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
        if (f["redelivered"] == "1") ++out.redelivered;
        const auto it = open.find(f["task"]);
        if (it == open.end()) {  // a second result: the task ran twice (at-least-once delivery)
          if (ended.contains(f["task"])) ++out.duplicates;
          continue;
        }
        const auto end = std::max(it->second, broker_ms(last));
        const bool ok = f["ok"] == "1";
        const auto reason = ok ? std::string() : f["reason"].empty() ? std::string("failed") : f["reason"];
        store_.finished(run_id_, name_, std::stoll(it->first), it->second * 1'000'000, end * 1'000'000, ok, reason);
        if (ok) ++out.completed, out.ok_end_ms.push_back(end);
        else ++out.failed, ++out.reasons[reason], out.failures.emplace_back(end, reason);
        ended.insert(it->first);
        open.erase(it);
      }
    }
    for (const auto& [id, at] : open) {
      const auto reason = stop ? std::string("not finished: the run was interrupted") : std::string("no result before the phase deadline");
      store_.finished(run_id_, name_, std::stoll(id), at * 1'000'000, now_ms() * 1'000'000, false, reason);
      ++out.failed, ++out.no_result, ++out.reasons[reason];
    }
    out.elapsed_s = static_cast<double>(now_ms()) / 1000;
    std::sort(out.ok_end_ms.begin(), out.ok_end_ms.end());
    return out;
  }
  std::int64_t now_ms() const { return wall_ms() - start_ms_; }

 private:
  std::int64_t broker_ms(const std::string& id) const { return std::stoll(id.substr(0, id.find('-'))) - start_ms_; }
  StressStore& store_;
  std::string run_id_, name_;
  int port_;
  std::int64_t start_ms_ = 0;
};

// Completions a second before `from_ms` (the median of the whole seconds from the first to `from_ms`).
double baseline_rate(const std::vector<std::int64_t>& ends, std::int64_t from_ms) {
  std::vector<double> per_second;
  for (std::int64_t s = 1000; s + 1000 <= from_ms; s += 1000)
    per_second.push_back(static_cast<double>(std::count_if(ends.begin(), ends.end(), [&](auto e) { return e >= s && e < s + 1000; })));
  if (per_second.empty()) return 0;
  std::sort(per_second.begin(), per_second.end());
  return per_second[per_second.size() / 2];
}

// Recovery after `fault_ms`: the first completion after it, and the end of the first second-long
// window (stepping 100 ms) with at least baseline ÷ factor completions.
json recovery(const Outcome& o, std::int64_t fault_ms, double baseline, double factor) {
  json r = {{"baseline_per_s", baseline}, {"factor", factor}};
  const auto first = std::upper_bound(o.ok_end_ms.begin(), o.ok_end_ms.end(), fault_ms);
  if (first != o.ok_end_ms.end()) r["first_completion_s"] = static_cast<double>(*first - fault_ms) / 1000;
  if (baseline > 0 && !o.ok_end_ms.empty())
    for (std::int64_t w = fault_ms; w + 1000 <= o.ok_end_ms.back() + 1000; w += 100) {
      const auto n = std::count_if(o.ok_end_ms.begin(), o.ok_end_ms.end(), [&](auto e) { return e > w && e <= w + 1000; });
      if (static_cast<double>(n) >= baseline / factor) {
        r["throughput_s"] = static_cast<double>(w + 1000 - fault_ms) / 1000;
        break;
      }
    }
  return r;
}

json outcome_json(const Outcome& o) {
  return {{"submitted", o.submitted}, {"completed", o.completed}, {"failed", o.failed}, {"no_result", o.no_result},
          {"error_rate", o.submitted ? static_cast<double>(o.failed) / static_cast<double>(o.submitted) : 0.0},
          {"duplicates", o.duplicates}, {"redelivered", o.redelivered}, {"reasons", o.reasons}, {"elapsed_s", o.elapsed_s}};
}

json phase_spec(const std::string& description, const Traffic& t, int agents) {
  return {{"description", description}, {"load_class", "fault"}, {"mode", "open"}, {"arrival", "constant"}, {"start_agents", agents},
          {"start_rate", t.rate}, {"stages", json::array({{{"seconds", t.seconds}, {"agents", agents}, {"rate", t.rate}}})},
          {"bursts", json::array()},  // the burst is in the description: "bursts" would make the report analyse a spike
          {"max_tasks", static_cast<std::int64_t>(t.rate * t.seconds) + t.burst_tasks}, {"drain_s", t.drain_s}, {"most_agents", agents},
          {"schedule_s", t.seconds}, {"system", "native"}};
}

// The ledger counts of one phase of a stored run.
json phase_ledger(StressStore& store, const std::string& run_id, const std::string& phase) {
  store.flush();
  const auto run = store.load(run_id);
  for (const auto& p : run["phases"])
    if (p["name"] == phase) return p["ledger"];
  return json::object();
}

void end_phase(StressStore& store, const std::string& run_id, const std::string& phase, const Outcome& o, int agents, json& result) {
  store.end_phase(run_id, phase, {{"elapsed_s", o.elapsed_s}, {"submitted", o.submitted}, {"completed", o.completed}, {"failed", o.failed},
                                  {"not_started", o.no_result}, {"interrupted", false}, {"peak_agents", agents}, {"peak_queue_depth", 0},
                                  {"duplicates", o.duplicates}});
  const auto ledger = phase_ledger(store, run_id, phase);
  result["ledger"] = ledger;
  result["lost"] = ledger.value("open", -1) + static_cast<std::int64_t>(ledger.value("errors", json::array()).size());
}

std::string engine_consumer(const std::string& phase, int n) { return phase + "#" + std::to_string(n); }

std::vector<std::string> engine_args(const BrokerFaultOptions& o, const std::string& host, int port, const std::string& base_url,
                                     const std::string& consumer, int agents) {
  return {o.program, "stress-engine", "--redis-host", host, "--redis-port", std::to_string(port), "--base-url", base_url, "--consumer",
          consumer, "--agents", std::to_string(agents), "--scenario", o.scenario, "--seed", std::to_string(o.seed)};
}

void create_group(int port) {
  Redis admin("127.0.0.1", port);
  admin.command({"XGROUP", "CREATE", kTaskStream, kGroup, "$", "MKSTREAM"});
}

// Each engine's word on the outages it saw: one entry per connection that came back.
json outage_reports(int port) {
  Redis r("127.0.0.1", port, 5000ms);
  auto got = r.command({"XRANGE", kEventStream, "-", "+"});
  json reports = json::array();
  std::map<std::string, std::int64_t> errors;
  std::int64_t longest = 0;
  for (const auto& e : got.elements) {
    std::map<std::string, std::string> f;
    for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
    ++errors[f["error"]];
    longest = std::max<std::int64_t>(longest, std::stoll(f["outage_ms"]));
  }
  return {{"connections_recovered", got.elements.size()}, {"errors", errors}, {"longest_outage_s", static_cast<double>(longest) / 1000}};
}

}  // namespace

int remove_leftovers(std::ostream& log) {
  int removed = 0;
  auto stale = [](const std::string& name, const std::string& prefix) {
    const auto pid = pid_in(name, prefix);
    return pid > 0 && pid != ::getpid() && !process_alive(pid);
  };
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net", ec)) {
    const auto name = e.path().filename().string();
    if (!stale(name, kVethPrefix)) continue;
    log << "legion-bench: removing veth " << name << " left by an earlier run\n";
    removed += ip({"link", "del", name}).empty();
  }
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    const auto name = e.path().filename().string();
    if (!stale(name, kNetnsPrefix)) continue;
    log << "legion-bench: removing network namespace " << name << " left by an earlier run\n";
    removed += ip({"netns", "del", name}).empty();
  }
  for (const char* root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory"})
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      const auto name = e.path().filename().string();
      if (!e.is_directory() || !stale(name, kCgroupPrefix)) continue;
      log << "legion-bench: removing cgroup " << e.path().string() << " left by an earlier run\n";
      removed += ::rmdir(e.path().c_str()) == 0;
    }
  return removed;
}

json run_memory_exhaustion(StressStore& store, const std::string& run_id, const BrokerFaultOptions& o, const std::atomic<bool>& stop) {
  const std::string phase = "memory exhaustion";
  constexpr std::int64_t limit_mb = 128, document_mb = 40;
  constexpr int agents = 8, burst = 8, max_replacements = 4;
  remove_leftovers(std::cerr);
  MemoryCgroup cgroup;
  if (auto why = cgroup.create(limit_mb << 20); !why.empty()) return {{"skipped", why}};
  if (!o.quiet)
    std::cerr << "failure suite: memory exhaustion — an engine under a " << limit_mb << " MiB limit (" << cgroup.dir().string() << "), a burst of "
              << burst << " tasks holding " << document_mb << " MiB documents\n";
  const auto dir = o.dir / "memory-exhaustion";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const int port = free_port();
  RedisServer redis(port, dir);
  create_group(port);
  // Model calls take ~50 ms, so the burst's documents are held at once.
  ModelServer oracle(o.scenario, o.seed, dir, "ttft=50,tps=2000", o.program);
  Traffic t;
  t.rate = 20;
  t.seconds = o.quick ? 8 : 20;
  t.burst_at_s = o.quick ? 3 : 6;
  t.burst_tasks = burst;
  t.burst_document_kb = document_mb * 1024;
  t.drain_s = 45;
  json result = {{"limit_mib", limit_mb}, {"document_mib", document_mb}, {"burst_tasks", burst}, {"agents", agents}, {"rate", t.rate},
                 {"seconds", t.seconds}, {"burst_at_s", t.burst_at_s}, {"oracle_latency", "ttft=50,tps=2000"}, {"max_deliveries", 3}};
  store.begin_phase(run_id, phase,
                    phase_spec("one engine process (" + std::to_string(agents) + " agents) in a cgroup limited to " + std::to_string(limit_mb) +
                                   " MiB; " + std::to_string(burst) + " tasks each holding a " + std::to_string(document_mb) +
                                   " MiB document arrive at once; the kernel's OOM killer ends the engine and a replacement takes over",
                               t, agents));
  int generation = 0;
  pid_t engine = spawn(engine_args(o, "127.0.0.1", port, oracle.base_url(), engine_consumer(phase, generation), agents),
                       SpawnOptions{(dir / "engines.log").string(), {}, cgroup.procs()});
  json deaths = json::array();
  std::optional<std::int64_t> first_death_ms;
  std::string dead_consumer;
  std::optional<double> reclaimed_s;
  BrokerPhase driver(store, run_id, phase, port);
  std::unique_ptr<Redis> watcher;
  const auto outcome = driver.run(t, stop, [&](std::int64_t now) {
    int status = 0;
    if (engine > 0 && ::waitpid(engine, &status, WNOHANG) == engine) {
      // The engine ended: say how, with the cgroup's account, and start a replacement in the same cgroup.
      json death = {{"at_s", static_cast<double>(now) / 1000}, {"consumer", engine_consumer(phase, generation)},
                    {"signal", WIFSIGNALED(status) ? std::string(::strsignal(WTERMSIG(status))) : std::string()},
                    {"exit_status", WIFEXITED(status) ? WEXITSTATUS(status) : -1}, {"cgroup", cgroup.evidence()}};
      deaths.push_back(death);
      if (!first_death_ms) first_death_ms = now, dead_consumer = engine_consumer(phase, generation);
      engine = -1;
      if (generation < max_replacements) {
        ++generation;
        engine = spawn(engine_args(o, "127.0.0.1", port, oracle.base_url(), engine_consumer(phase, generation), agents),
                       SpawnOptions{(dir / "engines.log").string(), {}, cgroup.procs()});
      }
    }
    // The first dead consumer's pending tasks: taken over when it holds none.
    if (first_death_ms && !reclaimed_s) {
      if (!watcher) watcher = std::make_unique<Redis>("127.0.0.1", port, 2000ms);
      if (watcher->command({"XPENDING", kTaskStream, kGroup, "-", "+", "1", dead_consumer}).elements.empty())
        reclaimed_s = static_cast<double>(now - *first_death_ms) / 1000;
    }
  });
  end(engine);
  result["outcome"] = outcome_json(outcome);
  result["deaths"] = deaths;
  result["replacements"] = generation;
  result["cgroup"] = cgroup.evidence();
  if (first_death_ms) {
    result["killed_at_s"] = static_cast<double>(*first_death_ms) / 1000;
    auto r = recovery(outcome, *first_death_ms, baseline_rate(outcome.ok_end_ms, static_cast<std::int64_t>(t.burst_at_s * 1000)), o.recovery_factor);
    // Recovered when the dead engine's tasks are all taken over and the throughput is back.
    if (reclaimed_s) r["pending_reclaimed_s"] = *reclaimed_s;
    if (reclaimed_s && r.contains("throughput_s")) result["recovery_s"] = std::max(*reclaimed_s, r["throughput_s"].get<double>());
    result["recovery"] = r;
  }
  end_phase(store, run_id, phase, outcome, agents, result);
  const bool oom = !deaths.empty() && deaths[0]["signal"] == std::string(::strsignal(SIGKILL)) && result["cgroup"].value("oom_kills", 0) > 0;
  result["oom_killed"] = oom;
  result["passed"] = oom && result.contains("recovery_s") && result["lost"] == 0 && outcome.no_result == 0;
  if (!o.quiet)
    std::cerr << "    " << deaths.size() << " engine death(s), OOM kills " << result["cgroup"].value("oom_kills", -1) << ", max usage "
              << result["cgroup"].value("max_usage_bytes", std::int64_t{-1}) / (1 << 20) << " MiB; " << outcome.completed << " completed, "
              << outcome.failed << " failed, " << outcome.duplicates << " ran twice, " << result["lost"] << " lost; recovery "
              << (result.contains("recovery_s") ? std::to_string(result["recovery_s"].get<double>()) + " s" : "not measured") << "\n";
  return result;
}

json run_partition(StressStore& store, const std::string& run_id, const BrokerFaultOptions& o, const std::atomic<bool>& stop) {
  const std::string phase = "network partition";
  constexpr int engines = 2, agents = 4;
  remove_leftovers(std::cerr);
  Partitionable net;
  if (auto why = net.create(engines); !why.empty()) return {{"skipped", why}};
  const auto dir = o.dir / "partition";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const int port = free_port();
  std::vector<std::string> binds;
  for (const auto& l : net.links()) binds.push_back(l.host_address);
  json result = {{"engines", engines}, {"agents", agents}};
  Traffic t;
  t.rate = 20;
  t.seconds = o.quick ? 10 : 24;
  // Longer than an engine's command timeout (3 s for its blocking read), or TCP would carry the connections over it unnoticed.
  const double down_at_s = o.quick ? 3 : 6, down_for_s = o.quick ? 5 : 10;
  t.drain_s = 45;
  result.update({{"rate", t.rate}, {"seconds", t.seconds}, {"down_at_s", down_at_s}, {"down_for_s", down_for_s}});
  json links = json::array();
  for (const auto& l : net.links())
    links.push_back({{"netns", l.netns}, {"veth", l.host_veth + " / " + l.ns_veth}, {"broker_side", l.host_address}, {"engine_side", l.ns_address}});
  result["links"] = links;
  if (!o.quiet)
    std::cerr << "failure suite: network partition — " << engines << " engines in namespaces " << net.links().front().netns << "…, links down for "
              << down_for_s << " s\n";
  {
    RedisServer redis(port, dir, binds);
    create_group(port);
    // A model server inside each namespace, on its own loopback: the partition is between the engines and the broker only.
    std::vector<std::unique_ptr<ModelServer>> oracles;
    std::vector<pid_t> pids;
    for (int i = 0; i < engines; ++i) {
      const auto& l = net.links()[static_cast<std::size_t>(i)];
      const SpawnOptions in_ns{(dir / "engines.log").string(), {}, {}, "/run/netns/" + l.netns};
      oracles.push_back(std::make_unique<ModelServer>(o.scenario, o.seed, dir, "zero", o.program, in_ns));
      pids.push_back(spawn(engine_args(o, l.host_address, port, oracles.back()->base_url(), engine_consumer(phase, i), agents), in_ns));
    }
    store.begin_phase(run_id, phase,
                      phase_spec(std::to_string(engines) + " engine processes (" + std::to_string(agents) +
                                     " agents each) in network namespaces of their own, joined to the broker by veth pairs; the links taken down for " +
                                     std::to_string(static_cast<int>(down_for_s)) + " s and brought up",
                                 t, engines * agents));
    std::optional<std::int64_t> down_ms, up_ms;
    std::string link_error;
    BrokerPhase driver(store, run_id, phase, port);
    const auto outcome = driver.run(t, stop, [&](std::int64_t now) {
      if (!down_ms && now >= static_cast<std::int64_t>(down_at_s * 1000)) {
        down_ms = now;
        link_error = net.set_links(false);
      } else if (down_ms && !up_ms && now >= *down_ms + static_cast<std::int64_t>(down_for_s * 1000)) {
        up_ms = now;
        if (auto e = net.set_links(true); !e.empty()) link_error = e;
      }
    });
    // Take the engines down before the namespaces, so their last results are counted first.
    for (auto& p : pids) end(p);
    result["outcome"] = outcome_json(outcome);
    if (!link_error.empty()) result["link_error"] = link_error;
    result["engine_reports"] = outage_reports(port);
    if (down_ms && up_ms) {
      result["down_at_s"] = static_cast<double>(*down_ms) / 1000;
      result["up_at_s"] = static_cast<double>(*up_ms) / 1000;
      // Results written while the links were down: only those already on their way (sent before it).
      result["completed_while_down"] = std::count_if(outcome.ok_end_ms.begin(), outcome.ok_end_ms.end(), [&](auto e) { return e > *down_ms + 1000 && e <= *up_ms; });
      auto r = recovery(outcome, *up_ms, baseline_rate(outcome.ok_end_ms, *down_ms), o.recovery_factor);
      if (r.contains("throughput_s")) result["recovery_s"] = r["throughput_s"];
      result["recovery"] = r;
    }
    end_phase(store, run_id, phase, outcome, engines * agents, result);
    result["passed"] = link_error.empty() && result.contains("recovery_s") && result["lost"] == 0 && outcome.no_result == 0 &&
                       result["engine_reports"]["connections_recovered"].get<int>() > 0;
    if (!o.quiet)
      std::cerr << "    " << outcome.completed << " completed, " << outcome.failed << " failed, " << outcome.redelivered << " redelivered, "
                << outcome.duplicates << " ran twice, " << result["lost"] << " lost; " << result["engine_reports"]["connections_recovered"]
                << " connections came back; recovery "
                << (result.contains("recovery_s") ? std::to_string(result["recovery_s"].get<double>()) + " s after the links came up" : "not measured")
                << "\n";
  }
  net.remove();
  // What is left of the namespaces and veths (none, unless the removal failed).
  int left = 0;
  for (const auto& l : links)
    left += std::filesystem::exists("/run/netns/" + l["netns"].get<std::string>()) +
            std::filesystem::exists("/sys/class/net/" + l["veth"].get<std::string>().substr(0, l["veth"].get<std::string>().find(' ')));
  result["left_behind"] = left;
  result["passed"] = result["passed"].get<bool>() && left == 0;
  return result;
}

}  // namespace legion::bench::stress
