#include "legion/report/summary.hpp"

#include <algorithm>
#include <map>

namespace legion::report {

std::vector<CellSummary> summarize(const std::vector<core::RunRecord>& records) {
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<const core::RunRecord*>> cells;
  for (const auto& r : records) {
    if (r.warmup) continue;
    auto key = std::make_pair(r.scenario, r.system);
    if (!cells.contains(key)) order.push_back(key);
    cells[key].push_back(&r);
  }
  std::vector<CellSummary> out;
  for (const auto& key : order) {
    const auto& rs = cells[key];
    CellSummary s;
    s.scenario = key.first;
    s.system = key.second;
    s.runs = rs.size();
    std::vector<double> wall, overhead, per_call, calls, prompt, completion, rss;
    for (const auto* r : rs) {
      if (r->correct) ++s.correct;
      if (r->error) {
        ++s.errors;
        if (std::find(s.error_messages.begin(), s.error_messages.end(), *r->error) == s.error_messages.end())
          s.error_messages.push_back(*r->error);
        continue;
      }
      wall.push_back(static_cast<double>(r->wall_ns) / 1e6);
      if (r->tasks == 1) overhead.push_back(static_cast<double>(r->overhead_ns()) / 1e6);
      if (r->tasks == 1 && r->llm_calls > 0) per_call.push_back(static_cast<double>(r->overhead_ns()) / 1e3 / static_cast<double>(r->llm_calls));
      calls.push_back(static_cast<double>(r->llm_calls));
      prompt.push_back(static_cast<double>(r->prompt_tokens));
      completion.push_back(static_cast<double>(r->completion_tokens));
      rss.push_back(static_cast<double>(r->rss_peak_bytes) / (1024.0 * 1024.0));
    }
    if (!wall.empty()) {
      s.wall_ms = stats::summarize(wall);
      if (!overhead.empty()) s.overhead_ms = stats::summarize(overhead);
      s.llm_calls = stats::median(calls);
      s.prompt_tokens = stats::median(prompt);
      s.completion_tokens = stats::median(completion);
      s.rss_peak_mb = stats::median(rss);
    }
    if (!per_call.empty()) s.overhead_per_call_us = stats::median(per_call);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace legion::report
