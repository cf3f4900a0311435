"""smolagents (Hugging Face): tool-calling agents and managed agents.

Every agent is a `ToolCallingAgent` (JSON tool calls through the model's tool-calling API; it ends
its run with a call of its `final_answer` tool) over one `OpenAIServerModel`, smolagents' client
for OpenAI-compatible servers (`api_base` = the model server). Scenario tools are `Tool`
subclasses calling the task's own tool code; a code-execution tool runs its program in the
benchmark's sandbox. smolagents' `CodeAgent` is not used (docs/adapters.md says why).
Patterns (docs/adapters.md), each through what smolagents documents, or plain Python where it has no
construct:
  hierarchical  the manager's `managed_agents` are its workers (each with a name and description):
                smolagents' multi-agent construct; the manager calls them like tools
  sequential    plain Python: each agent's `run` gets the task and the previous agent's answer
  round-robin   plain Python over each agent's own memory: a speaker's next `run(reset=False)` gets
                the turns it has not seen yet, in order, until the termination text or max turns
  selector      the same; before each turn a selector agent (the selector prompt as its
                instructions) answers with the next speaker's id, checked by `final_answer_checks`
  consensus     proposals, then votes, the members' runs at once in threads, then the moderator's run
  human-review  the agent's run, then the person's feedback continues its memory (`reset=False`)
  mixture       the proposers' runs at once in threads, then the aggregator's run
Knowledge-base tasks are unsupported: smolagents has no memory or vector store (its retrieval is a
retriever tool the model decides to call, over another library's retriever).

In the in-process mode (--systems smolagents@in-process) the agents' model is `InProcessModel`,
smolagents' documented custom model (a `Model` subclass with `generate`), answered over the
worker's pipe; everything else is unchanged.

smolagents is synchronous. Concurrent work runs in threads, as its documentation recommends for
async applications (`anyio.to_thread.run_sync`) and as it runs parallel tool calls itself
(`ThreadPoolExecutor`). Agents keep each run in their memory, so concurrent copies (--concurrency N)
each get their own agents; the model client is shared.
Calls and tokens are each agent's own `ActionStep.token_usage` (what its `Monitor` sums), counted by
a step callback: a managed agent's Monitor is reset at every call, so reading it afterwards would
miss a worker called twice.
"""

import asyncio
import concurrent.futures
import functools
import threading

import anyio.to_thread

import legion
import legion_common
from legion_common import FrameworkAdapter, Tally

from smolagents import ChatMessage, MessageRole, Model, OpenAIServerModel, Tool, ToolCallingAgent
from smolagents.memory import ActionStep
from smolagents.models import remove_content_after_stop_sequences
from smolagents.monitoring import LogLevel, TokenUsage

# Default max_steps is 20 (one step = one model call and its tool calls): a manager delegating to
# 20 workers needs 21. 25 is the native engine's limit of model calls per agent turn.
MAX_STEPS = 25

KNOWLEDGE_UNSUPPORTED = (
    "smolagents has no memory or vector store: its documented retrieval (\"Agentic RAG\") is a retriever "
    "Tool that the model decides to call, over another library's retriever; nothing retrieves into the "
    "agent's context before a model call")


class ScenarioTool(Tool):
    """A scenario tool as a smolagents `Tool`: its name, description and JSON Schema properties as
    `inputs` (optional ones `nullable`); it runs the task's own tool code. The signature is generic
    (`skip_forward_signature_validation`, as smolagents' own wrappers of outside tools do)."""

    skip_forward_signature_validation = True
    output_type = "string"

    def __init__(self, adapter, spec):
        super().__init__()
        self.adapter, self.name, self.description = adapter, spec.name, spec.description
        required = set(spec.parameters.get("required", []))
        self.inputs = {}
        for key, prop in spec.parameters.get("properties", {}).items():
            entry = {"type": "string", **prop}
            entry.setdefault("description", key)
            if key not in required:
                entry["nullable"] = True
            self.inputs[key] = entry  # smolagents validates these after __init__ (Tool.validate_arguments)

    def forward(self, **arguments):
        return self.adapter.scenario.run_tool(self.name, {k: v for k, v in arguments.items() if v is not None})


