#!/usr/bin/env python3
"""Every legion-bench command the README and docs/*.md show, run in its quick form.

  documented_commands_run.py LEGION_BENCH SOURCE SCRATCH

docs.commands checks each documented command with --dry-run; this runs them, from the repository
root as a reader would, each made quick where it is long and written into SCRATCH, never into the
checkout:

- a run: one repetition, no warm-up; native only when it names no systems; `single-tool` when a
  coordination run names no scenario (`order-refund` for the catalogue); a concurrency above 4
  becomes 4, a sweep its first two values scaled down where they are large;
- a stress suite: `--smoke` instead of its duration or full length, native only when it names no
  systems;
- zero-io and footprint: the publication's quick settings; footprint one framework when it names none;
- calibrate: three runs of native on single-tool; plan reads that calibration;
- report and compare: the folders an earlier documented command wrote (mapped into SCRATCH);
- oracle: started, answered one request, stopped;
- `--metrics-port`: a free port, served no longer than the run.

A command is left out only for a reason it prints (publish: cli.publish runs its quick form, its
resume and --verify; a remote or absent endpoint; input files or folders no documented command
makes). Templates (docs.commands checks them against --help) are not run. Each command that runs
must end with its results written: exit status 0, or 1 (a task answered wrong, a criterion not
held: results too) with its documents written.
"""
import json
import os
import pathlib
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import documented_commands as docs  # noqa: E402

LEGION_BENCH, SOURCE, SCRATCH = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
STRESS = {"load", "spike", "endurance", "scalability", "failure"}
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def take(words, option, has_value=True):
    """Removes every `option [value]` (also `option=value`) from words; returns the last value."""
    value, out, i = None, [], 0
    while i < len(words):
        w = words[i]
        if w == option:
            if has_value and i + 1 < len(words):
                value = words[i + 1]
                i += 1
            value = value if has_value else True
        elif has_value and w.startswith(option + "="):
            value = w.split("=", 1)[1]
        else:
            out.append(w)
        i += 1
    words[:] = out
    return value


written = {}  # a documented --out folder -> where its quick form wrote


def braces(word):
    """A shell's brace expansion of one word: results/{a,b} -> results/a, results/b."""
    m = re.search(r"\{([^{}]*,[^{}]*)\}", word)
    if not m:
        return [word]
    return [e for part in m.group(1).split(",") for e in braces(word[:m.start()] + part + word[m.end():])]


