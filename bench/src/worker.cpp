#include "worker.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "legion/core/error_text.hpp"
#include "legion/core/process_status.hpp"
#include "legion/datasets/task_job.hpp"

namespace legion::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kJobFd = 3;
constexpr int kResultFd = 4;

std::int64_t to_ns(const timeval& tv) { return static_cast<std::int64_t>(tv.tv_sec) * 1000000000 + tv.tv_usec * 1000; }

// Peak RSS since the last core::reset_peak_rss().
std::int64_t peak_rss_bytes() { return core::read_process_status().peak_rss_kb * 1024; }

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::int64_t steady_ns(Clock::time_point t) { return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(); }

// The tool calls and the waits for the person of one task, timed around the calls every system
// makes alike (TaskSpec::run_tool, ask_human); copies of a task call from several threads at once.
class TracedCalls : public std::enable_shared_from_this<TracedCalls> {
 public:
  void wrap(core::TaskSpec& task) {
    auto self = shared_from_this();  // a framework's thread may still call a tool after the task
    if (task.run_tool)
      task.run_tool = [self, run = std::move(task.run_tool)](std::string_view name, std::string_view arguments) {
        const auto started = Clock::now();
        auto result = run(name, arguments);
        self->add("tool", name, started);
        return result;
      };
    if (task.ask_human)
      task.ask_human = [self, ask = std::move(task.ask_human)](std::string_view answer) {
        const auto started = Clock::now();
        auto said = ask(answer);
        self->add("human", said.empty() ? "approve" : "revise", started);
        return said;
      };
  }
  json calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  void add(const char* kind, std::string_view name, Clock::time_point started) {
    const auto ended = Clock::now();
    std::lock_guard lock(mutex_);
    calls_.push_back({{"kind", kind}, {"name", name}, {"start_ns", steady_ns(started)}, {"end_ns", steady_ns(ended)}});
  }
  mutable std::mutex mutex_;
  json calls_ = json::array();
};

}  // namespace

json worker_job(const datasets::ScenarioSpec& spec, int concurrency, const std::filesystem::path& database) {
  json job = {{"task", datasets::task_job(spec)}, {"concurrency", concurrency}};
  if (!database.empty()) job["database"] = std::filesystem::absolute(database).string();
  return job;
}

json failed_result(const std::string& reason) {
  json result = {{"answers", json::array()}, {"task_latencies_ns", json::array()}, {"error", core::clip_error_text(reason)},
                 {"unsupported", false}, {"reported_llm_calls", 0}};
  for (const char* field : {"wall_ns", "cpu_user_ns", "cpu_sys_ns", "rss_peak_bytes"}) result[field] = 0;
  for (const char* field : {"reported_prompt_tokens", "reported_completion_tokens", "human_wait_ns", "ingest_ns", "retrieval_ns", "trace"})
    result[field] = nullptr;
  return result;
}