class InProcessModel(Model):
    """The in-process mode's model (--systems smolagents@in-process): smolagents' documented custom
    model, a `Model` subclass implementing `generate` ("Models" reference, "Base Model"). It builds
    the Chat Completions request with `Model._prepare_completion_kwargs`, the base class's own
    conversion that OpenAIServerModel uses (messages with smolagents' tool roles, tools from
    `get_tool_json_schema`, tool_choice, stop), hands it to the scripted model over the worker's
    pipe, and returns the answer as a ChatMessage with its TokenUsage, as OpenAIServerModel does."""

    def __init__(self, config):
        super().__init__(model_id=config.model)
        self.chat = legion_common.InProcessChat(config)

    def generate(self, messages, stop_sequences=None, response_format=None, tools_to_call_from=None, **kwargs):
        request = self._prepare_completion_kwargs(messages=messages, stop_sequences=stop_sequences,
                                                  response_format=response_format,
                                                  tools_to_call_from=tools_to_call_from,
                                                  convert_images_to_image_urls=True, **kwargs)
        answer = self.chat.complete(request.pop("messages"), tools=request.pop("tools", None), **request)
        message = answer["choices"][0]["message"]
        content = message.get("content")
        if stop_sequences is not None and not self.supports_stop_parameter:
            content = remove_content_after_stop_sequences(content, stop_sequences)
        usage = answer["usage"]
        return ChatMessage(role=MessageRole(message.get("role", "assistant")), content=content,
                           tool_calls=message.get("tool_calls") or None, raw=answer,
                           token_usage=TokenUsage(input_tokens=usage["prompt_tokens"],
                                                  output_tokens=usage["completion_tokens"]))


class Counter:
    """Calls and tokens of the agents of one built scenario (one copy), from every ActionStep's
    token_usage. Agents of a fan-out finish steps at once in their threads, hence the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tally = Tally()

    def start(self):
        self.tally = Tally()

    def step(self, step, agent=None):
        if step.token_usage is None:
            return
        with self.lock:
            self.tally.calls += 1
            self.tally.add_usage(step.token_usage.input_tokens, step.token_usage.output_tokens)


class Built:
    """What a scenario's shape needs: its agents (any structure) and the counter they report to."""

    def __init__(self, counter, agents):
        self.counter, self.agents = counter, agents


class Job:
    """One task: `task(agents)` is plain synchronous Python over what `build` made. N concurrent
    copies each run in a thread of their own (anyio.to_thread.run_sync on the adapter's event loop),
    each over its own agents."""

    def __init__(self, adapter, scenario, build, task):
        self.adapter, self.scenario, self.build, self.task = adapter, scenario, build, task

    def run(self):
        built = self.adapter.for_task(self.scenario, self.build)
        built.counter.start()
        answer = self.task(built.agents)
        return built.counter.tally.outcome(answer)

    def run_concurrently(self, copies):
        builts = [self.adapter.for_task(self.scenario, self.build, copy=i) for i in range(copies)]
        for built in builts:
            built.counter.start()

        def batch_tally():
            total = Tally()
            for built in builts:
                total.calls += built.counter.tally.calls
                total.add_usage(built.counter.tally.prompt_tokens, built.counter.tally.completion_tokens)
            return total
        threads = [anyio.to_thread.run_sync(self.task, built.agents) for built in builts]
        return legion_common.run_copies(self.adapter.loop, threads, batch_tally)


def at_once(calls):
    """Runs the (name, function) pairs at once, each in a thread; returns {name: result}."""
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        futures = {name: pool.submit(call) for name, call in calls}
        return {name: future.result() for name, future in futures.items()}


class SmolagentsAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # only for concurrent copies: each runs in a thread
        if config.in_process:
            self.model = InProcessModel(config)
            return
        # OpenAIServerModel, smolagents' documented client for OpenAI-compatible servers. Retries are
        # the OpenAI client's (the runner's --max-retries, as for every system), not smolagents'
        # own rate-limit retry (3 attempts, 60 s apart).
        self.model = OpenAIServerModel(model_id=config.model, api_base=config.base_url, api_key="legion-bench-no-key",
                                       client_kwargs={"max_retries": config.max_retries,
                                                      "timeout": config.request_timeout_s},
                                       retry=False)

    def start_tracing(self):
        """--trace: smolagents' spans through OpenTelemetry, the route Hugging Face's guide
        "Inspecting runs with OpenTelemetry" (smolagents docs, tutorials/inspect_runs) gives: the
        OpenInference smolagents instrumentor, here writing to the collector's tracer provider
        instead of an OTLP exporter. Its spans: "NAME.run" for each agent's run (a managed agent's
        too), "Step N" per step, "OpenAIModel.generate" per model call (OpenAIServerModel is
        OpenAIModel), the tool's class name per tool call ("ScenarioTool", "FinalAnswerTool";
        `tool.name` holds the tool's own name). The agent's name is only in its run
        span's name: model, step and tool spans get the agent of the run they are in. Nothing is
        imported unless --trace is given."""
        from openinference.instrumentation.smolagents import SmolagentsInstrumentor

        def own_agent(span):
            if span.attributes.get("openinference.span.kind") == "AGENT" and span.name.endswith(".run"):
                return span.name[:-len(".run")]
            return ""

        collector = legion_common.SpanCollector(own_agent=own_agent)
        SmolagentsInstrumentor().instrument(tracer_provider=collector.provider)
        return collector

    def versions(self):
        return legion_common.distribution_versions("smolagents", "openai", "huggingface-hub")

    def settings(self):
        if self.config.in_process:
            model = {"in-process model": "InProcessModel(Model): smolagents' documented custom model (a Model subclass "
                                         "with generate); the request is built by Model._prepare_completion_kwargs as "
                                         "OpenAIServerModel builds it, the answer and its usage come back as a "
                                         "ChatMessage with TokenUsage"}
        else:
            model = {
                "OpenAIServerModel(api_base)": "the model server (default: OpenAI's API), smolagents' client for "
                                               "OpenAI-compatible servers (Chat Completions)",
                "OpenAIServerModel(retry)": "False (default True: up to 3 attempts 60 s apart on rate-limit errors): "
                                            "retries are the OpenAI client's max_retries and timeout, the runner's "
                                            "--max-retries and request timeout, as for every system"}
        return {
            **model,
            "ToolCallingAgent(max_steps)": f"{MAX_STEPS} (default 20): a manager delegating to 20 workers needs 21 "
                                           "steps; the native engine's limit",
            "ToolCallingAgent(verbosity_level)": "LogLevel.OFF (default INFO): INFO renders every step to the "
                                                 "terminal with rich, which a service does not do",
            "ToolCallingAgent(stream_outputs)": "True only with --stream (default False): the model's answers "
                                                "stream, with usage (stream_options include_usage)",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "step_callbacks=[keep the last N steps of agent.memory.steps] "
                                                   "(default: none): smolagents' documented way to change an "
                                                   "agent's memory during a run",
        }

    # ------------------------------------------------------------------ building blocks

    def agent(self, scenario, spec, counter, managed_agents=(), window=0):
        tools = [ScenarioTool(self, t) for t in scenario.tools if t.name in spec.tools]
        callbacks = [counter.step]
        if window:
            callbacks.append(keep_last_steps(window))
        # A managed agent is shown to its manager by name and description; the description leaves
        # out "You are ..." so that only the agent's own instructions name it.
        return ToolCallingAgent(tools=tools, model=self.model, instructions=spec.system_prompt, name=spec.id,
                                description=f"{spec.role}: {spec.goal}", managed_agents=list(managed_agents) or None,
                                max_steps=MAX_STEPS, verbosity_level=LogLevel.OFF, step_callbacks=callbacks,
                                stream_outputs=bool(self.config.stream))

    def job(self, scenario, build, task):
        def built(scenario):
            counter = Counter()
            return Built(counter, build(scenario, counter))
        return Job(self, scenario, built, task)

    def ingest(self, scenario):
        raise legion.Unsupported(KNOWLEDGE_UNSUPPORTED)

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario, counter):
            return [self.agent(scenario, a, counter) for a in scenario.agents]

        def task(agents):
            author, output = "", ""
            for agent in agents:  # plain Python hand-off: each agent gets the previous one's answer only
                prompt = f"Task: {scenario.task}"
                if output:
                    prompt += f"\n\nInput from {author}:\n{output}"
                author, output = agent.name, str(agent.run(prompt))
            return output

        return self.job(scenario, build, task)

    def hierarchical(self, scenario):
        def build(scenario, counter):
            workers = [self.agent(scenario, a, counter) for a in scenario.agents if a.id != scenario.manager]
            return self.agent(scenario, scenario.agent(scenario.manager), counter, managed_agents=workers)

        def task(manager):
            return str(manager.run(f"Task: {scenario.task}"))

        return self.job(scenario, build, task)

    def round_robin(self, scenario):
        return self.group_chat(scenario, select=False)

    def selector(self, scenario):
        return self.group_chat(scenario, select=True)

    def group_chat(self, scenario, select):
        order = [a.id for a in scenario.agents]

        def build(scenario, counter):
            agents = {a.id: self.agent(scenario, a, counter, window=scenario.context_window) for a in scenario.agents}
            return agents, self.selector_agent(scenario, counter) if select else None

        def task(built):
            agents, selector = built
            turns = []       # (author, text)
            seen = {}        # speaker -> how many turns its memory holds
            while len(turns) < scenario.max_turns:
                if select:
                    speaker = str(selector.run(transcript(scenario.task, turns))).strip().strip("\"'.")
                else:
                    speaker = order[len(turns) % len(order)]
                agent = agents[speaker]
                # A speaker's memory keeps its conversation: its next run gets only the turns since.
                new = "\n\n".join(f"{author}: {text}" for author, text in turns[seen.get(speaker, 0):])
                if speaker not in seen:
                    answer = agent.run(f"Task: {scenario.task}" + (f"\n\n{new}" if new else ""))
                else:
                    answer = agent.run(new, reset=False)
                turns.append((speaker, str(answer)))
                seen[speaker] = len(turns)
                if scenario.termination_text in turns[-1][1]:
                    break
            return turns[-1][1] if turns else ""

        return self.job(scenario, build, task)

    def selector_agent(self, scenario, counter):
        """An agent whose final answer names the next speaker; `final_answer_checks` (smolagents' check
        of a final answer) sends one that names no candidate back to the model."""
        candidates = {a.id for a in scenario.agents}

        def names_a_candidate(answer, memory, agent=None):
            return str(answer).strip().strip("\"'.") in candidates

        return ToolCallingAgent(tools=[], model=self.model, instructions=legion_common.selector_prompt(scenario),
                                name="selector", max_steps=3, verbosity_level=LogLevel.OFF,
                                final_answer_checks=[names_a_candidate], step_callbacks=[counter.step],
                                stream_outputs=bool(self.config.stream))

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario, counter):
            return {a.id: self.agent(scenario, a, counter) for a in members + [scenario.agent(scenario.moderator)]}

        def task(agents):
            def all_answer(prompt):  # every member at once, each in a thread
                answers = at_once([(m.id, functools.partial(agents[m.id].run, prompt)) for m in members])
                return {agent_id: str(answer) for agent_id, answer in answers.items()}
            proposals = all_answer(legion_common.propose_prompt(scenario, scenario.task))
            votes = all_answer(legion_common.vote_prompt(scenario, scenario.task, proposals))
            return str(agents[scenario.moderator].run(legion_common.decide_prompt(scenario, scenario.task, votes)))

        return self.job(scenario, build, task)

    def human_review(self, scenario):
        def build(scenario, counter):
            return self.agent(scenario, scenario.agents[0], counter)

        def task(agent):
            answer = str(agent.run(f"Task: {scenario.task}"))
            for _ in range(scenario.max_turns):
                feedback = scenario.ask_human(answer)
                if not feedback:
                    break
                answer = str(agent.run(feedback, reset=False))  # the revision sees its draft in memory
            return answer

        return self.job(scenario, build, task)

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario, counter):
            return {a.id: self.agent(scenario, a, counter) for a in proposers + [scenario.agent(scenario.aggregator)]}

        def task(agents):
            propose = legion_common.propose_prompt(scenario, scenario.task)
            answers = at_once([(p.id, functools.partial(agents[p.id].run, propose)) for p in proposers])
            proposals = {agent_id: str(answer) for agent_id, answer in answers.items()}
            return str(agents[scenario.aggregator].run(legion_common.aggregate_prompt(scenario, scenario.task, proposals)))

        return self.job(scenario, build, task)


def transcript(task, turns):
    """The task and every turn so far, as the selector reads them."""
    return "\n\n".join([f"Task: {task}"] + [f"{author}: {text}" for author, text in turns])


def keep_last_steps(window):
    """A step callback keeping the last `window` steps of the agent's memory (the task and its
    answers, the others' turns), so that its next model call sends only those."""
    def trim(step, agent=None):
        if isinstance(step, ActionStep) and len(agent.memory.steps) > window:
            del agent.memory.steps[:-window]
    return trim


def create():
    return SmolagentsAdapter()
