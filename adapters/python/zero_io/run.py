"""Runs one framework's zero-I/O workloads (zero_io/<framework>_graphs.py) in this interpreter and
prints one JSON object: the time per invocation of each workload in each batch (µs), whether
every invocation gave the right result, the process's peak RSS and the framework's versions.

    python zero_io/run.py FRAMEWORK --batches B --iterations N

legion-bench zero-io starts it once per round and system, in the framework's environment; the
batches of seq and par alternate so that drift within the process hits both alike."""
import argparse
import importlib
import importlib.metadata
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from offline import configure_offline  # noqa: E402

configure_offline()


def main():
    parser = argparse.ArgumentParser()
    # Every environment with a workload file here (ENV_graphs.py).
    parser.add_argument("framework", choices=sorted(name[:-len("_graphs.py")] for name in os.listdir(os.path.dirname(
        os.path.abspath(__file__))) if name.endswith("_graphs.py")))
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    if args.batches < 1 or args.iterations < 1:
        parser.error("--batches and --iterations must be at least 1")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    module = importlib.import_module(f"{args.framework}_graphs")
    workloads = module.workloads()
    correct = True
    for run in workloads.values():  # warm-up: lazy initialisation happens on first use
        for _ in range(max(1, args.iterations // 10)):
            correct = run() and correct
    times = {name: [] for name in workloads}
    for _ in range(args.batches):
        for name, run in workloads.items():
            ok = True
            start = time.perf_counter_ns()
            for _ in range(args.iterations):
                ok = run() and ok
            elapsed = time.perf_counter_ns() - start
            correct = correct and ok
            times[name].append(elapsed / args.iterations / 1000.0)
    print(json.dumps({
        "per_invocation_us": times,
        "iterations": args.iterations,
        "correct": correct,
        "rss_peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "versions": {name: importlib.metadata.version(name) for name in module.VERSIONS},
        "settings": getattr(module, "SETTINGS", {}),
    }))


if __name__ == "__main__":
    main()