int worker_main(const std::string& system, const adapters::AdapterConfig& config) {
  // The runner decides when a run stops: Ctrl-C or SIGTERM sent to the whole process group leaves
  // the task in flight running. SIGINT is ignored, and so are the programs the system starts, which
  // inherit that; SIGTERM is caught by a handler that does nothing, which exec resets, so that those
  // programs can still be stopped with it.
  ::signal(SIGINT, SIG_IGN);
  struct sigaction carry_on{};
  carry_on.sa_handler = +[](int) {};
  carry_on.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &carry_on, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // The runner is gone when a result cannot be written: leave at once, without the exit hooks an
  // embedded framework may have left behind (they can hang).
  auto reply = [](const json& j) {
    if (!write_all(kResultFd, j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n")) std::_Exit(1);
  };

  std::unique_ptr<adapters::Adapter> adapter;
  auto cold_start = Clock::now();
  try {
    adapter = adapters::adapter_info(system).make();
    adapter->prepare(config);
    // A system in the in-process mode names the model class it uses there, so that no system runs
    // over HTTP while its records say otherwise.
    if (config.in_process_model && !adapter->settings().contains(std::string(adapters::kInProcessModelSetting)))
      throw std::runtime_error(system + " has no in-process model (no '" + std::string(adapters::kInProcessModelSetting) +
                               "' among its settings): it runs over HTTP only");
  } catch (const std::exception& e) {
    reply({{"ready", false}, {"error", core::clip_error_text(e.what())}});
    return 1;
  }
  auto cold_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - cold_start).count();
  // What the in-process mode's pipe costs per model call, measured where the calls are made.
  json model_pipe_ns = nullptr;
  if (config.in_process_model)
    if (auto* pipe = dynamic_cast<ModelPipeClient*>(config.in_process_model.get())) model_pipe_ns = pipe->median_round_trip_ns(1000);
  reply({{"ready", true},
         {"model_pipe_round_trip_ns", model_pipe_ns},
         {"protocol", kWorkerProtocol},
         {"cold_start_ns", cold_ns},
         {"cold_start_parts", adapter->cold_start_parts()},
         {"versions", adapter->versions()},
         {"packages", adapter->packages()},
         {"settings", adapter->settings()},
         {"rss_bytes", peak_rss_bytes()}});

  std::string buffer;
  char chunk[4096];
  while (true) {
    auto eol = buffer.find('\n');
    if (eol == std::string::npos) {
      auto n = ::read(kJobFd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      // The runner closed the pipe: every result is written. Leave at once, without the exit hooks
      // an embedded framework may have left behind (they can hang).
      if (n <= 0) std::_Exit(0);
      buffer.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    auto line = buffer.substr(0, eol);
    buffer.erase(0, eol + 1);

    json result;
    json seq;  // echoed, whatever becomes of the job
    try {
      auto job = json::parse(line);
      seq = job.at("seq");
      // The task and what its tools need, nothing more (datasets/task_job.hpp): the scenario's
      // script and answer check stay in the runner, and no scenario is parsed here.
      datasets::ToolWorkspace workspace;  // the runner's fresh database for this task, if the scenario has one
      workspace.database = job.value("database", std::string());
      auto task = datasets::task_from_job(job.at("task"), workspace);
      // Time spent waiting for the (scripted) human is the person's, not the system's: timed apart.
      auto human_wait_ns = std::make_shared<std::atomic<std::int64_t>>(0);
      if (task.ask_human)
        task.ask_human = [ask = std::move(task.ask_human), human_wait_ns](std::string_view answer) {
          auto asked = Clock::now();
          auto said = ask(answer);
          *human_wait_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - asked).count();
          return said;
        };
      // Traced: every tool call and every wait for the person, timed where they run, for every system
      // alike (the system's own spans come with its outcome).
      std::shared_ptr<TracedCalls> traced;
      if (config.trace) traced = std::make_shared<TracedCalls>(), traced->wrap(task);
      const int concurrency = std::max(1, job.value("concurrency", 1));

      std::vector<adapters::TaskOutcome> outcomes(static_cast<std::size_t>(concurrency));
      std::vector<std::string> errors(outcomes.size());
      std::vector<std::int64_t> latencies(outcomes.size(), 0);  // per copy; 0: the system did not measure it
      std::string unsupported;
      rusage before{}, after{};
      core::reset_peak_rss();
      ::getrusage(RUSAGE_SELF, &before);
      const auto started_unix_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      auto start = Clock::now();
      if (concurrency == 1) {
        try {
          outcomes[0] = adapter->run(task);
        } catch (const adapters::Unsupported& e) {
          errors[0] = unsupported = e.what();
        } catch (const std::exception& e) {
          errors[0] = e.what();
        }
      } else {
        // The system decides how copies run at once: threads, or tasks on its own event loop.
        auto attempts = adapter->run_concurrently(task, outcomes.size());
        for (std::size_t i = 0; i < attempts.size() && i < outcomes.size(); ++i) {
          outcomes[i] = std::move(attempts[i].outcome);
          errors[i] = std::move(attempts[i].error);
          latencies[i] = attempts[i].latency_ns;
          if (attempts[i].unsupported) unsupported = errors[i];
        }
      }
      auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
      ::getrusage(RUSAGE_SELF, &after);

      for (auto& latency : latencies)  // one task, or a copy the system did not time: the batch's wall
        if (latency <= 0 || latency > wall) latency = wall;

      json answers = json::array();
      std::uint64_t reported_calls = 0;
      std::optional<core::Usage> reported_usage;
      std::string first_error;
      std::optional<std::int64_t> ingest_ns, retrieval_ns;  // summed over the copies that report them
      auto add = [](std::optional<std::int64_t>& sum, const std::optional<std::int64_t>& part) {
        if (part) sum = sum.value_or(0) + *part;
      };
      for (std::size_t i = 0; i < outcomes.size(); ++i) {
        add(ingest_ns, outcomes[i].ingest_ns);
        add(retrieval_ns, outcomes[i].retrieval_ns);
        answers.push_back(outcomes[i].answer);
        reported_calls += outcomes[i].reported_llm_calls;
        if (const auto& u = outcomes[i].reported_usage) {
          if (!reported_usage) reported_usage.emplace();
          reported_usage->prompt_tokens += u->prompt_tokens;
          reported_usage->completion_tokens += u->completion_tokens;
        }
        if (first_error.empty() && !errors[i].empty()) first_error = errors[i];
      }
      result = {{"answers", answers},
                {"error", first_error.empty() ? json(nullptr) : json(core::clip_error_text(first_error))},
                {"unsupported", !unsupported.empty()},
                {"wall_ns", wall},
                {"cpu_user_ns", to_ns(after.ru_utime) - to_ns(before.ru_utime)},
                {"cpu_sys_ns", to_ns(after.ru_stime) - to_ns(before.ru_stime)},
                {"rss_peak_bytes", peak_rss_bytes()},
                {"reported_llm_calls", reported_calls},
                {"task_latencies_ns", latencies},
                {"human_wait_ns", task.ask_human ? json(human_wait_ns->load()) : json(nullptr)},
                {"ingest_ns", ingest_ns ? json(*ingest_ns) : json(nullptr)},
                {"retrieval_ns", retrieval_ns ? json(*retrieval_ns) : json(nullptr)},
                {"reported_prompt_tokens", reported_usage ? json(reported_usage->prompt_tokens) : json(nullptr)},
                {"reported_completion_tokens", reported_usage ? json(reported_usage->completion_tokens) : json(nullptr)},
                {"trace", nullptr}};
      if (config.trace) {
        json system_spans = json::array();
        for (const auto& o : outcomes)
          for (const auto& sp : o.spans)
            system_spans.push_back({{"name", sp.name}, {"agent", sp.agent}, {"start_ns", sp.start_ns}, {"end_ns", sp.end_ns}});
        result["trace"] = {{"start_ns", steady_ns(start)},
                           {"end_ns", steady_ns(start) + wall},
                           {"start_unix_ns", started_unix_ns},
                           {"calls", traced->calls()},
                           {"system", system_spans}};
      }
    } catch (const std::exception& e) {
      result = failed_result(std::string("worker: ") + e.what());
    }
    result["seq"] = seq;
    reply(result);
  }
}

// ---------------------------------------------------------------- runner side

namespace {

// Writes to the worker without SIGPIPE, which would end the runner when the worker has died: the
// signal is blocked in this thread for the write, and one it raised is taken before unblocking.
bool write_to_worker(int fd, const std::string& data) {
  sigset_t pipe_signal, before;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &before);
  const bool written = write_all(fd, data);
  if (!written && errno == EPIPE) {
    const timespec now{};
    ::sigtimedwait(&pipe_signal, nullptr, &now);
  }
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return written;
}

// A result's fields and what each must hold (worker.hpp).
enum class Kind { whole, whole_or_null, text_or_null, flag, texts, wholes, object_or_null };
const std::map<std::string, Kind, std::less<>> kResultFields = {
    {"seq", Kind::whole},
    {"answers", Kind::texts},
    {"task_latencies_ns", Kind::wholes},
    {"error", Kind::text_or_null},
    {"unsupported", Kind::flag},
    {"wall_ns", Kind::whole},
    {"cpu_user_ns", Kind::whole},
    {"cpu_sys_ns", Kind::whole},
    {"rss_peak_bytes", Kind::whole},
    {"reported_llm_calls", Kind::whole},
    {"reported_prompt_tokens", Kind::whole_or_null},
    {"reported_completion_tokens", Kind::whole_or_null},
    {"human_wait_ns", Kind::whole_or_null},
    {"ingest_ns", Kind::whole_or_null},
    {"retrieval_ns", Kind::whole_or_null},
    {"trace", Kind::object_or_null},
};

// Whole numbers are stored as SQLite's signed 64-bit integers.
bool is_whole(const json& v) {
  return v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX);
}

bool holds(Kind kind, const json& v) {
  auto all = [&](auto check) { return v.is_array() && std::all_of(v.begin(), v.end(), check); };
  switch (kind) {
    case Kind::whole: return is_whole(v);
    case Kind::whole_or_null: return v.is_null() || is_whole(v);
    case Kind::text_or_null: return v.is_null() || v.is_string();
    case Kind::flag: return v.is_boolean();
    case Kind::texts: return all([](const json& a) { return a.is_string(); });
    case Kind::wholes: return all(is_whole);
    case Kind::object_or_null: return v.is_null() || v.is_object();
  }
  return false;
}

const char* expected(Kind kind) {
  switch (kind) {
    case Kind::whole: return "a whole number from 0 to 2^63-1";
    case Kind::whole_or_null: return "a whole number from 0 to 2^63-1, or null";
    case Kind::text_or_null: return "a string or null";
    case Kind::flag: return "true or false";
    case Kind::texts: return "an array of strings";
    case Kind::wholes: return "an array of whole numbers from 0 to 2^63-1";
    case Kind::object_or_null: return "an object or null";
  }
  return "";
}

// A value as a message may quote it: numbers and the like as written, anything longer by its type.
std::string shown(const json& v) { return v.is_primitive() && !v.is_string() ? v.dump() : std::string(v.type_name()); }

// How a result breaks the protocol, or "" when it keeps it. `copies`: the job's concurrency.
std::string protocol_problem(const json& result, std::uint64_t seq, std::size_t copies) {
  if (!result.is_object()) return "the result is " + shown(result) + ", not an object";
  if (!result.contains("seq") || !is_whole(result["seq"]) || result["seq"].get<std::uint64_t>() != seq)
    return "the result does not answer job " + std::to_string(seq) + " (its seq is " +
           (result.contains("seq") ? shown(result["seq"]) : std::string("missing")) + ")";
  for (const auto& [field, value] : result.items())
    if (!kResultFields.contains(field)) return "unknown field '" + core::clip_error_text(field) + "'";
  for (const auto& [field, kind] : kResultFields) {
    if (!result.contains(field)) return "no '" + field + "'";
    if (!holds(kind, result[field])) return "'" + field + "' must be " + expected(kind) + ", got " + shown(result[field]);
  }
  const auto answers = result["answers"].size(), latencies = result["task_latencies_ns"].size();
  if (answers != 0 && answers != copies)
    return std::to_string(answers) + " answers for " + std::to_string(copies) + " copies of the task";
  if (latencies != answers) return std::to_string(latencies) + " task latencies for " + std::to_string(answers) + " answers";
  for (const auto& latency : result["task_latencies_ns"])
    if (latency.get<std::uint64_t>() > result["wall_ns"].get<std::uint64_t>())
      return "a task latency of " + latency.dump() + " ns beyond the wall time of " + result["wall_ns"].dump() + " ns";
  if (!result["error"].is_string() && answers == 0) return "no answers and no error";
  if (!result["error"].is_string() && result["unsupported"].get<bool>()) return "unsupported without a reason";
  return "";
}

std::uint64_t random_first_seq() {
  std::random_device device;
  return std::uniform_int_distribution<std::uint64_t>(1, std::uint64_t{1} << 62)(device);
}

}  // namespace

