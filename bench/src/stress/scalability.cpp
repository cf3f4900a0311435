#include "stress/scalability.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "checks.hpp"
#include "exit_status.hpp"
#include "legion/adapters/adapter.hpp"
#include "legion/core/engine.hpp"
#include "legion/datasets/scenario.hpp"
#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/hdr_histogram.hpp"
#include "legion/stats/trend.hpp"
#include "machine.hpp"
#include "runner.hpp"
#include "stress/generator.hpp"
#include "stress/processes.hpp"
#include "stress/ledger.hpp"
#include "stress/resp.hpp"
#include "stress/sampler.hpp"
#include "stress/suite.hpp"

namespace legion::bench::stress {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::atomic<bool> engine_stop{false};
void on_engine_signal(int) { engine_stop = true; }

// XREADGROUP / XAUTOCLAIM entries: [[id, [field, value, ...]], ...] (nil entries of deleted messages skipped).
std::vector<std::pair<std::string, std::map<std::string, std::string>>> entries_of(const Reply& list) {
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> out;
  for (const auto& e : list.elements) {
    if (e.type != Reply::Type::array || e.elements.size() < 2 || e.elements[1].type != Reply::Type::array) continue;
    std::map<std::string, std::string> fields;
    for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) fields[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
    out.emplace_back(e.elements[0].str, std::move(fields));
  }
  return out;
}

// `bytes` of text, every page written (so the memory is really taken, as reading a document would).
std::string make_document(std::int64_t bytes) {
  static constexpr std::string_view line = "The quarterly report lists every shipment, its weight and its destination.\n";
  std::string d;
  d.reserve(static_cast<std::size_t>(bytes));
  while (static_cast<std::int64_t>(d.size() + line.size()) <= bytes) d += line;
  return d;
}

}  // namespace

int engine_main(const EngineOptions& o) {
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa{};
  sa.sa_handler = on_engine_signal;
  sigaction(SIGTERM, &sa, nullptr);
  const auto spec = datasets::load_scenario(datasets::resolve_scenario(o.scenario), datasets::LoadOptions{{}, o.seed});
  const auto task = datasets::task_of(spec);
  auto adapter = adapters::adapter_info("native").make();
  adapters::AdapterConfig config;
  config.base_url = o.base_url;
  config.request_timeout = 30s;
  adapter->prepare(config);
  std::vector<std::thread> agents;
  for (int a = 0; a < o.agents; ++a)
    agents.emplace_back([&] {
      std::unique_ptr<Redis> r;
      // An outage of the broker's connection (a restart, a partition): reported on kEventStream once it is back.
      bool lost = false;
      Clock::time_point lost_at;
      std::string first_error;
      int attempts = 0;
      while (!engine_stop) {
        try {
          if (!r) r = std::make_unique<Redis>(o.redis_host, o.redis_port, 2000ms);
          auto got = r->command({"XREADGROUP", "GROUP", kGroup, o.consumer, "COUNT", "1", "BLOCK", "200", "STREAMS", kTaskStream, ">"}, 1000ms);
          if (lost) {
            const auto outage_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - lost_at).count();
            r->command({"XADD", kEventStream, "*", "consumer", o.consumer, "error", first_error, "outage_ms", std::to_string(outage_ms),
                        "attempts", std::to_string(attempts)});
            lost = false;
            attempts = 0;
          }
          std::vector<std::pair<std::string, std::map<std::string, std::string>>> entries;
          bool redelivered = false;
          if (!got.is_nil() && !got.elements.empty()) entries = entries_of(got.elements[0].elements[1]);
          if (entries.empty()) {  // nothing new: take over what a dead consumer left pending
            auto claimed = r->command({"XAUTOCLAIM", kTaskStream, kGroup, o.consumer, std::to_string(o.reclaim_idle_ms), "0-0", "COUNT", "4"});
            if (claimed.elements.size() >= 2) entries = entries_of(claimed.elements[1]);
            redelivered = !entries.empty();
          }
          for (const auto& [id, fields] : entries) {
            bool ok = false;
            std::string reason;
            // A task whose every delivery ended its engine (e.g. out of memory) is failed, not tried forever.
            std::int64_t deliveries = 1, document_words = 0;
            if (redelivered) {
              auto p = r->command({"XPENDING", kTaskStream, kGroup, id, id, "1"});
              if (!p.elements.empty() && p.elements[0].elements.size() >= 4) deliveries = p.elements[0].elements[3].integer;
            }
            if (deliveries > o.max_deliveries) {
              reason = "given up after " + std::to_string(deliveries - 1) + " deliveries that ended without a result";
            } else {
              try {
                // The task's document (its context), held in memory until its answer is written.
                std::string document;
                if (auto kb = fields.find("document_kb"); kb != fields.end()) document = make_document(std::stoll(kb->second) * 1024);
                auto outcome = adapter->run(task);
                document_words = std::count(document.begin(), document.end(), ' ') + !document.empty();
                auto check = datasets::check_answer(spec, outcome.answer);
                ok = check.correct;
                if (!ok) reason = "wrong answer";
              } catch (const std::bad_alloc&) {
                reason = "out of memory";
              } catch (const std::exception& e) {
                reason = e.what();
              }
            }
            const auto tid = fields.contains("task") ? fields.at("task") : id;
            r->command({"XADD", kResultStream, "*", "task", tid, "ok", ok ? "1" : "0", "reason", reason, "consumer", o.consumer, "redelivered",
                        redelivered ? "1" : "0", "document_words", std::to_string(document_words)});
            r->command({"XACK", kTaskStream, kGroup, id});
          }
        } catch (const RedisConnectionError& e) {  // the broker is unreachable: try again, backing off up to 1 s, until it is back
          r.reset();
          if (!lost) lost = true, lost_at = Clock::now(), first_error = e.what();
          std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(1000ms, 100ms * (1 << std::min(attempts, 4))));
          ++attempts;
        } catch (const std::exception&) {  // e.g. NOGROUP while the broker reloads
          std::this_thread::sleep_for(100ms);
        }
      }
    });
  for (auto& t : agents) t.join();
  return 0;
}

