"""What the three framework adapters share: the offline configuration, the pattern dispatch, and
the bookkeeping of a task (calls and tokens as the framework itself reports them).

Each adapter maps a scenario's pattern onto its framework's own primitive; docs/adapters.md has
the table. Tasks arrive as `legion.Task` objects — what a user would give a framework: agents (id,
role, goal, tools), tools (name, description, JSON Schema, and `run_tool`, the same deterministic
code for every system), the task text and the pattern's settings. The model server's script, the
planted values and the expected answer never cross into Python.
"""

import asyncio
import contextlib
import importlib.metadata
import json
import os
import time
import typing

import legion

from offline import OFFLINE_ENVIRONMENT, configure_offline  # noqa: F401 (documented settings)

configure_offline()


def distribution_versions(*names):
    return {name: importlib.metadata.version(name) for name in names}


class Tally:
    """Calls and tokens of one task, as the framework reports them."""

    def __init__(self):
        self.calls = 0
        self.prompt_tokens = None
        self.completion_tokens = None

    def add_usage(self, prompt_tokens, completion_tokens):
        self.prompt_tokens = (self.prompt_tokens or 0) + int(prompt_tokens or 0)
        self.completion_tokens = (self.completion_tokens or 0) + int(completion_tokens or 0)

    def outcome(self, answer):
        return legion.TaskOutcome(answer=answer or "", llm_calls=self.calls,
                                  prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)


class InProcessChat:
    """The model of legion-bench's in-process mode (`--systems NAME@in-process`): a Chat Completions
    request as a dict in, the answer as a dict out, from the scripted model over the worker's pipe
    (`config.post_model`) — no socket, no HTTP, no client library. Each adapter's in-process model is
    its framework's own documented test or custom model class, converting the framework's messages
    and tools to this request and the answer back; it is used only when `config.in_process` is set.

    The request is what an OpenAI-compatible client would send: `model`, `messages` (role/content,
    assistant `tool_calls`, tool results with `tool_call_id`) and `tools` in the `function` form. The
    answer carries `choices[0].message` (content or tool_calls) and `usage`, which the framework's
    model class hands back as its own usage so that reported tokens equal the server's."""

    def __init__(self, config):
        self.config = config

    def complete(self, messages, tools=None, **fields):
        request = {"model": self.config.model, "messages": messages, **fields}
        if tools:
            request["tools"] = tools
        return json.loads(self.config.post_model("/chat/completions", json.dumps(request)))

    def embed(self, texts):
        """One vector per text (the model server's embeddings)."""
        answer = json.loads(self.config.post_model(
            "/embeddings", json.dumps({"model": self.config.model, "input": list(texts), "encoding_format": "float"})))
        return [item["embedding"] for item in sorted(answer["data"], key=lambda item: item["index"])]


def openai_tool(name, description, parameters):
    """A tool in Chat Completions' `function` form."""
    return {"type": "function", "function": {"name": name, "description": description or "", "parameters": parameters}}


def json_schema_type(schema):
    """The Python type of a JSON Schema property, for frameworks that want typed tool arguments; a
    property with an `enum` keeps its values (a Literal), so that the model is offered them too."""
    if schema.get("enum"):
        return typing.Literal[tuple(schema["enum"])]
    return {"string": str, "integer": int, "number": float, "boolean": bool,
            "array": list, "object": dict}.get(schema.get("type"), str)


def pydantic_arguments(tool):
    """A pydantic model of a scenario tool's arguments (CrewAI and AutoGen type their tools so)."""
    import pydantic

    schema = tool.parameters
    required = set(schema.get("required", []))
    fields = {}
    for name, prop in schema.get("properties", {}).items():
        kind = json_schema_type(prop)
        description = prop.get("description")
        if name in required:
            fields[name] = (kind, pydantic.Field(description=description))
        else:
            fields[name] = (kind | None, pydantic.Field(default=None, description=description))
    model_name = "".join(part.capitalize() for part in tool.name.split("_")) + "Arguments"
    return pydantic.create_model(model_name, **fields)


def consensus_members(scenario):
    return [a for a in scenario.agents if a.id != scenario.moderator]


