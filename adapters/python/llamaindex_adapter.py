"""LlamaIndex agents and workflows, composed the ways its "Multi-agent patterns in LlamaIndex" and
"Workflows" documentation describe.

Every agent is a `FunctionAgent` (name = agent id, system_prompt = its role and goal) over one
`OpenAILike` LLM (llama-index-llms-openai-like, Chat Completions to the model server's base URL,
`is_chat_model=True`, `is_function_calling_model=True`: without them OpenAILike would use the
completions endpoint and FunctionAgent refuses the LLM). Patterns (docs/adapters.md):
  sequential    one agent: its own run (a FunctionAgent is a Workflow); several: an event-driven
                `Workflow` whose step runs one agent and emits a `HandOn` event to the next, with
                the task and the previous agent's output
  hierarchical  the orchestrator pattern: the manager is a FunctionAgent whose tools are its
                workers' `run` (sub-agents as tools), so control always comes back to it
  round-robin   a `Workflow` looping a `choose` step (the next speaker in order) and a `speak`
                step (that agent's run over the shared transcript), until the termination text
  selector      the same workflow, its `choose` step asking the LLM with the selector prompt
                (the documentation's custom planner: an LLM call names the agent, code runs it)
  consensus     a `Workflow` fanning out with `ctx.send_event` to an `answer` step with a worker
                per member, fanning in with `ctx.collect_events`, the same for the votes, then the
                moderator's run
  human-review  a `Workflow` whose step returns `InputRequiredEvent` after each answer and waits
                for the `HumanResponseEvent` the adapter sends back; the agent's runs share one
                `Memory` (the conversation), an empty reply approves
  mixture       fan-out/fan-in as consensus: the proposers, then the aggregator's run

A task with a knowledge base (memory-retrieval): a `VectorStoreIndex` of one `TextNode` per document,
embedded at the model server by `OpenAILikeEmbedding`, answered by the index's context chat engine
(retrieval of the top_k nodes into the system prompt before the LLM call).

In the in-process mode (`config.in_process`) the LLM is `InProcessLLM`, a `FunctionCallingLLM`
subclass, and the knowledge base's embeddings `InProcessEmbedding`, a `BaseEmbedding` subclass,
both answered by `InProcessChat` over the pipe.

Calls and tokens come from LlamaIndex's instrumentation: an event handler on the root dispatcher
counts every `LLMChatEndEvent` and reads the usage the OpenAI LLM copied from the server's reply
into `ChatResponse.additional_kwargs` (prompt_tokens, completion_tokens). N concurrent copies
(--concurrency N) run their workflows under asyncio.gather on the adapter's one event loop,
sharing the agents and the LLM (each run gets its own workflow Context).
"""

import asyncio
import json
import time
import uuid

import legion
import legion_common
from legion_common import FrameworkAdapter, Tally

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.generic_utils import (astream_chat_to_completion_decorator, chat_to_completion_decorator,
                                                      stream_chat_to_completion_decorator)
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, LLMMetadata, ToolCallBlock
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent
from llama_index.core.instrumentation.events.retrieval import RetrievalEndEvent, RetrievalStartEvent
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.memory import Memory
from llama_index.core.schema import TextNode
from llama_index.core.tools import FunctionTool
from llama_index.core.workflow import (Context, Event, HumanResponseEvent, InputRequiredEvent, StartEvent,
                                       StopEvent, Workflow, step)
from llama_index.llms.openai.utils import from_openai_message, resolve_tool_choice, to_openai_message_dicts
from llama_index.llms.openai_like import OpenAILike
from openai.types.chat import ChatCompletionMessage

