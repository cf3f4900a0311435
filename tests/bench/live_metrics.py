#!/usr/bin/env python3
"""Live metrics end to end (docs/live-metrics.md), standard library only.

  live_metrics.py LEGION_BENCH OUT SOURCE

A real Prometheus (Debian's package) scrapes `legion-bench --suite load --smoke --metrics-port P`
every second while it runs (about 25 s). Checked: Prometheus saw the run live (tasks counted while
legion_run_finished was still 0); the final totals it scraped, per system and phase, equal the
ledger in the run's results.sqlite, task by task; the latency histogram counts every ended task;
the model server's requests and the processes' memory are there; every query of the Grafana
dashboard (docs/grafana/legion-stress.json) returns data from this Prometheus. Then a coordination
run's endpoint, scraped directly, counts its measured records, and so does the failure suite's, per
fault kind; a port already taken, or a suite that is not metered, is refused (exit 2) before anything
runs.
"""
import json
import os
import re
import pathlib
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

LEGION_BENCH, OUT, SOURCE = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return reply.read().decode()


class Prometheus:
    def __init__(self, target_port):
        self.port = free_port()
        config = OUT / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
            "scrape_configs:\n  - job_name: legion-bench\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n")
        self.log = open(OUT / "prometheus.log", "w")
        self.process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={OUT / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                if "Ready" in get(f"http://127.0.0.1:{self.port}/-/ready", timeout=1):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"Prometheus did not become ready; see {OUT / 'prometheus.log'}")

    def api(self, path, **params):
        reply = json.loads(get(f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)))
        if reply.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {reply}")
        return reply["data"]["result"]

    def instant(self, query):
        """{labels as a sorted tuple: value} of an instant query."""
        return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in self.api("query", query=query)}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def ledger(store):
    """{(system, phase): {submitted, completed, failed}} from the stress ledger."""
    counts = {}
    with sqlite3.connect(store) as db:
        for phase, state, n in db.execute("SELECT phase, state, COUNT(*) FROM stress_tasks GROUP BY phase, state"):
            system, name = phase.split(" / ", 1)
            c = counts.setdefault((system, name), {"submitted": 0, "completed": 0, "failed": 0})
            c["submitted"] += n
            if state in ("completed", "failed"):
                c[state] += n
    return counts


def scraped(prometheus, metric):
    """{(system, phase): value} of a task counter as Prometheus holds it now."""
    return {(dict(k)["system"], dict(k)["phase"]): v for k, v in prometheus.instant(metric).items()}


