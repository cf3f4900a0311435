#pragma once
// Records for the tests of the field table's destinations (results.json, CSV, the store).
#include "legion/report/results.hpp"

namespace legion::report::testing {

// Every field away from its default, so that a field one destination forgets shows up.
inline RunRecord every_field_set() {
  RunRecord r;
  r.system = "native@b";
  r.scenario = "pipe,line";
  r.params = {{"extra_tools", 10}, {"payload_bytes", 100}};
  r.swept = "extra_tools";
  r.repetition = 3;
  r.warmup = true;
  r.tasks = 1;
  r.wall_ns = 9'000'000'000;
  r.cpu_user_ns = 11;
  r.cpu_sys_ns = 12;
  r.rss_peak_bytes = 13;
  r.llm_calls = 14;
  r.prompt_tokens = 15;
  r.completion_tokens = 16;
  r.request_bytes = 21;
  r.oracle_ns = 17;
  r.model_busy_ns = 29;
  r.reported_llm_calls = 18;
  r.reported_prompt_tokens = 19;
  r.reported_completion_tokens = 20;
  r.human_wait_ns = 22;
  r.task_latencies_ns = {27, 28};
  r.ingest_ns = 23;
  r.retrieval_ns = 24;
  r.embedding_calls = 25;
  r.embedding_tokens = 26;
  r.correct = true;
  r.unsupported = true;
  r.error = "=a \"quoted\" error";
  r.answer = "the answer";
  r.cached_prompt_tokens = 30;
  r.sampling_seed = 31;
  r.failure = "wrong tool";
  r.trace = RecordTrace{5, "legion-oracle", "127.0.0.1:9", {{TraceSpan::Kind::task, "", "", 0, 40},
                                                            {TraceSpan::Kind::model, "legion-oracle", "a", 2, 9, 7, 3, "stop"}}};
  return r;
}

}  // namespace legion::report::testing
