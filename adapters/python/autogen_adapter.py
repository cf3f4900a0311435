"""AutoGen AgentChat teams.

Every agent is an `AssistantAgent` over one `OpenAIChatCompletionClient` pointed at the model
server (model_info given, as AutoGen requires for model names it does not know). Patterns
(docs/adapters.md):
  sequential    GraphFlow over a DiGraphBuilder chain a1 -> a2 -> ...
  hierarchical  a manager AssistantAgent whose tools are AgentTool(worker) ("agents as tools")
  round-robin   RoundRobinGroupChat, TextMentionTermination, max_turns
  selector      SelectorGroupChat (the model picks the next speaker), TextMentionTermination, max_turns
  consensus     AgentChat has no voting team: each member's AssistantAgent.run, concurrently with
                asyncio.gather, proposals then votes, then the moderator's run
  human-review  RoundRobinGroupChat of the agent and a UserProxyAgent whose input_func is the
                scripted person; its approval ends the chat (TextMentionTermination on its messages)
  mixture       the proposers' runs concurrently with asyncio.gather, then the aggregator's run
                (the shape of the mixture-of-agents design pattern in AutoGen's documentation)

A task with a knowledge base (memory-retrieval) goes into AutoGen's vector memory,
autogen_ext's ChromaDBVectorMemory (an in-process persistent chromadb client in a scratch folder, k = top_k, no
score threshold) with chromadb's OpenAIEmbeddingFunction pointed at the model server; each
document is one MemoryContent added with Memory.add. The agent is given it with
AssistantAgent(memory=[...]), which queries it with the latest message before every model call and
adds what it found to the model's context.

Code-execution tools are AutoGen's PythonCodeExecutionTool over an executor that runs the code in
the benchmark's sandbox (SandboxCodeExecutor below).

In the in-process mode (`--systems autogen@in-process`) the one model client is InProcessModelClient
(below), AutoGen's model-client protocol answered by the scripted model; everything else is the same.

Agents and teams are built once per scenario shape and reset before every task (team.reset(),
agent.on_reset()), as AutoGen's documentation asks for teams that run again. N concurrent copies
(--concurrency N) run under asyncio.gather on the adapter's event loop, each on its own team (a
team runs one conversation at a time), all over the one model client.

--trace turns on AutoGen's built-in OpenTelemetry tracing the way its "Tracing and Observability"
guide (AgentChat user guide) sets it up: an SDK tracer provider made the global one (the run's
SpanCollector), which AutoGen's GenAI spans (create_agent, invoke_agent, execute_tool) and the
agent runtime every team makes (its message spans: create, send, publish, process, ack) use; the
runtime's tracing, switched off by offline.py (AUTOGEN_DISABLE_RUNTIME_TRACING), is switched back
on; and the model client's calls are traced by the OpenAI instrumentor that guide installs
(opentelemetry-instrumentation-openai). A span without gen_ai.agent.name belongs to the agent of
the nearest span above it that has one.
"""

import asyncio
import atexit
import logging
import shutil
import tempfile

import legion_common
from legion_common import FrameworkAdapter, Tally

from autogen_agentchat.agents import AssistantAgent, UserProxyAgent
from autogen_agentchat.conditions import TextMentionTermination
from autogen_agentchat.messages import BaseChatMessage
from autogen_agentchat.teams import DiGraphBuilder, GraphFlow, RoundRobinGroupChat, SelectorGroupChat
from autogen_agentchat.tools import AgentTool
from autogen_core import EVENT_LOGGER_NAME, CancellationToken
from autogen_core.logging import LLMCallEvent, LLMStreamEndEvent
from autogen_core.model_context import HeadAndTailChatCompletionContext
from autogen_core.code_executor import CodeBlock, CodeExecutor, CodeResult
from autogen_core.memory import Memory, MemoryContent, MemoryMimeType
from autogen_core import FunctionCall
from autogen_core.models import ChatCompletionClient, CreateResult, ModelInfo, RequestUsage
from autogen_core.tools import BaseTool
from autogen_ext.memory.chromadb import (ChromaDBVectorMemory, CustomEmbeddingFunctionConfig,
                                         PersistentChromaDBVectorMemoryConfig)
from autogen_ext.models.openai import OpenAIChatCompletionClient
from autogen_ext.models.openai._openai_client import convert_tools, to_oai_type
from autogen_ext.tools.code_execution import PythonCodeExecutionTool

