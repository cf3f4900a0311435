"""Microsoft Agent Framework workflows and agents.

Every agent is an `Agent` (its instructions are the scenario agent's system prompt) over one
`OpenAIChatCompletionClient`, the framework's Chat Completions client (its `OpenAIChatClient` speaks
the Responses API), pointed at the model server. Patterns, each through the framework's own
orchestration builders (agent-framework-orchestrations; docs/adapters.md has the table):
  sequential    SequentialBuilder(participants=agents): each agent sees the conversation so far
  hierarchical  the manager Agent with each worker as a tool (Agent.as_tool, argument `task`):
                "agents as tools"; a worker runs its own turn and its answer is the tool result
  round-robin   GroupChatBuilder with a selection function that takes the participants in turn,
                a termination condition on the termination text and max_rounds
  selector      GroupChatBuilder(orchestrator_agent=Agent(...)): an agent picks the next speaker
                (the framework's AgentBasedGroupChatOrchestrator, structured output)
  consensus     ConcurrentBuilder fan-out/fan-in: the members' proposals, then their votes; the
                votes workflow's aggregator is the moderator's decision
  human-review  SequentialBuilder([agent]).with_request_info(agents=[agent]): the workflow pauses
                after each answer with a request_info event; the scripted person's feedback goes
                back as AgentRequestInfoResponse.from_strings, an empty reply approves
  mixture       ConcurrentBuilder(proposers).with_aggregator(...): the aggregator agent composes the
                proposals (the custom-aggregator form of the concurrent orchestration)

In the in-process mode (`--systems agent-framework@in-process`) the client is InProcessChatClient
(below), the framework's custom chat client answered by the scripted model; everything else is the same.

Tools are FunctionTool(name, description, input_model=the scenario's JSON Schema, func=run_tool).
Calls and tokens come from a ChatMiddleware on the client: it sees every model call (the
orchestrator's too) and its usage_details as the client parsed them.

A workflow keeps its conversation and agent sessions from one run to the next (so that a
WorkflowAgent can continue a conversation); each task is independent, so every task builds a fresh
workflow from the agents built once per scenario shape, as the framework's documentation asks
("Workflows - State Isolation": a new workflow instance from the builder for each task or
request). N concurrent copies (--concurrency N) run under asyncio.gather on the adapter's event
loop, each with its own workflow, all over the one client.
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Annotated

import legion_common
from legion_common import FrameworkAdapter, Tally

from agent_framework import (Agent, AgentResponse, AgentResponseUpdate, BaseChatClient, BaseEmbeddingClient,
                             ChatContext, ChatMiddleware, ChatMiddlewareLayer, ChatResponse, ChatResponseUpdate,
                             Content, ContextProvider, Embedding, FunctionInvocationLayer, FunctionTool,
                             GeneratedEmbeddings, InMemoryCollection, Message, TruncationStrategy, UsageDetails, VectorStoreField, normalize_tools,
                             prepend_instructions_to_messages, validate_tool_mode, vectorstoremodel)
from agent_framework.observability import ChatTelemetryLayer
from agent_framework.openai import OpenAIChatCompletionClient, OpenAIEmbeddingClient
from agent_framework_orchestrations import (AgentRequestInfoResponse, ConcurrentBuilder, GroupChatBuilder,
                                            SequentialBuilder)
from openai import AsyncOpenAI
from openai.lib._parsing._completions import type_to_response_format_param

MAX_TOOL_ITERATIONS = 25  # like the native engine's limit of model calls per turn
COORDINATOR_INSTRUCTIONS = "You coordinate the team and choose who speaks next."  # the selector's agent
EMBEDDING_BATCH = 1000    # documents per embedding request, as the native engine batches them
EMBEDDING_DIMENSIONS = 256  # a vector field must declare its size: the model server's embeddings have 256


class UsageCounter(ChatMiddleware):
    """Counts every model call and the usage the client parsed from its response (streamed or not)."""

    def __init__(self):
        self.tally = Tally()

    async def process(self, context: ChatContext, call_next):
        tally = self.tally  # the batch this call belongs to, even if a new one starts meanwhile
        if context.stream:
            context.stream_result_hooks.append(lambda response: self.count(tally, response))
            await call_next()
        else:
            await call_next()
            self.count(tally, context.result)

    @staticmethod
    def count(tally, response):
        tally.calls += 1
        usage = response.usage_details or {}
        tally.add_usage(usage.get("input_token_count"), usage.get("output_token_count"))
        return response


def openai_messages(messages):
    """The framework's messages as Chat Completions messages, as its OpenAI client writes the kinds
    the benchmark's agents send: text, tool calls and tool results, the author as `name`."""
    converted = []
    for message in messages:
        name = {"name": message.author_name} if message.author_name and message.role != "tool" else {}
        texts = [c.text for c in message.contents if c.type == "text" and c.text]
        calls = [{"id": c.call_id, "type": "function",
                  "function": {"name": c.name, "arguments": c.arguments if isinstance(c.arguments, str)
                               else json.dumps(c.arguments or {})}}
                 for c in message.contents if c.type == "function_call"]
        results = [c for c in message.contents if c.type == "function_result"]
        for result in results:
            text = "\n".join(i.text or "" for i in result.items if i.type == "text") if result.items else result.result
            converted.append({"role": "tool", "tool_call_id": result.call_id, "content": "" if text is None else str(text)})
        if texts or calls:
            entry = {"role": message.role, **name, "content": "\n".join(texts) if texts else None}
            if calls:
                entry["tool_calls"] = calls
            converted.append(entry)
    return converted