# FunctionAgent's default max_iterations is 20 model calls per run: a manager delegating to 20
# workers needs 21. 25 is the native engine's limit of model calls per agent turn.
MAX_ITERATIONS = 25
# OpenAILike's default context window is 3,900 tokens, and an agent's default memory
# (ChatMemoryBuffer) keeps only 75% of it, dropping the oldest messages without a word. The model
# server has no window of its own; this one is large enough that nothing is dropped unless a
# scenario asks for trimming.
CONTEXT_WINDOW = 1_000_000
# What context-management with context_window N asks for (a window of the last N messages) and why
# LlamaIndex has no construct for it.
NO_MESSAGE_WINDOW = ("LlamaIndex has no message window: an agent's memory (ChatMemoryBuffer, or Memory) bounds "
                     "its history by tokens (token_limit), never by a number of messages")
# The fan-out step's workers (`@step(num_workers=...)`, fixed when the class is defined): above any
# scenario's number of members, so that every member runs at once.
MAX_FAN_OUT = 64


class UsageCounter(BaseEventHandler):
    """Counts every finished chat call the instrumentation reports, with its usage."""

    _count = PrivateAttr()

    def __init__(self, count):
        super().__init__()
        self._count = count

    @classmethod
    def class_name(cls):
        return "LegionUsageCounter"

    def handle(self, event, **kwargs):
        if isinstance(event, LLMChatEndEvent) and event.response is not None:
            self._count(event.response)


class RetrievalTimer(BaseEventHandler):
    """Times each retrieval between the instrumentation's start and end events (knowledge-base
    tasks run one at a time, so one start suffices)."""

    _add = PrivateAttr()
    _started = PrivateAttr(default=None)

    def __init__(self, add):
        super().__init__()
        self._add = add

    @classmethod
    def class_name(cls):
        return "LegionRetrievalTimer"

    def handle(self, event, **kwargs):
        if isinstance(event, RetrievalStartEvent):
            self._started = time.perf_counter_ns()
        elif isinstance(event, RetrievalEndEvent) and self._started is not None:
            self._add(time.perf_counter_ns() - self._started)
            self._started = None


