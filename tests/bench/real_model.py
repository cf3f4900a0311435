#!/usr/bin/env python3
"""Real-model runs end to end (docs/real-models.md), standard library only.

  real_model.py endpoint LEGION_BENCH OUT SOURCE   the wiring, on every registered system: the scripted
      model server started on its own (`legion-bench oracle`) is the external endpoint; each system's
      record must be correct, and carry the calls and tokens of the same task run against the scripted
      server directly, with the time inside the model and the exchanges written; the API key appears
      nowhere a system or a file could show it.
  real_model.py errors LEGION_BENCH OUT SOURCE     the refusals: exit 2 with a clear message before any
      task runs (remote endpoint without the flag, no model, an unset key variable, nothing listening,
      a wrong model name, --model local without its installation).
  real_model.py local LEGION_BENCH OUT SOURCE      the local model (llama.cpp and the small model the
      set-up installed) in quick mode on single-tool and llm-only, every system: every record ran
      (no endpoint or framework error), carries the time inside the model and the endpoint's own
      token counts, and every failure is classified.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

MODE, LEGION_BENCH, OUT, SOURCE = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
SEED = 7
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


def registered_systems():
    """(name, dialect) of every system in datasets/systems.yaml, in its order."""
    systems, name = [], None
    for line in (SOURCE / "datasets" / "systems.yaml").read_text().splitlines():
        if re.match(r"^[a-z][\w-]*:\s*$", line):
            name = line.rstrip(":").strip()
        elif name and (m := re.match(r"^\s+dialect:\s*(\S+)", line)):
            systems.append((name, m.group(1)))
    return systems


def run(*args, env=None, timeout=900):
    return subprocess.run([LEGION_BENCH, *args], capture_output=True, text=True, env=env, timeout=timeout)


def records(folder):
    results = json.loads((folder / "results.json").read_text())
    return results["run"], [r for r in results["records"] if not r["warmup"]]


def usage(exchange, field):
    """Tokens as the endpoint reported them in one answer (none in an error answer)."""
    response = exchange["response"]
    return response.get("usage", {}).get(field, 0) if isinstance(response, dict) else 0


def exchanges(folder):
    return [json.loads(line) for line in (folder / "exchanges.jsonl").read_text().splitlines()]


class ScriptedEndpoint:
    """`legion-bench oracle` on a free loopback port, for one scenario and dialect."""

    def __init__(self, scenario, dialect, seed):
        self.log = OUT / f"oracle-{scenario}-{dialect}.log"
        self.process = subprocess.Popen([LEGION_BENCH, "oracle", "--scenario", scenario, "--dialect", dialect, "--seed", str(seed),
                                         "--port", "0"], stdout=subprocess.PIPE, stderr=open(self.log, "w"), text=True)
        line = self.process.stdout.readline()
        m = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", line)
        if not m:
            self.process.kill()
            raise SystemExit(f"the scripted server did not start: {line!r} (see {self.log})")
        self.url = m.group(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


def endpoint_wiring():
    # Round 0 of a run seeded SEED plants its values from SEED * 1000003 (runner.cpp): the separate
    # server, seeded so, expects the same values the run plants.
    key = "sk-legion-test-5d3c1e"
    env = dict(os.environ, LEGION_TEST_API_KEY=key)
    for system, dialect in registered_systems():
        direct, proxied = OUT / system / "direct", OUT / system / "endpoint"
        common = ["--systems", system, "--scenario", "single-tool", "-n", "1", "--warmup", "0", "--seed", str(SEED), "--quiet"]
        done = run(*common, "--out", str(direct))
        check(done.returncode == 0, f"{system}: the scripted run failed ({done.returncode}):\n{done.stderr[-2000:]}")
        with ScriptedEndpoint("single-tool", dialect, SEED * 1000003) as endpoint:
            done = run(*common, "--out", str(proxied), "--endpoint", endpoint.url, "--model", "legion-oracle",
                       "--api-key-env", "LEGION_TEST_API_KEY", env=env)
        check(done.returncode == 0, f"{system}: the run against the endpoint failed ({done.returncode}):\n{done.stderr[-2000:]}")
        if done.returncode != 0:
            continue
        run_block, (record,) = records(proxied)
        _, (scripted,) = records(direct)
        real = run_block["real_model"]
        check(real and real["endpoint_kind"] == "loopback endpoint" and real["endpoint"] == endpoint.url,
              f"{system}: the run block names the endpoint: {real}")
        check(real["reported_models"] == ["legion-oracle"], f"{system}: the model the endpoint reported: {real['reported_models']}")
        check(record["correct"] and record["failure"] is None, f"{system}: wrong through the proxy: {record['answer']!r} {record['error']}")
        for field in ("llm_calls", "prompt_tokens", "completion_tokens"):
            check(record[field] == scripted[field], f"{system}: {field} {record[field]} through the proxy, {scripted[field]} direct")
        check(record["model_busy_ns"] > 0 and record["overhead_ns"] < record["wall_ns"], f"{system}: no time inside the model")
        check(record["sampling_seed"] == SEED, f"{system}: the deterministic seed: {record['sampling_seed']}")
        lines = [x for x in exchanges(proxied) if x["path"] == "/chat/completions"]
        check(len(lines) == record["llm_calls"], f"{system}: {len(lines)} exchanges written for {record['llm_calls']} calls")
        check(sum(x["response"]["usage"]["prompt_tokens"] for x in lines) == record["prompt_tokens"],
              f"{system}: the exchanges' usage does not add up to the record's prompt tokens")
        check(all(x["sampling"] == {"temperature": 0.0, "seed": SEED} for x in lines), f"{system}: sampling not set on every request")
        # The key is the proxy's alone: in no file of the run, the workers' logs included.
        for path in proxied.rglob("*"):
            if path.is_file():
                check(key.encode() not in path.read_bytes(), f"{system}: the API key is in {path}")
        print(f"{system}: correct through the endpoint, {record['llm_calls']} calls, {record['prompt_tokens']} prompt tokens", flush=True)


def refusals():
    base = ["--scenario", "single-tool", "--quick", "--out", str(OUT / "refused")]

    def refused(expected, *args, env=None):
        systems = [] if "--systems" in args else ["--systems", "native"]
        done = run(*base, *systems, *args, env=env)
        check(done.returncode == 2 and expected in done.stderr,
              f"{' '.join(args)}: expected exit 2 saying {expected!r}, got {done.returncode}:\n{done.stderr[-1500:]}")

    refused("is not on this machine's loopback: add --allow-remote-endpoint", "--endpoint", "https://api.example.com/v1", "--model", "m")
    refused("--endpoint needs --model NAME", "--endpoint", "http://127.0.0.1:9/v1")
    refused("--model some-model needs --endpoint URL", "--model", "some-model")
    refused("expected an http:// or https:// URL", "--endpoint", "ftp://127.0.0.1/v1", "--model", "m")
    env = {k: v for k, v in os.environ.items() if k != "LEGION_UNSET_KEY"}
    refused("--api-key-env LEGION_UNSET_KEY: that environment variable is not set", "--endpoint", "http://127.0.0.1:9/v1",
            "--model", "m", "--api-key-env", "LEGION_UNSET_KEY", env=env)
    refused("--temperature with --sampling deterministic must be 0", "--model", "local", "--temperature", "0.5")
    refused("the in-process mode answers with the scripted model", "--systems", "native@in-process", "--endpoint",
            "http://127.0.0.1:9/v1", "--model", "m")
    with ScriptedEndpoint("single-tool", "native", 1) as endpoint:
        port = endpoint.url.split(":")[2].split("/")[0]
        refused("serves no model 'gpt-4o' (it lists: legion-oracle)", "--endpoint", endpoint.url, "--model", "gpt-4o")
    refused(f"the endpoint http://127.0.0.1:{port}/v1 could not be reached", "--endpoint", f"http://127.0.0.1:{port}/v1", "--model", "m")
    refused("no local model: /nonexistent/manifest.json does not exist", "--model", "local",
            env=dict(os.environ, LEGION_LOCAL_MODEL_MANIFEST="/nonexistent/manifest.json"))
    check(not (OUT / "refused" / "results.json").exists(), "a refused run wrote results")


def local_model():
    folder = OUT / "local"
    shutil.rmtree(folder, ignore_errors=True)
    done = run("--model", "local", "--scenario", "single-tool", "--scenario", "llm-only", "-n", "1", "--warmup", "0",
               "--seed", str(SEED), "--timeout", "90", "--out", str(folder), timeout=3000)
    check(done.returncode in (0, 1), f"the local-model run failed to run ({done.returncode}):\n{done.stderr[-3000:]}")
    if not (folder / "results.json").exists():
        return
    run_block, rows = records(folder)
    real = run_block["real_model"]
    check(real["endpoint_kind"] == "local llama.cpp server" and real["local"].get("licence") == "Apache-2.0", f"the run block: {real}")
    systems = [name for name, _ in registered_systems()]
    check(sorted({r["system"] for r in rows}) == sorted(systems), "not every system ran")
    by_record = {}
    for x in exchanges(folder):
        if x["path"] == "/chat/completions":
            by_record.setdefault(x["record"], []).append(x)
    for r in rows:
        where = f"{r['system']} on {r['scenario']}"
        # A weak model's failures are results (a timeout, a framework giving up); each must be classified.
        check(r["correct"] == (r["failure"] is None), f"{where}: correct {r['correct']} with failure {r['failure']}")
        mine = by_record.get(f"{r['scenario']}/{r['system']}/rep 0", [])
        # A task stopped at its time limit may leave a call in flight, its first among them on a loaded machine.
        if r["failure"] != "timeout":
            check(r["llm_calls"] >= 1 and r["model_busy_ns"] > 0, f"{where}: no time inside the model")
            check(len(mine) == r["llm_calls"], f"{where}: {len(mine)} exchanges for {r['llm_calls']} calls")
            check(sum(usage(x, "prompt_tokens") for x in mine) == r["prompt_tokens"] and
                  sum(usage(x, "completion_tokens") for x in mine) == r["completion_tokens"],
                  f"{where}: tokens differ from the endpoint's usage")
        print(f"{where}: {'correct' if r['correct'] else r['failure']}, {r['llm_calls']} calls, "
              f"{r['prompt_tokens']}+{r['completion_tokens']} tokens, model {r['model_busy_ns'] / 1e9:.2f} s", flush=True)
    # llm-only needs no tool: the planted values are in the task, and a working pipeline passes some.
    check(any(r["correct"] for r in rows if r["scenario"] == "llm-only"), "no system passed llm-only with the local model")
    check((folder / "real_model.csv").exists() and "Real model" in (folder / "BENCHMARK_RESULTS.md").read_text(),
          "the real-model section is missing from the reports")


OUT.mkdir(parents=True, exist_ok=True)
{"endpoint": endpoint_wiring, "errors": refusals, "local": local_model}[MODE]()
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print(f"real_model.py {MODE}: every check passed")