class InProcessChatClient(FunctionInvocationLayer, ChatMiddlewareLayer, ChatTelemetryLayer, BaseChatClient):
    """The in-process mode's model (`--systems agent-framework@in-process`): a custom chat client, a
    BaseChatClient subclass with the framework's function-invocation, middleware and telemetry layers
    composed as its public clients compose them (the "Custom Chat Client" sample), so agents, tools,
    the usage middleware and the orchestrations use it as they use OpenAIChatCompletionClient. It
    converts the messages, tools, tool choice and structured-output format to the Chat Completions
    request and the answer back (text or tool calls, with its usage)."""

    OTEL_PROVIDER_NAME = "legion-bench-in-process"

    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.chat = legion_common.InProcessChat(config)

    def _inner_get_response(self, *, messages, stream=False, options, **kwargs):
        if not stream:
            return self.respond(messages, options)

        # A streamed run (an agent used as a tool streams its run): the whole answer as one update,
        # its usage with it, finalized into a ChatResponse as the framework's clients do.
        async def one_update():
            response = await self.respond(messages, options)
            yield ChatResponseUpdate(role="assistant", response_id=response.response_id,
                                     finish_reason=response.finish_reason,
                                     contents=response.messages[0].contents
                                     + [Content.from_usage(usage_details=response.usage_details)])
        return self._build_response_stream(one_update(), response_format=options.get("response_format"))

    async def respond(self, messages, options):
        if instructions := options.get("instructions"):
            messages = prepend_instructions_to_messages(list(messages), instructions, role="system")
        tools = [t.to_json_schema_spec() for t in normalize_tools(options.get("tools")) if isinstance(t, FunctionTool)]
        fields = {}
        if tools and (mode := validate_tool_mode(options.get("tool_choice"))):
            fields["tool_choice"] = mode["mode"]
        if response_format := options.get("response_format"):
            fields["response_format"] = type_to_response_format_param(response_format)
        answer = self.chat.complete(openai_messages(messages), tools, **fields)
        message = answer["choices"][0]["message"]
        contents = [Content.from_text(message["content"])] if message.get("content") else []
        contents += [Content.from_function_call(call_id=c["id"], name=c["function"]["name"],
                                                arguments=c["function"]["arguments"])
                     for c in message.get("tool_calls") or []]
        usage = answer["usage"]
        return ChatResponse(messages=[Message(role="assistant", contents=contents)], response_id=answer.get("id"),
                            usage_details=UsageDetails(input_token_count=usage["prompt_tokens"],
                                                       output_token_count=usage["completion_tokens"],
                                                       total_token_count=usage["total_tokens"]),
                            finish_reason="tool_calls" if message.get("tool_calls") else "stop",
                            response_format=response_format)


class InProcessEmbeddingClient(BaseEmbeddingClient):
    """The in-process mode's embeddings: a custom embedding client (BaseEmbeddingClient subclass)
    whose vectors come from the scripted model."""

    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.chat = legion_common.InProcessChat(config)

    async def get_embeddings(self, values, *, options=None):
        return GeneratedEmbeddings([Embedding(vector=v) for v in self.chat.embed(list(values))])


@vectorstoremodel
@dataclass
class KnowledgePage:
    """One document of a task's knowledge base: its text, embedded by the collection's embedding client."""
    key: Annotated[int, VectorStoreField("key")]
    text: Annotated[str, VectorStoreField("data")]
    embedding: Annotated[str | list[float] | None, VectorStoreField("vector", dimensions=EMBEDDING_DIMENSIONS)] = None


