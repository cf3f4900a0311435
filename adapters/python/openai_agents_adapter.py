"""OpenAI Agents SDK (openai-agents).

Every agent is an `agents.Agent` whose model is the SDK's Chat Completions model over one
`AsyncOpenAI` client pointed at the model server: `set_default_openai_client(client)` and
`set_default_openai_api("chat_completions")` (the SDK defaults to the Responses API), as its
"Using other LLM providers" documentation gives for OpenAI-compatible servers. Tracing export is
switched off with `set_tracing_disabled(True)` (it would upload traces to OpenAI's backend). With
--trace the SDK's own tracing is on and its processors are replaced (`set_trace_processors`, the
SDK's documented route for backends of one's own; nothing goes to OpenAI's backend) by
OpenTelemetrySpans (below), which turns each SDK span into an OpenTelemetry span of the run's
SpanCollector.
Patterns (docs/adapters.md), each through what the SDK documents for it:
  sequential    "orchestrating via code": chained Runner.run calls, each agent given the task and
                the previous agent's final output
  hierarchical  a manager agent whose tools are its workers, `Agent.as_tool` ("agents as tools":
                the manager keeps control and composes the results; a handoff would give the
                conversation away to one worker and never come back)
  round-robin   code orchestration: Runner.run for each agent in turn over the shared transcript
                until the termination text or max turns
  selector      an orchestrating agent (the selector prompt as its instructions) names the next
                speaker each turn; code runs that agent ("orchestrating via LLM" with code routing)
  consensus     proposals, then votes, each member's Runner.run concurrently with asyncio.gather
                (the SDK's "running multiple agents in parallel"), then the moderator's run
  human-review  the SDK's human-in-the-loop is tool approval (needs_approval / interruptions),
                which stops before a tool call, not after an answer; an answer is reviewed as its
                conversation documents: the person's reply is appended to result.to_input_list()
                and the agent runs again, until the person approves (an empty reply)
  mixture       the proposers' runs concurrently with asyncio.gather, then the aggregator's run
Scenario tools are `FunctionTool`s (the SDK's custom function tool: name, description, JSON Schema,
on_invoke_tool) calling the task's own tool code; code-execution tools run it in the benchmark's
sandbox. Knowledge-base tasks are unsupported: the SDK's retrieval construct is the hosted
FileSearchTool (OpenAI vector stores, Responses API only).

In the in-process mode (`--systems openai-agents@in-process`) no client is made: every run's
RunConfig carries a ModelProvider whose custom Model (InProcessModel) is answered over the worker's
pipe, everything else unchanged.

Agents are built once per scenario shape; an Agent holds no per-run state, so N concurrent copies
(--concurrency N) share them, each copy its own Runner.run calls on the adapter's one event loop.
Calls and tokens are the SDK's own `Usage` of every run (`result.context_wrapper.usage`; an agent
tool's nested run adds to its caller's).
"""

import asyncio
import json

import legion
import legion_common
from legion_common import FrameworkAdapter, Tally

from agents import (Agent, FunctionTool, Model, ModelProvider, ModelResponse, ModelSettings, RunConfig, Runner,
                    TracingProcessor, Usage, set_default_openai_api, set_default_openai_client, set_tracing_disabled)
from agents.models.chatcmpl_converter import Converter
from agents.run_config import ModelInputData
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessage

# Runner.run's default max_turns is 10 (one turn = one model call plus its tool calls): a manager
# delegating to 20 workers or a solver making 12 attempts needs more. 25 is the native engine's
# limit of model calls per agent turn.
MAX_TURNS = 25


class Transcript:
    """A group chat's turns as (author, text): each speaker sees its own turns as its answers and
    the others' as user messages, after the task."""

    def __init__(self, task):
        self.task = task
        self.turns = []

    def seen_by(self, me=None):
        items = [{"role": "user", "content": self.task}]
        for author, text in self.turns:
            items.append({"role": "assistant" if author == me else "user", "content": text})
        return items

    def last(self):
        return self.turns[-1][1] if self.turns else ""