namespace {

struct Ctx {
  const StressOptions& o;
  StressStore& store;
  std::string run_id;
  int port;
  std::string base_url;
  std::filesystem::path dir;
  RedisServer& redis;
  pid_t oracle_pid;
  std::int64_t next_task = 0;
  std::string last_result = "0-0";
};

struct Disturbance {
  enum class Kind { none, broker_restart, engine_kill } kind = Kind::none;
  double at_share = 0.3;  // of the phase's results
};

// The earlier phases' entries are all read and acknowledged by now: they are trimmed and the
// append-only file rewritten, as an operator caps a stream in production, so that the restart
// below replays the broker's working state rather than every task of the run (five rounds of
// levels made a 60 MB file whose replay alone took 5.5 s). Tasks still pending keep the task
// stream as it is.
json compact_broker(Ctx& c) {
  Redis r("127.0.0.1", c.port, 10000ms);
  const auto pending = r.command({"XPENDING", kTaskStream, kGroup});
  const bool none_pending = pending.elements.empty() || pending.elements.front().integer == 0;
  json out = {{"task_stream_trimmed", none_pending}};
  if (none_pending) out["task_entries_removed"] = r.command({"XTRIM", kTaskStream, "MAXLEN", "0"}).integer;
  out["result_entries_removed"] = r.command({"XTRIM", kResultStream, "MAXLEN", "0"}).integer;
  const auto started = Clock::now();
  r.command({"BGREWRITEAOF"});
  for (;;) {  // INFO persistence says when the rewrite is over
    const auto info = r.command({"INFO", "persistence"}).str;
    if (info.find("aof_rewrite_in_progress:0") != std::string::npos && info.find("aof_rewrite_scheduled:0") != std::string::npos) break;
    if (Clock::now() - started > 30s) throw std::runtime_error("the broker's append-only file was not rewritten within 30 s");
    std::this_thread::sleep_for(50ms);
  }
  out["rewrite_s"] = std::chrono::duration<double>(Clock::now() - started).count();
  return out;
}

json run_phase(Ctx& c, const std::string& name, int engines, std::int64_t tasks, const std::vector<int>& cpus, Disturbance d) {
  const int agents = c.o.engine_agents;
  json spec = {{"description", std::to_string(engines) + " engine process" + (engines > 1 ? "es" : "") + " × " + std::to_string(agents) +
                                   " agents, " + std::to_string(tasks) + " tasks queued on the broker at once" +
                                   (cpus.empty() ? "" : ", engines pinned to CPU " + std::to_string(cpus.front()) + (cpus.size() > 1 ? "-" + std::to_string(cpus.back()) : ""))},
               {"load_class", "broker"}, {"engines", engines}, {"agents_per_engine", agents}, {"stages", json::array()},
               {"bursts", json::array()}, {"most_agents", engines * agents}, {"schedule_s", 0}, {"cpus", cpus}, {"system", "native"}};
  c.store.begin_phase(c.run_id, name, spec);
  if (!c.o.quiet) std::cerr << "  " << name << "\n";
  std::vector<pid_t> pids;
  for (int i = 0; i < engines; ++i)
    pids.push_back(spawn({"/proc/self/exe", "stress-engine", "--redis-port", std::to_string(c.port), "--base-url", c.base_url, "--consumer",
                          name + "#" + std::to_string(i), "--agents", std::to_string(agents), "--scenario", c.o.scenario, "--seed",
                          std::to_string(c.o.seed)},
                         SpawnOptions{(c.dir / "engines.log").string(), cpus}));
  std::this_thread::sleep_for(300ms);  // the engines connect
  Redis r("127.0.0.1", c.port, 5000ms);
  const auto t0 = Clock::now();
  const auto wall0_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto ns = [&](Clock::time_point t) { return std::chrono::duration_cast<std::chrono::nanoseconds>(t - t0).count(); };
  // Times on the broker's clock: a stream id is the milliseconds since the epoch when it was written.
  auto id_ns = [&](const std::string& id) -> std::int64_t { return (static_cast<std::int64_t>(std::stoll(id.substr(0, id.find('-')))) - wall0_ms) * 1'000'000; };
  std::mutex open_m;
  std::map<std::string, std::int64_t> open;  // task id -> intended ns (when its XADD was written)
  const auto first = c.next_task;
  c.next_task += tasks;
  // The producer: pipelined XADDs of 100 on a connection of its own, while the results are read.
  std::thread producer([&] {
    Redis w("127.0.0.1", c.port, 10000ms);
    for (std::int64_t k = 0; k < tasks;) {
      std::vector<std::vector<std::string>> batch;
      std::vector<std::int64_t> ids;
      for (; k < tasks && batch.size() < 100; ++k) {
        ids.push_back(first + k);
        batch.push_back({"XADD", kTaskStream, "*", "task", std::to_string(first + k)});
      }
      // A broker restart mid-batch: the batch is sent again (a task may then be queued twice; its second result counts as a duplicate).
      std::vector<Reply> replies;
      for (int attempt = 0; replies.empty() && !interrupt_flag(); ++attempt) {
        try {
          replies = w.pipeline(batch);
        } catch (const RedisConnectionError&) {
          if (attempt > 100) break;
          std::this_thread::sleep_for(100ms);
          try {
            w.reconnect();
          } catch (const std::exception&) {
          }
        }
      }
      try {
        if (replies.size() != batch.size()) throw std::runtime_error("the broker did not take the tasks");
        std::lock_guard l(open_m);
        for (std::size_t i = 0; i < ids.size(); ++i) {
          const auto at = replies[i].type == Reply::Type::bulk ? id_ns(replies[i].str) : ns(Clock::now());
          c.store.submitted(c.run_id, name, ids[i] - first, at);
          open[std::to_string(ids[i])] = at;
        }
      } catch (const std::exception& e) {
        std::cerr << "legion-bench: submitting tasks: " << e.what() << "\n";
        return;
      }
    }
  });
  std::vector<std::int64_t> ends;
  std::int64_t duplicates = 0, failed = 0;
  json disturbance = json::object();
  bool disturbed = d.kind == Disturbance::Kind::none;
  Clock::time_point disturbed_at{};
  pid_t killed = -1;
  std::string killed_consumer;
  stats::HdrHistogram second(1, 3'600'000'000, 3);
  auto next_tick = t0 + 1s;
  std::int64_t sec_done = 0, sec_failed = 0;
  ProcSample last_redis = read_proc(c.redis.pid()), last_oracle = read_proc(c.oracle_pid);
  auto last_t = Clock::now();
  const auto deadline = t0 + std::chrono::seconds(60 + tasks / 20);
  Redis reader("127.0.0.1", c.port, 2000ms);
  // The disturbance, once a share of the results is in.
  auto maybe_disturb = [&] {
    if (!disturbed && static_cast<double>(ends.size()) >= d.at_share * static_cast<double>(tasks)) {
      disturbed = true;
      disturbed_at = Clock::now();
      if (d.kind == Disturbance::Kind::broker_restart) {
        c.redis.kill_hard();
        disturbance["killed_at_s"] = std::chrono::duration<double>(disturbed_at - t0).count();
        std::this_thread::sleep_for(1s);
        c.redis.start();
        disturbance["restarted_after_s"] = std::chrono::duration<double>(Clock::now() - disturbed_at).count();
        reader.reconnect();
      } else {
        // Mid-task: wait (up to 2 s) for an engine of this phase holding a delivered, unacknowledged task, and kill that one.
        std::size_t held = 0, index = 0;
        for (const auto until = Clock::now() + 2s; held == 0 && Clock::now() < until;) {
          const auto summary = r.command({"XPENDING", kTaskStream, kGroup});
          if (summary.elements.size() < 4 || summary.elements[3].type != Reply::Type::array) continue;
          for (const auto& row : summary.elements[3].elements) {
            const auto& consumer = row.elements[0].str;
            if (!consumer.starts_with(name + "#")) continue;
            held = static_cast<std::size_t>(std::stoll(row.elements[1].str));
            index = static_cast<std::size_t>(std::stoll(consumer.substr(name.size() + 1)));
            if (held > 0) break;
          }
        }
        killed = pids[index];
        killed_consumer = name + "#" + std::to_string(index);
        disturbance["pending_at_kill"] = held;
        disturbance["consumer"] = killed_consumer;
        disturbed_at = Clock::now();
        ::kill(killed, SIGKILL);
        ::waitpid(killed, nullptr, 0);
        pids[index] = -1;
        disturbance["killed_at_s"] = std::chrono::duration<double>(disturbed_at - t0).count();
      }
    }
  };
  std::size_t ended = 0;
  auto remaining = [&] {
    std::lock_guard l(open_m);
    return static_cast<std::int64_t>(tasks) - static_cast<std::int64_t>(ended);
  };
  while (remaining() > 0 && Clock::now() < deadline && !interrupt_flag()) {
    const auto now = Clock::now();
    if (now >= next_tick) {
      const double dt = std::chrono::duration<double>(now - last_t).count();
      auto rs = read_proc(c.redis.pid()), os = read_proc(c.oracle_pid);
      json sample = {{"t_s", std::chrono::duration<double>(next_tick - t0).count()}, {"submitted", 0}, {"completed", sec_done},
                     {"failed", sec_failed}, {"queue_depth", remaining()}, {"in_flight", 0},
                     {"agents", engines * agents}, {"target_rate", 0},
                     {"p50_us", second.total_count() ? second.value_at_percentile(50) : 0},
                     {"p90_us", second.total_count() ? second.value_at_percentile(90) : 0},
                     {"p99_us", second.total_count() ? second.value_at_percentile(99) : 0}, {"max_us", second.total_count() ? second.max() : 0},
                     {"system", to_json(rs, rs.ok && last_redis.ok ? (rs.cpu_s - last_redis.cpu_s) / dt : 0)},
                     {"server", to_json(os, (os.cpu_s - last_oracle.cpu_s) / dt)}};
      c.store.sample(c.run_id, name, sample["t_s"], sample);
      second.reset();
      sec_done = sec_failed = 0;
      last_redis = rs, last_oracle = os, last_t = now;
      next_tick += 1s;
    }
    maybe_disturb();
    try {
      auto got = reader.command({"XREAD", "COUNT", "50", "BLOCK", "100", "STREAMS", kResultStream, c.last_result}, 1000ms);
      if (got.is_nil() || got.elements.empty()) {
        // After an engine kill: recovered once the dead consumer holds nothing pending.
        if (killed > 0 && !disturbance.contains("pending_reclaimed_s")) {
          auto p = reader.command({"XPENDING", kTaskStream, kGroup, "-", "+", "1000", killed_consumer});
          if (p.elements.empty()) disturbance["pending_reclaimed_s"] = std::chrono::duration<double>(Clock::now() - disturbed_at).count();
        }
        continue;
      }
      const auto now2 = Clock::now();
      for (const auto& [rid, fields] : entries_of(got.elements[0].elements[1])) {
        c.last_result = rid;
        const auto t = fields.contains("task") ? fields.at("task") : "";
        std::unique_lock l(open_m);
        auto it = open.find(t);
        if (it == open.end()) {  // a task executed twice (reclaimed after its consumer died mid-way): at-least-once
          ++duplicates;
          continue;
        }
        ++ended;
        const bool ok = fields.contains("ok") && fields.at("ok") == "1";
        const std::int64_t end_ns = std::max<std::int64_t>(it->second, id_ns(rid));
        c.store.finished(c.run_id, name, std::stoll(t) - first, it->second, end_ns, ok, ok ? "" : fields.count("reason") ? fields.at("reason") : "failed");
        second.record(std::max<std::int64_t>(1, (end_ns - it->second) / 1000));
        ends.push_back(end_ns);
        ++(ok ? sec_done : sec_failed);
        failed += !ok;
        if (disturbed && d.kind != Disturbance::Kind::none && !disturbance.contains("first_result_after_s") && now2 > disturbed_at &&
            end_ns > ns(disturbed_at))
          disturbance["first_result_after_s"] = std::chrono::duration<double>(now2 - disturbed_at).count();
        open.erase(it);
        l.unlock();
        maybe_disturb();
      }
      if (killed > 0 && !disturbance.contains("pending_reclaimed_s")) {
        auto p = reader.command({"XPENDING", kTaskStream, kGroup, "-", "+", "1000", killed_consumer});
        if (p.elements.empty()) disturbance["pending_reclaimed_s"] = std::chrono::duration<double>(Clock::now() - disturbed_at).count();
      }
    } catch (const RedisConnectionError&) {
      std::this_thread::sleep_for(100ms);
      try {
        reader.reconnect();
      } catch (const std::exception&) {
      }
    }
  }
  const auto end_time = Clock::now();
  // Every task has its result, but the dead consumer may still hold entries whose results it wrote
  // before it died, unacknowledged: the recovery ends when they have been taken over.
  for (const auto until = Clock::now() + 15s; killed > 0 && !disturbance.contains("pending_reclaimed_s") && Clock::now() < until;) {
    try {
      if (reader.command({"XPENDING", kTaskStream, kGroup, "-", "+", "1000", killed_consumer}).elements.empty())
        disturbance["pending_reclaimed_s"] = std::chrono::duration<double>(Clock::now() - disturbed_at).count();
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(20ms);
  }
  producer.join();
  for (const auto& [t, intended] : open)
    c.store.finished(c.run_id, name, std::stoll(t) - first, intended, ns(end_time), false,
                     interrupt_flag() ? "not finished: the run was interrupted" : "no result before the phase deadline");
  for (auto& p : pids) end(p);
  // Throughput between the 10th and 90th percentile of completion times: the engines' start-up and the last stragglers excluded.
  std::sort(ends.begin(), ends.end());
  double throughput = 0;
  if (ends.size() >= 10) {
    const auto a = ends[ends.size() / 10], b = ends[ends.size() * 9 / 10];
    const double span = static_cast<double>(b - a) / 1e9;
    throughput = span > 0 ? static_cast<double>(ends.size() * 8 / 10) / span : 0;
  }
  json summary = {{"elapsed_s", std::chrono::duration<double>(end_time - t0).count()},
                  {"submitted", tasks},
                  {"completed", static_cast<std::int64_t>(ends.size()) - failed},
                  {"failed", failed + static_cast<std::int64_t>(open.size())},
                  {"not_started", static_cast<std::int64_t>(open.size())},
                  {"interrupted", interrupt_flag().load()},
                  {"peak_agents", engines * agents},
                  {"peak_queue_depth", tasks},
                  {"engines", engines},
                  {"throughput_p10_p90", throughput},
                  {"duplicates", duplicates}};
  if (d.kind != Disturbance::Kind::none) {
    disturbance["kind"] = d.kind == Disturbance::Kind::broker_restart ? "broker killed (SIGKILL) and restarted" : "engine process killed (SIGKILL)";
    if (d.kind == Disturbance::Kind::broker_restart && disturbance.contains("first_result_after_s"))
      disturbance["recovery_s"] = disturbance["first_result_after_s"];
    if (d.kind == Disturbance::Kind::engine_kill && disturbance.contains("pending_reclaimed_s"))
      disturbance["recovery_s"] = disturbance["pending_reclaimed_s"];
    summary["disturbance"] = disturbance;
  }
  c.store.end_phase(c.run_id, name, summary);
  if (!c.o.quiet)
    std::cerr << "    " << ends.size() << " results of " << tasks << " (" << failed << " failed, " << duplicates << " duplicates), "
              << throughput << " tasks/s\n";
  return summary;
}

// Per N: the rounds' throughputs, their median, range and coefficient of variation, and the
// linear-scalability factor X(N) ÷ (N · X(1)) of the medians with the rounds' range of it.
json horizontal_levels(const std::map<int, std::vector<double>>& by_n) {
  json levels = json::array();
  const auto one = by_n.find(1);
  const double x1 = one != by_n.end() && !one->second.empty() ? stats::median(one->second) : 0;
  for (const auto& [n, xs] : by_n) {
    const double m = stats::median(xs);  // every N has its rounds (the bounds below read them too)
    double mean = 0, var = 0;
    for (double x : xs) mean += x / static_cast<double>(xs.size());
    for (double x : xs) var += (x - mean) * (x - mean) / std::max<double>(1, static_cast<double>(xs.size()) - 1);
    json level = {{"engines", n}, {"throughput", m}, {"rounds", xs}, {"low", *std::min_element(xs.begin(), xs.end())},
                  {"high", *std::max_element(xs.begin(), xs.end())}, {"cv", mean > 0 && xs.size() > 1 ? std::sqrt(var) / mean : 0.0},
                  {"linear_factor", x1 > 0 ? m / (n * x1) : 0.0}};
    // The factor's range: each round's X(N) against each round's X(1).
    if (one != by_n.end() && x1 > 0) {
      double lo = 1e300, hi = 0;
      for (double x : xs)
        for (double b : one->second)
          if (b > 0) lo = std::min(lo, x / (n * b)), hi = std::max(hi, x / (n * b));
      level["linear_factor_low"] = lo, level["linear_factor_high"] = hi;
    }
    levels.push_back(level);
  }
  return levels;
}

json vertical(Ctx& c, std::int64_t tasks, int rounds) {
  const auto cpus = allowed_cpus();
  if (cpus.size() < 2) return {{"skipped", "this process may run on " + std::to_string(cpus.size()) + " CPU(s); 1 vs 2 cores needs two"}};
  const std::vector<int> one_cpu = {cpus[0]}, two_cpus = {cpus[0], cpus[1]};
  std::vector<double> one, two;
  for (int round = 1; round <= rounds && !interrupt_flag(); ++round)
    for (int k = 0; k < 2 && !interrupt_flag(); ++k) {
      const bool single = (round + k) % 2 == 1;  // round 1 starts on one core, round 2 on two, ...
      auto s = run_phase(c, std::string("2 engines on ") + (single ? "1 core" : "2 cores") + ", round " + std::to_string(round), 2, tasks,
                         single ? one_cpu : two_cpus, {});
      (single ? one : two).push_back(s["throughput_p10_p90"]);
    }
  auto mean = [](const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m += x / static_cast<double>(v.size());
    return v.empty() ? 0.0 : m;
  };
  json out = {{"cpus", json(two_cpus)}, {"one_core_rounds", one}, {"two_cores_rounds", two}, {"one_core", mean(one)}, {"two_cores", mean(two)},
              {"pinning", "sched_setaffinity on the engine processes; the model server and the broker are not pinned"}};
  if (one.size() >= 2 && two.size() >= 2) {
    const auto r = stats::ratio_of_means_fieller(two, one);
    out["speedup"] = {{"point", r.point}, {"low", r.lower}, {"high", r.upper}, {"bounded", r.bounded}, {"method", "ratio of means, Fieller 95%"}};
  } else if (!one.empty() && !two.empty() && one.front() > 0) {
    out["speedup"] = {{"point", two.front() / one.front()}, {"method", "one round: no interval"}};
  }
  return out;
}

std::string run_scalability(const StressOptions& o) {
  const auto& out = o.out_dir;
  const int port = o.broker_port > 0 ? o.broker_port : free_port();
  StressStore store(out / "results.sqlite");
  const auto run_id = "scalability-" + std::to_string(::time(nullptr)) + "-" + std::to_string(::getpid());
  const auto broker_dir = out / ("broker-" + std::to_string(::getpid()));
  std::filesystem::remove_all(broker_dir);
  RedisServer redis(port, broker_dir);
  ModelServer oracle(o.scenario, o.seed, out);
  store.begin_run(run_id, {{"suite", "scalability"}, {"systems", {"native"}}, {"smoke", o.smoke}, {"mode", "broker backlog"}, {"arrival", "all at once"},
                           {"scenario", o.scenario}, {"latency", "zero"}, {"max_retries", 0}, {"request_timeout_s", 30}, {"command", o.command},
                           {"machine", machine_description()}, {"broker", "redis-server 127.0.0.1:" + std::to_string(port)},
                           {"engine_agents", o.engine_agents}, {"recovery_factor", o.recovery_factor}});
  if (!o.quiet) std::cerr << "stress suite 'scalability' (run " << run_id << "): redis-server on 127.0.0.1:" << port << "\n";
  {
    Redis admin("127.0.0.1", port);
    admin.command({"XGROUP", "CREATE", kTaskStream, kGroup, "$", "MKSTREAM"});
  }
  Ctx c{o, store, run_id, port, oracle.base_url(), out, redis, oracle.pid()};
  const std::int64_t tasks = o.smoke ? 200 : 2000;
  const std::int64_t disturbed_tasks = o.smoke ? 1000 : 4000;
  json extra = json::object();

  // Horizontal: 1..N engine processes, visited in rounds, each round in its own shuffled order, so
  // that drift on the machine spreads over every N instead of tilting the curve; the rounds' spread
  // is the noise the fit and the factors carry.
  const int rounds = o.smoke ? 1 : 5;
  std::mt19937_64 shuffle_rng(o.seed);
  std::vector<double> n_list, x_list;
  std::map<int, std::vector<double>> by_n;
  for (int round = 1; round <= rounds && !interrupt_flag(); ++round) {
    std::vector<int> order(static_cast<std::size_t>(o.max_engines));
    std::iota(order.begin(), order.end(), 1);
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    for (int n : order) {
      if (interrupt_flag()) break;
      auto s = run_phase(c, std::to_string(n) + " engine" + (n > 1 ? "s" : "") + ", round " + std::to_string(round), n, tasks, {}, {});
      n_list.push_back(n);
      x_list.push_back(s["throughput_p10_p90"]);
      by_n[n].push_back(s["throughput_p10_p90"]);
    }
  }
  extra["horizontal"] = horizontal_levels(by_n);
  extra["rounds"] = rounds;
  if (by_n.size() >= 4) {
    try {
      const auto fit = stats::fit_usl(n_list, x_list);
      extra["usl"] = {{"lambda", fit.lambda.point}, {"lambda_low", fit.lambda.lower}, {"lambda_high", fit.lambda.upper},
                      {"sigma", fit.sigma.point}, {"sigma_low", fit.sigma.lower}, {"sigma_high", fit.sigma.upper},
                      {"kappa", fit.kappa.point}, {"kappa_low", fit.kappa.lower}, {"kappa_high", fit.kappa.upper},
                      {"peak_n", std::isfinite(fit.peak_concurrency()) ? json(fit.peak_concurrency()) : json("none (κ ≤ 0)")},
                      {"peak_throughput", std::isfinite(fit.peak_concurrency()) ? fit.predict(fit.peak_concurrency()) : 0.0},
                      {"converged", fit.converged}, {"rss", fit.residual_sum_of_squares}, {"observations", n_list.size()}};
    } catch (const std::exception& e) {
      extra["usl"] = {{"error", e.what()}};
    }
  }
  // Vertical: the same workload (two engine processes) pinned to one of this process's CPUs, then to
  // two, alternating which comes first, for as many rounds.
  if (!interrupt_flag()) extra["vertical"] = vertical(c, tasks, o.smoke ? 1 : rounds);
  // Failures: the broker killed and restarted; an engine killed.
  if (!interrupt_flag()) extra["broker_compaction"] = compact_broker(c);
  if (!interrupt_flag()) {
    auto s = run_phase(c, "broker killed and restarted", 2, disturbed_tasks, {}, {Disturbance::Kind::broker_restart, 0.3});
    extra["broker_restart"] = s.value("disturbance", json::object());
  }
  if (!interrupt_flag()) {
    auto s = run_phase(c, "engine killed", 2, disturbed_tasks, {}, {Disturbance::Kind::engine_kill, 0.3});
    extra["engine_kill"] = s.value("disturbance", json::object());
  }
  // The broker alone: XADD, then XREADGROUP + XACK in batches of 100, no work.
  if (!interrupt_flag()) {
    Redis r("127.0.0.1", port, 5000ms);
    r.command({"XGROUP", "CREATE", "legion:bench", "bench", "$", "MKSTREAM"});
    const std::int64_t n = o.smoke ? 2000 : 20000;
    auto t0 = Clock::now();
    for (std::int64_t i = 0; i < n; ++i) r.command({"XADD", "legion:bench", "*", "task", std::to_string(i)});
    const double add_s = std::chrono::duration<double>(Clock::now() - t0).count();
    t0 = Clock::now();
    std::int64_t got = 0;
    while (got < n) {
      auto reply = r.command({"XREADGROUP", "GROUP", "bench", "c", "COUNT", "100", "STREAMS", "legion:bench", ">"});
      if (reply.is_nil() || reply.elements.empty()) break;
      std::vector<std::string> ack = {"XACK", "legion:bench", "bench"};
      for (const auto& [id, f] : entries_of(reply.elements[0].elements[1])) ack.push_back(id);
      got += static_cast<std::int64_t>(ack.size() - 3);
      r.command(ack);
    }
    const double take_s = std::chrono::duration<double>(Clock::now() - t0).count();
    extra["broker_alone"] = {{"messages", n}, {"xadd_per_s", static_cast<double>(n) / add_s}, {"consume_ack_per_s", static_cast<double>(got) / take_s},
                             {"note", "one connection, one command at a time (no pipelining), appendfsync always"}};
    // The bus alone: publications a second to 10 subscribers, in a tight loop for 1 s.
    core::MessageBus bus;
    std::uint64_t delivered = 0;
    for (int i = 0; i < 10; ++i) bus.subscribe("t", [&](const core::Envelope&) { ++delivered; });
    std::int64_t published = 0;
    t0 = Clock::now();
    while (Clock::now() - t0 < 1s)
      for (int k = 0; k < 100; ++k, ++published) bus.publish({"t", "bench", "message"});
    const double bus_s = std::chrono::duration<double>(Clock::now() - t0).count();
    extra["bus_alone"] = {{"published_per_s", static_cast<double>(published) / bus_s}, {"deliveries_per_s", static_cast<double>(delivered) / bus_s}, {"subscribers", 10}};
  }
  store.finish_run(run_id, interrupt_flag().load(), extra);
  return run_id;
}

void validate_scalability(const StressOptions& o) {
  if (o.max_engines < 1 || o.max_engines > kMaxEngines) throw UsageError("--engines must be 1-64, got " + std::to_string(o.max_engines));
  if (o.engine_agents < 1 || o.engine_agents * o.max_engines > o.max_agents)
    throw UsageError(std::to_string(o.max_engines) + " engines × " + std::to_string(o.engine_agents) + " agents is more than the configured limit of " +
                     std::to_string(o.max_agents) + " agents (--max-agents)");
  if (o.broker_port < 0 || o.broker_port > 65535) throw UsageError("--broker-port must be 0-65535, got " + std::to_string(o.broker_port));
  if (o.broker_port > 0 && !port_free(o.broker_port))
    throw UsageError("--broker-port " + std::to_string(o.broker_port) + " is in use on 127.0.0.1: pick another, or 0 for a free one");
  if (!std::filesystem::exists("/usr/bin/redis-server"))
    throw UsageError("the scalability suite needs redis-server (Debian's redis-server package; scripts/bootstrap.sh installs it)");
  if (o.systems != std::vector<std::string>{"native"}) throw UsageError("the scalability suite runs the native engine only");
}

}  // namespace

StressSuite scalability_suite() {
  StressSuite suite;
  suite.name = "scalability";
  suite.description = "1-8 native engine processes on Redis Streams (redis-server on loopback): USL fit, 1 vs 2 cores, broker restart, engine kill";
  suite.validate = validate_scalability;
  suite.plan = [](const StressOptions& o) {
    std::vector<PlannedPhase> phases;
    for (int n = 1; n <= o.max_engines; ++n)
      phases.push_back({std::to_string(n) + " engine" + (n > 1 ? "s" : ""), std::to_string(o.smoke ? 200 : 2000) + " tasks queued on the stream at once",
                        n * o.engine_agents});
    return phases;
  };
  suite.run = run_scalability;
  return suite;
}

}  // namespace legion::bench::stress
