#include "legion/oracle/profile.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace legion::oracle {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser: a stateless hash of the request number
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

LatencyProfile LatencyProfile::parse(const std::string& spec) {
  LatencyProfile p;
  if (spec.empty() || spec == "zero") return p;
  if (spec == "realistic") {
    p.name = "realistic";
    p.time_to_first_token = std::chrono::milliseconds(400);
    p.tokens_per_second = 60;
    return p;
  }
  p.name = spec;
  std::istringstream fields(spec);
  std::string field;
  bool any = false;
  while (std::getline(fields, field, ',')) {
    auto eq = field.find('=');
    auto key = field.substr(0, eq);
    auto value = eq == std::string::npos ? "" : field.substr(eq + 1);
    auto bad = [&](const std::string& why) {
      return std::invalid_argument("--latency '" + spec + "': " + why + " (expected zero, realistic or ttft=MS,tps=N)");
    };
    double number = 0;
    try {
      std::size_t used = 0;
      number = std::stod(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
    } catch (const std::exception&) {
      throw bad("'" + field + "' is not KEY=NUMBER");
    }
    // A day bounds both: beyond it the figures would overflow the clock, not model any server.
    if (key == "ttft") {
      if (!(number >= 0 && number <= 86'400'000)) throw bad("ttft must be between 0 and 86400000 ms");
      p.time_to_first_token = std::chrono::microseconds(static_cast<std::int64_t>(number * 1000));
    } else if (key == "tps") {
      if (!(number == 0 || (number >= 0.001 && number <= 1e9))) throw bad("tps must be 0 (all at once) or between 0.001 and 1e9");
      p.tokens_per_second = number;
    } else {
      throw bad("unknown key '" + key + "'");
    }
    any = true;
  }
  if (!any) throw std::invalid_argument("--latency '" + spec + "': no ttft or tps given");
  return p;
}

std::chrono::microseconds LatencyProfile::generation_time(std::uint64_t completion_tokens) const {
  if (tokens_per_second <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(static_cast<std::int64_t>(static_cast<double>(completion_tokens) * 1e6 / tokens_per_second));
}

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::http_429: return "http_429";
    case FaultKind::http_500: return "http_500";
    case FaultKind::timeout: return "timeout";
    case FaultKind::malformed_json: return "malformed_json";
    case FaultKind::truncated_stream: return "truncated_stream";
    case FaultKind::slow_stream: return "slow_stream";
  }
  return "?";
}

FaultPlan FaultPlan::parse(const std::string& spec) {
  FaultPlan plan;
  if (spec.empty() || spec == "none") return plan;
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad fault plan '" + spec + "': " + why +
                                 " (expected e.g. rate=0.05,kinds=http_429+http_500,seed=7 or at=3+5,kinds=timeout)");
  };
  std::istringstream fields(spec);
  std::string field;
  while (std::getline(fields, field, ',')) {
    auto eq = field.find('=');
    if (eq == std::string::npos) throw bad("'" + field + "' has no value");
    auto key = field.substr(0, eq);
    std::istringstream values(field.substr(eq + 1));
    std::string v;
    try {
      if (key == "rate") {
        plan.probability = std::stod(field.substr(eq + 1));
      } else if (key == "seed") {
        plan.seed = std::stoull(field.substr(eq + 1));
      } else if (key == "stall_ms") {
        plan.stall = std::chrono::milliseconds(std::stoll(field.substr(eq + 1)));
      } else if (key == "gap_ms") {
        plan.slow_gap = std::chrono::milliseconds(std::stoll(field.substr(eq + 1)));
      } else if (key == "at") {
        while (std::getline(values, v, '+')) plan.at_requests.insert(std::stoull(v));
      } else if (key == "kinds") {
        while (std::getline(values, v, '+')) {
          bool found = false;
          for (auto k : {FaultKind::http_429, FaultKind::http_500, FaultKind::timeout, FaultKind::malformed_json,
                         FaultKind::truncated_stream, FaultKind::slow_stream})
            if (v == to_string(k)) plan.kinds.push_back(k), found = true;
          if (!found) throw bad("unknown fault kind '" + v + "'");
        }
      } else {
        throw bad("unknown key '" + key + "'");
      }
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).starts_with("bad fault plan")) throw;
      throw bad("'" + field + "' is not a number");
    }
  }
  if (plan.probability < 0 || plan.probability > 1) throw bad("rate must be within [0, 1]");
  if (plan.kinds.empty()) plan.kinds = {FaultKind::http_500};
  return plan;
}

std::optional<FaultKind> FaultPlan::fault_for(std::uint64_t n) const {
  auto h = mix(n ^ mix(seed));
  bool hit = at_requests.contains(n) ||
             (probability > 0 && static_cast<double>(h >> 11) * 0x1.0p-53 < probability);
  if (!hit || kinds.empty()) return std::nullopt;
  return kinds[mix(h) % kinds.size()];
}

}  // namespace legion::oracle