class InProcessLLM(FunctionCallingLLM):
    """The in-process mode's LLM: a `FunctionCallingLLM` subclass (LlamaIndex's custom-LLM route for an
    LLM that calls tools: CustomLLM only completes text). The messages become Chat Completions
    messages and the answer a ChatMessage through llama-index-llms-openai's own converters
    (to_openai_message_dicts, from_openai_message), tools are sent as OpenAILike sends them
    (ToolMetadata.to_openai_tool, parallel_tool_calls=False), and the answer's usage goes into
    `ChatResponse.additional_kwargs` as the OpenAI LLM puts it: `InProcessChat.complete` instead of
    the OpenAI client."""

    model: str
    context_window: int
    _chat = PrivateAttr()

    def __init__(self, chat, **kwargs):
        super().__init__(**kwargs)
        self._chat = chat

    @classmethod
    def class_name(cls):
        return "LegionInProcessLLM"

    @property
    def metadata(self):
        return LLMMetadata(model_name=self.model, context_window=self.context_window, is_chat_model=True,
                           is_function_calling_model=True)

    def answer(self, messages, **kwargs):
        """One request and its answer, undecorated: each public method below is decorated once
        (llm_chat_callback, llm_completion_callback), so each call emits its events once."""
        answer = self._chat.complete(to_openai_message_dicts(messages, model=self.model), **kwargs)
        message = ChatCompletionMessage.model_validate(answer["choices"][0]["message"])
        usage = answer.get("usage") or {}
        return ChatResponse(message=from_openai_message(message, modalities=["text"]), raw=answer,
                            additional_kwargs={k: usage[k] for k in ("prompt_tokens", "completion_tokens",
                                                                     "total_tokens") if k in usage})

    def one_chunk(self, messages, **kwargs):
        # No streaming in the in-process mode: the whole answer is the one chunk.
        response = self.answer(messages, **kwargs)
        response.delta = response.message.content
        yield response

    async def one_async_chunk(self, messages, **kwargs):
        for response in self.one_chunk(messages, **kwargs):
            yield response

    @llm_chat_callback()
    def chat(self, messages, **kwargs):
        return self.answer(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages, **kwargs):
        # The pipe answers at once (the scripted model, no latency): nothing to await.
        return self.answer(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages, **kwargs):
        return self.one_chunk(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(self, messages, **kwargs):
        return self.one_async_chunk(messages, **kwargs)

    @llm_completion_callback()
    def complete(self, prompt, formatted=False, **kwargs):
        return chat_to_completion_decorator(self.answer)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(self, prompt, formatted=False, **kwargs):
        return chat_to_completion_decorator(self.answer)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt, formatted=False, **kwargs):
        return stream_chat_to_completion_decorator(self.one_chunk)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(self, prompt, formatted=False, **kwargs):
        return await astream_chat_to_completion_decorator(self.one_async_chunk_awaitable)(prompt, **kwargs)

    async def one_async_chunk_awaitable(self, messages, **kwargs):
        return self.one_async_chunk(messages, **kwargs)

    def _prepare_chat_with_tools(self, tools, user_msg=None, chat_history=None, verbose=False,
                                 allow_parallel_tool_calls=False, tool_required=False, tool_choice=None, **kwargs):
        """The request's tools and messages, as the OpenAI LLM prepares them."""
        specs = [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]
        for spec in specs:  # what the OpenAI LLM sets on a function-calling model's tools (strict=False)
            spec["function"]["strict"] = False
            spec["function"]["parameters"]["additionalProperties"] = False
        messages = chat_history or []
        if user_msg:
            messages.append(ChatMessage(role="user", content=user_msg) if isinstance(user_msg, str) else user_msg)
        request = {"messages": messages, **kwargs}
        if specs:
            request |= {"tools": specs, "tool_choice": resolve_tool_choice(tool_choice, tool_required),
                        "parallel_tool_calls": allow_parallel_tool_calls}
        return request

    def get_tool_calls_from_response(self, response, error_on_no_tool_call=True, **kwargs):
        calls = [block for block in response.message.blocks if isinstance(block, ToolCallBlock)]
        if not calls and error_on_no_tool_call:
            raise ValueError("Expected at least one tool call, but got none.")
        return [ToolSelection(tool_id=call.tool_call_id or "", tool_name=call.tool_name,
                              tool_kwargs=json.loads(call.tool_kwargs or "{}") if isinstance(call.tool_kwargs, str)
                              else call.tool_kwargs)
                for call in calls]


class InProcessEmbedding(BaseEmbedding):
    """The in-process mode's embeddings: a `BaseEmbedding` subclass (LlamaIndex's "Custom Embeddings"),
    its vectors from `InProcessChat.embed`, a batch of texts per request as OpenAILikeEmbedding sends."""

    _chat = PrivateAttr()

    def __init__(self, chat, **kwargs):
        super().__init__(**kwargs)
        self._chat = chat

    @classmethod
    def class_name(cls):
        return "LegionInProcessEmbedding"

    def _get_query_embedding(self, query):
        return self._chat.embed([query])[0]

    async def _aget_query_embedding(self, query):
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text):
        return self._chat.embed([text])[0]

    def _get_text_embeddings(self, texts):
        return self._chat.embed(texts)


# ---------------------------------------------------------------- workflow events

class HandOn(Event):
    index: int
    output: str = ""


class NextTurn(Event):
    pass


class Speak(Event):
    speaker: str


class Ask(Event):
    agent_id: str
    prompt: str


class Answer(Event):
    agent_id: str
    text: str


class LlamaIndexAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # one loop for the process: the HTTP client is bound to it
        self.tally = Tally()
        # The documented OpenAI-compatible client: chat and function calling switched on.
        extra = {"stream_options": {"include_usage": True}} if config.stream else {}
        if config.in_process:
            self.llm = InProcessLLM(legion_common.InProcessChat(config), model=config.model,
                                    context_window=CONTEXT_WINDOW)
        else:
            self.llm = OpenAILike(model=config.model, api_base=config.base_url, api_key="legion-bench-no-key",
                                  is_chat_model=True, is_function_calling_model=True, context_window=CONTEXT_WINDOW,
                                  max_retries=config.max_retries, timeout=config.request_timeout_s,
                                  additional_kwargs=extra)
        get_dispatcher().add_event_handler(UsageCounter(self.count))
        get_dispatcher().add_event_handler(RetrievalTimer(self.add_retrieval))
        self.index = None  # the task's knowledge base while a knowledge-base task runs

    def start_tracing(self):
        """--trace: LlamaIndex's instrumentation spans as OpenTelemetry spans through the OpenInference
        llama-index instrumentor, the OpenTelemetry route LlamaIndex's observability docs list
        (openinference-instrumentation-llama-index, as llama-index-callbacks-arize-phoenix uses it): a
        span handler and an event handler on LlamaIndex's root dispatcher, writing to the collector's
        tracer provider. Spans keep LlamaIndex's names ("CLASS.METHOD": "Pipeline.run",
        "FunctionAgent.run", "BaseWorkflowAgent.run_agent_step", "OpenAILike.achat" (twice per model
        call: OpenAILike.achat wraps OpenAI.achat, both instrumented), "FunctionTool.acall", ...).
        The instrumentor names no agent; the agent workflow's events do (`current_agent_name` of
        AgentSetup and AgentOutput, which the instrumentor writes into the agent steps' input.value
        and output.value). A span belongs to the agent named there; else to the one agent its own
        steps name (an agent's "FunctionAgent.run"); else to its nearest enclosing span's agent (a
        model call to its agent step's, a tool call to its agent's run). Nothing is imported unless
        --trace is given."""
        import re
        import threading

        from openinference.instrumentation.llama_index import LlamaIndexInstrumentor
        from opentelemetry.sdk.trace import SpanProcessor

        named = re.compile(r"current_agent_name='([^']+)'")
        # span id: [parent's span id, the agent its events name, the agents its child spans' events name]
        notes, lock = {}, threading.Lock()

        class NoteAgent(SpanProcessor):
            def on_end(self, span):
                found = None
                for key in ("output.value", "input.value"):
                    found = found or named.search(str(span.attributes.get(key) or ""))
                parent = span.parent.span_id if span.parent else None
                with lock:
                    note = notes.setdefault(span.context.span_id, [None, "", set()])
                    note[0], note[1] = parent, found.group(1) if found else ""
                    if found and parent is not None:
                        notes.setdefault(parent, [None, "", set()])[2].add(found.group(1))
                    while len(notes) > 100_000:  # spans of tasks long attached: the oldest notes go
                        del notes[next(iter(notes))]

        def agent_of(span):
            with lock:
                at = span.context.span_id
                for _ in range(64):
                    parent, agent, children = notes.get(at, (None, "", set()))
                    if agent or len(children) == 1:
                        return agent or next(iter(children))
                    if parent is None:
                        return ""
                    at = parent
            return ""

        collector = legion_common.SpanCollector(agent_of=agent_of)
        collector.provider.add_span_processor(NoteAgent())
        LlamaIndexInstrumentor().instrument(tracer_provider=collector.provider)
        return collector

    def add_retrieval(self, elapsed_ns):
        self.retrieval_ns = getattr(self, "retrieval_ns", 0) + elapsed_ns

    def count(self, response):
        self.tally.calls += 1
        usage = response.additional_kwargs
        if "prompt_tokens" in usage:
            self.tally.add_usage(usage["prompt_tokens"], usage["completion_tokens"])

    def versions(self):
        return legion_common.distribution_versions("llama-index-core", "llama-index-llms-openai-like",
                                                   "llama-index-llms-openai", "llama-index-workflows", "openai")

    def settings(self):
        if self.config.in_process:
            client = {"in-process model": "InProcessLLM(FunctionCallingLLM) and InProcessEmbedding(BaseEmbedding): "
                                          "LlamaIndex's custom LLM and embedding classes (FunctionCallingLLM: the "
                                          "custom LLM FunctionAgent can give tools), answered by the scripted model "
                                          "over the pipe instead of the OpenAI client"}
        else:
            client = {
                "OpenAILike(api_base, is_chat_model, is_function_calling_model)": "the model server, True, True "
                                                                                  "(defaults: OpenAI's API, False, "
                                                                                  "False): Chat Completions with tool "
                                                                                  "calls, which FunctionAgent requires",
                "OpenAILike(max_retries, timeout)": "the runner's --max-retries and request timeout (defaults 3, 60 s); "
                                                    "LlamaIndex applies max_retries twice: in the OpenAI client and in "
                                                    "its own tenacity retry around each call",
                "OpenAILike(additional_kwargs)": "stream_options.include_usage with --stream (default: none): usage on "
                                                 "streamed replies",
            }
        llm = "InProcessLLM" if self.config.in_process else "OpenAILike"
        return client | {
            f"{llm}(context_window)": f"{CONTEXT_WINDOW} (default 3900): an agent's memory keeps 75% of it and "
                                      "drops older messages silently; the model server has no window",
            "FunctionAgent(streaming)": "the runner's --stream (default True): unstreamed requests unless --stream, "
                                        "as for every system",
            "FunctionAgent.run(max_iterations)": f"{MAX_ITERATIONS} (default 20): a manager of 20 workers needs 21 "
                                                 "model calls; the native engine's limit",
            "Workflow(timeout)": "None (default 45 s) for the adapter's workflows: legion-bench's --timeout bounds "
                                 "a task, as for every system",
            "FunctionAgent.run(memory) in human review": "Memory.from_defaults(token_limit=context window) shared by "
                                                         "the review's runs (default: a fresh ChatMemoryBuffer per "
                                                         "run); a Context reused across runs drops the memory",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "none (unsupported): " + NO_MESSAGE_WINDOW,
        }

    # ------------------------------------------------------------------ building blocks

    def tool(self, spec):
        async def call(**arguments):
            # Run on the event loop (an async tool): FunctionTool would run a plain function in a thread.
            return self.scenario.run_tool(spec.name, {k: v for k, v in arguments.items() if v is not None})
        return FunctionTool.from_defaults(async_fn=call, name=spec.name, description=spec.description,
                                          fn_schema=legion_common.pydantic_arguments(spec))

    def agent(self, scenario, agent, extra_tools=()):
        tools = [self.tool(t) for t in scenario.tools if t.name in agent.tools] + list(extra_tools)
        return FunctionAgent(name=agent.id, description=agent.role, system_prompt=agent.system_prompt,
                             tools=tools, llm=self.llm, streaming=bool(self.config.stream))

    @staticmethod
    async def ask(agent, prompt=None, chat_history=None, memory=None):
        """One run of an agent; returns its answer's text."""
        output = await agent.run(user_msg=prompt, chat_history=chat_history, memory=memory,
                                 max_iterations=MAX_ITERATIONS)
        return output.response.content or ""

    def job(self, scenario, build, task):
        return legion_common.SharedAgentsJob(self, scenario, build, task)

    # ------------------------------------------------------------------ knowledge base

    def ingest(self, scenario):
        from llama_index.core import VectorStoreIndex
        from llama_index.embeddings.openai_like import OpenAILikeEmbedding  # noqa: F401 (HTTP mode)

        # One node per document (no node parser: nothing split or merged), embedded at the model
        # server, in LlamaIndex's in-memory vector store.
        if self.config.in_process:
            embed_model = InProcessEmbedding(legion_common.InProcessChat(self.config), model_name=self.config.model)
        else:
            embed_model = OpenAILikeEmbedding(model_name=self.config.model, api_base=self.config.base_url,
                                              api_key="legion-bench-no-key", max_retries=self.config.max_retries,
                                              timeout=self.config.request_timeout_s)
        self.index = VectorStoreIndex([TextNode(text=d) for d in scenario.documents], embed_model=embed_model)

    def forget_knowledge(self, scenario):
        self.index = None

    async def ask_knowledge_base(self, scenario):
        """The context chat engine: retrieves the top_k nodes for the message, puts them into the
        system prompt, then asks the LLM."""
        agent = scenario.agents[0]
        engine = self.index.as_chat_engine(chat_mode="context", llm=self.llm, system_prompt=agent.system_prompt,
                                           similarity_top_k=scenario.top_k)
        message = f"Task: {scenario.task}"
        if not self.config.stream:
            return (await engine.achat(message)).response
        streamed = await engine.astream_chat(message)
        async for _ in streamed.async_response_gen():
            pass
        return streamed.response

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        if scenario.documents:
            return self.job(scenario, lambda scenario: None, lambda _: self.ask_knowledge_base(scenario))

        def build(scenario):
            agents = [self.agent(scenario, a) for a in scenario.agents]
            return agents[0] if len(agents) == 1 else Pipeline(scenario, agents)

        async def task(built):
            if isinstance(built, FunctionAgent):
                return await self.ask(built, f"Task: {scenario.task}")
            return await built.run(task=scenario.task)

        return self.job(scenario, build, task)

    def hierarchical(self, scenario):
        def build(scenario):
            def delegation(worker):
                sub_agent = self.agent(scenario, worker)

                async def delegate(task: str) -> str:
                    return await self.ask(sub_agent, task)
                return FunctionTool.from_defaults(async_fn=delegate, name=worker.id,
                                                  description=f"Hand a sub-task to {worker.role} and get the result.")

            workers = [delegation(a) for a in scenario.agents if a.id != scenario.manager]
            return self.agent(scenario, scenario.agent(scenario.manager), workers)

        async def task(manager):
            return await self.ask(manager, f"Task: {scenario.task}")

        return self.job(scenario, build, task)

    def round_robin(self, scenario):
        return self.group_chat(scenario, select=False)

    def selector(self, scenario):
        return self.group_chat(scenario, select=True)

    def group_chat(self, scenario, select):
        if scenario.context_window:
            raise legion.Unsupported(NO_MESSAGE_WINDOW)

        def build(scenario):
            agents = {a.id: self.agent(scenario, a) for a in scenario.agents}
            return GroupChat(scenario, agents, self.llm if select else None)

        async def task(chat):
            return await chat.run(task=scenario.task)

        return self.job(scenario, build, task)

    def consensus(self, scenario):
        def build(scenario):
            members = legion_common.consensus_members(scenario)
            agents = {a.id: self.agent(scenario, a) for a in members + [scenario.agent(scenario.moderator)]}
            return Consensus(scenario, agents, [m.id for m in members], scenario.moderator)

        async def task(workflow):
            return await workflow.run(task=scenario.task)

        return self.job(scenario, build, task)

    def mixture(self, scenario):
        def build(scenario):
            proposers = legion_common.mixture_proposers(scenario)
            agents = {a.id: self.agent(scenario, a) for a in proposers + [scenario.agent(scenario.aggregator)]}
            return Mixture(scenario, agents, [p.id for p in proposers], scenario.aggregator)

        async def task(workflow):
            return await workflow.run(task=scenario.task)

        return self.job(scenario, build, task)

    def human_review(self, scenario):
        def build(scenario):
            return HumanReview(self.agent(scenario, scenario.agents[0]), scenario.max_turns)

        async def task(workflow):
            handler = workflow.run(task=scenario.task)
            async for event in handler.stream_events():
                if isinstance(event, InputRequiredEvent):
                    # The person answers off the event loop, as a real one would.
                    feedback = await asyncio.to_thread(scenario.ask_human, event.prefix)
                    handler.ctx.send_event(HumanResponseEvent(response=feedback or ""))
            return await handler

        return self.job(scenario, build, task)


