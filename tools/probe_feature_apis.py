#!/usr/bin/env python3
"""Checks that every API a feature-matrix citation names (datasets/features.yaml, a cell's `api:`
list, written module:attribute.path) exists in the installed framework: each system's names are
imported and looked up (attributes, or a pydantic model's fields) by that system's own Python environment (datasets/systems.yaml), so the
matrix speaks of the versions the benchmark runs, not of the documentation's latest.

    tools/probe_feature_apis.py [--venvs DIR] [--features FILE]
        (defaults: $LEGION_VENVS_DIR or .venvs; datasets/features.yaml)

Prints one line per system and every API that is missing; exits 1 when any is.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Runs inside a framework's environment: reads [api, ...] on stdin, prints {api: error or null}.
CHECK = r"""
import importlib, json, sys
from offline import configure_offline
configure_offline()
found = {}
for api in json.load(sys.stdin):
    module, _, path = api.partition(":")
    try:
        value = importlib.import_module(module)
        for part in path.split("."):
            fields = getattr(value, "model_fields", None)  # a pydantic model's field (CrewAI's Agent, Task)
            value = fields[part] if isinstance(fields, dict) and part in fields else getattr(value, part)
        found[api] = None
    except Exception as e:
        found[api] = f"{type(e).__name__}: {e}"
print(json.dumps(found))
"""


def apis_by_system(features):
    wanted = {}
    for category in features["categories"]:
        for capability in category["capabilities"]:
            for system, cell in capability.items():
                if system != "name" and cell.get("api"):
                    wanted.setdefault(system, set()).update(cell["api"])
    return wanted


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venvs", default=os.environ.get("LEGION_VENVS_DIR", str(ROOT / ".venvs")))
    parser.add_argument("--features", default=str(ROOT / "datasets/features.yaml"))
    args = parser.parse_args()
    systems = yaml.safe_load((ROOT / "datasets/systems.yaml").read_text())
    features = yaml.safe_load(pathlib.Path(args.features).read_text())
    missing = 0
    for system, apis in sorted(apis_by_system(features).items()):
        environment = systems[system].get("environment")
        if environment is None:
            print(f"{system}: names APIs but has no Python environment to check them in")
            missing += len(apis)
            continue
        python = pathlib.Path(args.venvs) / environment / "bin" / "python"
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT / "adapters/python"), "HOME": os.environ.get("HOME", "/tmp")}
        done = subprocess.run([str(python), "-c", CHECK], input=json.dumps(sorted(apis)), capture_output=True,
                              text=True, env=env, timeout=300)
        if done.returncode != 0:
            print(f"{system}: the check failed in {python}:\n{done.stderr}")
            missing += len(apis)
            continue
        found = json.loads(done.stdout.strip().splitlines()[-1])
        absent = {api: error for api, error in found.items() if error}
        print(f"{system}: {len(found) - len(absent)} of {len(found)} APIs found in {python.parent.parent}")
        for api, error in sorted(absent.items()):
            print(f"  missing {api}: {error}")
        missing += len(absent)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
