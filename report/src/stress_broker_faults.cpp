#include "stress_broker_faults.hpp"

#include <iomanip>
#include <sstream>

#include "legion/report/reporters.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

std::string fixed(const json& v, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << (v.is_number() ? v.get<double>() : 0.0);
  return o.str();
}
std::string cell(const std::string& s) { return markdown_escape(s); }
std::string count(const json& j, const char* key) { return std::to_string(j.value(key, std::int64_t{0})); }
std::string mib(const json& bytes) { return bytes.is_number() && bytes.get<double>() >= 0 ? fixed(bytes.get<double>() / (1 << 20), 1) + " MiB" : "–"; }

std::string reasons(const json& outcome) {
  std::string out;
  for (auto it = outcome["reasons"].begin(); it != outcome["reasons"].end(); ++it)
    out += (out.empty() ? "" : "; ") + std::to_string(it.value().get<int>()) + " × \"" + cell(it.key()) + "\"";
  return out.empty() ? "none" : out;
}

std::string outcome_line(const json& r) {
  const auto& o = r["outcome"];
  return count(o, "submitted") + " tasks submitted, " + count(o, "completed") + " completed, " + count(o, "failed") + " failed (error rate " +
         fixed(o.value("error_rate", 0.0) * 100, 2) + "%; reasons: " + reasons(o) + "), " + count(o, "redelivered") +
         " results from redelivered tasks, " + count(o, "duplicates") + " task(s) run twice, " + count(r, "lost") +
         " lost (the ledger: " + count(r["ledger"], "open") + " open).";
}

}  // namespace

std::vector<FaultRecovery> broker_fault_recoveries(const json& extra) {
  std::vector<FaultRecovery> out;
  if (const auto& m = extra.value("memory_exhaustion", json::object()); !m.empty() && !m.contains("skipped"))
    out.push_back({m.contains("recovery_s") && m["recovery_s"].get<double>() < 30,
                   m.contains("recovery_s") ? "memory exhaustion: " + fixed(m["recovery_s"], 2) + " s from the OOM kill to the dead engine's tasks taken over and throughput within " +
                                                  fixed(m["recovery"]["factor"], 1) + "× of the baseline's"
                                            : std::string("memory exhaustion: not recovered"),
                   "memory exhaustion"});
  if (const auto& p = extra.value("partition", json::object()); !p.empty() && !p.contains("skipped"))
    out.push_back({p.contains("recovery_s") && p["recovery_s"].get<double>() < 30,
                   p.contains("recovery_s") ? "network partition: " + fixed(p["recovery_s"], 2) + " s from the links coming up to throughput within " +
                                                  fixed(p["recovery"]["factor"], 1) + "× of the baseline's"
                                            : std::string("network partition: not recovered"),
                   "network partition"});
  return out;
}

