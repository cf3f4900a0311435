#include "legion/report/concurrency.hpp"

#include <algorithm>
#include <map>

#include "format.hpp"
#include "sections.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/summary.hpp"
#include "legion/stats/descriptive.hpp"

namespace legion::report {


namespace {

// The (scenario, level) a record belongs to under concurrency, if any: a concurrency part's cell,
// or any cell of a run made with --concurrency N > 1.
std::optional<std::pair<std::string, int>> concurrency_cell(const RunResults& run, const RunRecord& r) {
  if (r.swept == kSweptConcurrency) return std::make_pair(r.scenario, r.tasks);
  if (run.context.concurrency > 1) return std::make_pair(r.cell(), r.tasks);
  return std::nullopt;
}

}  // namespace

std::vector<ConcurrencyLevel> concurrency_levels(const RunResults& run) {
  std::vector<std::string> scenarios;              // in order of first appearance
  std::vector<std::pair<std::string, int>> cells;  // (scenario, level)
  for (const auto& r : run.records)
    if (const auto cell = concurrency_cell(run, r); cell && std::find(cells.begin(), cells.end(), *cell) == cells.end()) {
      cells.push_back(*cell);
      if (std::find(scenarios.begin(), scenarios.end(), cell->first) == scenarios.end()) scenarios.push_back(cell->first);
    }
  auto order = [&](const std::string& scenario) { return std::find(scenarios.begin(), scenarios.end(), scenario) - scenarios.begin(); };
  std::sort(cells.begin(), cells.end(), [&](const auto& a, const auto& b) {
    return order(a.first) != order(b.first) ? order(a.first) < order(b.first) : a.second < b.second;
  });
  std::vector<ConcurrencyLevel> out;
  for (const auto& system : run.systems()) {
    std::map<std::string, double> level_one;  // scenario -> tasks/s at level 1
    for (const auto& [scenario, level] : cells) {
      ConcurrencyLevel l;
      l.scenario = scenario, l.system = system, l.level = level;
      std::vector<double> walls_ms, latencies_ms, rss_mb;
      bool unsupported = false;
      for (const auto& r : run.records) {
        if (r.system != system || r.warmup || concurrency_cell(run, r) != std::make_pair(scenario, level)) continue;
        unsupported = unsupported || r.unsupported;
        if (r.error || !r.correct) ++l.failed;
        if (r.error) continue;
        ++l.batches;
        walls_ms.push_back(static_cast<double>(r.wall_ns) / 1e6);
        rss_mb.push_back(static_cast<double>(r.rss_peak_bytes) / 1e6);
        if (r.task_latencies_ns.empty()) latencies_ms.insert(latencies_ms.end(), static_cast<std::size_t>(r.tasks), walls_ms.back());
        for (const auto ns : r.task_latencies_ns) latencies_ms.push_back(static_cast<double>(ns) / 1e6);
      }
      if (unsupported || (l.batches == 0 && l.failed == 0)) continue;
      if (l.batches > 0) {
        l.tasks = latencies_ms.size();
        l.tasks_per_s = level / (stats::median(walls_ms) / 1e3);
        l.p50_ms = stats::quantile(latencies_ms, 0.5);
        l.p90_ms = stats::quantile(latencies_ms, 0.9);
        l.p99_ms = stats::quantile(latencies_ms, 0.99);
        l.rss_per_task_mb = stats::median(rss_mb) / level;
        if (level == 1) level_one[scenario] = l.tasks_per_s;
        if (const auto one = level_one.find(scenario); one != level_one.end() && one->second > 0) l.speedup = l.tasks_per_s / one->second;
      }
      out.push_back(l);
    }
  }
  // In the run's scenario order, then systems, then levels.
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return order(a.scenario) < order(b.scenario); });
  return out;
}