# ---------------------------------------------------------------- the workflows

class Pipeline(Workflow):
    """A sequence of agents: each step runs one agent with the task and the previous agent's output."""

    def __init__(self, scenario, agents):
        super().__init__(timeout=None)
        self.ids = [a.id for a in scenario.agents]
        self.agents = agents

    @step
    async def start(self, ctx: Context, ev: StartEvent) -> HandOn:
        await ctx.store.set("task", ev.task)
        return HandOn(index=0)

    @step
    async def hand_on(self, ctx: Context, ev: HandOn) -> HandOn | StopEvent:
        task = await ctx.store.get("task")
        prompt = f"Task: {task}"
        if ev.output:
            prompt += f"\n\nInput from {self.ids[ev.index - 1]}:\n{ev.output}"
        output = await LlamaIndexAdapter.ask(self.agents[ev.index], prompt)
        if ev.index + 1 == len(self.agents):
            return StopEvent(result=output)
        return HandOn(index=ev.index + 1, output=output)


class GroupChat(Workflow):
    """A shared conversation: `choose` names the next speaker (in order, or by asking the LLM with the
    selector prompt), `speak` runs that agent over the transcript, until the termination text."""

    SELECTION_ATTEMPTS = 3  # a reply that names no candidate is asked again, as LangGraph's router does

    def __init__(self, scenario, agents, selector_llm):
        super().__init__(timeout=None)
        self.scenario, self.agents, self.selector_llm = scenario, agents, selector_llm
        self.order = [a.id for a in scenario.agents]

    @staticmethod
    def transcript(task, turns, me):
        """The conversation as one speaker sees it: the task and the others' turns as user messages,
        its own as its answers."""
        messages = [ChatMessage(role="user", content=task)]
        for author, text in turns:
            if author == me:
                messages.append(ChatMessage(role="assistant", content=text))
            else:
                messages.append(ChatMessage(role="user", content=f"{author}: {text}"))
        return messages

    @step
    async def start(self, ctx: Context, ev: StartEvent) -> NextTurn:
        await ctx.store.set("task", ev.task)
        await ctx.store.set("turns", [])
        return NextTurn()

    @step
    async def choose(self, ctx: Context, ev: NextTurn) -> Speak | StopEvent:
        turns = await ctx.store.get("turns")
        if turns and (self.scenario.termination_text in turns[-1][1] or len(turns) >= self.scenario.max_turns):
            return StopEvent(result=turns[-1][1])
        if self.selector_llm is None:
            return Speak(speaker=self.order[len(turns) % len(self.order)])
        return Speak(speaker=await self.select(await ctx.store.get("task"), turns))

    async def select(self, task, turns):
        messages = [ChatMessage(role="system", content=legion_common.selector_prompt(self.scenario))]
        messages += self.transcript(task, turns, None)
        for _ in range(self.SELECTION_ATTEMPTS):
            reply = (await self.selector_llm.achat(messages)).message.content or ""
            choice = reply.strip().strip("\"'.")
            if choice in self.agents:
                return choice
        raise ValueError(f"the selector named no candidate: {reply!r}")

    @step
    async def speak(self, ctx: Context, ev: Speak) -> NextTurn:
        turns = await ctx.store.get("turns")
        history = self.transcript(await ctx.store.get("task"), turns, ev.speaker)
        text = await LlamaIndexAdapter.ask(self.agents[ev.speaker], chat_history=history)
        await ctx.store.set("turns", turns + [(ev.speaker, text)])
        return NextTurn()


