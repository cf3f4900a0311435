#!/usr/bin/env python3
"""Where a system's per-call overhead goes, from a traced run's traces.jsonl (docs/tracing.md).

Usage: tools/trace_breakdown.py RUN_DIR [SYSTEM]     (SYSTEM: default native)

For each scenario, medians over the system's measured records of: the time from the task's start
to the system's own first span (its set-up of the task), each model call's way up (the system's
own client span starts → the model server has parsed the request) and way down (the server has
written the answer → the client span ends), the first call apart from the later ones, the server's
service time, the system's time between one call's end and the next call's start, and the time
from its last span to the task's end. Needs a system that traces its own model calls (`chat …`
client spans): the native engine, Agent Framework, the Agents SDK, Pydantic AI. Records whose calls
overlap (consensus-vote's concurrent proposals) give only task, setup and after.
"""
import json
import pathlib
import statistics
import sys


def attributes(span):
    return {a["key"]: next(iter(a["value"].values()), None) for a in span.get("attributes", [])}


def spans_of(request):
    for rs in request["resourceSpans"]:
        service = attributes(rs["resource"])["service.name"]
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                a = attributes(span)
                yield {"service": service, "name": span["name"], "source": a.get("legion.span.source"), "attributes": a,
                       "start": int(span["startTimeUnixNano"]), "end": int(span["endTimeUnixNano"])}


def main():
    run, system = pathlib.Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "native"
    rows = {}
    for line in (run / "traces.jsonl").read_text().splitlines():
        spans = list(spans_of(json.loads(line)))
        root = next(s for s in spans if s["source"] == "harness" and s["name"].startswith("invoke_workflow "))
        if root["service"] != system or root["attributes"].get("legion.warmup"):
            continue
        own = sorted((s for s in spans if s["source"] == "system"), key=lambda s: s["start"])
        client = [s for s in own if s["name"].startswith("chat ")]
        server = sorted((s for s in spans if s["source"] == "model_server"), key=lambda s: s["start"])
        if not client or len(client) != len(server):
            continue
        us = lambda ns: ns / 1e3  # noqa: E731
        r = rows.setdefault(root["attributes"]["gen_ai.workflow.name"], {k: [] for k in (
            "task", "setup", "up_first", "up_later", "down_first", "down_later", "service", "between", "after")})
        r["task"].append(us(root["end"] - root["start"]))
        r["setup"].append(us(own[0]["start"] - root["start"]))
        r["after"].append(us(root["end"] - max(s["end"] for s in own)))
        if any(client[i + 1]["start"] < client[i]["end"] for i in range(len(client) - 1)):
            continue  # calls in flight at once (consensus): a client span cannot be paired with its server span by order
        for i, (c, s) in enumerate(zip(client, server)):
            r["up_first" if i == 0 else "up_later"].append(us(s["start"] - c["start"]))
            r["down_first" if i == 0 else "down_later"].append(us(c["end"] - s["end"]))
            r["service"].append(us(s["end"] - s["start"]))
        r["between"] += [us(client[i + 1]["start"] - client[i]["end"]) for i in range(len(client) - 1)]
    if not rows:
        sys.exit(f"no traced, measured records of {system} with its own model-call spans in {run / 'traces.jsonl'}")
    columns = ["task", "setup", "up_first", "down_first", "up_later", "down_later", "service", "between", "after"]
    print(f"{system}: medians in µs over measured records (n records per scenario)")
    print(f"| scenario | n | " + " | ".join(columns) + " |\n|---|---:|" + "---:|" * len(columns))
    for scenario, r in rows.items():
        cells = [f"{statistics.median(r[c]):.1f}" if r[c] else "—" for c in columns]
        print(f"| {scenario} | {len(r['task'])} | " + " | ".join(cells) + " |")


main()
