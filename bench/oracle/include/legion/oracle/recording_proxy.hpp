#pragma once
// The recording proxy: what the systems talk to when a real model answers (`--endpoint`, `--model
// local`). It listens on loopback, forwards each request to the endpoint and its answer back
// unchanged, and keeps what the scripted server keeps of a request (request_log.hpp) — with the time
// inside the model being the endpoint's round trip as the proxy sees it, and the tokens as the
// endpoint reported them — so that framework time = wall time − time inside the model, with the
// one definition of overhead (report::RunRecord::overhead_ns).
//
// It also
//   - holds the API key: systems get a placeholder and the proxy sends the real key upstream; the
//     key is never written anywhere, and no request header is logged;
//   - sets the sampling of every chat request (temperature and seed), the same for every system,
//     keeping what the system asked for in the exchange log;
//   - writes every exchange as one JSON line, flushed at once (nothing is lost if the run dies);
//   - answers /embeddings itself with the scripted server's deterministic embedder, so retrieval
//     is the same for every system and every endpoint (the chat model is what is compared);
//   - keeps the latest exchanges in memory for classifying why a task failed (failure_class.hpp).
//
// Answers are forwarded whole: a streamed answer reaches the system as the endpoint sent it, after
// its last event, so the proxy adds no time to first token measurements it could not make anyway.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "legion/oracle/model_service.hpp"

namespace legion::oracle {

// The sampling every chat request is sent with: temperature and, when set, seed.
struct Sampling {
  double temperature = 0;
  std::optional<std::uint64_t> seed;
};

// One request and its answer, as forwarded.
struct Exchange {
  std::uint64_t seq = 0;
  std::string label;  // the record it belongs to (set_label)
  std::string path;   // as the system sent it, e.g. /v1/chat/completions
  int status = 0;     // the endpoint's; 502 when it could not be reached
  std::int64_t model_ns = 0;  // the endpoint's round trip
  nlohmann::json request;     // the body as forwarded (null when it was not JSON)
  nlohmann::json response;    // the body: JSON, or for a streamed answer {"events": [...]}, or a string
  std::string error;          // why the endpoint could not be reached
};

// The endpoint's answer body as JSON: the object itself, or for a streamed answer (server-sent
// events) {"events": [each data line's JSON]}; a body that is neither is kept as a string.
nlohmann::json parse_answer_body(const std::string& body);

// The token usage an answer reports, streamed or not: prompt, completion and cached prompt tokens
// (OpenAI's usage.prompt_tokens_details.cached_tokens, or llama.cpp's timings.cache_n).
struct ReportedUsage {
  std::uint64_t prompt_tokens = 0, completion_tokens = 0, cached_prompt_tokens = 0;
  bool reported = false;
};
ReportedUsage reported_usage(const nlohmann::json& answer);

class RecordingProxy : public ModelService {
 public:
  struct Options {
    std::string upstream;  // the endpoint's base URL, e.g. http://127.0.0.1:8080/v1
    std::string api_key;   // sent upstream as a bearer token; empty: none
    std::filesystem::path exchanges_file;  // JSON lines; empty: not written
    std::chrono::milliseconds timeout{600'000};  // one request to the endpoint
    std::size_t exchanges_kept = 512;            // in memory, for exchanges_since
  };

  explicit RecordingProxy(Options options);
  ~RecordingProxy() override;
  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;

  std::string base_url() const override;  // http://127.0.0.1:PORT/v1
  std::uint64_t mark() override;
  OracleTotals totals_since(std::uint64_t mark) const override;
  std::int64_t busy_since(std::uint64_t mark) const override;
  std::vector<RequestLogEntry> requests_since(std::uint64_t mark) const override;

  // Checks the endpoint before anything is measured: that it answers, accepts the key and serves
  // `model` — by its model list, or where it has none by a one-line chat request, which tries the
  // sampling settings as well. Throws std::runtime_error saying which failed.
  void check_endpoint(const std::string& model);
  void set_sampling(std::optional<Sampling> sampling);
  void set_label(std::string label);  // the record the next requests belong to
  // The exchanges numbered after `mark` still in memory, in order.
  std::vector<Exchange> exchanges_since(std::uint64_t mark) const;
  // How the endpoint named itself in its answers so far (`model`, `system_fingerprint`).
  std::set<std::string> reported_models() const;
  std::set<std::string> system_fingerprints() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The endpoint URL's host is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback_url(const std::string& url);

}  // namespace legion::oracle
