#include "recovery.hpp"

#include "checks.hpp"
#include "store.hpp"

namespace legion::bench {

report::RunResults results_to_publish(const std::filesystem::path& dir, std::ostream& notes) {
  const auto json_file = dir / "results.json", store_file = dir / "results.sqlite";
  const bool have_json = std::filesystem::exists(json_file), have_store = std::filesystem::exists(store_file);
  if (!have_json && !have_store) throw UsageError(dir.string() + ": no results.json or results.sqlite to report from");
  report::RunResults from_json;
  if (have_json) from_json = report::read_results_json(json_file);  // unreadable is an error, not a reason to guess
  if (!have_store) return from_json;

  Store store(store_file);
  const auto runs = store.runs();
  if (runs.empty()) {
    if (have_json) return from_json;
    throw UsageError(store_file.string() + ": the store holds no run");
  }
  report::RunResults stored;
  stored.context = runs.back();
  stored.records = store.records(stored.context.run_id);
  if (have_json && from_json.context.run_id == stored.context.run_id && from_json.records.size() >= stored.records.size())
    return from_json;
  notes << (have_json ? "results.json is older than the store" : "results.json is missing") << ": publishing run "
        << stored.context.run_id << " from " << store_file.string() << " (" << stored.records.size() << " records"
        << (stored.context.interrupted ? ", interrupted" : "") << ")\n";
  report::summarize_run(stored);
  return stored;
}

report::RunContext run_to_resume(const Store& store) {
  const auto runs = store.runs();
  if (runs.empty()) throw UsageError("--resume: no run in " + store.file().string());
  if (!runs.back().interrupted)
    throw UsageError("--resume: run " + runs.back().run_id + " in " + store.file().string() + " is complete; nothing to resume");
  return runs.back();
}

nlohmann::json invocation_to_resume(const std::filesystem::path& store_file) {
  if (!std::filesystem::exists(store_file)) throw UsageError("--resume: no results store " + store_file.string());
  Store store(store_file);
  const auto run = run_to_resume(store);
  auto invocation = store.invocation(run.run_id);
  if (!invocation || !invocation->is_object() || !(*invocation)["arguments"].is_array() || !(*invocation)["cwd"].is_string())
    throw UsageError("--resume: run " + run.run_id + " in " + store_file.string() + " did not record its command line");
  return *invocation;
}

}  // namespace legion::bench
