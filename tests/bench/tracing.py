#!/usr/bin/env python3
"""Traces end to end (docs/tracing.md).

  tracing.py LEGION_BENCH OUT SOURCE JAEGER

Every registered system runs two coordination scenarios traced (`--quick --otlp-endpoint`) and sends
its traces to a real OpenTelemetry receiver, Jaeger v2 (an OpenTelemetry Collector distribution,
built by scripts/jaeger.sh). Checked, record by record:

- traces.jsonl holds one line per traced record, and each decodes strictly (no unknown field) as
  opentelemetry-proto's ExportTraceServiceRequest; so does every trace Jaeger gives back (its
  OTLP query API), with the same spans as were sent.
- each is one trace with one root (the task), every parent present, every span inside its task;
- every gen_ai.* attribute name is one of the published semantic conventions' (the
  opentelemetry-semantic-conventions package), and so are the operation and provider names;
- the model server's spans of a record are its calls (llm_calls), its harness tool spans are the
  scenario's tool calls, and every system adds spans of its own tracing.

Then tracing's cost is measured interleaved (NAME@traced beside NAME), and a bad endpoint, an
unreachable one and a traced stress suite are refused.
"""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

LEGION_BENCH, OUT, SOURCE, JAEGER = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]), sys.argv[4]
SCENARIOS = ["single-tool", "sequential-pipeline"]
TOOL_CALLS = {"single-tool": 1, "sequential-pipeline": 3}  # what each scenario's script asks for
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return reply.read().decode()


def legion(*arguments, timeout=900):
    return subprocess.run([LEGION_BENCH, *arguments], cwd=SOURCE, capture_output=True, text=True, timeout=timeout)


def systems():
    listed = legion("list").stdout
    names, inside = [], False
    for line in listed.splitlines():
        if line.strip().lower().startswith("systems"):
            inside = True
            continue
        if inside:
            if not line.startswith(" "):
                break
            if line.strip():
                names.append(line.split()[0])
    return names


# The published conventions' names: every gen_ai.* attribute, and the values of two enums.
CONVENTION_NAMES = {v for k, v in vars(gen_ai).items() if k.startswith("GEN_AI_") and isinstance(v, str)}
OPERATIONS = {m.value for m in gen_ai.GenAiOperationNameValues}
PROVIDERS = {m.value for m in gen_ai.GenAiProviderNameValues}


def attributes(span):
    out = {}
    for a in span.get("attributes", []):
        value = a["value"]
        out[a["key"]] = next(iter(value.values())) if value else None
    return out


def strict(text, message):
    return json_format.Parse(text, message, ignore_unknown_fields=False)