class FanOut(Workflow):
    """Fan-out and fan-in of agent runs: `ctx.send_event` gives each member its prompt, the `answer`
    step runs them (a worker per member, at once), `ctx.collect_events` waits for all the answers."""

    def __init__(self, scenario, agents, members, last):
        super().__init__(timeout=None)
        self.scenario, self.agents, self.members, self.last = scenario, agents, members, last

    def fan_out(self, ctx, prompt):
        for member in self.members:
            ctx.send_event(Ask(agent_id=member, prompt=prompt))

    @staticmethod
    def fan_in(ctx, ev, phase, count):
        answers = ctx.collect_events(ev, [Answer] * count, buffer_id=phase)
        return None if answers is None else {a.agent_id: a.text for a in answers}

    @step(num_workers=MAX_FAN_OUT)
    async def answer(self, ev: Ask) -> Answer:
        return Answer(agent_id=ev.agent_id, text=await LlamaIndexAdapter.ask(self.agents[ev.agent_id], ev.prompt))

    async def run_last(self, prompt):
        return await LlamaIndexAdapter.ask(self.agents[self.last], prompt)


class Consensus(FanOut):
    """Each member proposes, then votes having seen every proposal, all at once; the moderator decides."""

    @step
    async def start(self, ctx: Context, ev: StartEvent) -> Ask | None:
        await ctx.store.set("task", ev.task)
        await ctx.store.set("phase", "propose")
        self.fan_out(ctx, legion_common.propose_prompt(self.scenario, ev.task))
        return None

    @step
    async def gather(self, ctx: Context, ev: Answer) -> Ask | StopEvent | None:
        phase = await ctx.store.get("phase")
        answers = self.fan_in(ctx, ev, phase, len(self.members))
        if answers is None:
            return None
        task = await ctx.store.get("task")
        if phase == "propose":
            await ctx.store.set("phase", "vote")
            self.fan_out(ctx, legion_common.vote_prompt(self.scenario, task, answers))
            return None
        return StopEvent(result=await self.run_last(legion_common.decide_prompt(self.scenario, task, answers)))


