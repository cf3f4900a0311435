#pragma once
// A run against a real model, fixed and synthetic (times, tokens, outcomes and seeds), for the
// real-model summary's tests and golden files: three systems, two scenarios, five sampled trials each
// after a warm-up, with every failure class and an unclassified failure among them.
#include <array>
#include <string>

#include "legion/report/summary.hpp"

namespace legion::report::testing {

struct Trial {
  bool correct;
  const char* failure;  // nullptr: passed, or "" for a failure without a class
  bool error = false;   // the system or the endpoint stopped with an error
};

inline RunResults real_model_run(bool sampled = true, bool priced = true) {
  RunResults r;
  auto& c = r.context;
  c.run_id = "20260101T020000Z-3";
  c.started_at = "2026-01-01T02:00:00Z";
  c.host = "golden-host";
  c.cpu_model = "Example CPU";
  c.cores = 2;
  c.build_type = "Release";
  c.git_revision = "0123456789ab";
  c.versions = {{"legion-bench", "0.1.0"}};
  c.seed = 7;
  c.latency_profile = "zero";
  c.suite = "coordination";
  c.systems = {"native", "other", "third"};
  c.scenarios = {"single-tool", "sequential-pipeline"};
  c.repetitions = 5;
  c.warmup = 1;
  c.command = "legion-bench --suite coordination --endpoint https://api.example.org/v1 --model 'org/tiny|model *v1*'";
  RealModel m;
  m.endpoint_kind = priced ? "remote endpoint" : "local llama.cpp server";
  m.endpoint = priced ? "https://api.example.org/v1" : "http://127.0.0.1:8091/v1";
  m.model = priced ? "org/tiny|model *v1*" : "local";
  m.reported_models = {priced ? "tiny-model-2026-01-01" : "SmolLM2-360M-Instruct-Q8_0.gguf"};
  m.system_fingerprints = {"fp_<b>1234</b>"};
  m.setting = sampled ? "sampled" : "deterministic";
  m.temperature = sampled ? 0.7 : 0;
  m.seed = 100;
  m.exchanges_file = "exchanges.jsonl";
  if (!priced) m.local = {{"model file", "SmolLM2-360M-Instruct-Q8_0.gguf"}, {"licence", "Apache-2.0"}, {"llama.cpp build", "b4567 | CPU"}};
  if (priced) m.price = ModelPrice{"org/tiny|model *v1*", 0.4, 1.6, 0.1, "USD", "2026-12-07", "https://example.org/prices?a=1&b=<2>"};
  c.real_model = m;

  // Per (scenario, system): five trials.
  const std::array<const char*, 2> scenarios{"single-tool", "sequential-pipeline"};
  const std::array<const char*, 3> systems{"native", "other", "third"};
  // Scenario by scenario, system by system, five trials each.
  const Trial outcomes[2][3][5] = {
      {{{true, nullptr}, {true, nullptr}, {false, "no tool call"}, {true, nullptr}, {true, nullptr}},
       {{false, "wrong tool"}, {true, nullptr}, {false, "malformed arguments"}, {true, nullptr}, {false, "gave up or looped"}},
       {{true, nullptr}, {true, nullptr}, {true, nullptr}, {true, nullptr}, {true, nullptr}}},
      {{{true, nullptr}, {false, "planted value lost"}, {true, nullptr}, {false, "timeout", true}, {true, nullptr}},
       {{false, "planted value lost"}, {false, "planted value lost"}, {false, "framework error", true}, {false, ""}, {false, "planted value lost"}},
       {{false, "endpoint error", true}, {false, "wrong answer"}, {true, nullptr}, {false, "wrong answer"}, {false, "wrong answer"}}},
  };
  const std::int64_t framework_ns[] = {2'000'000, 40'000'000, 15'000'000};
  for (int rep = -1; rep < 5; ++rep)
    for (std::size_t s = 0; s < scenarios.size(); ++s)
      for (std::size_t k = 0; k < systems.size(); ++k) {
        RunRecord rec;
        rec.system = systems[k];
        rec.scenario = scenarios[s];
        rec.repetition = rep < 0 ? 0 : rep;
        rec.warmup = rep < 0;
        const Trial t = rep < 0 ? Trial{true, nullptr} : outcomes[s][k][rep];
        rec.llm_calls = static_cast<std::uint64_t>((s + 1) * 2 + (t.correct ? 0 : 2) + k);
        rec.prompt_tokens = rec.llm_calls * 310 + static_cast<std::uint64_t>(rep + 1) * 7;
        rec.completion_tokens = rec.llm_calls * 23;
        rec.cached_prompt_tokens = k == 0 ? std::optional<std::uint64_t>(rec.llm_calls * 128) : std::nullopt;
        rec.model_busy_ns = static_cast<std::int64_t>(rec.llm_calls) * 180'000'000 + (rep + 1) * 3'000'000;
        rec.oracle_ns = *rec.model_busy_ns;
        rec.wall_ns = *rec.model_busy_ns + framework_ns[k] + (rep + 1) * 250'000 * static_cast<std::int64_t>(k + 1);
        rec.cpu_user_ns = rec.wall_ns / 20;
        rec.rss_peak_bytes = 50'000'000;
        rec.sampling_seed = sampled ? 100 + static_cast<std::uint64_t>(rep + 1) : 100;
        rec.correct = t.correct;
        if (t.error)
          rec.error = std::string(t.failure) == "timeout"           ? "timed out after 120 s"
                      : std::string(t.failure) == "endpoint error" ? "the endpoint answered 500"
                                                                    : "KeyError: 'result' <in the framework>";
        if (t.failure && *t.failure) rec.failure = t.failure;
        rec.answer = t.correct ? "the planted values" : "something else";
        r.records.push_back(rec);
      }
  summarize_run(r);
  return r;
}

}  // namespace legion::report::testing