# ChromaDBVectorMemory's store (a persistent chromadb client, the one kind it runs in-process): a
# scratch folder of this worker, removed when it exits.
STORAGE_DIR = tempfile.mkdtemp(prefix="legion-autogen-")
atexit.register(shutil.rmtree, STORAGE_DIR, True)

MAX_TOOL_ITERATIONS = 25  # like the native engine's limit of model calls per turn
MODEL_INFO = ModelInfo(vision=False, function_calling=True, json_output=False, family="unknown",
                       structured_output=False,
                       multiple_system_messages=True)  # the model server takes them (memory adds one)


class UsageLog(logging.Handler):
    """Counts model calls and their usage from AutoGen's own event log (LLMCallEvent and
    LLMStreamEndEvent, which the OpenAI client emits for every completion, selector calls included)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.tally = Tally()

    def emit(self, record):
        event = record.msg
        if isinstance(event, (LLMCallEvent, LLMStreamEndEvent)):
            self.tally.calls += 1
            self.tally.add_usage(event.prompt_tokens, event.completion_tokens)


class InProcessModelClient(ChatCompletionClient):
    """The in-process mode's model (`--systems autogen@in-process`): a custom ChatCompletionClient,
    AutoGen's documented model-client protocol (its ReplayChatCompletionClient replays a fixed list,
    so it cannot answer each request). AutoGen's messages and tools become the Chat Completions
    request with the OpenAI client's own converters (to_oai_type, convert_tools), so the request is
    the one OpenAIChatCompletionClient sends; the answer becomes a CreateResult with its usage, and
    the call is logged as the OpenAI client logs it (LLMCallEvent), which is what UsageLog counts."""

    def __init__(self, config):
        self.chat = legion_common.InProcessChat(config)
        self.usage = RequestUsage(prompt_tokens=0, completion_tokens=0)

    async def create(self, messages, *, tools=[], tool_choice="auto", json_output=None, extra_create_args={},
                     cancellation_token=None):
        if json_output is not None:  # the agents here never ask for JSON output (model_info says json_output False)
            raise ValueError("InProcessModelClient: JSON output is not supported")
        oai_messages = [m for message in messages for m in to_oai_type(message, model=self.chat.config.model)]
        oai_tools = convert_tools(tools)
        # parallel_tool_calls and tool_choice as OpenAIChatCompletionClient(parallel_tool_calls=False) sends them
        fields = {"parallel_tool_calls": False, "tool_choice": tool_choice} if oai_tools else {}
        answer = self.chat.complete(oai_messages, oai_tools, **fields)
        usage = RequestUsage(prompt_tokens=answer["usage"]["prompt_tokens"],
                             completion_tokens=answer["usage"]["completion_tokens"])
        logging.getLogger(EVENT_LOGGER_NAME).info(LLMCallEvent(
            messages=oai_messages, response=answer, prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens, tools=oai_tools))
        self.usage = RequestUsage(prompt_tokens=self.usage.prompt_tokens + usage.prompt_tokens,
                                  completion_tokens=self.usage.completion_tokens + usage.completion_tokens)
        message = answer["choices"][0]["message"]
        if message.get("tool_calls"):
            calls = [FunctionCall(id=c["id"], name=c["function"]["name"], arguments=c["function"]["arguments"])
                     for c in message["tool_calls"]]
            return CreateResult(finish_reason="function_calls", content=calls, usage=usage, cached=False,
                                thought=message.get("content") or None)
        return CreateResult(finish_reason="stop", content=message.get("content") or "", usage=usage, cached=False)

    async def create_stream(self, messages, **arguments):
        # The in-process mode does not stream: the whole answer, as the one final item of the stream.
        yield await self.create(messages, **arguments)

    async def close(self):
        pass

    def actual_usage(self):
        return self.usage

    def total_usage(self):
        return self.usage

    def count_tokens(self, messages, *, tools=[]):
        raise NotImplementedError("InProcessModelClient: the scripted model counts the tokens of each call")

    def remaining_tokens(self, messages, *, tools=[]):
        raise NotImplementedError("InProcessModelClient: the scripted model has no context limit")

    @property
    def capabilities(self):
        return self.model_info

    @property
    def model_info(self):
        return MODEL_INFO


def in_process_embeddings(config):
    """chromadb's documented custom embedding function (an EmbeddingFunction subclass) over the
    in-process mode's model: the memory's embeddings come from the scripted model, not over HTTP."""
    from chromadb.api.types import EmbeddingFunction

    class InProcessEmbeddingFunction(EmbeddingFunction):
        def __init__(self):
            self.chat = legion_common.InProcessChat(config)

        def __call__(self, input):
            return self.chat.embed(input)

        @staticmethod
        def name():
            return "legion-bench-in-process"

        def get_config(self):
            return {}

        @staticmethod
        def build_from_config(settings):
            return InProcessEmbeddingFunction()

    return InProcessEmbeddingFunction()


class ScenarioTool(BaseTool):
    def __init__(self, adapter, spec):
        super().__init__(legion_common.pydantic_arguments(spec), str, spec.name, spec.description)
        self.adapter = adapter

    async def run(self, args, cancellation_token):
        arguments = {k: v for k, v in args.model_dump().items() if v is not None}
        return self.adapter.scenario.run_tool(self.name, arguments)


class TaskKnowledge(Memory):
    """The memory an agent is built with: the current task's vector memory, its queries timed for
    the record's retrieval_ns. Agents are built once per scenario shape; each task brings its own
    documents, so the store behind this view changes with the task."""

    def __init__(self, adapter):
        self.adapter = adapter

    async def update_context(self, model_context):
        with self.adapter.retrieving():
            return await self.adapter.knowledge.update_context(model_context)

    async def query(self, query, cancellation_token=None, **kwargs):
        with self.adapter.retrieving():
            return await self.adapter.knowledge.query(query, cancellation_token, **kwargs)

    async def add(self, content, cancellation_token=None):
        await self.adapter.knowledge.add(content, cancellation_token)

    async def clear(self):
        await self.adapter.knowledge.clear()

    async def close(self):
        pass


async def reset_all(agents):
    for agent in agents.values():
        await agent.on_reset(CancellationToken())


def asker(agents):
    """`ask(agent_id, text)`: that agent's run on `text`, as (agent_id, its final answer)."""
    async def ask(agent_id, text):
        result = await agents[agent_id].run(task=text)
        return agent_id, final_text(result.messages, {agent_id})
    return ask