class TaskKnowledge(ContextProvider):
    """Retrieval before every model call of the agent: the top_k pages of the task's collection most
    similar to the agent's new input, added to its instructions (a context provider, the framework's
    extension point for RAG). Agents are built once per scenario shape; each task brings its own
    documents, so the collection behind this provider changes with the task."""

    def __init__(self, adapter):
        super().__init__("legion-knowledge")
        self.adapter = adapter

    async def before_run(self, *, agent, session, context, state):
        query = "\n".join(m.text for m in context.input_messages if m.text)
        with self.adapter.retrieving():
            results = await self.adapter.knowledge.search(query, top=self.adapter.scenario.top_k)
            pages = [result["record"].text async for result in results]
        context.extend_instructions(self.source_id, "Relevant knowledge:\n" + "\n".join(pages))


def scenario_tool(adapter, spec):
    """A FunctionTool whose schema is the scenario tool's own and whose body is the task's tool."""
    def call(**arguments):
        return adapter.scenario.run_tool(spec.name, {k: v for k, v in arguments.items() if v is not None})
    return FunctionTool(name=spec.name, description=spec.description, func=call, input_model=spec.parameters)


def last_text(messages, names):
    """The text of the last message one of `names` wrote."""
    for message in reversed(messages):
        if message.role == "assistant" and message.author_name in names and message.text:
            return message.text
    return ""


def output_messages(outputs):
    """The messages of a workflow's outputs (AgentResponses or conversations)."""
    messages = []
    for output in outputs:
        if isinstance(output, Message):
            messages.append(output)
        elif isinstance(output, list):
            messages.extend(m for m in output if isinstance(m, Message))
        elif hasattr(output, "messages"):
            messages.extend(output.messages)
    return messages


def agent_named_on(attributes):
    """The agent Agent Framework names on a span: `gen_ai.agent.name` on an agent's "invoke_agent"
    span; a workflow's AgentExecutor carries its agent's name as its `executor.id`."""
    if attributes.get("gen_ai.agent.name"):
        return str(attributes["gen_ai.agent.name"])
    if attributes.get("executor.type") == "AgentExecutor":
        return str(attributes.get("executor.id") or "")
    return ""


class WorkflowJob:
    """One task: `task(built)` is its coroutine over what `build` made (the agents)."""

    def __init__(self, adapter, scenario, build, task):
        self.adapter, self.scenario, self.build, self.task = adapter, scenario, build, task

    def run(self):
        built = self.adapter.for_task(self.scenario, self.build)
        self.adapter.usage.tally = Tally()
        answer = self.adapter.loop.run_until_complete(self.task(built))
        return self.adapter.usage.tally.outcome(answer)

    def run_concurrently(self, copies):
        built = self.adapter.for_task(self.scenario, self.build)
        self.adapter.usage.tally = Tally()
        return legion_common.run_copies(self.adapter.loop, [self.task(built) for _ in range(copies)],
                                        lambda: self.adapter.usage.tally)


class AgentFrameworkAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # one loop for the process: the HTTP client is bound to it
        self.usage = UsageCounter()
        layers = {"middleware": [self.usage], "function_invocation_configuration": {"max_iterations": MAX_TOOL_ITERATIONS}}
        if config.in_process:
            self.client = InProcessChatClient(config, **layers)
            self.embeddings = InProcessEmbeddingClient(config)
        else:
            # The framework's documented way to set retries and timeouts is a pre-configured AsyncOpenAI.
            openai_client = AsyncOpenAI(base_url=config.base_url, api_key="legion-bench-no-key",
                                        max_retries=config.max_retries, timeout=config.request_timeout_s)
            self.client = OpenAIChatCompletionClient(model=config.model, async_client=openai_client, **layers)
            self.embeddings = OpenAIEmbeddingClient(model=config.model, async_client=openai_client)
        self.knowledge = None  # the task's InMemoryCollection, while a knowledge-base task runs

    def start_tracing(self):
        """--trace: Agent Framework's built-in OpenTelemetry instrumentation (GenAI semantic conventions:
        "invoke_agent NAME", "chat MODEL", "execute_tool NAME", and the workflows' "workflow.build",
        "invoke_workflow NAME", "executor.process ID", "edge_group.process TYPE", "message.send").
        Agents name themselves only on their "invoke_agent" spans (agent_named_on): the other spans take
        the agent of the nearest enclosing span that names one (the SpanCollector's inheritance). It traces through OpenTelemetry's
        global tracer provider, so the collector becomes the global provider, and
        `enable_instrumentation()` turns the framework's spans on — the documented setup for an
        application that configures its own providers (learn.microsoft.com/agent-framework/agents/
        observability, Python; agent_framework.observability). No exporter is configured: the spans
        stay in the collector; message contents stay off (ENABLE_SENSITIVE_DATA unset)."""
        from agent_framework.observability import enable_instrumentation

        collector = legion_common.SpanCollector(own_agent=lambda span: agent_named_on(span.attributes or {})).install_globally()
        enable_instrumentation()
        return collector

    def ingest(self, scenario):
        self.knowledge = InMemoryCollection(KnowledgePage, collection_name="knowledge", embedding_generator=self.embeddings)

        async def add_all():
            await self.knowledge.ensure_collection_exists()
            pages = [KnowledgePage(key=i, text=d, embedding=d) for i, d in enumerate(scenario.documents)]
            for start in range(0, len(pages), EMBEDDING_BATCH):
                await self.knowledge.upsert(pages[start:start + EMBEDDING_BATCH])
        self.loop.run_until_complete(add_all())

    def forget_knowledge(self, scenario):
        if self.knowledge is not None:
            self.loop.run_until_complete(self.knowledge.ensure_collection_deleted())
        self.knowledge = None

    def versions(self):
        return legion_common.distribution_versions("agent-framework-core", "agent-framework-openai",
                                                   "agent-framework-orchestrations", "openai")

    def settings(self):
        if self.config.in_process:
            client = {"in-process model": "InProcessChatClient(BaseChatClient) with the function-invocation, middleware "
                                          "and telemetry layers: the framework's custom chat client, answering each "
                                          "request from the scripted model"}
        else:
            client = {"OpenAIChatCompletionClient(async_client)": "AsyncOpenAI(base_url, max_retries, timeout) (default: "
                                                                  "built from OPENAI_* variables): the benchmark's "
                                                                  "retries and timeout"}
        return client | {
            "function_invocation_configuration(max_iterations)": f"{MAX_TOOL_ITERATIONS} (default 40): the native "
                                                                 "engine's limit of model calls per turn",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "Agent(compaction_strategy=TruncationStrategy(max_n=N, compact_to=N, "
                                                   "preserve_first_user_group=True)) (default: none): at most N messages, "
                                                   "oldest first out, the first user message kept",
            "GroupChatBuilder(output_from)": '"all" (default: the orchestrator only): the participants\' answers are '
                                             "workflow outputs, so the last speaker's answer is the task's answer",
            "group chat orchestrator agent": f'Agent(instructions="{COORDINATOR_INSTRUCTIONS}", '
                                             'name="coordinator") (no default: GroupChatBuilder needs an orchestrator '
                                             "agent for a model-selected speaker)",
            "workflow per task": "a fresh workflow from the same agents for every task (default: a workflow keeps "
                                 "its conversation across runs): tasks are independent",
        }

    def agent(self, scenario, agent, tools=()):
        own = [scenario_tool(self, t) for t in scenario.tools if t.name in agent.tools]
        return Agent(self.client, agent.system_prompt, name=agent.id, description=agent.role,
                     tools=own + list(tools), context_providers=[TaskKnowledge(self)] if scenario.documents else None,
                     compaction_strategy=self.context_trimming(scenario))

    @staticmethod
    def context_trimming(scenario):
        """The framework's documented bounded context for a scenario with a context window: at most N
        messages besides the instructions, oldest dropped first, the first user message kept."""
        window = scenario.context_window
        return TruncationStrategy(max_n=window, compact_to=window, preserve_first_user_group=True) if window else None

    def agents(self, scenario, specs):
        return {a.id: self.agent(scenario, a) for a in specs}

    def job(self, scenario, build, task):
        return WorkflowJob(self, scenario, build, task)

    async def run_workflow(self, workflow, message=None, responses=None):
        """Runs (or resumes) a workflow (streamed under --stream); returns its outputs, a streamed
        run's updates joined into responses, and its pending requests."""
        if not self.config.stream:
            result = await workflow.run(message, responses=responses)
            return result.get_outputs(), result.get_request_info_events()
        stream = workflow.run(message, stream=True, responses=responses)
        async for _ in stream:
            pass
        result = await stream.get_final_response()
        outputs = result.get_outputs()
        updates = [o for o in outputs if isinstance(o, AgentResponseUpdate)]
        others = [o for o in outputs if not isinstance(o, AgentResponseUpdate)]
        return ([AgentResponse.from_updates(updates)] if updates else []) + others, result.get_request_info_events()

    async def ask(self, agent, text):
        """One run of an agent outside a workflow (streamed under --stream); its answer."""
        if not self.config.stream:
            return (await agent.run(text)).text
        stream = agent.run(text, stream=True)
        async for _ in stream:
            pass
        return (await stream.get_final_response()).text

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario):
            return [self.agent(scenario, a) for a in scenario.agents]

        async def task(agents):
            outputs, _ = await self.run_workflow(SequentialBuilder(participants=agents).build(), scenario.task)
            return last_text(output_messages(outputs), {agents[-1].name})

        return self.job(scenario, build, task)

    def hierarchical(self, scenario):
        def build(scenario):
            workers = [self.agent(scenario, a) for a in scenario.agents if a.id != scenario.manager]
            tools = [w.as_tool(name=w.name, description=w.description, arg_name="task") for w in workers]
            return self.agent(scenario, scenario.agent(scenario.manager), tools)

        async def task(manager):
            return await self.ask(manager, f"Task: {scenario.task}")

        return self.job(scenario, build, task)

    def group_chat(self, scenario, **orchestrator):
        names = {a.id for a in scenario.agents}
        text = scenario.termination_text

        def said_termination_text(conversation):
            last = conversation[-1] if conversation else None
            return bool(last and last.author_name in names and text in (last.text or ""))

        def build(scenario):
            return [self.agent(scenario, a) for a in scenario.agents]

        async def task(agents):
            # output_from="all": the participants' answers are outputs too, not only the orchestrator's
            # closing message
            workflow = GroupChatBuilder(participants=agents, termination_condition=said_termination_text,
                                        max_rounds=scenario.max_turns, output_from="all", **orchestrator).build()
            outputs, _ = await self.run_workflow(workflow, scenario.task)
            return last_text(output_messages(outputs), names)

        return self.job(scenario, build, task)

    def round_robin(self, scenario):
        def in_turn(state):
            return list(state.participants)[state.current_round % len(state.participants)]
        return self.group_chat(scenario, selection_func=in_turn)

    def selector(self, scenario):
        return self.group_chat(scenario, orchestrator_agent=lambda: Agent(
            self.client, COORDINATOR_INSTRUCTIONS, name="coordinator", description="Chooses the next speaker."))

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            return self.agents(scenario, members + [scenario.agent(scenario.moderator)])

        async def task(agents):
            voters = [agents[m.id] for m in members]
            proposals = await self.fan_out(voters, legion_common.propose_prompt(scenario, scenario.task))
            moderator = agents[scenario.moderator]

            async def decide(results):
                votes = {r.executor_id: r.agent_response.text for r in results}
                return await self.ask(moderator, legion_common.decide_prompt(scenario, scenario.task, votes))

            vote = legion_common.vote_prompt(scenario, scenario.task, proposals)
            workflow = ConcurrentBuilder(participants=voters).with_aggregator(decide).build()
            outputs, _ = await self.run_workflow(workflow, vote)
            return outputs[-1] if outputs else ""

        return self.job(scenario, build, task)

    async def fan_out(self, agents, prompt):
        """The agents' answers to one prompt, concurrently (ConcurrentBuilder's default aggregator)."""
        outputs, _ = await self.run_workflow(ConcurrentBuilder(participants=agents).build(), prompt)
        return {m.author_name: m.text for m in output_messages(outputs)}

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            return self.agents(scenario, proposers + [scenario.agent(scenario.aggregator)])

        async def task(agents):
            aggregator = agents[scenario.aggregator]

            async def aggregate(results):
                proposals = {r.executor_id: r.agent_response.text for r in results}
                return await self.ask(aggregator, legion_common.aggregate_prompt(scenario, scenario.task, proposals))

            workflow = ConcurrentBuilder(participants=[agents[p.id] for p in proposers]).with_aggregator(aggregate).build()
            outputs, _ = await self.run_workflow(workflow, legion_common.propose_prompt(scenario, scenario.task))
            return outputs[-1] if outputs else ""

        return self.job(scenario, build, task)

    def human_review(self, scenario):
        def build(scenario):
            return self.agent(scenario, scenario.agents[0])

        async def task(agent):
            workflow = SequentialBuilder(participants=[agent]).with_request_info(agents=[agent]).build()
            outputs, requests = await self.run_workflow(workflow, scenario.task)
            while requests:
                responses = {}
                for request in requests:
                    answer = request.data.agent_response.text
                    feedback = await asyncio.to_thread(scenario.ask_human, answer)
                    responses[request.request_id] = (AgentRequestInfoResponse.from_strings([feedback]) if feedback
                                                     else AgentRequestInfoResponse.approve())
                outputs, requests = await self.run_workflow(workflow, responses=responses)
            return last_text(output_messages(outputs), {agent.name})

        return self.job(scenario, build, task)


def create():
    return AgentFrameworkAdapter()