WorkerProcess::WorkerProcess(Options options) : options_(std::move(options)), next_seq_(random_first_seq()) {
  start(std::chrono::seconds(120));
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0) {
    ::close(to_worker_);  // EOF tells the worker to exit
    to_worker_ = -1;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill_worker();
  }
  if (from_worker_ >= 0) ::close(from_worker_);
}

void WorkerProcess::start(std::chrono::milliseconds timeout) {
  int jobs[2], results[2], model_requests[2] = {-1, -1}, model_answers[2] = {-1, -1};
  const bool in_process = options_.in_process_model != nullptr;
  if (::pipe2(jobs, O_CLOEXEC) != 0 || ::pipe2(results, O_CLOEXEC) != 0 ||
      (in_process && (::pipe2(model_requests, O_CLOEXEC) != 0 || ::pipe2(model_answers, O_CLOEXEC) != 0)))
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = {options_.executable.string(), "worker", "--system", options_.system,
                                   "--base-url", options_.base_url, "--model", options_.model, "--max-retries", std::to_string(options_.max_retries)};
  if (options_.stream) args.push_back("--stream");
  if (options_.trace) args.push_back("--trace");
  if (options_.injected_delay_us > 0) args.insert(args.end(), {"--inject-delay-us", std::to_string(options_.injected_delay_us)});
  if (!options_.adapter_spec.empty()) args.insert(args.end(), {"--adapter", options_.adapter_spec});
  if (in_process) args.push_back("--model-pipe");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e; ++e)
    if (options_.venvs_dir.empty() || !std::string_view(*e).starts_with("LEGION_VENVS_DIR=")) env_storage.emplace_back(*e);
  if (!options_.venvs_dir.empty()) env_storage.push_back("LEGION_VENVS_DIR=" + options_.venvs_dir.string());
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (int cpu : options_.cpus) CPU_SET(cpu, &cpus);
  auto log = options_.log_file.string();

  const auto spawned = Clock::now();
  const pid_t runner = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    // No worker outlives its runner, however the runner ends (SIGKILL included). The check after
    // covers a runner that died before the request was made.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != runner) ::_exit(126);
    int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    // Move both ends above the target numbers first, so that neither dup2 clobbers the other.
    int job_end = ::fcntl(jobs[0], F_DUPFD, 10);
    int result_end = ::fcntl(results[1], F_DUPFD, 10);
    int model_request_end = in_process ? ::fcntl(model_requests[1], F_DUPFD, 10) : -1;
    int model_answer_end = in_process ? ::fcntl(model_answers[0], F_DUPFD, 10) : -1;
    ::dup2(job_end, kJobFd);  // dup2 copies do not inherit O_CLOEXEC
    ::dup2(result_end, kResultFd);
    if (in_process) {
      ::dup2(model_request_end, kModelRequestFd);
      ::dup2(model_answer_end, kModelAnswerFd);
    }
    if (!options_.cpus.empty()) ::sched_setaffinity(0, sizeof cpus, &cpus);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(jobs[0]);
  ::close(results[1]);
  if (in_process) {
    ::close(model_requests[1]);
    ::close(model_answers[0]);
    model_pipe_ = std::make_unique<ModelPipeServer>(*options_.in_process_model, model_requests[0], model_answers[1]);
  }
  to_worker_ = jobs[1];
  from_worker_ = results[0];
  buffer_.clear();
  closed_ = false;
  auto line = read_line(timeout);
  if (!line) {
    auto why = exit_description();
    kill_worker();
    throw std::runtime_error("worker for '" + options_.system + "' did not start: " + why + " (log: " + log + ")");
  }
  hello_ = json::parse(*line, nullptr, false);
  if (hello_.is_object())  // the whole start-up as the runner sees it: exec, loading, the system's preparation
    hello_["startup_ns"] = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - spawned).count();
  if (hello_.is_discarded() || !hello_.value("ready", false)) {
    kill_worker();
    throw std::runtime_error("worker for '" + options_.system + "' failed to start: " +
                             core::clip_error_text(hello_.is_object() ? hello_.value("error", std::string("?")) : *line));
  }
  if (const auto protocol = hello_.value("protocol", json(1)); protocol != kWorkerProtocol) {
    kill_worker();
    throw std::runtime_error("worker for '" + options_.system + "' (" + options_.executable.string() + ") speaks protocol " +
                             core::clip_error_text(protocol.dump()) + ", this legion-bench speaks " + std::to_string(kWorkerProtocol) +
                             ": use a build of the same protocol");
  }
}

