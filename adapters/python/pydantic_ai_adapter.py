"""Pydantic AI agents, composed the ways its "Multi-agent Applications" documentation describes.

Every agent is a `pydantic_ai.Agent` over one `OpenAIChatModel` (Chat Completions) whose
`OpenAIProvider(base_url=...)` points at the model server. Agents are stateless: a run's context is
what the application passes (`user_prompt`, `message_history`). Patterns (docs/adapters.md):
  sequential    programmatic agent hand-off: each agent's run gets the task and the previous
                agent's output, the application code choosing who runs next
  hierarchical  agent delegation: the manager's tools are its workers, each tool running the
                worker's `run` with `usage=ctx.usage`, so the delegate's usage counts in the manager's
  round-robin   programmatic hand-off over a shared transcript (each speaker's run gets it as
                message history), in order, until the termination text or max turns
  selector      the same transcript; before each turn a selector agent (its own Agent, "Select the
                next speaker ...") names the next speaker, validated by an output validator
  consensus     fan-out with asyncio.gather over the members' runs: proposals, then votes, then the
                moderator's run
  human-review  the agent's run, the person shown its output; feedback continues the same
                conversation (`message_history=result.all_messages()`), an empty reply approves
  mixture       the proposers' runs with asyncio.gather, then the aggregator's run
A task with a knowledge base (memory-retrieval): the documents are embedded with Pydantic AI's own
`Embedder` (an `OpenAIEmbeddingModel` at the model server) and kept in memory; a dynamic
instructions function retrieves the top_k most similar to the run's prompt before each model call.

In the in-process mode (`--systems pydantic-ai@in-process`) the agents are the same over a
`FunctionModel` (InProcessModel) and the knowledge base over a custom `EmbeddingModel`, both answered
over the worker's pipe: no provider or HTTP client is made.

Calls and tokens are the framework's own `RunUsage` of each top-level run (delegated runs add into
their manager's through `ctx.usage`). N concurrent copies (--concurrency N) run under asyncio.gather
on the adapter's one event loop, sharing the agents (they hold no per-run state) and the model.
"""

import asyncio
import json
import math

import legion_common
from legion_common import FrameworkAdapter, Tally

from pydantic_ai import Agent, ModelRetry, RunContext, Tool
from pydantic_ai.embeddings import EmbeddingModel, EmbeddingResult
from pydantic_ai.messages import (ModelRequest, ModelResponse, SystemPromptPart, TextPart, ToolCallPart,
                                  ToolReturnPart, UserPromptPart)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.profiles.openai import openai_model_profile
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.usage import RequestUsage, UsageLimits

# The scripted tasks end by themselves; the default request_limit of 50 per run would stop a
# manager that delegates to 20 workers (its usage includes theirs), so a run has no request limit
# and legion-bench's --timeout bounds a runaway, as for the other systems.
NO_REQUEST_LIMIT = UsageLimits(request_limit=None)


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0