namespace detail {

Section concurrency_section(const std::vector<ConcurrencyLevel>& levels) {
  Section s{"concurrency", "Concurrency",
            {paragraph({own("N copies of a task in flight at once in one worker process per system, through each system's own concurrent "
                            "API. Each copy's latency runs from the batch's start (every copy is submitted then) to that copy's end, so the "
                            "percentiles are per task. Throughput is N tasks over the median batch wall time; RSS per task in flight is the "
                            "worker's median peak RSS during a batch over N; speed-up is tasks/s over that at concurrency 1.")})}};
  std::vector<std::vector<Text>> rows;
  for (const auto& l : levels) {
    std::vector<Text> row{{outside(l.scenario)}, {outside(l.system)}, {own(std::to_string(l.level))}, {own(std::to_string(l.batches))},
                          {own(std::to_string(l.failed))}};
    if (l.batches == 0) {
      for (int i = 0; i < 6; ++i) row.push_back({own("n/a")});
    } else {
      for (const double v : {l.tasks_per_s, l.p50_ms, l.p90_ms, l.p99_ms, l.rss_per_task_mb}) row.push_back({own(sig3(v))});
      row.push_back({own(l.speedup ? sig3(*l.speedup) + "×" : "—")});
    }
    rows.push_back(std::move(row));
  }
  std::vector<Text> header;
  for (const auto* h : {"scenario", "system", "concurrency", "batches", "failed", "tasks/s", "per-task p50 (ms)", "p90 (ms)", "p99 (ms)",
                        "RSS per task in flight (MB)", "speed-up"})
    header.push_back({own(h)});
  s.blocks.push_back(table(header, {false, false, true, true, true, true, true, true, true, true, true}, rows));
  // Plainly, per (scenario, system): does throughput grow with the copies in flight?
  std::vector<Block> verdicts;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const auto& top = levels[i];
    const bool last = i + 1 == levels.size() || levels[i + 1].scenario != top.scenario || levels[i + 1].system != top.system;
    if (!last || !top.speedup || top.level == 1) continue;
    const auto one = std::find_if(levels.begin(), levels.end(), [&](const auto& l) {
      return l.scenario == top.scenario && l.system == top.system && l.level == 1;
    });
    const auto latency_ratio = one != levels.end() && one->p50_ms > 0 ? top.p50_ms / one->p50_ms : 0;
    Text line{code(top.system), own(" on "), code(top.scenario), own(": ")};
    if (*top.speedup < kSerialisedSpeedup)
      detail::add(line, {strong(own("serialises")),
                         own(" — at concurrency " + std::to_string(top.level) + " it completes " + sig3(*top.speedup) +
                             "× the tasks per second of concurrency 1 while a task's median latency grows " + sig3(latency_ratio) +
                             "×: the copies wait for each other rather than overlap.")});
    else
      line.push_back(own("overlaps its copies — at concurrency " + std::to_string(top.level) + " it completes " + sig3(*top.speedup) +
                         "× the tasks per second of concurrency 1 (a task's median latency " + sig3(latency_ratio) + "×)."));
    verdicts.push_back(item(line, verdicts.empty()));
  }
  if (!verdicts.empty()) {
    s.blocks.push_back(paragraph({own("Where a system serialises (under " + sig3(kSerialisedSpeedup) +
                                      "× the throughput of one task at a time at its highest level). With the "),
                                  code("zero"),
                                  own(" latency profile a task is CPU work only, so on a machine of C cores no system can exceed about "
                                      "C× (the model server shares them); a latency profile shows how far waiting on the model overlaps.")}));
    s.blocks.insert(s.blocks.end(), verdicts.begin(), verdicts.end());
  }
  return s;
}

}  // namespace detail

void write_concurrency_markdown(std::ostream& out, const std::vector<ConcurrencyLevel>& levels) {
  if (!levels.empty()) detail::write_markdown(out, detail::concurrency_section(levels));
}

nlohmann::json to_json(const std::vector<ConcurrencyLevel>& levels) {
  auto j = nlohmann::json::array();
  for (const auto& l : levels) {
    nlohmann::json x = {{"scenario", l.scenario}, {"system", l.system}, {"concurrency", l.level}, {"batches", l.batches},
                        {"failed", l.failed}, {"tasks", l.tasks}};
    if (l.batches > 0) {
      x["tasks_per_s"] = l.tasks_per_s;
      x["task_latency_ms"] = {{"p50", l.p50_ms}, {"p90", l.p90_ms}, {"p99", l.p99_ms}};
      x["rss_per_task_mb"] = l.rss_per_task_mb;
    }
    x["speedup"] = l.speedup ? nlohmann::json(*l.speedup) : nlohmann::json(nullptr);
    j.push_back(std::move(x));
  }
  return j;
}

}  // namespace legion::report