def mixture_proposers(scenario):
    return [a for a in scenario.agents if a.id != scenario.aggregator]


# The texts every system gives the agents of a consensus scenario come with the task
# (datasets/prompts.yaml, the native engine's too). They take the task text of the run at hand:
# adapters build their graphs once per scenario shape, and each run plants new values in the task.
def listing(scenario, kind, texts):
    """The proposals or votes so far, in agent id order, as every system lists them."""
    items = "".join(scenario.prompt("item", id=agent_id, text=text) for agent_id, text in sorted(texts.items()))
    return scenario.prompt(kind, items=items)


def propose_prompt(scenario, task):
    return scenario.prompt("propose", task=task)


def vote_prompt(scenario, task, proposals):
    return scenario.prompt("vote", task=task, proposals=listing(scenario, "proposals", proposals))


def decide_prompt(scenario, task, votes):
    return scenario.prompt("decide", task=task, votes=listing(scenario, "votes", votes))


def aggregate_prompt(scenario, task, proposals):
    return scenario.prompt("aggregate", task=task, proposals=listing(scenario, "proposals", proposals))


def selector_prompt(scenario):
    candidates = "".join(scenario.prompt("candidate", id=a.id, role=a.role) for a in scenario.agents)
    return scenario.prompt("select_speaker", candidates=candidates)


# ---------------------------------------------------------------- concurrent tasks (--concurrency N)

async def consensus_round(scenario, members, ask):
    """Consensus as every framework's concurrent API runs it: each member proposes, then votes, all
    at once (asyncio.gather), then the moderator decides. `ask(agent_id, prompt)` is the framework's
    own call of one agent, returning (agent_id, text)."""
    propose = propose_prompt(scenario, scenario.task)
    proposals = dict(await asyncio.gather(*(ask(m.id, propose) for m in members)))
    vote = vote_prompt(scenario, scenario.task, proposals)
    votes = dict(await asyncio.gather(*(ask(m.id, vote) for m in members)))
    _, decision = await ask(scenario.moderator, decide_prompt(scenario, scenario.task, votes))
    return decision


def run_copies(loop, copies, tally):
    """Runs coroutines (one per copy of a task, each returning its answer) at once on `loop`, the
    framework's own async API doing the work; returns per copy a TaskOutcome or the exception it
    raised, each stamped with `latency_ns`: from the batch's start, when every copy was submitted,
    to that copy's end. The batch's calls and tokens (`tally()`, read after the batch) go to the
    first outcome, so that the worker's sum over the copies is the batch's."""
    ended = [0] * len(copies)

    async def timed(index, copy):
        try:
            return await copy
        finally:
            ended[index] = time.monotonic_ns()

    async def batch():
        return await asyncio.gather(*(timed(i, c) for i, c in enumerate(copies)), return_exceptions=True)

    start = time.monotonic_ns()
    answers = loop.run_until_complete(batch())
    counted = tally()
    outcomes = []
    for answer, end in zip(answers, ended):
        if isinstance(answer, BaseException):
            outcome = answer
        else:
            outcome = counted.outcome(answer)
            counted = Tally()
        stamp_latency(outcome, end - start)
        outcomes.append(outcome)
    return outcomes


def stamp_latency(outcome, latency_ns):
    """Gives a copy's outcome or exception its latency; an exception that takes no attributes keeps
    none, and the worker then counts the batch's wall time for it."""
    try:
        outcome.latency_ns = latency_ns
    except (AttributeError, TypeError):
        pass


class SharedAgentsJob:
    """One task of a framework whose agents hold no per-run state: `task(built)` is its coroutine over
    what `build` made for the scenario's shape, run on the adapter's one event loop (`adapter.loop`);
    N concurrent copies share what was built. Calls and tokens go to a fresh `adapter.tally`."""

    def __init__(self, adapter, scenario, build, task):
        self.adapter, self.scenario, self.build, self.task = adapter, scenario, build, task

    def run(self):
        built = self.adapter.for_task(self.scenario, self.build)
        self.adapter.tally = Tally()
        answer = self.adapter.loop.run_until_complete(self.task(built))
        return self.adapter.tally.outcome(answer)

    def run_concurrently(self, copies):
        built = self.built_for(copies)
        self.adapter.tally = Tally()
        return run_copies(self.adapter.loop, [self.task(b) for b in built], lambda: self.adapter.tally)

    def built_for(self, copies):
        """What each concurrent copy runs on: here one shared build."""
        return [self.adapter.for_task(self.scenario, self.build)] * copies