class Mixture(FanOut):
    """The proposers answer at once; the aggregator composes their answers."""

    @step
    async def start(self, ctx: Context, ev: StartEvent) -> Ask | None:
        await ctx.store.set("task", ev.task)
        self.fan_out(ctx, legion_common.propose_prompt(self.scenario, ev.task))
        return None

    @step
    async def gather(self, ctx: Context, ev: Answer) -> StopEvent | None:
        proposals = self.fan_in(ctx, ev, "propose", len(self.members))
        if proposals is None:
            return None
        task = await ctx.store.get("task")
        return StopEvent(result=await self.run_last(legion_common.aggregate_prompt(self.scenario, task, proposals)))


class HumanReview(Workflow):
    """The agent answers; the person is asked (InputRequiredEvent) and replies (HumanResponseEvent);
    feedback continues the agent's conversation, an empty reply approves. The conversation is a
    `Memory` given to each of the agent's runs ("Memory" guide): a Context reused across runs (the
    "Maintaining state" page) would lose it, since the Context skips the memory when it carries
    state from one run to the next (UnserializableKeyWarning)."""

    def __init__(self, agent, max_turns):
        super().__init__(timeout=None)
        self.agent, self.max_turns = agent, max_turns

    @step
    async def draft(self, ctx: Context, ev: StartEvent) -> InputRequiredEvent:
        memory = Memory.from_defaults(session_id=f"review-{uuid.uuid4()}", token_limit=CONTEXT_WINDOW)
        answer = await LlamaIndexAdapter.ask(self.agent, f"Task: {ev.task}", memory=memory)
        await ctx.store.set("memory", memory)
        await ctx.store.set("answer", answer)
        await ctx.store.set("reviews", 0)
        return InputRequiredEvent(prefix=answer)

    @step
    async def revise(self, ctx: Context, ev: HumanResponseEvent) -> InputRequiredEvent | StopEvent:
        answer = await ctx.store.get("answer")
        if not ev.response:
            return StopEvent(result=answer)
        answer = await LlamaIndexAdapter.ask(self.agent, ev.response, memory=await ctx.store.get("memory"))
        reviews = await ctx.store.get("reviews") + 1
        await ctx.store.set("answer", answer)
        await ctx.store.set("reviews", reviews)
        if reviews >= self.max_turns:
            return StopEvent(result=answer)
        return InputRequiredEvent(prefix=answer)


def create():
    return LlamaIndexAdapter()
