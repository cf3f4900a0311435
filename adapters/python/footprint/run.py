"""Agent construction time and memory of one framework, measured the way the published figures
were (datasets/published/agno-performance.yaml, praisonai-instantiation.yaml), in this interpreter;
prints one JSON object.

    python footprint/run.py describe ENV      # the import the cold-import samples time, versions, settings
    python footprint/run.py construct ENV --iterations N --warmups W

ENV's constructors are in footprint/ENV_agents.py: agent_with_one_tool() (an agent holding a model
reference and one function tool, through the framework's documented constructor; never called, so
no model and no network), and for some frameworks agent_without_tools() (the shape of PraisonAI's
2025 table). The loop is Agno's PerformanceEval (agno/eval/performance.py): W warm-up calls, N calls
timed one by one with time.perf_counter, then N calls each traced alone by tracemalloc (gc.collect
and tracemalloc.start before, the peak after, minus the mean peak of an empty function). The warm-up
calls are timed too, so that PraisonAI's 2025 loop (no warm-up) can be read from the same samples.

legion-bench footprint starts `construct` once per round and environment, and times the cold
imports itself (a fresh interpreter per sample, `python -c IMPORT`, with `describe`'s environment)."""
import argparse
import gc
import importlib
import importlib.metadata
import json
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from offline import OFFLINE_ENVIRONMENT, configure_offline  # noqa: E402

ENVIRONMENTS = ["langgraph", "crewai", "autogen", "agent_framework", "openai_agents", "pydantic_ai",
                "agno", "llamaindex", "smolagents", "google_adk"]


def load(environment):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    return importlib.import_module(f"{environment}_agents")


def versions(module):
    return {name: importlib.metadata.version(name) for name in module.VERSIONS}


def time_calls(func, n):
    """Microseconds of each of n calls (Agno's PerformanceEval._measure_time)."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1e6)
    return times


def tracemalloc_baseline(samples=3):
    """Mean peak of an empty function, KiB (PerformanceEval._compute_tracemalloc_baseline)."""
    peaks = []
    for _ in range(samples):
        gc.collect()
        tracemalloc.start()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peaks.append(peak / 1024)
    return sum(peaks) / len(peaks)


def peak_memory(func, n):
    """KiB of each call's tracemalloc peak over the baseline (PerformanceEval._measure_memory)."""
    baseline = tracemalloc_baseline()
    peaks = []
    for _ in range(n):
        gc.collect()
        tracemalloc.start()
        func()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peaks.append(max(0.0, peak / 1024 - baseline))
    return peaks


def construct(module, iterations, warmups):
    shapes = {"one_tool": (module.agent_with_one_tool, ["get_weather"])}
    if hasattr(module, "agent_without_tools"):
        shapes["no_tools"] = (module.agent_without_tools, [])
    out, failures = {}, []
    for shape, (func, expected_tools) in shapes.items():
        # What was built is checked once, outside the timed calls: a constructor that silently
        # dropped the tool would otherwise be timed as fast.
        got = sorted(module.tool_names(func()))
        if got != expected_tools:
            failures.append(f"{shape}: the agent holds tools {got}, expected {expected_tools}")
        warmup_us = time_calls(func, warmups)
        times_us = time_calls(func, iterations)
        memory_kib = peak_memory(func, iterations)
        out[shape] = {"warmup_us": warmup_us, "times_us": times_us, "memory_kib": memory_kib,
                      "constructor": func.__doc__.strip() if func.__doc__ else func.__name__}
    return out, failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["describe", "construct"])
    parser.add_argument("environment", choices=ENVIRONMENTS)
    parser.add_argument("--iterations", type=int, default=0, help="0: the source's count (ITERATIONS)")
    parser.add_argument("--warmups", type=int, default=10)
    args = parser.parse_args()
    if args.iterations < 0 or args.warmups < 0:
        parser.error("--iterations and --warmups must not be negative")
    configure_offline()
    module = load(args.environment)
    if args.action == "describe":
        print(json.dumps({"import": module.IMPORT, "environment": OFFLINE_ENVIRONMENT, "versions": versions(module),
                          "iterations": module.ITERATIONS, "iterations_source": module.ITERATIONS_SOURCE}))
        return
    iterations = args.iterations or module.ITERATIONS
    shapes, failures = construct(module, iterations, args.warmups)
    print(json.dumps({"shapes": shapes, "iterations": iterations, "warmups": args.warmups,
                      "failures": failures, "versions": versions(module)}))


if __name__ == "__main__":
    main()