class OwnCopiesJob(SharedAgentsJob):
    """The same for a framework whose teams or workflows keep run state of their own: concurrent
    copies each get their own, built once per copy number and reused by later tasks."""

    def built_for(self, copies):
        return [self.adapter.for_task(self.scenario, self.build, copy) for copy in range(copies)]


class SpanCollector:
    """The spans a framework's own OpenTelemetry instrumentation records during a task (--trace),
    kept in memory by an OpenTelemetry SDK span processor and handed to the worker with the task's
    outcome. Each span is timed on the clock the worker and the model server share
    (time.monotonic_ns(), CLOCK_MONOTONIC) when the processor sees it start and end: OpenTelemetry's
    own stamps are wall-clock time, which can step during a task.

    A span's agent: `own_agent(span)`, the agent the framework names on the span itself, else the
    agent of the nearest enclosing span (a model or tool call inside an agent's run), settled when
    the span ends (default own_agent: its gen_ai.agent.name). A framework that names agents another
    way passes `agent_of(span)`, asked when the spans are attached instead."""

    KEPT_AGENTS = 100_000  # agents of ended spans kept for their children: the oldest go first

    def __init__(self, own_agent=None, agent_of=None):
        import threading

        from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

        own = own_agent or (lambda span: span.attributes.get("gen_ai.agent.name"))
        lock, open_spans, started, settled = threading.Lock(), {}, {}, {}
        collector = self

        def agent_above(span):  # under the lock
            parent = span.parent.span_id if span.parent is not None else None
            while parent is not None:
                if parent in settled:
                    return settled[parent]
                node = open_spans.get(parent)
                if node is None:
                    return ""
                name = own(node)
                if name:
                    return str(name)
                parent = node.parent.span_id if node.parent is not None else None
            return ""

        class Keep(SpanProcessor):
            def on_start(self, span, parent_context=None):
                now = time.monotonic_ns()
                with lock:
                    open_spans[span.context.span_id] = span
                    started[span.context.span_id] = now

        class Settle(Keep):
            def on_end(self, span):
                now = time.monotonic_ns()
                with lock:
                    key = span.context.span_id
                    open_spans.pop(key, None)
                    start = started.pop(key, now)
                    agent = str(own(span) or "") or agent_above(span)
                    settled[key] = agent
                    while len(settled) > SpanCollector.KEPT_AGENTS:
                        del settled[next(iter(settled))]
                    collector._spans.append((span, agent, start, now))

        self._lock = lock
        self._spans = []  # (span, its agent, start, end) of the spans ended since the task began
        self.agent_of = agent_of
        # The SDK reads OTEL_SDK_DISABLED (set by offline.py for CrewAI's exporter) when a provider
        # is made: this one is made with the SDK on, and the setting is back in place after it.
        disabled = os.environ.pop("OTEL_SDK_DISABLED", None)
        try:
            self.provider = TracerProvider()
        finally:
            if disabled is not None:
                os.environ["OTEL_SDK_DISABLED"] = disabled
        self.provider.add_span_processor(Settle())

    def install_globally(self):
        """Makes the collector OpenTelemetry's global tracer provider, for a framework that traces
        through the global one."""
        from opentelemetry import trace

        trace.set_tracer_provider(self.provider)
        return self

    def begin(self):
        """A task begins: spans that ended before it (an earlier task that failed, or a span that
        ended after its task was attached) are not its own."""
        with self._lock:
            self._spans = []

    def attach(self, outcome):
        """Adds the spans ended since the task began to `outcome`. Tracing never fails a task: a
        span that cannot be added is left out."""
        with self._lock:
            spans, self._spans = self._spans, []
        for span, agent, start, end in spans:
            try:
                if self.agent_of is not None:
                    agent = self.agent_of(span) or ""
                outcome.add_span(str(span.name), str(agent), start, end)
            except Exception:  # noqa: BLE001 (a framework's odd span must not fail the task)
                continue
        return outcome