def grafana_queries():
    dashboard = json.loads((SOURCE / "docs" / "grafana" / "legion-stress.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            # What Grafana substitutes: every system, and a rate window of four scrapes.
            yield panel["title"], target["expr"].replace("$system", ".*").replace("$__rate_interval", "4s")


def stress_run():
    metrics_port = free_port()
    prometheus = Prometheus(metrics_port)
    try:
        started = time.time()
        # --duration 12: the four levels last 1, 3, 6 and 12 s with the smoke run's task counts, so
        # that Prometheus scrapes the run some twenty times while it goes on.
        run = subprocess.run([LEGION_BENCH, "--suite", "load", "--smoke", "--duration", "12", "--systems", "native",
                              "--out", str(OUT / "load"), "-q", "--metrics-port", str(metrics_port), "--metrics-linger", "6"],
                             capture_output=True, text=True, timeout=600)
        print(run.stderr[-2000:], flush=True)
        check(run.returncode in (0, 1), f"the load run exited {run.returncode}")  # 1: a criterion, not the mechanics
        check(f"live metrics at http://127.0.0.1:{metrics_port}/metrics" in run.stderr, "the run names its metrics URL")
        ended = time.time()

        # The run lingered 6 s after legion_run_finished became 1: Prometheus scraped the final totals.
        finished = prometheus.instant("max_over_time(legion_run_finished[5m])")
        check(list(finished.values()) == [1.0], f"Prometheus saw legion_run_finished at 1: {finished}")
        final = "last_over_time({}[5m])"
        submitted = scraped(prometheus, final.format("legion_tasks_submitted_total"))
        completed = scraped(prometheus, final.format("legion_tasks_completed_total"))
        failed = scraped(prometheus, final.format("legion_tasks_failed_total"))
        truth = ledger(OUT / "load" / "results.sqlite")
        check(len(truth) >= 4, f"the ledger has the load suite's phases: {sorted(truth)}")
        check(set(submitted) == set(truth), f"the scraped phases {sorted(submitted)} are the ledger's {sorted(truth)}")
        for key, c in sorted(truth.items()):
            got = (submitted.get(key), completed.get(key), failed.get(key))
            want = (c["submitted"], c["completed"], c["failed"])
            print(f"{key}: scraped submitted/completed/failed {got}, ledger {want}", flush=True)
            check(got == tuple(float(x) for x in want), f"{key}: scraped {got} ≠ ledger {want}")
        ended_tasks = sum(c["completed"] + c["failed"] for c in truth.values())
        histogram = prometheus.instant("sum(last_over_time(legion_task_latency_seconds_count[5m]))")
        check(list(histogram.values()) == [float(ended_tasks)], f"the latency histogram counts {histogram}, the ledger {ended_tasks} ended tasks")

        # Seen live: tasks counted in a scrape taken before the run had finished.
        span = {"start": started, "end": ended, "step": "1"}
        live = prometheus.api("query_range", query="sum(legion_tasks_submitted_total) and on() (legion_run_finished == 0)", **span)
        live_values = [float(v) for series in live for _, v in series["values"]]
        check(any(v > 0 for v in live_values), f"no scrape counted tasks while the run went on: {live}")
        requests = prometheus.instant('last_over_time(legion_model_server_requests_total{system="native"}[5m])')
        check(any(v > 0 for v in requests.values()), f"the model server's requests: {requests}")
        memory = prometheus.instant("last_over_time(legion_process_resident_memory_bytes[5m])")
        roles = {dict(k)["process"] for k, v in memory.items() if v > 1e6}
        check(roles == {"system", "model_server"}, f"resident memory of both processes: {memory}")

        # Every panel of the Grafana dashboard has data over the run.
        for title, expr in grafana_queries():
            result = prometheus.api("query_range", query=expr, **span)
            values = [v for series in result for _, v in series["values"] if v not in ("NaN", "+Inf", "-Inf")]
            check(values, f"dashboard panel '{title}': no data for {expr}")
            print(f"panel '{title}': {len(result)} series, {len(values)} points", flush=True)
    finally:
        prometheus.stop()


def coordination_run():
    """A suite run's endpoint, read directly at the end (the run lingers until this has read it)."""
    out = OUT / "coordination"
    text = scrape_when_ended(["--suite", "coordination", "--quick", "--systems", "native", "--scenario", "single-tool"], out)
    records = [r for r in json.loads((out / "results.json").read_text())["records"] if not r["warmup"]]
    ok = sum(1 for r in records if r["correct"] and not r.get("error"))
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    completed = sum(v for k, v in values.items() if k.startswith("legion_tasks_completed_total{"))
    failed = sum(v for k, v in values.items() if k.startswith("legion_tasks_failed_total{"))
    print(f"coordination: completed {completed}, failed {failed}; records {len(records)}, {ok} correct", flush=True)
    check((completed, failed) == (ok, len(records) - ok), "the coordination run's counters equal its measured records")
    check(values.get("legion_run_finished") == 1, "legion_run_finished is 1 after the run")
    check(values.get('legion_run_info{kind="coordination",run_id="' + json.loads((out / "results.json").read_text())["run"]["run_id"] + '"}') == 1,
          "legion_run_info names the run")


def scrape_when_ended(args, out):
    """Runs legion-bench with --metrics-port and a long linger; reads its endpoint once the run has ended."""
    port = free_port()
    run = subprocess.Popen([LEGION_BENCH, *args, "--out", str(out), "-q", "--metrics-port", str(port), "--metrics-linger", "120"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in run.stderr:
            if "the run has ended" in line:
                break
        text = get(f"http://127.0.0.1:{port}/metrics")
    finally:
        run.terminate()  # the linger ends early on SIGTERM
        run.wait(timeout=60)
    return text


def by_phase(text, metric):
    """{phase: value} of a task counter in a metrics text."""
    found = {}
    for line in text.splitlines():
        if line.startswith(metric + "{"):
            phase = re.search(r'phase="([^"]*)"', line).group(1)
            found[phase] = found.get(phase, 0) + float(line.rsplit(" ", 1)[1])
    return found


def failure_run():
    """The failure suite's measured runs, one phase per fault kind and the worker kill, against its own counts."""
    out = OUT / "failure"
    text = scrape_when_ended(["--suite", "failure", "--smoke", "--systems", "native"], out)
    completed, failed = by_phase(text, "legion_tasks_completed_total"), by_phase(text, "legion_tasks_failed_total")
    # What the suite itself counted of each measured run (the report's model-fault and worker-kill tables).
    with sqlite3.connect(out / "results.sqlite") as db:
        extra = json.loads(db.execute("SELECT extra FROM stress_runs").fetchone()[0])
        # Seven runs started by one process, often two within a second: each keeps its records apart.
        per_run = dict(db.execute("SELECT run_id, COUNT(*) FROM records GROUP BY run_id").fetchall())
    check(len(per_run) == 7 and set(per_run.values()) == {4}, f"seven runs of four records each in the store: {per_run}")
    runs = {"model-faults-" + kind: (v["systems"]["native"]["correct"], v["systems"]["native"]["tasks"])
            for kind, v in extra["model_faults"].items()}
    runs["worker-kill"] = (extra["worker_kill"]["correct"], extra["worker_kill"]["tasks"])
    for phase, (ok, n) in sorted(runs.items()):
        got = (completed.get(phase), failed.get(phase))
        print(f"failure / {phase}: completed, failed scraped {got}, the suite's count {(ok, n - ok)}", flush=True)
        check(got == (float(ok), float(n - ok)), f"failure / {phase}: scraped {got} ≠ the suite's {(ok, n - ok)}")
    check(len(runs) == 7, f"six fault kinds and the worker kill: {sorted(runs)}")


def port_taken():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        run = subprocess.run([LEGION_BENCH, "--suite", "load", "--smoke", "--systems", "native", "--out", str(OUT / "refused"),
                              "--metrics-port", str(port)], capture_output=True, text=True, timeout=120)
    check(run.returncode == 2, f"a taken port exits 2, not {run.returncode}")
    check(f"127.0.0.1:{port}" in run.stderr, f"the refusal names the address: {run.stderr}")
    check(not (OUT / "refused" / "results.sqlite").exists(), "nothing ran before the refusal")
    run = subprocess.run([LEGION_BENCH, "--suite", "scalability", "--smoke", "--out", str(OUT / "unmetered"),
                          "--metrics-port", str(free_port())], capture_output=True, text=True, timeout=120)
    check(run.returncode == 2 and "does not feed the live metrics" in run.stderr,
          f"an unmetered suite is refused with exit 2: {run.returncode} {run.stderr}")
    check(not (OUT / "unmetered" / "results.sqlite").exists(), "nothing ran before the refusal")


shutil.rmtree(OUT, ignore_errors=True)
OUT.mkdir(parents=True)
stress_run()
coordination_run()
failure_run()
port_taken()
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