def start_jaeger():
    ports = {name: free_port() for name in ("JAEGER_OTLP_PORT", "JAEGER_QUERY_PORT", "JAEGER_QUERY_GRPC_PORT", "JAEGER_HEALTH_PORT")}
    log = open(OUT / "jaeger.log", "w")
    process = subprocess.Popen([JAEGER, "--config", f"file:{SOURCE / 'tests/otlp-receiver/jaeger.yaml'}"],
                               env={**os.environ, **{k: str(v) for k, v in ports.items()}}, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            if json.loads(get(f"http://127.0.0.1:{ports['JAEGER_HEALTH_PORT']}/status", 1)).get("healthy"):
                return process, ports
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    sys.exit("Jaeger did not come up: " + (OUT / "jaeger.log").read_text()[-2000:])


def check_traced_run(out, records, sent_requests):
    by_trace = {}
    for line_number, (line, request) in enumerate(sent_requests, 1):
        where = f"traces.jsonl line {line_number}"
        try:
            strict(line, trace_service_pb2.ExportTraceServiceRequest())
        except json_format.ParseError as e:
            check(False, f"{where} is not a strict ExportTraceServiceRequest: {e}")
        spans, services = [], {}
        for rs in request["resourceSpans"]:
            service = attributes(rs["resource"])["service.name"]
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    spans.append(span)
                    services[span["spanId"]] = service
        trace_ids = {s["traceId"] for s in spans}
        check(len(trace_ids) == 1, f"{where}: {len(trace_ids)} trace ids")
        trace_id = next(iter(trace_ids))
        by_trace[trace_id] = len(spans)
        ids = {s["spanId"] for s in spans}
        check(len(ids) == len(spans), f"{where}: repeated span ids")
        roots = [s for s in spans if "parentSpanId" not in s]
        check(len(roots) == 1 and roots[0]["name"].startswith("invoke_workflow "), f"{where}: roots {[r['name'] for r in roots]}")
        if len(roots) != 1:
            continue
        root = roots[0]
        root_attributes = attributes(root)
        system, scenario = root_attributes["legion.system"], root_attributes["gen_ai.workflow.name"]
        warmup, repetition = root_attributes["legion.warmup"], int(root_attributes["legion.repetition"])
        record = records.get((system, scenario, warmup, repetition))
        check(record is not None, f"{where}: no record of {system} {scenario} rep {repetition}")
        start, end = int(root["startTimeUnixNano"]), int(root["endTimeUnixNano"])
        model_spans = tool_spans = own_spans = 0
        for span in spans:
            check(span.get("parentSpanId", span["spanId"]) in ids, f"{where}: {span['name']} has a parent not in the trace")
            check(start <= int(span["startTimeUnixNano"]) <= int(span["endTimeUnixNano"]) <= end,
                  f"{where}: {span['name']} lies outside its task")
            a = attributes(span)
            for key in a:
                if key.startswith("gen_ai."):
                    check(key in CONVENTION_NAMES, f"{where}: {span['name']}: {key} is not a generative-AI convention name")
            if "gen_ai.operation.name" in a:
                check(a["gen_ai.operation.name"] in OPERATIONS, f"{where}: operation {a['gen_ai.operation.name']}")
            if "gen_ai.provider.name" in a:
                check(a["gen_ai.provider.name"] in PROVIDERS, f"{where}: provider {a['gen_ai.provider.name']}")
            source = a.get("legion.span.source")
            if services[span["spanId"]] == "legion-model-server":
                model_spans += 1
                check(span["kind"] == trace_pb2.Span.SPAN_KIND_SERVER, f"{where}: a model server span of kind {span['kind']}")
                for key in ("gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "server.address", "server.port"):
                    check(key in a, f"{where}: the model server's span has no {key}")
                check(span["name"] == f"{a['gen_ai.operation.name']} {a['gen_ai.request.model']}", f"{where}: span name {span['name']}")
            elif source == "harness" and a.get("gen_ai.operation.name") == "execute_tool":
                tool_spans += 1
                check(span["name"] == f"execute_tool {a['gen_ai.tool.name']}", f"{where}: span name {span['name']}")
            elif source == "system":
                own_spans += 1
        if record is not None:
            check(model_spans == record["llm_calls"], f"{where}: {model_spans} model server spans, the record counts {record['llm_calls']} calls")
            check(tool_spans == TOOL_CALLS[scenario], f"{where}: {tool_spans} tool spans for {scenario}")
            check(own_spans > 0, f"{where}: no span of {system}'s own tracing")
    return by_trace


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    jaeger, ports = start_jaeger()
    try:
        names = systems()
        check(len(names) >= 2 and "native" in names, f"systems listed: {names}")
        out = OUT / "traced"
        arguments = ["--suite", "coordination", "--systems", ",".join(names), "--quick", "--seed", "27", "-q", "--out", str(out),
                     "--otlp-endpoint", f"http://127.0.0.1:{ports['JAEGER_OTLP_PORT']}"]
        for scenario in SCENARIOS:
            arguments += ["--scenario", scenario]
        run = legion(*arguments)
        check(run.returncode == 0, f"the traced run exited {run.returncode}: {run.stderr[-3000:]}")
        results = json.loads((out / "results.json").read_text())
        records = {(r["system"], r["scenario"], bool(r["warmup"]), r["repetition"]): r for r in results["records"]}
        traced = [r for r in results["records"] if r.get("trace")]
        check(len(traced) == len(results["records"]) and len(traced) == len(names) * len(SCENARIOS) * 4,
              f"{len(traced)} traced records of {len(results['records'])}")
        check(all(r["correct"] for r in results["records"]), "a traced task was not answered correctly")
        lines = [l for l in (out / "traces.jsonl").read_text().splitlines() if l]
        check(len(lines) == len(traced), f"traces.jsonl has {len(lines)} lines for {len(traced)} traced records")
        check(f"Sent {len(traced)} of {len(traced)} traced records" in run.stdout, f"the run's export line: {run.stdout[-500:]}")
        sent = check_traced_run(out, records, [(l, json.loads(l)) for l in lines])

        # What the receiver holds: every trace, decoded strictly, with the spans that were sent.
        query = f"http://127.0.0.1:{ports['JAEGER_QUERY_PORT']}"
        services = set(json.loads(get(f"{query}/api/services"))["data"] or [])
        check(set(names) | {"legion-model-server"} <= services, f"Jaeger's services: {sorted(services)}")
        for trace_id, count in sent.items():
            held = json.loads(get(f"{query}/api/v3/traces/{trace_id}"))["result"]
            try:
                strict(json.dumps(held), trace_pb2.TracesData())
            except json_format.ParseError as e:
                check(False, f"Jaeger's copy of trace {trace_id} is not strict OTLP: {e}")
            spans = sum(len(ss["spans"]) for rs in held["resourceSpans"] for ss in rs["scopeSpans"])
            check(spans == count, f"trace {trace_id}: Jaeger holds {spans} spans of the {count} sent")
        print(f"{len(lines)} traces of {len(names)} systems sent, decoded and found in Jaeger", flush=True)

        # Tracing's cost, interleaved: native traced beside itself.
        cost = OUT / "cost"
        run = legion("--suite", "coordination", "--systems", "native,native@traced", "--scenario", "single-tool", "--quick", "-q",
                     "--out", str(cost))
        check(run.returncode == 0, f"the cost run exited {run.returncode}: {run.stderr[-2000:]}")
        results = json.loads((cost / "results.json").read_text())
        check(all((r["trace"] is not None) == (r["system"] == "native@traced") for r in results["records"]),
              "only native@traced's records are traced")
        report = (cost / "BENCHMARK_RESULTS.md").read_text()
        check("### What tracing costs" in report and "| single-tool | native |" in report, "the report has no tracing-cost table")

        # Refusals: a malformed endpoint and a traced stress suite before anything runs; an
        # unreachable receiver after the run, which then does not end well.
        bad = legion("--systems", "native", "--otlp-endpoint", "ftp://127.0.0.1:1", "--out", str(OUT / "bad"))
        check(bad.returncode == 2 and "http:// URL" in bad.stderr, f"ftp endpoint: {bad.returncode} {bad.stderr[-300:]}")
        stress = legion("--suite", "load", "--smoke", "--systems", "native", "--trace", "--out", str(OUT / "stress"))
        check(stress.returncode == 2 and "not traced" in stress.stderr, f"traced stress suite: {stress.returncode} {stress.stderr[-300:]}")
        closed = free_port()
        gone = legion("--systems", "native", "--scenario", "single-tool", "--quick", "-q", "--out", str(OUT / "gone"),
                      "--otlp-endpoint", f"http://127.0.0.1:{closed}")
        check(gone.returncode != 0 and f"127.0.0.1:{closed}" in gone.stderr and "could not be reached" in gone.stderr,
              f"unreachable endpoint: {gone.returncode} {gone.stderr[-300:]}")
    finally:
        jaeger.send_signal(signal.SIGTERM)
        try:
            jaeger.wait(10)
        except subprocess.TimeoutExpired:
            jaeger.kill()
    if failures:
        sys.exit(f"{len(failures)} checks failed")
    print("tracing: every check passed")


main()