class TeamJob:
    """One task: `task(built)` is its coroutine over what `build` made (a team, or agents)."""

    def __init__(self, adapter, scenario, build, task):
        self.adapter, self.scenario, self.build, self.task = adapter, scenario, build, task

    def run(self):
        built = self.adapter.for_task(self.scenario, self.build)
        self.adapter.usage.tally = Tally()
        answer = self.adapter.loop.run_until_complete(self.task(built))
        return self.adapter.usage.tally.outcome(answer)

    def run_concurrently(self, copies):
        built = [self.adapter.for_task(self.scenario, self.build, copy) for copy in range(copies)]
        self.adapter.usage.tally = Tally()
        return legion_common.run_copies(self.adapter.loop, [self.task(b) for b in built], lambda: self.adapter.usage.tally)


APPROVE = "APPROVE"  # what the reviewer says for the person's approval (an empty reply)


class ScriptedReviewer(UserProxyAgent):
    """AutoGen's user proxy with the scripted person as its input function: shown the message under
    review (the last one the proxy received), it replies with feedback, or APPROVE."""

    def __init__(self, adapter):
        super().__init__("human", description="The person who reviews the answer.", input_func=self.reply)
        self.adapter = adapter
        self.under_review = ""

    def reply(self, prompt):  # a sync input_func: AutoGen calls it off the event loop
        return self.adapter.scenario.ask_human(self.under_review) or APPROVE

    async def on_messages_stream(self, messages, cancellation_token):
        if messages:
            self.under_review = messages[-1].to_text()
        async for item in super().on_messages_stream(messages, cancellation_token):
            yield item


# ---------------------------------------------------------------------- code execution
# AutoGen's own construct for model-written code is PythonCodeExecutionTool over a CodeExecutor.
# Its documented executors run code on the host (LocalCommandLineCodeExecutor) or in Docker; the
# benchmark's executor hands the code to the scenario tool instead, which runs it in the
# bubblewrap sandbox like every other system's (docs/scenarios.md#code-execution).


