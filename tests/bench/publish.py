#!/usr/bin/env python3
"""The publication end to end (legion-bench publish), standard library only.

  publish.py LEGION_BENCH OUT

First the quick publication itself — every step, on the seeds' four systems (the standard publication
takes every registered system; four keep this test to minutes), without the published suite's step
(cli.published_quick runs that same command) — checked as a reader checks the paper: every step
finished with results; the seeds' six benchmarking criteria each have a verdict with what was
measured and the run it comes from, the first three undecided on the quick cells of fewer than ten
repetitions; the stress criteria follow; the conclusions cite their tables; the Markdown carries
every suite's report, the stress suites and the feature matrix with no "not assessed" cell; the HTML
and the PDF exist; publication.json agrees with the Markdown. Running the same command again keeps
every step and writes the same verdicts. Then, on a small publication of three cheap steps: the step
running when SIGTERM comes is left pending and runs again on resume, the finished ones kept; a step
marked failed runs again; a finished step whose results went missing is marked failed, the paper
written from the rest, and the step made again by the next run; other options for the same folder,
an unknown --skip and a missing --out are refused (exit 2) before anything runs. And `publish --verify`:
every figure of baseline.json compared, exit status 1 exactly when one is outside its tolerance, a
doctored baseline caught, a standard or unreadable baseline refused before anything runs.
"""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

LEGION_BENCH, OUT = sys.argv[1], pathlib.Path(sys.argv[2])
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


