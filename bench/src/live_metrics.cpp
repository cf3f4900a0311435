#include "live_metrics.hpp"

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <stdexcept>

#include "legion/oracle/metrics_text.hpp"
#include "runner.hpp"

namespace legion::bench {
namespace {

std::unique_ptr<LiveMetrics>& installed() {
  static std::unique_ptr<LiveMetrics> metrics;
  return metrics;
}

// Brings a counter up to a running total read elsewhere (prometheus-cpp counters only increase).
void advance(prometheus::Counter& counter, double total) {
  if (total > counter.Value()) counter.Increment(total - counter.Value());
}

}  // namespace

struct LiveMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer;
  std::string host;
  int port = 0;
  double linger_s = 0;
  prometheus::Family<prometheus::Counter>& submitted = prometheus::BuildCounter()
      .Name("legion_tasks_submitted_total").Help("Tasks submitted to the system (the ledger's submissions)").Register(*registry);
  prometheus::Family<prometheus::Counter>& completed = prometheus::BuildCounter()
      .Name("legion_tasks_completed_total").Help("Tasks that ended with a correct result").Register(*registry);
  prometheus::Family<prometheus::Counter>& failed = prometheus::BuildCounter()
      .Name("legion_tasks_failed_total").Help("Tasks that ended failed, for any reason").Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
      .Name("legion_task_latency_seconds")
      .Help("Task latency: from the intended start in the open loop, from the start otherwise").Register(*registry);
  prometheus::Family<prometheus::Gauge>& queue = prometheus::BuildGauge()
      .Name("legion_queue_depth").Help("Tasks issued and waiting for an agent").Register(*registry);
  prometheus::Family<prometheus::Gauge>& in_flight = prometheus::BuildGauge()
      .Name("legion_tasks_in_flight").Help("Tasks an agent is running").Register(*registry);
  prometheus::Family<prometheus::Gauge>& agents = prometheus::BuildGauge()
      .Name("legion_agents").Help("Agents (load-generator threads) at work").Register(*registry);
  prometheus::Family<prometheus::Gauge>& rss = prometheus::BuildGauge()
      .Name("legion_process_resident_memory_bytes").Help("Resident memory (VmRSS)").Register(*registry);
  prometheus::Family<prometheus::Counter>& cpu = prometheus::BuildCounter()
      .Name("legion_process_cpu_seconds_total").Help("User and system CPU time").Register(*registry);
  prometheus::Family<prometheus::Gauge>& threads = prometheus::BuildGauge()
      .Name("legion_process_threads").Help("Threads").Register(*registry);
  prometheus::Family<prometheus::Gauge>& fds = prometheus::BuildGauge()
      .Name("legion_process_open_fds").Help("Open file descriptors").Register(*registry);
  prometheus::Family<prometheus::Counter>& model_requests = prometheus::BuildCounter()
      .Name("legion_model_server_requests_total").Help("Chat completion requests the system's model server served").Register(*registry);
  prometheus::Family<prometheus::Counter>& model_errors = prometheus::BuildCounter()
      .Name("legion_model_server_errors_total").Help("Requests the model server answered with an HTTP error").Register(*registry);
  prometheus::Family<prometheus::Counter>& model_tokens = prometheus::BuildCounter()
      .Name("legion_model_server_tokens_total").Help("Tokens the model server counted, by kind (prompt, completion)").Register(*registry);
  prometheus::Family<prometheus::Gauge>& run_info = prometheus::BuildGauge()
      .Name("legion_run_info").Help("The run being measured (always 1)").Register(*registry);
  prometheus::Family<prometheus::Gauge>& finished = prometheus::BuildGauge()
      .Name("legion_run_finished").Help("1 once the run has ended: the counters hold its final totals").Register(*registry);
};

void TaskMeters::submit() const { submitted->Increment(); }

void TaskMeters::finish(bool ok, double latency_s) const {
  (ok ? completed : failed)->Increment();
  latency->Observe(latency_s);
}

LiveMetrics::LiveMetrics(const MetricsOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = options.host;
  impl_->linger_s = options.linger_s;
  const auto address = options.host + ":" + std::to_string(options.port);
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    throw std::runtime_error("--metrics-port: cannot serve metrics at " + address + ": " + e.what());
  }
  const auto ports = impl_->exposer->GetListeningPorts();
  impl_->port = ports.empty() ? options.port : ports.front();
  impl_->finished.Add({}).Set(0);
  impl_->exposer->RegisterCollectable(impl_->registry);
}