def scaled_sweep(spec):
    name, values = spec.split("=", 1)
    items = values.split(",") if "," in values else [values.split("..")[0]]
    small = [str(max(1, int(v) // 100)) if v.isdigit() and int(v) >= 1000 else v for v in items[:2]]
    if len(small) < 2:
        small.append(str(int(small[0]) + 1))
    return f"{name}={','.join(small)}"


def quick_form(k, words):
    """(arguments, None) to run, or (None, why) to leave out."""
    sub = next((w for w in words if w in docs.SUBCOMMANDS), None)
    documented_out = take(words, "--out")
    out = SCRATCH / f"cmd{k}"
    if documented_out:
        written[documented_out.rstrip("/")] = out
    if "--endpoint" in words:
        return None, "it needs a model server at its --endpoint"
    if "--otlp-endpoint" in words:
        return None, "it sends traces to a collector at its --otlp-endpoint (cli.tracing runs one, Jaeger, and this export)"
    take(words, "--metrics-linger")  # how long the metrics stay served after the run: not in a quick form
    if take(words, "--metrics-port") is not None:
        words += ["--metrics-port", str(free_port()), "--metrics-linger", "0"]
    if sub == "publish":
        return None, "cli.publish runs the quick publication, its resume and --verify"
    if sub in ("report", "compare"):
        folders = [expanded for w in words if w != sub and not w.startswith("-") for expanded in braces(w)]
        mapped = []
        for f in folders:
            if f.rstrip("/") not in written:
                return None, f"it reads {f}, which no documented command before it writes"
            mapped.append(str(written[f.rstrip("/")]))
        return [sub, *mapped] + (["--out", str(out)] if documented_out else []), None
    if sub == "analyze":
        return None, "it reads files of numbers of the reader's own"
    if sub == "oracle":
        return words, None
    if sub == "list":
        return words, None
    if sub == "plan":
        if "calibrate" not in written:
            return None, "no calibration made before it"
        return words + ["--calibration", str(written["calibrate"])], None
    if sub == "calibrate":
        written["calibrate"] = out
        return ["calibrate", "--runs", "3", "-n", "1", "--warmup", "0", "--systems", "native", "--scenario", "single-tool",
                "--out", str(out)], None
    if sub == "zero-io":
        for o in ("--rounds", "--batches", "--iterations", "--native-iterations"):
            take(words, o)
        return words + ["--rounds", "2", "--batches", "2", "--iterations", "5", "--native-iterations", "2000", "--out", str(out)], None
    if sub == "footprint":
        for o in ("--import-samples", "--iterations", "--warmups"):
            take(words, o)
        systems = take(words, "--systems")
        words += ["--systems", systems.split(",")[0] if systems else "langchain"]
        return words + ["--import-samples", "2", "--iterations", "5", "--warmups", "2", "--out", str(out)], None
    if sub:
        return None, f"no quick form for {sub}"
    suite = next((words[i + 1] for i, w in enumerate(words[:-1]) if w == "--suite"), "coordination")
    if "--systems" not in words:
        words += ["--systems", "native"]
    if suite in STRESS:
        take(words, "--duration")
        take(words, "--full-length", has_value=False)
        take(words, "--smoke", has_value=False)
        return words + ["--smoke", "--out", str(out)], None
    for o in ("-n", "--repetitions", "--warmup", "--target-ci"):
        take(words, o)
    take(words, "--quick", has_value=False)
    concurrency = take(words, "--concurrency")
    if concurrency:
        words += ["--concurrency", str(min(int(concurrency), 4))]
    sweep = take(words, "--sweep")
    if sweep:
        words += ["--sweep", scaled_sweep(sweep)]
    params = []
    while (param := take(words, "--param")) is not None:
        params.append(param)
    for param in params:
        name, value = param.split("=", 1)
        words += ["--param", f"{name}={max(1, int(value) // 100)}" if value.isdigit() and int(value) >= 1000 else param]
    if suite == "published":  # its intervals need two values a cell
        return words + ["--quick", "-n", "2", "--warmup", "0", "--out", str(out)], None
    if "--scenario" not in words and suite in ("coordination", "catalogue"):
        words += ["--scenario", "single-tool" if suite == "coordination" else "order-refund"]
    return words + ["-n", "1", "--warmup", "0", "--out", str(out)], None


def ran_to_its_results(p, args, since):
    """Exit status 1 is a result (a task answered wrong, a stress criterion not held, or only the PDF
    missing, which this test does not print: Chromium is kept out, for time), not a broken command,
    when the command wrote its results: what it printed and the files it left say which."""
    if p.returncode != 1:
        return False
    folder = pathlib.Path(args[args.index("--out") + 1]) if "--out" in args else pathlib.Path(args[-1])
    documents = ["results.json", "stress.json", "published_comparison.json", "BENCHMARK_REPORT.md", "footprint.json", "zero_io.json",
                 "calibration.json"]
    return any((folder / d).is_file() and (folder / d).stat().st_mtime >= since for d in documents)


def run_oracle(words):
    port = take(words, "--port") or "8700"
    port = str(free_port())
    words = [w for w in words if w != "&"] + ["--port", port]
    server = subprocess.Popen([LEGION_BENCH, *words], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models")
                with urllib.request.urlopen(request, timeout=1) as r:
                    return r.status == 200, ""
            except OSError:
                time.sleep(0.1)
        return False, "no answer on its port"
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    existed_before = {d for _, line in docs.documented(SOURCE) for d in re.findall(r"--out\s+(\S+)", line) if (SOURCE / d).exists()}
    docs_before = subprocess.run(["git", "status", "--porcelain", "--", "docs"], cwd=SOURCE, capture_output=True, text=True).stdout
    ran, left_out, started, done = 0, [], time.monotonic(), {}
    for k, (where, line) in enumerate(docs.documented(SOURCE)):
        command, env, rest, template = docs.runnable(line)
        if template:
            continue
        words = shlex.split(rest.replace("&", " &"))
        args, why = quick_form(k, words)
        if args is None:
            left_out.append(f"{where}: {why}")
            continue
        key = tuple(a for i, a in enumerate(args) if not (i > 0 and args[i - 1] in ("--out", "--metrics-port")))
        if key in done:
            same_as, folder = done[key]
            if "--out" in args:  # a later report reads this command's folder: the one its twin wrote
                written.update({d: folder for d, f in list(written.items()) if f == pathlib.Path(args[args.index("--out") + 1])})
            left_out.append(f"{where}: the same quick form as {same_as}, run once")
            continue
        done[key] = (where, pathlib.Path(args[args.index("--out") + 1]) if "--out" in args else None)
        ran += 1
        t0, t0_wall = time.monotonic(), time.time() - 1
        if "oracle" in args:
            ok, detail = run_oracle(args)
            check(ok, f"{where}: `{command}` as `legion-bench {' '.join(args)}`: {detail}")
            continue
        # Through bash, for the brace expansions and VAR=value prefixes a reader's shell does.
        p = subprocess.run(["bash", "-c", f'{env}"$0" {" ".join(shlex.quote(a) if "{" not in a else a for a in args)}', LEGION_BENCH],
                           cwd=SOURCE, capture_output=True, text=True, timeout=1200, env={**os.environ, "LEGION_CHROMIUM": "/nonexistent/chromium"})
        took = time.monotonic() - t0
        print(f"{where}: exit {p.returncode} in {took:.1f} s: legion-bench {' '.join(args)}", flush=True)
        check(p.returncode == 0 or ran_to_its_results(p, args, t0_wall),
              f"{where}: `{command}` in quick form exited {p.returncode} without its results:\n{p.stdout[-800:]}{p.stderr[-800:]}")
    print("\nLeft out:")
    for line in left_out:
        print("  " + line)
    check(ran >= 60, f"most documented commands run ({ran})")
    stray = [d for d in written if d not in existed_before and (SOURCE / d).exists()]
    check(not stray, f"nothing written where the documented commands would write in the checkout: {stray}")
    docs_changed = subprocess.run(["git", "status", "--porcelain", "--", "docs"], cwd=SOURCE, capture_output=True, text=True).stdout
    check(docs_changed == docs_before, f"nothing written into docs/:\n{docs_changed}")
    print(f"\n{ran} documented commands run in quick form in {time.monotonic() - started:.0f} s; {len(left_out)} left out (above); "
          f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