class SandboxCodeExecutor(CodeExecutor):
    """A CodeExecutor that runs each Python block through the scenario's code-execution tool."""

    def __init__(self, adapter, tool_name):
        super().__init__()
        self.adapter = adapter
        self.tool_name = tool_name

    async def execute_code_blocks(self, code_blocks, cancellation_token):
        outputs, exit_code = [], 0
        for block in code_blocks:
            if block.language.lower() not in ("python", "py", "python3"):
                return CodeResult(exit_code=1, output=f"unsupported language: {block.language}")
            output = self.adapter.scenario.run_tool(self.tool_name, {"code": block.code})
            outputs.append(output)
            if output.startswith("error:"):
                exit_code = 1
                break
        return CodeResult(exit_code=exit_code, output="".join(outputs))

    async def start(self):
        pass

    async def stop(self):
        pass

    async def restart(self):
        pass


def code_execution_tool(adapter, spec):
    """PythonCodeExecutionTool under the scenario tool's name and description (the same offer the
    other systems make)."""
    tool = PythonCodeExecutionTool(SandboxCodeExecutor(adapter, spec.name))
    tool._name, tool._description = spec.name, spec.description
    return tool


def final_text(messages, names):
    for message in reversed(messages):
        if isinstance(message, BaseChatMessage) and message.source in names:
            return message.to_text()
    return ""