LiveMetrics::~LiveMetrics() = default;

std::string LiveMetrics::url() const { return "http://" + impl_->host + ":" + std::to_string(impl_->port) + "/metrics"; }

void LiveMetrics::begin_run(const std::string& kind, const std::string& run_id) {
  impl_->run_info.Add({{"kind", kind}, {"run_id", run_id}}).Set(1);
}

TaskMeters LiveMetrics::tasks(const std::string& system, const std::string& phase) {
  const prometheus::Labels labels = {{"system", system}, {"phase", phase}};
  // From a tenth of a millisecond (the native engine) to two minutes (a framework under a spike).
  static const prometheus::Histogram::BucketBoundaries buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                  0.1,    0.25,    0.5,    1,     2.5,    5,     10,    30,    60, 120};
  return {&impl_->submitted.Add(labels), &impl_->completed.Add(labels), &impl_->failed.Add(labels),
          &impl_->latency.Add({{"system", system}}, buckets)};
}

void LiveMetrics::load(const std::string& system, std::int64_t queue_depth, std::int64_t in_flight, int agents) {
  impl_->queue.Add({{"system", system}}).Set(static_cast<double>(queue_depth));
  impl_->in_flight.Add({{"system", system}}).Set(static_cast<double>(in_flight));
  impl_->agents.Add({{"system", system}}).Set(agents);
}

void LiveMetrics::process(const std::string& system, const std::string& role, const stress::ProcSample& s) {
  if (!s.ok) return;
  const prometheus::Labels labels = {{"system", system}, {"process", role}};
  impl_->rss.Add(labels).Set(s.rss_mb * 1024 * 1024);
  advance(impl_->cpu.Add(labels), s.cpu_s);
  impl_->threads.Add(labels).Set(s.threads);
  impl_->fds.Add(labels).Set(s.fds);
}

void LiveMetrics::model_server(const std::string& system, const oracle::OracleTotals& t) {
  advance(impl_->model_requests.Add({{"system", system}}), static_cast<double>(t.requests));
  advance(impl_->model_errors.Add({{"system", system}}), static_cast<double>(t.errors));
  advance(impl_->model_tokens.Add({{"system", system}, {"kind", "prompt"}}), static_cast<double>(t.prompt_tokens));
  advance(impl_->model_tokens.Add({{"system", system}, {"kind", "completion"}}), static_cast<double>(t.completion_tokens));
}

void LiveMetrics::finish() { impl_->finished.Add({}).Set(1); }

void LiveMetrics::linger() {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(impl_->linger_s);
  while (std::chrono::steady_clock::now() < until && !interrupt_flag()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

LiveMetrics* live_metrics() { return installed().get(); }

void set_live_metrics(std::unique_ptr<LiveMetrics> metrics) { installed() = std::move(metrics); }

std::optional<oracle::OracleTotals> scrape_model_server(const std::string& base_url) {
  // "http://127.0.0.1:PORT/v1" → the server's root.
  auto root = base_url;
  if (const auto v1 = root.rfind("/v1"); v1 != std::string::npos && v1 + 3 == root.size()) root.erase(v1);
  httplib::Client client(root);
  client.set_connection_timeout(1);
  client.set_read_timeout(1);
  const auto reply = client.Get("/metrics");
  if (!reply || reply->status != 200) return std::nullopt;
  try {
    return oracle::totals_from_prometheus_text(reply->body);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

ModelServerScraper::ModelServerScraper(LiveMetrics& metrics, std::string system, std::string base_url)
    : metrics_(metrics), system_(std::move(system)), base_url_(std::move(base_url)), thread_([this] {
        std::unique_lock l(m_);
        while (!stop_cv_.wait_for(l, std::chrono::seconds(1), [this] { return stop_; })) {
          l.unlock();
          scrape();
          l.lock();
        }
      }) {}

ModelServerScraper::~ModelServerScraper() {
  {
    std::lock_guard l(m_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
  scrape();
}

void ModelServerScraper::scrape() {
  if (const auto served = scrape_model_server(base_url_)) metrics_.model_server(system_, *served);
}

}  // namespace legion::bench