class InProcessModel:
    """The in-process mode's model: the function of a `FunctionModel` (Pydantic AI's "Testing" docs,
    FunctionModel), turning each model request into the Chat Completions request OpenAIChatModel
    sends, answered by the scripted model over the worker's pipe. Pydantic AI has no public converter
    to Chat Completions (OpenAIChatModel's mapping is private), so this maps the parts the agents send
    the way it does: system prompt parts and each instruction part as system messages, user prompts,
    tool returns as `tool` messages, the model's text and tool calls as assistant messages, the
    tools in the `function` form. The answer comes back as a ModelResponse of text and tool calls
    with the server's usage, which FunctionModel keeps (it estimates tokens only when none are given)."""

    def __init__(self, chat):
        self.chat = chat

    async def __call__(self, messages: list, info: AgentInfo) -> ModelResponse:
        tools = [self.chat_tool(t) for t in info.function_tools + info.output_tools]
        answer = self.chat.complete(self.chat_messages(messages, info), tools=tools)
        message, usage = answer["choices"][0]["message"], answer.get("usage") or {}
        parts = [TextPart(message["content"])] if message.get("content") else []
        parts += [ToolCallPart(call["function"]["name"], call["function"]["arguments"], tool_call_id=call["id"])
                  for call in message.get("tool_calls") or []]
        return ModelResponse(parts=parts, usage=RequestUsage(input_tokens=usage.get("prompt_tokens", 0),
                                                             output_tokens=usage.get("completion_tokens", 0)))

    @staticmethod
    def chat_tool(definition):
        tool = legion_common.openai_tool(definition.name, definition.description, definition.parameters_json_schema)
        if definition.strict:  # set by the OpenAI profile's schema transformer, as OpenAIChatModel sends it
            tool["function"]["strict"] = True
        return tool

    @staticmethod
    def chat_messages(messages, info):
        chat = []
        for message in messages:
            if isinstance(message, ModelRequest):
                for part in message.parts:
                    if isinstance(part, SystemPromptPart):
                        chat.append({"role": "system", "content": part.content})
                    elif isinstance(part, UserPromptPart) and isinstance(part.content, str):
                        chat.append({"role": "user", "content": part.content})
                    elif isinstance(part, ToolReturnPart):
                        chat.append({"role": "tool", "tool_call_id": part.tool_call_id,
                                     "content": part.model_response_str()})
                    else:  # nothing the scenarios send; a failure here is a result, not a guess
                        raise TypeError(f"the in-process model does not map {type(part).__name__}")
            else:
                text = "".join(part.content for part in message.parts if isinstance(part, TextPart))
                calls = [{"id": part.tool_call_id, "type": "function",
                          "function": {"name": part.tool_name, "arguments": part.args_as_json_str()}}
                         for part in message.parts if isinstance(part, ToolCallPart)]
                chat.append({"role": "assistant", "content": text or None, **({"tool_calls": calls} if calls else {})})
        # The instructions follow the leading system messages, one system message per part, as
        # OpenAIChatModel places them.
        leading = next((i for i, m in enumerate(chat) if m["role"] != "system"), len(chat))
        parts = info.model_request_parameters.instruction_parts
        instructions = [part.content for part in parts] if parts is not None else [info.instructions or ""]
        chat[leading:leading] = [{"role": "system", "content": text} for text in instructions if text]
        return chat


class InProcessEmbeddingModel(EmbeddingModel):
    """The in-process mode's embeddings: a custom `EmbeddingModel` (the class Pydantic AI documents
    implementing for one's own embedding model), whose vectors come from the model server's
    embeddings over the worker's pipe."""

    def __init__(self, chat, name):
        super().__init__()
        self.chat = chat
        self.name = name

    @property
    def model_name(self):
        return self.name

    @property
    def system(self):
        return "legion-bench"

    async def embed(self, inputs, *, input_type, settings=None):
        inputs, settings = self.prepare_embed(inputs, settings)
        return EmbeddingResult(embeddings=self.chat.embed(inputs), inputs=inputs, input_type=input_type,
                               model_name=self.name, provider_name=self.system)


class PydanticAIAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # one loop for the process: the HTTP client is bound to it
        self.tally = Tally()
        # No OpenTelemetry spans unless --trace: then every agent is instrumented into the collector
        # (start_tracing, called by super().prepare, made self.instrumentation); nothing exports traces.
        Agent.instrument_all(self.instrumentation if config.trace else False)
        # Pydantic AI's documented route to an OpenAI-compatible server: the OpenAI provider with a
        # base URL, and the Chat Completions model class (not OpenAIResponsesModel).
        if config.in_process:  # the same agents over FunctionModel, answered over the worker's pipe
            self.chat = legion_common.InProcessChat(config)
            # OpenAIChatModel's profile (openai_model_profile): tool schemas get the same transformation
            # (strict mode where it fits), so the requests match the HTTP mode's.
            self.model = FunctionModel(InProcessModel(self.chat), model_name=config.model,
                                       profile=openai_model_profile(config.model))
        else:
            self.provider = OpenAIProvider(base_url=config.base_url, api_key="legion-bench-no-key")
            self.model = OpenAIChatModel(config.model, provider=self.provider)
        self.model_settings = {"max_retries": config.max_retries, "timeout": config.request_timeout_s}
        self.knowledge = None  # (documents, their embeddings) while a knowledge-base task runs

    def start_tracing(self):
        """--trace: Pydantic AI's built-in OpenTelemetry instrumentation (GenAI semantic conventions:
        "invoke_agent NAME", "chat MODEL", "execute_tool NAME"), the route its
        "Debugging & Monitoring" documentation gives for OpenTelemetry without Logfire ("Using
        OpenTelemetry without Logfire"): `InstrumentationSettings(tracer_provider=...)` passed to
        `Agent.instrument_all`, here the collector's provider (prepare applies it after this call).
        No exporter and no global provider are set: the spans stay in the collector."""
        from pydantic_ai.models.instrumented import InstrumentationSettings

        collector = legion_common.SpanCollector()  # every span names its agent (gen_ai.agent.name)
        self.instrumentation = InstrumentationSettings(tracer_provider=collector.provider)
        return collector

    def versions(self):
        return legion_common.distribution_versions("pydantic-ai-slim", "pydantic-graph", "openai", "pydantic")

    def settings(self):
        in_process = {
            "in-process model": "FunctionModel(function) whose function maps each request to Chat Completions and "
                                "back over the worker's pipe, and a custom EmbeddingModel for the knowledge base: "
                                "FunctionModel is Pydantic AI's documented model driven by one's own function "
                                "(\"Testing\"), and it keeps the usage the function returns",
        } if self.config.in_process else {}
        return in_process | {
            "OpenAIChatModel(provider=OpenAIProvider(base_url))": "the model server (default: OpenAI's API), through the "
                                                                  "Chat Completions model class, not OpenAIResponsesModel: "
                                                                  "the model server speaks Chat Completions",
            "Agent.run(usage_limits=UsageLimits(request_limit))": "None (default 50): a manager's usage includes its "
                                                                  "delegates' (ctx.usage), so 20 workers exceed 50; "
                                                                  "legion-bench's --timeout bounds a runaway instead",
            "ModelSettings(max_retries, timeout)": "the runner's --max-retries and request timeout (default: the OpenAI "
                                                   "SDK's 2 retries, 600 s), as for every system",
            "Agent.instrument_all": "False, set explicitly (default False until logfire or instrument_all(True) turns it "
                                    "on): no run may export traces; under --trace InstrumentationSettings(tracer_provider="
                                    "the trace collector's, in memory)",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "capabilities=[ProcessHistory(keep the last N messages, from a "
                                                   "request)] (default: none): Pydantic AI's history processor",
        }

    # ------------------------------------------------------------------ building blocks

    def tool(self, spec):
        def call(**arguments):
            return self.scenario.run_tool(spec.name, {k: v for k, v in arguments.items() if v is not None})
        return Tool.from_schema(call, name=spec.name, description=spec.description, json_schema=spec.parameters)

    def agent(self, scenario, agent, extra_tools=(), capabilities=None):
        tools = [self.tool(t) for t in scenario.tools if t.name in agent.tools] + list(extra_tools)
        instructions = [agent.system_prompt]
        if scenario.documents:
            instructions.append(self.knowledge_instructions(scenario.top_k))
        # instructions (not system_prompt): Pydantic AI sends them on every request, with or without
        # message history, where a static system prompt is left out once a history is given.
        return Agent(self.model, instructions=instructions, name=agent.id, tools=tools,
                     model_settings=self.model_settings, capabilities=capabilities)

    async def ask(self, agent, prompt, message_history=None, usage=None):
        """One top-level run; its usage goes into the task's tally. Returns the run's result."""
        result = await agent.run(prompt, message_history=message_history, usage=usage,
                                 usage_limits=NO_REQUEST_LIMIT, event_stream_handler=self.stream_handler())
        self.count(result.usage())
        return result

    def count(self, usage):
        self.tally.calls += usage.requests
        self.tally.add_usage(usage.input_tokens, usage.output_tokens)

    def stream_handler(self):
        """With --stream, runs stream each model response (Pydantic AI streams a run's requests when it
        is given an event stream handler); the events themselves are not needed."""
        if not self.config.stream:
            return None

        async def drain(ctx, events):
            async for _ in events:
                pass
        return drain

    def job(self, scenario, build, task):
        return legion_common.SharedAgentsJob(self, scenario, build, task)

    # ------------------------------------------------------------------ knowledge base

    def ingest(self, scenario):
        from pydantic_ai.embeddings import Embedder
        from pydantic_ai.embeddings.openai import OpenAIEmbeddingModel

        if self.config.in_process:
            embedder = Embedder(InProcessEmbeddingModel(self.chat, self.config.model))
        else:
            embedder = Embedder(OpenAIEmbeddingModel(self.config.model, provider=self.provider))
        documents = list(scenario.documents)

        async def embed_all():
            result = await embedder.embed_documents(documents)
            return [list(vector) for vector in result.embeddings]
        self.embedder = embedder
        self.knowledge = (documents, self.loop.run_until_complete(embed_all()))

    def forget_knowledge(self, scenario):
        self.knowledge = None

    def knowledge_instructions(self, top_k):
        """Dynamic instructions (a function of the run context): what the knowledge base holds on the
        run's prompt, retrieved before the model call."""
        async def retrieved(ctx: RunContext) -> str:
            with self.retrieving():
                documents, vectors = self.knowledge
                query = (await self.embedder.embed_query(str(ctx.prompt))).embeddings[0]
                ranked = sorted(range(len(documents)), key=lambda i: cosine(query, vectors[i]), reverse=True)
            found = "\n\n".join(documents[i] for i in ranked[:top_k])
            return f"Use the following context in your response:\n\n{found}"
        return retrieved

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario):
            return [(a.id, self.agent(scenario, a)) for a in scenario.agents]

        async def task(agents):
            author, output = "", ""
            for agent_id, agent in agents:  # programmatic hand-off: the application picks the next agent
                prompt = f"Task: {scenario.task}"
                if output:
                    prompt += f"\n\nInput from {author}:\n{output}"
                author, output = agent_id, (await self.ask(agent, prompt)).output
            return output

        return self.job(scenario, build, task)

    def hierarchical(self, scenario):
        def build(scenario):
            def delegation(worker):
                sub_agent = self.agent(scenario, worker)

                async def delegate(ctx: RunContext, task: str) -> str:
                    # Agent delegation: the worker's usage adds into the manager's run (ctx.usage).
                    result = await sub_agent.run(task, usage=ctx.usage, usage_limits=NO_REQUEST_LIMIT,
                                                 event_stream_handler=self.stream_handler())
                    return result.output
                return Tool(delegate, name=worker.id, description=f"Hand a sub-task to {worker.role} and get the result.")

            workers = [delegation(a) for a in scenario.agents if a.id != scenario.manager]
            return self.agent(scenario, scenario.agent(scenario.manager), workers)

        async def task(manager):
            return (await self.ask(manager, f"Task: {scenario.task}")).output

        return self.job(scenario, build, task)

    def round_robin(self, scenario):
        return self.group_chat(scenario, select=False)

    def selector(self, scenario):
        return self.group_chat(scenario, select=True)

    @staticmethod
    def transcript(task, turns, me):
        """The conversation as one speaker sees it: the task and the others' turns as user messages,
        its own as its responses; the last message is the prompt of its run."""
        messages = [ModelRequest(parts=[UserPromptPart(task)])]
        for author, content in turns:
            if author == me:
                messages.append(ModelResponse(parts=[TextPart(content)]))
            else:
                messages.append(ModelRequest(parts=[UserPromptPart(f"{author}: {content}")]))
        return messages

    def trimming(self, window):
        """Pydantic AI's history processor keeping the last `window` messages (a run's own prompt
        included), starting on a request so that the history stays well formed."""
        from pydantic_ai.capabilities import ProcessHistory

        def keep_last(messages):
            if len(messages) <= window:
                return messages
            kept = messages[-window:]
            while kept and not isinstance(kept[0], ModelRequest):
                kept = kept[1:]
            return kept or messages[-1:]
        return [ProcessHistory(keep_last)]

    def group_chat(self, scenario, select):
        order = [a.id for a in scenario.agents]

        def build(scenario):
            capabilities = self.trimming(scenario.context_window) if scenario.context_window else None
            agents = {a.id: self.agent(scenario, a, capabilities=capabilities) for a in scenario.agents}
            selector = self.selector_agent(scenario) if select else None
            return agents, selector

        async def next_speaker(selector, turns):
            history = self.transcript(scenario.task, turns, None)
            result = await self.ask(selector, None, message_history=history)
            return result.output

        async def task(built):
            agents, selector = built
            turns = []
            while len(turns) < scenario.max_turns:
                speaker = await next_speaker(selector, turns) if select else order[len(turns) % len(order)]
                history = self.transcript(scenario.task, turns, speaker)
                result = await self.ask(agents[speaker], None, message_history=history)
                turns.append((speaker, result.output))
                if scenario.termination_text in result.output:
                    break
            return turns[-1][1] if turns else ""

        return self.job(scenario, build, task)

    def selector_agent(self, scenario):
        """An agent whose output names the next speaker; an output validator sends a reply that names
        no candidate back to the model (ModelRetry), as Pydantic AI documents for output checks."""
        candidates = {a.id for a in scenario.agents}
        selector = Agent(self.model, instructions=legion_common.selector_prompt(scenario), name="selector",
                         model_settings=self.model_settings, retries={"output": 2})

        @selector.output_validator
        def a_candidate(output: str) -> str:
            choice = output.strip().strip("\"'.")
            if choice not in candidates:
                raise ModelRetry(f"'{output}' is not a candidate. Reply with one of the ids above.")
            return choice
        return selector

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            return {a.id: self.agent(scenario, a) for a in members + [scenario.agent(scenario.moderator)]}

        async def task(agents):
            async def ask(agent_id, prompt):
                return agent_id, (await self.ask(agents[agent_id], prompt)).output
            return await legion_common.consensus_round(scenario, members, ask)

        return self.job(scenario, build, task)

    def human_review(self, scenario):
        def build(scenario):
            return self.agent(scenario, scenario.agents[0])

        async def task(agent):
            result = await self.ask(agent, f"Task: {scenario.task}")
            for _ in range(scenario.max_turns):
                # The person answers off the event loop, as a real one would.
                feedback = await asyncio.to_thread(scenario.ask_human, result.output)
                if not feedback:
                    break
                result = await self.ask(agent, feedback, message_history=result.all_messages())
            return result.output

        return self.job(scenario, build, task)

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            return {a.id: self.agent(scenario, a) for a in proposers + [scenario.agent(scenario.aggregator)]}

        async def task(agents):
            async def ask(agent_id, prompt):
                return agent_id, (await self.ask(agents[agent_id], prompt)).output
            propose = legion_common.propose_prompt(scenario, scenario.task)
            proposals = dict(await asyncio.gather(*(ask(p.id, propose) for p in proposers)))
            _, answer = await ask(scenario.aggregator, legion_common.aggregate_prompt(scenario, scenario.task, proposals))
            return answer

        return self.job(scenario, build, task)


def create():
    return PydanticAIAdapter()