class AutoGenAdapter(FrameworkAdapter):
    def start_tracing(self):
        import os

        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
        # A span's agent: its own gen_ai.agent.name (AutoGen's invoke_agent spans), else the enclosing
        # span's (the SpanCollector's default).
        collector = legion_common.SpanCollector()
        # AutoGen's GenAI spans and its runtime's use OpenTelemetry's global tracer provider; the runtime's
        # tracing is read from AUTOGEN_DISABLE_RUNTIME_TRACING when a team makes its runtime.
        collector.install_globally()
        os.environ["AUTOGEN_DISABLE_RUNTIME_TRACING"] = "false"
        OpenAIInstrumentor().instrument(tracer_provider=collector.provider)
        return collector

    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # one loop for the process: the HTTP client is bound to it
        self.usage = UsageLog()
        events = logging.getLogger(EVENT_LOGGER_NAME)
        events.setLevel(logging.INFO)
        events.addHandler(self.usage)
        events.propagate = False
        extra = {"stream_options": {"include_usage": True}} if config.stream else {}
        if config.in_process:
            self.model = InProcessModelClient(config)
        else:
            self.model = OpenAIChatCompletionClient(
                model=config.model, base_url=config.base_url, api_key="legion-bench-no-key", model_info=MODEL_INFO,
                parallel_tool_calls=False,  # required with AgentTool
                max_retries=config.max_retries, timeout=config.request_timeout_s, **extra)
        self.knowledge = None  # the task's ChromaDBVectorMemory, while a knowledge-base task runs

    def ingest(self, scenario):
        from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction

        base_url, model = self.config.base_url, self.config.model

        def embedder():  # chromadb's OpenAI embedding function, at the model server
            if self.config.in_process:
                return in_process_embeddings(self.config)
            return OpenAIEmbeddingFunction(api_key="legion-bench-no-key", model_name=model, api_base=base_url)
        self.knowledge = ChromaDBVectorMemory(config=PersistentChromaDBVectorMemoryConfig(
            collection_name="knowledge", persistence_path=STORAGE_DIR, k=scenario.top_k, score_threshold=None,
            allow_reset=True, embedding_function_config=CustomEmbeddingFunctionConfig(function=embedder)))

        async def add_all():
            for document in scenario.documents:
                await self.knowledge.add(MemoryContent(content=document, mime_type=MemoryMimeType.TEXT))
        self.loop.run_until_complete(add_all())

    def forget_knowledge(self, scenario):
        if self.knowledge is not None:
            self.loop.run_until_complete(self.knowledge.reset())
            self.loop.run_until_complete(self.knowledge.close())
        self.knowledge = None

    def versions(self):
        return legion_common.distribution_versions("autogen-agentchat", "autogen-core", "autogen-ext", "openai", "chromadb")

    def settings(self):
        in_process = {"in-process model": "InProcessModelClient(ChatCompletionClient): AutoGen's model-client protocol, "
                                          "implemented to answer each request from the scripted model (the "
                                          "ReplayChatCompletionClient replays a fixed list)"} if self.config.in_process else {}
        return in_process | {
            "AssistantAgent(max_tool_iterations)": f"{MAX_TOOL_ITERATIONS} (default 1): with 1 a turn ends after one "
                                                   "tool call without the agent's own answer; the native engine's limit",
            "OpenAIChatCompletionClient(parallel_tool_calls)": "False (default: the server's): required by AgentTool",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "AssistantAgent(model_context=HeadAndTailChatCompletionContext(head_size=2, "
                                                   "tail_size=N)) (default: unbounded): the first two messages and the last N",
        }

    def agent(self, scenario, agent, tools=(), model_context=None):
        own = [code_execution_tool(self, t) if t.kind == "code-execution" else ScenarioTool(self, t)
               for t in scenario.tools if t.name in agent.tools]
        return AssistantAgent(agent.id, model_client=self.model, description=agent.role,
                              system_message=agent.system_prompt, tools=own + list(tools),
                              memory=[TaskKnowledge(self)] if scenario.documents else None,
                              max_tool_iterations=MAX_TOOL_ITERATIONS, model_client_stream=self.config.stream,
                              model_context=model_context)

    def job(self, scenario, build, task):
        return TeamJob(self, scenario, build, task)

    async def run_team(self, team, scenario):
        await team.reset()
        result = await team.run(task=scenario.task)
        return final_text(result.messages, {a.id for a in scenario.agents})

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario):
            graph = DiGraphBuilder()
            agents = [self.agent(scenario, a) for a in scenario.agents]
            for agent in agents:
                graph.add_node(agent)
            for before, after in zip(agents, agents[1:]):
                graph.add_edge(before, after)
            return GraphFlow(participants=graph.get_participants(), graph=graph.build())

        return self.job(scenario, build, lambda team: self.run_team(team, scenario))

    def hierarchical(self, scenario):
        def build(scenario):
            workers = [self.agent(scenario, a) for a in scenario.agents if a.id != scenario.manager]
            tools = [AgentTool(w, return_value_as_last_message=True) for w in workers]
            return [self.agent(scenario, scenario.agent(scenario.manager), tools)] + workers

        async def task(agents):
            for agent in agents:
                await agent.on_reset(CancellationToken())
            result = await agents[0].run(task=f"Task: {scenario.task}")
            return final_text(result.messages, {scenario.manager})

        return self.job(scenario, build, task)

    def round_robin(self, scenario):
        def build(scenario):
            def context():  # AutoGen's documented bounded context: the first messages and the last N
                window = scenario.context_window
                return HeadAndTailChatCompletionContext(head_size=2, tail_size=window) if window else None
            return RoundRobinGroupChat([self.agent(scenario, a, model_context=context()) for a in scenario.agents],
                                       termination_condition=TextMentionTermination(scenario.termination_text),
                                       max_turns=scenario.max_turns)

        return self.job(scenario, build, lambda team: self.run_team(team, scenario))

    def selector(self, scenario):
        def build(scenario):
            return SelectorGroupChat([self.agent(scenario, a) for a in scenario.agents], model_client=self.model,
                                     termination_condition=TextMentionTermination(scenario.termination_text),
                                     max_turns=scenario.max_turns)

        return self.job(scenario, build, lambda team: self.run_team(team, scenario))

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            return {a.id: self.agent(scenario, a) for a in members + [scenario.agent(scenario.moderator)]}

        async def task(agents):
            await reset_all(agents)
            ask = asker(agents)
            return await legion_common.consensus_round(scenario, members, ask)

        return self.job(scenario, build, task)

    def human_review(self, scenario):
        def build(scenario):
            return RoundRobinGroupChat([self.agent(scenario, scenario.agents[0]), ScriptedReviewer(self)],
                                       termination_condition=TextMentionTermination(APPROVE, sources=["human"]),
                                       max_turns=2 * scenario.max_turns + 1)

        return self.job(scenario, build, lambda team: self.run_team(team, scenario))

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            return {a.id: self.agent(scenario, a) for a in proposers + [scenario.agent(scenario.aggregator)]}

        async def task(agents):
            await reset_all(agents)
            ask = asker(agents)
            propose = legion_common.propose_prompt(scenario, scenario.task)
            proposals = dict(await asyncio.gather(*(ask(p.id, propose) for p in proposers)))
            _, answer = await ask(scenario.aggregator, legion_common.aggregate_prompt(scenario, scenario.task, proposals))
            return answer

        return self.job(scenario, build, task)


def create():
    return AutoGenAdapter()