class InProcessModel(Model):
    """The in-process mode's model: a custom `Model` given by a `ModelProvider` at the Runner.run level
    (the SDK's "Models → Non-OpenAI models → Ways to integrate non-OpenAI providers"), turning a
    model call into the Chat Completions request its OpenAIChatCompletionsModel sends, with the SDK's
    own converter (agents.models.chatcmpl_converter.Converter: input items to messages, the
    instructions as the leading system message, FunctionTools to `function` tools), answered by the
    scripted model over the worker's pipe; the reply goes back through the same converter
    (message_to_output_items) with the server's usage."""

    def __init__(self, chat, model_name):
        self.chat = chat
        self.model_name = model_name

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema, handoffs,
                           tracing, *, previous_response_id=None, conversation_id=None, prompt=None):
        messages = Converter.items_to_messages(input, model=self.model_name)
        if system_instructions:
            messages.insert(0, {"role": "system", "content": system_instructions})
        functions = [Converter.tool_to_openai(tool) for tool in tools]
        functions += [Converter.convert_handoff_tool(handoff) for handoff in handoffs]
        answer = self.chat.complete(messages, tools=functions)
        message = ChatCompletionMessage.model_validate(answer["choices"][0]["message"])
        usage = answer.get("usage") or {}
        return ModelResponse(
            output=Converter.message_to_output_items(message, provider_data={"model": self.model_name}),
            usage=Usage(requests=1, input_tokens=usage.get("prompt_tokens", 0),
                        output_tokens=usage.get("completion_tokens", 0), total_tokens=usage.get("total_tokens", 0)),
            response_id=None)

    def stream_response(self, *args, **kwargs):
        # legion-bench refuses --stream with @in-process, so no run ever asks for a stream.
        raise NotImplementedError("the in-process model does not stream")


class InProcessModelProvider(ModelProvider):
    """Gives every agent (by model name) the in-process model, through RunConfig(model_provider)."""

    def __init__(self, chat):
        self.chat = chat

    def get_model(self, model_name):
        return InProcessModel(self.chat, model_name)