def publish(*args, timeout=3000):
    started = time.monotonic()
    p = subprocess.run([LEGION_BENCH, "publish", *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - started


def steps(folder):
    return {s["name"]: s for s in json.loads((folder / "publish.json").read_text())["steps"]}


shutil.rmtree(OUT, ignore_errors=True)
OUT.mkdir(parents=True)

# ---- The quick publication ----
paper = OUT / "paper"
FOUR = ["--quick", "--systems", "native,langchain,crewai,autogen", "--skip", "published", "--out", str(paper)]
rc, out, err, took = publish(*FOUR)
print(f"publish --quick: exit {rc} in {took:.0f} s", flush=True)
print(out[-3000:], err[-3000:], flush=True)
check(rc in (0, 1), f"publish --quick exited {rc}")
done = steps(paper)
expected = ["coordination-zero", "coordination-realistic", "catalogue", "zero-io", "footprint",
            "load", "spike", "scalability", "failure", "endurance"]
for name in expected:
    check(name in done and done[name]["status"] == "done", f"step {name} has results: {done.get(name)}")
    check((paper / "logs" / f"{name}.log").is_file(), f"step {name} has its log")
for name, step in done.items():
    check(step["command"].startswith("legion-bench ") and f"runs/{name}" in step["command"], f"{name}'s command names its folder")
    check(step["seconds"] > 0 and step["started_at"].endswith("Z"), f"{name} has its time")
for f in ["BENCHMARK_RESULTS.md", "publication.json", "report.html", "FEATURE_MATRIX.md"]:
    check((paper / f).is_file() and (paper / f).stat().st_size > 0, f"{f} written")
if shutil.which("chromium") or os.environ.get("LEGION_CHROMIUM"):
    pdf = paper / "report.pdf"
    check(pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", "report.pdf written")

md = (paper / "BENCHMARK_RESULTS.md").read_text()
pub = json.loads((paper / "publication.json").read_text())
criteria = [c for c in pub["criteria"] if c["kind"] == "benchmark"]
check([c["criterion"] for c in criteria] == [
    "LEGION performance within 20% of LangChain for comparable tasks",
    "LEGION coordination overhead < 15% for multi-agent scenarios",
    "Memory efficiency competitive with or better than industry standards",
    "Scalability demonstrates sub-linear overhead (< 1.5× per instance)",
    "All benchmarks documented with statistical rigor",
    "Reproducibility: every documented command runs",
    "Reproducibility: the quick form lands within the calibrated drift of a stored baseline"],
    f"the six benchmarking criteria, reproducibility in its two parts: {criteria}")
check(criteria[-1]["verdict"] == "not measured" and "--verify" in criteria[-1]["measured"], f"without --verify, not measured: {criteria[-1]}")
for c in criteria:
    check(c["verdict"] in ("pass", "fail", "inconclusive", "not measured"), f"verdict of {c['criterion']}: {c['verdict']}")
    check(c["measured"], f"{c['criterion']} says what was measured")
    check(re.search(r"\| " + re.escape(c["criterion"]).replace("<", "(<|&lt;)") + r" \|.*\| \*\*" + c["verdict"] + r"\*\* \|", md),
          f"{c['criterion']} in the Markdown with its verdict")
# Every criterion the quick runs can measure is judged, each from the run it names.
for c in criteria[:5]:
    check(c["verdict"] != "not measured", f"{c['criterion']} judged by the quick publication: {c['measured']}")
    check(c["from"], f"{c['criterion']} names its run")
check("realistic" in criteria[1]["from"], "coordination overhead judged at realistic latency")
# The quick form's 2–3 repetitions a cell decide none of the first three: each says which cells.
for c in criteria[:3]:
    check(c["verdict"] == "inconclusive" and "fewer than 10" in c["measured"], f"{c['criterion']} undecided on quick cells: {c}")
check(any(c["kind"] == "stress" for c in pub["criteria"]), "the stress criteria follow")
needs = {c["need"]: c for c in pub["conclusions"]}
for need in ["lowest overhead", "fewest tokens", "least memory", "best recovery from faults", "widest feature coverage"]:
    check(need in needs, f"a conclusion on {need}: {list(needs)}")
for c in pub["conclusions"]:
    check(c["evidence"] and f"**{c['need']}.**" in md, f"conclusion {c['need']} cites its evidence and is in the Markdown")
    if c["recommended"]:
        check(c["text"].startswith(c["recommended"] + ":"), f"a recommendation names its system first: {c['text']}")
    else:
        check(c["text"].startswith("No "), f"no recommendation says why: {c['text']}")
for heading in ["## The seeds' success criteria, judged", "## Conclusions and recommendations", "## How this publication was made",
                "## Executive summary", "## Published numbers", "## Stress suites", "## Appendix A. Feature matrix"]:
    check(heading in md, f"the Markdown has {heading}")
for suite in ["coordination", "catalogue"]:
    check(f"## Suite `{suite}`" in md, f"the Markdown carries the {suite} suite's report")
for stress in ["load", "spike", "scalability", "failure", "endurance"]:
    check(f"### Stress test results: {stress}" in md, f"the Markdown carries the {stress} suite")
check("not assessed" not in (paper / "FEATURE_MATRIX.md").read_text(), "no 'not assessed' cell in the feature matrix")
check("? (0 cores" not in md and " on ? (" not in md, "every stress run names its machine")
html = (paper / "report.html").read_text()
check("success criteria, judged" in html and "Conclusions and recommendations" in html and "Stress suites" in html,
      "the HTML has the criteria, the conclusions and the stress suites")

# The same command again: every step kept, the same verdicts.
rc2, out2, err2, took2 = publish(*FOUR)
check(rc2 == rc, f"the resumed publication exits as the first ({rc2} vs {rc})")
check(out2.count("done before") == len(done), f"every step kept on the second run:\n{out2}")
again = json.loads((paper / "publication.json").read_text())
check([c["verdict"] for c in again["criteria"]] == [c["verdict"] for c in pub["criteria"]], "the same verdicts from the same runs")
check(again["conclusions"] == pub["conclusions"], "the same conclusions from the same runs")

# ---- publish --verify: the quick form against a stored baseline ----
baseline = json.loads((paper / "baseline.json").read_text())
check(any(c["run"] == "coordination/zero" and c["system"] == "native" and c["cell"] == "single-tool" and "wall_ms_median" in c
          for c in baseline["cells"]), "baseline.json holds each cell's median wall time")
check(any(v["figure"].startswith("stress load: ") for v in baseline["verdicts"]), "baseline.json holds the stress criteria's verdicts")
# Only coordination at zero latency, on native: every other step the plan for native has is skipped.
plan = subprocess.run([LEGION_BENCH, "--dry-run", "publish", "--quick", "--systems", "native", "--out", str(OUT / "plan")],
                      capture_output=True, text=True).stdout
only_zero = ",".join(m for m in re.findall(r"^([a-z-]+) \(about ", plan, re.M) if m != "coordination-zero")


def verify(baseline_path, folder, skip=only_zero, cwd=None):
    started = time.monotonic()
    p = subprocess.run([LEGION_BENCH, "publish", "--verify", str(baseline_path), "--systems", "native", "--skip", skip, "--out", str(folder)],
                       capture_output=True, text=True, timeout=3000, cwd=cwd)
    rc, out, err = p.returncode, p.stdout, p.stderr
    text = (folder / "VERIFY.md").read_text() if (folder / "VERIFY.md").is_file() else ""
    counted = re.search(r"\*\*(\d+) of (\d+) figures outside\*\*", text)
    return rc, out, err, text, int(counted.group(1)) if counted else -1


rc, out, err, text, outside = verify(paper, OUT / "verify")
check(outside >= 0, f"VERIFY.md counts the figures outside:\n{out}\n{err}\n{text[:2000]}")
check(rc == (1 if outside else 0), f"--verify exits 1 exactly when a figure is outside ({rc}, {outside} outside)")
for figure in ["median wall time", "correct answers", "median tokens"]:
    check(f"| coordination/zero · single-tool · native: {figure} |" in text, f"VERIFY.md compares native's {figure} on single-tool")
check("coordination/zero · single-tool · langchain: not in this publication" in text, "a baseline figure this run has not is named")
verified = json.loads((OUT / "verify" / "publication.json").read_text())
repro = [c for c in verified["criteria"] if c["criterion"].startswith("Reproducibility: the quick form")][0]
check(repro["verdict"] == ("fail" if outside else "pass"), f"the paper's reproducibility verdict follows VERIFY.md: {repro}")
# A doctored baseline: native's single-tool a thousand times slower, with one answer fewer correct.
for c in baseline["cells"]:
    if c["run"] == "coordination/zero" and c["system"] == "native" and c["cell"] == "single-tool":
        c["wall_ms_median"] *= 1000
        c["correct"] -= 1
(OUT / "doctored.json").write_text(json.dumps(baseline))
rc, out, err, text, outside = verify(OUT / "doctored.json", OUT / "verify-doctored")
check(rc == 1 and outside >= 2, f"a doctored baseline fails verification (exit {rc}, {outside} outside)")
for figure in ["median wall time", "correct answers"]:
    check(re.search(r"\| coordination/zero · single-tool · native: " + figure + r" \|.*\| \*\*outside\*\* \|", text),
          f"VERIFY.md names native's {figure} on single-tool as outside")
check("outside: coordination/zero · single-tool · native: median wall time" in out, f"the terminal names it too:\n{out}")
# On a machine calibrated in the quick form (results/calibration/ where the command runs): a run of the
# kind the calibration measured (the scripted model at zero latency) gets each cell's calibrated floor;
# a run at another latency gets ±40% (or the widest calibrated floor, were it wider), since its drift
# was not measured.
calibrated = OUT / "calibrated"
calibrated.mkdir()
floor = 0.123
(calibrated / "results" / "calibration").mkdir(parents=True)
(calibrated / "results" / "calibration" / "calibration.json").write_text(json.dumps({
    "host": "test", "cpu_model": "test", "created_at": "2026-01-01T00:00:00Z", "metric": "wall", "command": "legion-bench calibrate --quick",
    "run_ids": ["a", "b", "c"],
    "cells": [{"scenario": "single-tool", "system": "native", "runs": 3, "repetitions": 10.0, "sigma_run": 0.03, "sigma_repetition": 0.1,
               "sigma_pair": 0.1, "twin_rms": 0.02, "max_drift": 0.1, "between_runs_floor": floor, "within_run_floor": 0.05,
               "pairs_called": 0, "pairs_compared": 3}]}))
zero_and_realistic = ",".join(m for m in only_zero.split(",") if m != "coordination-realistic")
rc, out, err, text, outside = verify(paper, OUT / "verify-calibrated", skip=zero_and_realistic, cwd=calibrated)
check(re.search(r"\| coordination/zero · single-tool · native: median wall time \|[^\n]*\| ±12% \|", text),
      f"the calibrated run kind gets the cell's calibrated floor:\n{out}\n{err}\n{text[:3000]}")
check(re.search(r"\| coordination/realistic · single-tool · native: median wall time \|[^\n]*\| ±40% \|", text),
      f"a run at another latency gets ±40%:\n{text[:3000]}")

# Refused before anything runs: a standard publication's baseline, and none at all.
(OUT / "standard.json").write_text(json.dumps({**baseline, "quick": False}))
for bad, why in [(OUT / "standard.json", "standard publication"), (OUT / "no-such-folder", "cannot be read")]:
    rc, out, err, text, outside = verify(bad, OUT / "verify-refused")
    check(rc == 2 and why in err, f"--verify {bad.name} refused with exit 2 ({rc}): {err}")
    check(not (OUT / "verify-refused" / "publish.json").exists(), f"--verify {bad.name}: nothing started")

# ---- Resuming: a small publication of three cheap steps ----
small = OUT / "small"
skip = "coordination-realistic,catalogue,published,real-model,load,spike,scalability,failure,endurance"
args = ["--quick", "--systems", "native,langchain", "--skip", skip, "--out", str(small)]
proc = subprocess.Popen([LEGION_BENCH, "publish", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# SIGTERM once the first step has started its run (its log shows progress); whichever step is then
# running is the one that must be left pending.
log = small / "logs" / "coordination-zero.log"
deadline = time.monotonic() + 300
while time.monotonic() < deadline and not (log.is_file() and "rep" in log.read_text(errors="replace")):
    time.sleep(0.02)
proc.send_signal(signal.SIGTERM)
stdout, stderr = proc.communicate(timeout=120)
check(proc.returncode == 128 + signal.SIGTERM, f"publish stopped by SIGTERM exits 143, got {proc.returncode}:\n{stdout}\n{stderr}")
order = ["coordination-zero", "zero-io", "footprint"]
state = steps(small)
pending = [name for name in order if name in state and state[name]["status"] != "done"]
check(len(pending) == 1, f"one step left pending: {state}")
stopped = pending[0] if pending else order[0]
at = order.index(stopped)
check(state.get(stopped, {}).get("status") == "pending" and "interrupted" in state[stopped]["detail"], f"the stopped step is pending: {state}")
check(all(state[name]["status"] == "done" for name in order[:at]), f"the steps before it stay done: {state}")
check(all(name not in state for name in order[at + 1:]), f"no step after it started: {state}")
rc, out, err, _ = publish(*args)
check(rc in (0, 1), f"the resumed small publication finished: {rc}\n{out}\n{err}")
check(out.count("done before") == at and f"[{at + 1}/3] {stopped}: legion-bench" in out,
      f"the resume ran the stopped step ({stopped}) and those after it, not the finished ones:\n{out}")
state = steps(small)
check(all(s["status"] == "done" for s in state.values()) and len(state) == 3, f"every step done after the resume: {state}")
# A step marked failed runs again.
raw = json.loads((small / "publish.json").read_text())
for s in raw["steps"]:
    if s["name"] == "footprint":
        s["status"] = "failed"
(small / "publish.json").write_text(json.dumps(raw))
rc, out, err, _ = publish(*args)
check("[3/3] footprint: legion-bench footprint" in out and out.count("done before") == 2, f"only the failed step ran again:\n{out}")

# A finished step whose results went missing: marked failed (the paper is written from the rest),
# and the next run makes it again.
(small / "runs" / "zero-io" / "zero_io.json").unlink()
rc, out, err, _ = publish(*args)
state = steps(small)
check(rc == 1 and state["zero-io"]["status"] == "failed" and "could not be read" in state["zero-io"]["detail"],
      f"a step without its results is failed: {rc} {state['zero-io']}\n{err}")
check((small / "BENCHMARK_RESULTS.md").is_file(), "the paper is still written from the other steps")
rc, out, err, _ = publish(*args)
check(rc in (0, 1) and "[2/3] zero-io: legion-bench zero-io" in out and steps(small)["zero-io"]["status"] == "done",
      f"the next run made the missing step again:\n{out}")

# ---- Refusals, before anything runs ----
rc, out, err, _ = publish("--quick", "--out", str(small))
check(rc == 2 and "started with other options" in err, f"other options for the same folder refused: {rc} {err}")
rc, out, err, _ = publish("--quick", "--skip", "nosuch", "--out", str(OUT / "refused"))
check(rc == 2 and "--skip names 'nosuch'" in err and "coordination-zero" in err, f"an unknown step refused: {rc} {err}")
check(not (OUT / "refused" / "publish.json").exists(), "nothing written for a refused command")
rc, out, err, _ = publish("--quick")
check(rc == 2 and "--out" in err, f"a missing --out refused: {rc} {err}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