void WorkerProcess::kill_worker() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (to_worker_ >= 0) ::close(to_worker_);
  if (from_worker_ >= 0) ::close(from_worker_);
  to_worker_ = from_worker_ = -1;
  model_pipe_.reset();
}

std::string WorkerProcess::exit_description() {
  if (pid_ <= 0) return "not running";
  int status = 0;
  for (int i = 0; i < 50; ++i) {  // it closed its pipe: give it a moment to be reaped
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
      return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "no answer";
}

std::optional<std::string> WorkerProcess::read_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char chunk[65536];
  too_long_ = false;
  while (true) {
    if (auto eol = buffer_.find('\n'); eol != std::string::npos) {
      auto line = buffer_.substr(0, eol);
      buffer_.erase(0, eol + 1);
      if (line.size() > kMaxResultLineBytes) break;
      return line;
    }
    if (buffer_.size() > kMaxResultLineBytes) break;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{from_worker_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    auto n = ::read(from_worker_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // the worker died
      closed_ = true;
      return std::nullopt;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  too_long_ = true;
  buffer_.clear();
  return std::nullopt;
}

bool WorkerProcess::quiet_between_jobs() {
  pollfd p{from_worker_, POLLIN, 0};
  return buffer_.empty() && ::poll(&p, 1, 0) == 0;
}

json WorkerProcess::run(const json& job, std::chrono::milliseconds timeout) {
  // Output between jobs was asked for by none (a stray line, or the worker's end): a fresh worker
  // takes the next job, so that no job is answered with what belongs to another.
  if (pid_ > 0 && !quiet_between_jobs()) kill_worker();
  if (pid_ <= 0) start(std::chrono::seconds(120));
  const auto seq = next_seq_++;
  auto numbered = job;
  numbered["seq"] = seq;
  if (!write_to_worker(to_worker_, numbered.dump() + "\n")) {
    auto why = exit_description();
    kill_worker();
    return failed_result("worker " + why);
  }
  auto line = read_line(timeout);
  if (!line) {
    auto why = too_long_ ? "protocol error: a result line longer than " + std::to_string(kMaxResultLineBytes) + " bytes"
               : !closed_ ? "timeout: no answer within " + std::to_string(timeout.count()) + " ms"
                          : "worker crashed (" + exit_description() + ")";
    kill_worker();
    return failed_result(why);
  }
  auto result = json::parse(*line, nullptr, false);
  const auto copies = static_cast<std::size_t>(std::max(1, job.value("concurrency", 1)));
  const auto problem = result.is_discarded() ? "the result is not JSON" : protocol_problem(result, seq, copies);
  if (!problem.empty()) {
    kill_worker();  // whatever it sends next cannot be trusted to answer the next job
    return failed_result("protocol error: " + problem);
  }
  if (result["error"].is_string()) result["error"] = core::clip_error_text(result["error"].get<std::string>());
  return result;
}

}  // namespace legion::bench