std::string broker_faults_markdown(const json& extra) {
  std::ostringstream md;
  if (extra.contains("memory_exhaustion")) {
    const auto& m = extra["memory_exhaustion"];
    md << "\n## Memory exhaustion of an engine process\n\n";
    if (m.contains("skipped")) md << "**Skipped**: " << cell(m["skipped"].get<std::string>()) << ".\n";
    else {
      const auto& c = m["cgroup"];
      md << "One `legion-bench stress-engine` process (" << m["agents"] << " agents) on the Redis Streams path ran in the cgroup " << markdown_code_span(c["cgroup"].get<std::string>())
         << " (v" << c["version"] << ") limited to " << m["limit_mib"] << " MiB, swap excluded; tasks arrived at " << fixed(m["rate"], 0)
         << "/s for " << fixed(m["seconds"], 0) << " s, and " << fixed(m["burst_at_s"], 0) << " s in a burst of " << m["burst_tasks"]
         << " tasks each holding a " << m["document_mib"] << " MiB document for its duration (model calls "
         << cell(m["oracle_latency"]) << ").";
      if (m["deaths"].empty()) md << " **The engine was not ended**: no memory exhaustion happened.\n";
      else {
        md << " The engine ended " << fixed(m["killed_at_s"], 2) << " s in (" << cell(m["deaths"][0].value("signal", std::string("exit"))) << "); the kernel's account: "
           << c.value("oom_kills", -1) << " OOM kill(s), "
           // v1's memory.failcnt stays 0 on some kernels even at an OOM kill: shown only when it counted
           << (c.value("limit_hits", -1) > 0 ? "the limit hit " + std::to_string(c["limit_hits"].get<int>()) + " times, " : std::string())
           << "highest usage "
           << mib(c.value("max_usage_bytes", json(-1))) << " of " << mib(c["limit_bytes"]) << ". " << m["deaths"].size() << " engine death(s), "
           << m["replacements"] << " replacement(s) started in the same cgroup"
           << (m.value("oom_killed", false) ? "" : " — **not shown to be an OOM kill**") << ".\n\n";
        const auto& r = m.value("recovery", json::object());
        md << "Recovery: the first task completed " << (r.contains("first_completion_s") ? fixed(r["first_completion_s"], 2) + " s" : std::string("–"))
           << " after the kill; the dead consumer's pending tasks all taken over after "
           << (r.contains("pending_reclaimed_s") ? fixed(r["pending_reclaimed_s"], 2) + " s" : std::string("–"))
           << " (XAUTOCLAIM of entries idle 2 s; a task delivered more than " << m["max_deliveries"]
           << " times is failed with the reason); throughput back within " << fixed(r.value("factor", 0.0), 1) << "× of the "
           << fixed(r.value("baseline_per_s", 0.0), 0) << " tasks/s before the burst after " << (r.contains("throughput_s") ? fixed(r["throughput_s"], 2) + " s" : std::string("**never**"))
           << " (completions in 1 s windows stepped by 100 ms: 1.00 s is the earliest it can show). Recovery, the later of the two: "
           << (m.contains("recovery_s") ? fixed(m["recovery_s"], 2) + " s" : std::string("**not reached**")) << ". " << outcome_line(m) << "\n";
      }
    }
  }
  if (extra.contains("partition")) {
    const auto& p = extra["partition"];
    md << "\n## Network partition between engines and the broker\n\n";
    if (p.contains("skipped")) md << "**Skipped**: " << cell(p["skipped"].get<std::string>()) << ".\n";
    else {
      md << p["engines"] << " engine processes (" << p["agents"] << " agents each), each in a network namespace of its own with a model server "
         << "on that namespace's loopback, reached the broker over a veth pair (";
      bool first = true;
      for (const auto& l : p["links"]) {
        md << (first ? "" : "; ") << markdown_code_span(l["netns"].get<std::string>()) << ": " << cell(l["engine_side"]) << " → " << cell(l["broker_side"]);
        first = false;
      }
      md << ", link-local /30s). Tasks arrived at " << fixed(p["rate"], 0) << "/s for " << fixed(p["seconds"], 0) << " s; the links were taken down at "
         << fixed(p.value("down_at_s", 0.0), 2) << " s and brought up at " << fixed(p.value("up_at_s", 0.0), 2) << " s"
         << (p.contains("link_error") ? " (**" + cell(p["link_error"].get<std::string>()) + "**)" : std::string()) << ". Tasks completed while down "
         << "(after the first second): " << p.value("completed_while_down", -1) << ".\n\n";
      const auto& e = p["engine_reports"];
      std::string errors;
      for (auto it = e["errors"].begin(); it != e["errors"].end(); ++it)
        errors += (errors.empty() ? "" : "; ") + std::to_string(it.value().get<int>()) + " × \"" + cell(it.key()) + "\"";
      md << "The engines' Redis connections (connect and every command with a timeout, reconnecting with back-off up to 1 s): "
         << e["connections_recovered"] << " came back after an outage, the longest " << fixed(e["longest_outage_s"], 2) << " s; first errors: "
         << (errors.empty() ? "none" : errors) << ".\n\n";
      const auto& r = p.value("recovery", json::object());
      md << "Recovery after the links came up: the first task completed after "
         << (r.contains("first_completion_s") ? fixed(r["first_completion_s"], 2) + " s" : std::string("–")) << ", throughput back within "
         << fixed(r.value("factor", 0.0), 1) << "× of the " << fixed(r.value("baseline_per_s", 0.0), 0) << " tasks/s before the partition after "
         << (p.contains("recovery_s") ? fixed(p["recovery_s"], 2) + " s" : std::string("**never**"))
         << " (completions in 1 s windows stepped by 100 ms: 1.00 s is the earliest it can show). " << outcome_line(p)
         << " Namespaces and veths left afterwards: " << p.value("left_behind", -1) << ".\n";
    }
  }
  return md.str();
}

}  // namespace legion::report