class OpenTelemetrySpans(TracingProcessor):
    """--trace: the SDK's traces and spans, as they start and end, made into OpenTelemetry spans of a
    tracer (the SDK's TracingProcessor interface, registered with set_trace_processors). An SDK
    span becomes a span named by the GenAI semantic conventions where one fits ("invoke_agent
    NAME", "chat MODEL", "execute_tool NAME"), otherwise by the SDK's own span type and name
    ("task NAME", "turn N", "handoff", "guardrail NAME", a custom span's name); a trace becomes a
    span named by its workflow name. Each span carries gen_ai.agent.name: the agent of the nearest
    agent (or turn) span it is in."""

    def __init__(self, tracer, set_span_in_context):
        import threading

        self.tracer = tracer
        self.set_span_in_context = set_span_in_context
        self.lock = threading.Lock()
        self.open = {}  # SDK trace or span id -> (OpenTelemetry span, agent name)

    def start(self, key, parent_key, name, attributes, agent=None):
        with self.lock:
            parent, parent_agent = self.open.get(parent_key, (None, ""))
        agent = agent or parent_agent
        if agent:
            attributes["gen_ai.agent.name"] = agent
        context = self.set_span_in_context(parent) if parent is not None else None
        span = self.tracer.start_span(name, context=context, attributes=attributes)
        with self.lock:
            self.open[key] = (span, agent)

    def end(self, key, attributes=None, error=None):
        with self.lock:
            span, _ = self.open.pop(key, (None, ""))
        if span is None:
            return
        for name, value in (attributes or {}).items():
            if value is not None:
                span.set_attribute(name, value)
        if error:
            span.set_attribute("error.type", str(error.get("message", "error")))
        span.end()

    def on_trace_start(self, trace):
        self.start(trace.trace_id, None, trace.name, {"gen_ai.system": "openai_agents"})

    def on_trace_end(self, trace):
        self.end(trace.trace_id)

    def on_span_start(self, span):
        data, kind = span.span_data, span.span_data.type
        attributes = {"openai_agents.span.type": kind}
        agent = None
        if kind == "agent":
            name, agent = f"invoke_agent {data.name}", data.name
            attributes["gen_ai.operation.name"] = "invoke_agent"
        elif kind == "generation":
            name = f"chat {data.model}" if data.model else "chat"
            attributes |= {"gen_ai.operation.name": "chat", "gen_ai.request.model": str(data.model or "")}
        elif kind == "function":
            name = f"execute_tool {data.name}"
            attributes |= {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": data.name}
        elif kind == "turn":
            name, agent = f"turn {data.turn}", data.agent_name
        elif kind == "handoff":
            name = "handoff"
        else:  # task, custom, guardrail, response, mcp_tools, speech...: the SDK's type and name
            label = getattr(data, "name", None)
            name = f"{kind} {label}" if label else kind
        self.start(span.span_id, span.parent_id or span.trace_id, name, attributes, agent)

    def on_span_end(self, span):
        data = span.span_data
        attributes = {}
        if data.type == "generation" and data.usage:
            attributes = {"gen_ai.usage.input_tokens": data.usage.get("input_tokens"),
                          "gen_ai.usage.output_tokens": data.usage.get("output_tokens")}
        elif data.type == "handoff":
            attributes = {"openai_agents.handoff.from": data.from_agent, "openai_agents.handoff.to": data.to_agent}
        self.end(span.span_id, attributes, span.error)

    def shutdown(self):
        pass

    def force_flush(self):
        pass


class OpenAIAgentsAdapter(FrameworkAdapter):
    def start_tracing(self):
        from agents import set_trace_processors
        from opentelemetry import trace

        collector = legion_common.SpanCollector()
        # Replaces the SDK's default processor (the batch exporter to OpenAI's trace backend).
        set_trace_processors([OpenTelemetrySpans(collector.provider.get_tracer("openai-agents"),
                                                 trace.set_span_in_context)])
        return collector

    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # one loop for the process: the HTTP client is bound to it
        # In the in-process mode every run's RunConfig carries a model provider answered over the
        # worker's pipe (see InProcessModel); no client is made.
        self.provider_option = ({"model_provider": InProcessModelProvider(legion_common.InProcessChat(config))}
                                if config.in_process else {})
        if not config.in_process:
            self.use_model_server(config)
        # Off unless --trace, whose processor keeps the spans in this process (start_tracing).
        set_tracing_disabled(not config.trace)
        # A streamed Chat Completions reply carries usage only if asked; the SDK asks by itself
        # only when the client's base URL is OpenAI's.
        self.model_settings = ModelSettings(include_usage=True) if config.stream else ModelSettings()
        self.tally = Tally()
        # An agent tool's nested run streams (like the outer runs) only when given a stream callback.
        self.nested_stream = (lambda event: None) if config.stream else None

    @staticmethod
    def use_model_server(config):
        client = AsyncOpenAI(base_url=config.base_url, api_key="legion-bench-no-key",
                             max_retries=config.max_retries, timeout=config.request_timeout_s)
        # use_for_tracing=False: the key is not handed to the trace exporter (tracing is off anyway).
        set_default_openai_client(client, use_for_tracing=False)
        set_default_openai_api("chat_completions")

    def versions(self):
        return legion_common.distribution_versions("openai-agents", "openai")

    def settings(self):
        in_process = {
            "in-process model": "RunConfig(model_provider=InProcessModelProvider()) giving every agent InProcessModel, "
                                "a custom agents.Model: the SDK's documented per-run route for a provider of one's own "
                                "(Models: ModelProvider at the Runner.run level); its Chat Completions converter "
                                "builds the request and reads the reply",
        } if self.config.in_process else {}
        return in_process | {
            "set_default_openai_api": "\"chat_completions\" (default \"responses\"): the model server speaks Chat "
                                      "Completions, as most OpenAI-compatible servers do",
            "set_tracing_disabled": "True (default False): tracing would export every run's spans to OpenAI's "
                                    "trace backend; with --trace False, set_trace_processors replacing that exporter "
                                    "with one keeping the spans in the process as OpenTelemetry spans",
            "set_default_openai_client(use_for_tracing)": "False (default True): the client's placeholder key is not "
                                                          "given to the trace exporter",
            "Runner.run(max_turns)": f"{MAX_TURNS} (default 10), also on Agent.as_tool: a manager of 20 workers or a "
                                     "solver of 12 attempts needs more model calls than 10; the native engine's limit",
            "FunctionTool(strict_json_schema)": "False (default True): scenario tools have optional arguments, which "
                                                "the SDK's strict schema mode cannot express",
            "ModelSettings(include_usage)": "True with --stream (default: only for OpenAI's own host): usage on "
                                            "streamed replies",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "RunConfig(call_model_input_filter=...) keeping the first item "
                                                   "(the task) and the last N (default: none)",
        }

    # ------------------------------------------------------------------ building blocks

    def tool(self, spec):
        async def invoke(context, arguments_json):
            arguments = json.loads(arguments_json or "{}")
            return self.scenario.run_tool(spec.name, {k: v for k, v in arguments.items() if v is not None})
        return FunctionTool(name=spec.name, description=spec.description, params_json_schema=spec.parameters,
                            on_invoke_tool=invoke, strict_json_schema=False)

    def agent(self, scenario, agent, extra_tools=()):
        tools = [self.tool(t) for t in scenario.tools if t.name in agent.tools] + list(extra_tools)
        return Agent(name=agent.id, instructions=agent.system_prompt, model=self.config.model,
                     model_settings=self.model_settings, tools=tools)

    def run_config(self, scenario):
        window = scenario.context_window
        if not window:
            return RunConfig(tracing_disabled=not self.config.trace, **self.provider_option)

        def trim(data):  # the SDK's documented hook for editing what the model receives
            items = data.model_data.input
            kept = items if len(items) <= window + 1 else items[:1] + items[-window:]
            return ModelInputData(input=kept, instructions=data.model_data.instructions)
        return RunConfig(tracing_disabled=not self.config.trace, call_model_input_filter=trim,
                         **self.provider_option)

    async def ask(self, agent, items, run_config):
        """One Runner.run (Runner.run_streamed with --stream) of `agent` on `items`; its usage is
        added to the task's tally. Returns the run result."""
        if self.config.stream:
            result = Runner.run_streamed(agent, items, max_turns=MAX_TURNS, run_config=run_config)
            async for _ in result.stream_events():
                pass
        else:
            result = await Runner.run(agent, items, max_turns=MAX_TURNS, run_config=run_config)
        usage = result.context_wrapper.usage
        self.tally.calls += usage.requests
        self.tally.add_usage(usage.input_tokens, usage.output_tokens)
        return result

    def job(self, scenario, build, task):
        return legion_common.SharedAgentsJob(self, scenario, build, task)

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario):
            return [self.agent(scenario, a) for a in scenario.agents]

        async def task(agents):
            config = self.run_config(scenario)
            author, output = "", ""
            for agent in agents:
                text = f"Task: {scenario.task}"
                if output:
                    text += f"\n\nInput from {author}:\n{output}"
                result = await self.ask(agent, text, config)
                author, output = agent.name, str(result.final_output)
            return output

        return self.job(scenario, build, task)

    def hierarchical(self, scenario):
        def build(scenario):
            workers = [self.agent(scenario, a).as_tool(
                tool_name=a.id, tool_description=f"Hand a sub-task to {a.role} and get the result.",
                max_turns=MAX_TURNS, on_stream=self.nested_stream) for a in scenario.agents if a.id != scenario.manager]
            return self.agent(scenario, scenario.agent(scenario.manager), workers)

        async def task(manager):
            result = await self.ask(manager, f"Task: {scenario.task}", self.run_config(scenario))
            return str(result.final_output)

        return self.job(scenario, build, task)

    def round_robin(self, scenario):
        def build(scenario):
            return [self.agent(scenario, a) for a in scenario.agents]

        async def task(agents):
            config = self.run_config(scenario)
            chat = Transcript(scenario.task)
            while not self.finished(scenario, chat):
                speaker = agents[len(chat.turns) % len(agents)]
                await self.speak(speaker, chat, config)
            return chat.last()

        return self.job(scenario, build, task)

    def selector(self, scenario):
        def build(scenario):
            selector = Agent(name="selector", instructions=legion_common.selector_prompt(scenario),
                             model=self.config.model, model_settings=self.model_settings)
            return selector, {a.id: self.agent(scenario, a) for a in scenario.agents}

        async def task(built):
            selector, agents = built
            config = self.run_config(scenario)
            chat = Transcript(scenario.task)
            while not self.finished(scenario, chat):
                await self.speak(agents[await self.select(selector, agents, chat, config)], chat, config)
            return chat.last()

        return self.job(scenario, build, task)

    @staticmethod
    def finished(scenario, chat):
        return bool(chat.turns) and (scenario.termination_text in chat.last() or len(chat.turns) >= scenario.max_turns)

    async def speak(self, agent, chat, config):
        result = await self.ask(agent, chat.seen_by(agent.name), config)
        chat.turns.append((agent.name, str(result.final_output)))

    async def select(self, selector, agents, chat, config):
        """The id the selector names, asked again (up to three times) when it names no candidate."""
        items = chat.seen_by()
        for _ in range(3):
            reply = str((await self.ask(selector, items, config)).final_output)
            choice = reply.strip().strip("\"'.")
            if choice in agents:
                return choice
            items = items + [{"role": "assistant", "content": reply},
                             {"role": "user", "content": f"'{reply}' is not a candidate. Reply with one of the ids above."}]
        raise RuntimeError("speaker selection failed three times")

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            return {a.id: self.agent(scenario, a) for a in members + [scenario.agent(scenario.moderator)]}

        async def task(agents):
            config = self.run_config(scenario)

            async def ask(agent_id, text):
                return agent_id, str((await self.ask(agents[agent_id], text, config)).final_output)
            return await legion_common.consensus_round(scenario, members, ask)

        return self.job(scenario, build, task)

    def human_review(self, scenario):
        def build(scenario):
            return self.agent(scenario, scenario.agents[0])

        async def task(agent):
            config = self.run_config(scenario)
            result = await self.ask(agent, f"Task: {scenario.task}", config)
            for _ in range(scenario.max_turns):
                # The person reads off the event loop, as a real one would (other copies go on).
                feedback = await asyncio.to_thread(scenario.ask_human, str(result.final_output))
                if not feedback:
                    break
                result = await self.ask(agent, result.to_input_list() + [{"role": "user", "content": feedback}], config)
            return str(result.final_output)

        return self.job(scenario, build, task)

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            return {a.id: self.agent(scenario, a) for a in proposers + [scenario.agent(scenario.aggregator)]}

        async def task(agents):
            config = self.run_config(scenario)

            async def ask(agent_id, text):
                return agent_id, str((await self.ask(agents[agent_id], text, config)).final_output)
            propose = legion_common.propose_prompt(scenario, scenario.task)
            proposals = dict(await asyncio.gather(*(ask(p.id, propose) for p in proposers)))
            _, answer = await ask(scenario.aggregator, legion_common.aggregate_prompt(scenario, scenario.task, proposals))
            return answer

        return self.job(scenario, build, task)

    def ingest(self, scenario):
        raise legion.Unsupported(
            "the OpenAI Agents SDK's retrieval construct is FileSearchTool, a hosted tool over OpenAI vector stores "
            "(Responses API only); it has no local vector store or embeddings-based memory to fill from the model server")




def create():
    return OpenAIAgentsAdapter()