class FrameworkAdapter(legion.Adapter):
    """Dispatches a scenario to the method for its pattern. A framework without a construct for a
    pattern leaves the method out; the run then records the cell as unsupported, with the reason
    given in UNSUPPORTED."""

    UNSUPPORTED = {}
    PATTERNS = {"sequential": "sequential", "hierarchical": "hierarchical", "round-robin": "round_robin",
                "selector": "selector", "consensus": "consensus", "human-review": "human_review", "mixture": "mixture"}

    def __init__(self):
        super().__init__()
        self.config = None
        self.scenario = None  # the task being run: the tools read their results from it
        self.built = {}       # agents/graph/crew/team per scenario shape, reused by later tasks

    def prepare(self, config):
        self.config = config
        self.spans = self.start_tracing() if config.trace else None

    def start_tracing(self):
        """--trace: turns on the framework's own tracing, the route its documentation gives, and
        returns the SpanCollector that receives its spans; None for a framework without one (its
        traces then hold the spans the worker and the model server record for every system)."""
        return None

    def for_task(self, scenario, build, copy=0):
        """What `build(scenario)` made for this scenario's shape (name and parameters), built on first
        use; makes `scenario` the task the tools answer for. Concurrent copies of a task that cannot
        share what was built (a crew, a team) each get their own: `copy` numbers them."""
        key = (scenario.name, tuple(sorted(scenario.params.items())), copy)
        if key not in self.built:
            self.built[key] = build(scenario)
        self.scenario = scenario
        return self.built[key]

    def pattern(self, scenario):
        """The method for the scenario's pattern, or Unsupported with the reason."""
        method = getattr(self, self.PATTERNS[scenario.pattern], None)
        if method is None:
            raise legion.Unsupported(self.UNSUPPORTED.get(
                scenario.pattern, f"no construct for the {scenario.pattern} pattern"))
        return method

    def run(self, scenario):
        if not self.spans:
            return self.run_task(scenario)
        self.spans.begin()
        return self.spans.attach(self.run_task(scenario))

    def run_task(self, scenario):
        job = self.pattern(scenario)(scenario)
        if not scenario.documents:
            return job.run()
        # A task with a knowledge base: the framework's store is filled first (`ingest`), then the
        # pattern runs with retrieval on; both times are reported apart from the answer's.
        ingest = getattr(self, "ingest", None)
        if ingest is None:
            raise legion.Unsupported("no memory or vector store wired for knowledge-base tasks")
        self.retrieval_ns = 0
        started = time.perf_counter_ns()
        ingest(scenario)
        ingest_ns = time.perf_counter_ns() - started
        try:
            outcome = job.run()
        finally:
            self.forget_knowledge(scenario)
        outcome.ingest_ns, outcome.retrieval_ns = ingest_ns, self.retrieval_ns
        return outcome

    @contextlib.contextmanager
    def retrieving(self):
        """Times one retrieval from the knowledge base (added to the task's retrieval_ns)."""
        started = time.perf_counter_ns()
        try:
            yield
        finally:
            self.retrieval_ns = getattr(self, "retrieval_ns", 0) + time.perf_counter_ns() - started

    def forget_knowledge(self, scenario):
        """Drops the task's knowledge base once the task is done (each task brings its own)."""

    def run_concurrently(self, scenario, copies):
        if scenario.documents:
            raise legion.Unsupported("knowledge-base tasks run one at a time in the Python adapters (--concurrency 1)")
        if self.spans:
            self.spans.begin()
        outcomes = self.pattern(scenario)(scenario).run_concurrently(copies)
        # The copies' spans cannot be told apart: all go with the first outcome that can take them.
        for outcome in outcomes if self.spans else []:
            if hasattr(outcome, "add_span"):
                self.spans.attach(outcome)
                break
        return outcomes
