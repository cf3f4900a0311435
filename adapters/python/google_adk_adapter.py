"""Google ADK (google-adk) agents, composed the ways ADK 2.x documents.

Every agent is a `google.adk.Agent` (LlmAgent) whose model is `LiteLlm(model="openai/<name>",
api_base=<model server>)`: ADK Python's documented route to an OpenAI-compatible Chat Completions
endpoint ("LiteLLM model connector for ADK agents"; the OpenAI page sends Python users there).
Everything runs through a `Runner` over one `InMemorySessionService`, on the adapter's one event
loop (`Runner.run_async`). Patterns (docs/adapters.md has the table with the sections read):
  sequential    a graph `Workflow` START -> agent -> hand-on -> agent ...; each hand-on is a function
                node giving the next agent the task (from session state) and the previous output
  hierarchical  a coordinator Agent whose workers are `sub_agents` in mode="single_turn": ADK turns
                each into a delegation tool named after it and runs it inline in the coordinator's
                invocation ("Build collaborative agent teams"; ADK's own advice over AgentTool)
  round-robin   a `LoopAgent` over the speakers, each followed by a check agent that escalates on
                the termination text or at max turns ("Multi-agent workflow patterns: Iterative
                refinement"); the speakers share the session, so each sees the conversation
  selector      the same loop, each round a selector Agent naming the next speaker (its reply kept
                in session state by output_key) and a custom agent running that speaker
  consensus     a graph `Workflow` fan-out/fan-in: the members' proposal nodes, a JoinNode, the
                vote prompt, the members' vote nodes, a JoinNode, the moderator
  human-review  one Agent's session: the person's reply is the next user message of that session,
                until an empty reply approves
  mixture       a graph `Workflow`: the proposers' nodes, a JoinNode, the aggregator
In the in-process mode (--systems google-adk@in-process) every agent's model is `InProcessLlm`, a
custom `BaseLlm` passed as the agent's model, answered over the worker's pipe; everything else is
unchanged.
A task with a knowledge base: its pages are added to an `InMemoryMemoryService` (ADK's local
memory: ranked keyword matching, no embeddings) and the agent gets the `preload_memory` tool,
which searches it with the user's message before each model request.

Calls and tokens are ADK's own: the `usage_metadata` of every model-response event the runner
yields (prompt_token_count, candidates_token_count). N concurrent copies share the built agents,
workflows and runners (they hold no per-run state: a run's state is its session).
"""

import asyncio
import json
import math
import uuid

import legion_common
from legion_common import FrameworkAdapter, Tally

from google.adk import Agent, Event, Workflow
from google.adk.agents import BaseAgent, LoopAgent
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.events import EventActions
from google.adk.memory import InMemoryMemoryService
from google.adk.models import LlmCapabilities
from google.adk.models.base_llm import BaseLlm
from google.adk.models.lite_llm import LiteLlm
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.adk.tools.base_tool import BaseTool
from google.adk.tools.preload_memory_tool import PreloadMemoryTool
from google.adk.workflow import FunctionNode, JoinNode
from google.genai import types

# LiteLlm imports LiteLLM lazily, on the first model request; importing it here (after offline.py
# switched its downloads off) puts its seconds in the cold start's import part, not in the first task.
import litellm  # noqa: F401,E402

APP = "legion"
USER = "legion"


def user_message(text):
    return types.Content(role="user", parts=[types.Part(text=text)])


def text_of(event):
    """The text of a model-response event, or None."""
    if event.content is None or not event.content.parts:
        return None
    texts = [part.text for part in event.content.parts if part.text and not part.thought]
    return "".join(texts) if texts else None


class ScenarioTool(BaseTool):
    """A scenario tool: a custom ADK tool (BaseTool) declaring the scenario's JSON Schema and
    running the task's own tool code."""

    def __init__(self, adapter, spec):
        super().__init__(name=spec.name, description=spec.description)
        self.adapter, self.spec = adapter, spec

    def _get_declaration(self):
        return types.FunctionDeclaration(name=self.spec.name, description=self.spec.description,
                                         parameters_json_schema=self.spec.parameters)

    async def run_async(self, *, args, tool_context):
        arguments = {k: v for k, v in (args or {}).items() if v is not None}
        return self.adapter.scenario.run_tool(self.spec.name, arguments)


# ---------------------------------------------------------------- the in-process mode's model

FINISH_REASONS = {"stop": types.FinishReason.STOP, "tool_calls": types.FinishReason.STOP,
                  "length": types.FinishReason.MAX_TOKENS, "content_filter": types.FinishReason.SAFETY}


class InProcessLlm(BaseLlm):
    """The in-process mode's model: a custom ADK model, a `BaseLlm` subclass implementing
    `generate_content_async` (google.adk.models.base_llm), given to each Agent as its model instance.
    It converts the LlmRequest (google.genai Contents, the system instruction, the tools'
    FunctionDeclarations) to a Chat Completions request the way the HTTP route's LiteLlm does, hands
    it to the scripted model over the worker's pipe, and yields one LlmResponse (text and
    FunctionCall parts, usage_metadata from the answer's usage)."""

    chat: legion_common.InProcessChat

    @property
    def capabilities(self):
        # Declared outright, as BaseLlm.capabilities asks of a direct subclass: no response schema is
        # converted, so no output schema beside tools.
        return LlmCapabilities(output_schema_and_tools=False)

    async def generate_content_async(self, llm_request, stream=False):
        # The same fill-in user contents LiteLlm adds before converting (BaseLlm's own helper).
        self._maybe_append_user_content(llm_request)
        config = llm_request.config
        messages = [message for content in llm_request.contents for message in chat_messages(content)]
        system = system_text(config.system_instruction) if config else None
        if system:
            messages.insert(0, {"role": "system", "content": system})
        fields = {}
        mode = config.tool_config.function_calling_config.mode if (
            config and config.tool_config and config.tool_config.function_calling_config) else None
        if mode == types.FunctionCallingConfigMode.ANY:
            fields["tool_choice"] = "required"
        elif mode == types.FunctionCallingConfigMode.NONE:
            fields["tool_choice"] = "none"
        tools = chat_tools(config)
        # The scripted model answers at once: the pipe's round trip is the whole wait.
        answer = self.chat.complete(messages, tools=tools, **(fields if tools else {}))
        choice = answer["choices"][0]
        yield LlmResponse(content=model_content(choice["message"]),
                          finish_reason=FINISH_REASONS.get(choice.get("finish_reason") or "stop",
                                                           types.FinishReason.OTHER),
                          usage_metadata=types.GenerateContentResponseUsageMetadata(
                              prompt_token_count=answer["usage"]["prompt_tokens"],
                              candidates_token_count=answer["usage"]["completion_tokens"],
                              total_token_count=answer["usage"].get("total_tokens")),
                          model_version=answer.get("model"))


def system_text(instruction):
    if isinstance(instruction, types.Content):
        return "\n".join(part.text for part in instruction.parts or [] if part.text) or None
    return instruction or None


def as_json(value):
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def chat_messages(content):
    """One Content as Chat Completions messages: each FunctionResponse a `tool` message (by its call's
    id), text of the user a user message (one string, or text blocks when there are several parts),
    the model's text and FunctionCalls an assistant message with tool_calls."""
    parts = content.parts or []
    messages = [{"role": "tool", "tool_call_id": part.function_response.id or "",
                 "content": as_json(part.function_response.response)} for part in parts if part.function_response]
    texts = [part.text for part in parts if part.text and not part.thought and not part.function_response]
    if content.role != "model":
        if texts:
            messages.append({"role": "user", "content": texts[0] if len(texts) == 1 else
                             [{"type": "text", "text": text} for text in texts]})
        return messages
    calls = [{"type": "function", "id": part.function_call.id or "",
              "function": {"name": part.function_call.name, "arguments": as_json(part.function_call.args or {})}}
             for part in parts if part.function_call]
    if texts or calls:
        message = {"role": "assistant", "content": "\n".join(texts) if texts else None}
        if calls:
            message["tool_calls"] = calls
        messages.append(message)
    return messages


def chat_tools(config):
    """The request's FunctionDeclarations as Chat Completions tools (JSON Schema parameters, given
    as such or from a google.genai Schema)."""
    tools = []
    for tool in (config.tools or []) if config else []:
        for declaration in getattr(tool, "function_declarations", None) or []:
            if declaration.parameters_json_schema is not None:
                parameters = declaration.parameters_json_schema
            elif declaration.parameters is not None:
                parameters = declaration.parameters.json_schema.model_dump(mode="json", exclude_none=True)
            else:
                parameters = {"type": "object", "properties": {}}
            tools.append(legion_common.openai_tool(declaration.name, declaration.description, parameters))
    return tools or None


def model_content(message):
    """The answer's message as the model's Content: its text, then one FunctionCall per tool call."""
    parts = [types.Part.from_text(text=message["content"])] if message.get("content") else []
    for call in message.get("tool_calls") or []:
        part = types.Part.from_function_call(name=call["function"]["name"],
                                             args=json.loads(call["function"]["arguments"] or "{}"))
        part.function_call.id = call["id"]
        parts.append(part)
    return types.Content(role="model", parts=parts)


class EndOfTurnCheck(BaseAgent):
    """The loop's checking agent (ADK's iterative-refinement pattern): after each turn it counts the
    turn and escalates, ending the LoopAgent, on the termination text or at max turns."""

    termination_text: str
    max_turns: int

    async def _run_async_impl(self, ctx):
        turns = ctx.session.state.get("turns", 0) + 1
        last = ctx.session.state.get("last_turn", "")
        done = self.termination_text in last or turns >= self.max_turns
        yield Event(author=self.name, invocation_id=ctx.invocation_id,
                    actions=EventActions(state_delta={"turns": turns}, escalate=done))


class SelectedSpeaker(BaseAgent):
    """A custom agent (ADK: "dynamic agent selection") running the sub-agent the selector named in
    session state."""

    async def _run_async_impl(self, ctx):
        choice = str(ctx.session.state.get("next_speaker", "")).strip().strip("\"'.")
        speaker = next((a for a in self.sub_agents if a.name == choice), None)
        if speaker is None:
            raise RuntimeError(f"the selector named no candidate: {choice!r}")
        async for event in speaker.run_async(ctx):
            yield event


class TimedMemoryService(InMemoryMemoryService):
    """ADK's in-memory memory service, each search timed into the task's retrieval time."""

    def __init__(self, adapter):
        super().__init__()
        self.adapter = adapter

    async def search_memory(self, **query):
        with self.adapter.retrieving():
            return await super().search_memory(**query)


class GoogleADKAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # one loop for the process: the HTTP client is bound to it
        self.tally = Tally()
        self.sessions = InMemorySessionService()
        self.memory = TimedMemoryService(self)
        self.run_config = RunConfig(streaming_mode=StreamingMode.SSE if config.stream else StreamingMode.NONE)
        self.knowledge_user = None  # the user whose memory holds the running task's knowledge base
        if config.in_process:
            self.model = InProcessLlm(model=config.model, chat=legion_common.InProcessChat(config))
            return
        # ADK Python's documented route to an OpenAI-compatible server: LiteLLM's "openai/" provider
        # with api_base. Retries and timeout as for every system.
        self.model = LiteLlm(model=f"openai/{config.model}", api_base=config.base_url,
                             api_key="legion-bench-no-key", max_retries=config.max_retries,
                             timeout=config.request_timeout_s)

    def start_tracing(self):
        """--trace: ADK's built-in OpenTelemetry tracing (GenAI semantic conventions: "invoke_agent
        NAME", "generate_content MODEL", "execute_tool NAME", and the graph workflows'
        "invoke_workflow NAME", "invoke_node NAME"; each agent's spans carry gen_ai.agent.name). ADK
        traces through OpenTelemetry's global tracer provider (its tracer "gcp.vertex.agent",
        google/adk/telemetry/tracing.py), so the collector becomes the global provider, as Google's
        "Instrument ADK applications with OpenTelemetry" (cloud.google.com/stackdriver/docs/
        instrumentation/ai-agent-adk) sets up its own providers before the agent runs. No exporter
        is configured: the spans stay in the collector."""
        return legion_common.SpanCollector().install_globally()

    def versions(self):
        return legion_common.distribution_versions("google-adk", "google-genai", "litellm", "openai")

    def settings(self):
        if self.config.in_process:
            model = {"in-process model": "InProcessLlm(BaseLlm): ADK's custom model (a BaseLlm subclass with "
                                         "generate_content_async) as each Agent's model instance; the LlmRequest's "
                                         "Contents, system instruction and FunctionDeclarations become a Chat "
                                         "Completions request as LiteLlm builds it, the answer an LlmResponse with "
                                         "usage_metadata"}
        else:
            model = {
                "LiteLlm(model=\"openai/<model>\", api_base)": "the model server through LiteLLM's OpenAI-compatible "
                                                               "provider (ADK Python's documented route to such a "
                                                               "server; default: Gemini through google-genai)",
                "LiteLlm(max_retries, timeout)": "the runner's --max-retries and request timeout (default: LiteLLM's), "
                                                 "as for every system"}
        return {
            **model,
            "LITELLM_LOCAL_MODEL_COST_MAP / LITELLM_OFFLINE_MODE": "True (default: LiteLLM downloads its model cost "
                                                                   "map and catalogues at import): nothing may be "
                                                                   "fetched during a run",
            "LITELLM_MODE": "PRODUCTION (default DEV): LiteLLM loads no .env file from the working directory",
            "LoopAgent": "deprecated in google-adk 2.x in favour of Workflow, used for the group chats: a Workflow's "
                         "agent nodes are single-turn (each sees its node input only), a LoopAgent's agents share the "
                         "session's conversation",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "before_model_callback keeping the request's last N contents, "
                                                   "starting at a user content (default: none)",
        }

    # ------------------------------------------------------------------ building blocks

    def agent(self, scenario, agent, name=None, **options):
        tools = [ScenarioTool(self, t) for t in scenario.tools if t.name in agent.tools]
        if scenario.documents:
            tools.append(PreloadMemoryTool())
        if scenario.context_window:
            options["before_model_callback"] = self.trimming(scenario.context_window)
        return Agent(name=name or agent.id, model=self.model, instruction=agent.system_prompt, tools=tools, **options)

    @staticmethod
    def trimming(window):
        """A before_model_callback (ADK's documented hook for changing a request) keeping the last
        `window` contents, starting at a user content so that the request stays well formed."""
        def keep_last(callback_context, llm_request):
            contents = llm_request.contents
            if len(contents) > window:
                kept = contents[-window:]
                while len(kept) > 1 and kept[0].role != "user":
                    kept = kept[1:]
                llm_request.contents = kept
            return None
        return keep_last

    def runner(self, root):
        if isinstance(root, Workflow):
            return Runner(app_name=APP, node=root, session_service=self.sessions, memory_service=self.memory)
        return Runner(app_name=APP, agent=root, session_service=self.sessions, memory_service=self.memory)

    async def new_session(self, **state):
        return (await self.sessions.create_session(app_name=APP, user_id=self.user(), state=state)).id

    def user(self):
        return self.knowledge_user or USER

    async def send(self, runner, session_id, text):
        """One Runner.run_async with `text` as the user's message; every model response's usage goes
        into the task's tally. Returns the last text a model answered."""
        answer = ""
        async for event in runner.run_async(user_id=self.user(), session_id=session_id,
                                            new_message=user_message(text), run_config=self.run_config):
            if event.partial:
                continue
            usage = event.usage_metadata
            if usage is not None:
                self.tally.calls += 1
                self.tally.add_usage(usage.prompt_token_count, usage.candidates_token_count)
            text_out = text_of(event)
            if text_out is not None and event.author != "user":
                answer = text_out
        return answer

    async def send_new(self, runner, text, **state):
        """`text` sent in a session of its own (with `state`), dropped afterwards."""
        session_id = await self.new_session(**state)
        try:
            return await self.send(runner, session_id, text)
        finally:
            await self.sessions.delete_session(app_name=APP, user_id=self.user(), session_id=session_id)

    def job(self, scenario, build, task):
        return legion_common.SharedAgentsJob(self, scenario, build, task)

    # ------------------------------------------------------------------ knowledge base

    def ingest(self, scenario):
        self.knowledge_user = f"knowledge-{uuid.uuid4().hex}"
        events = [Event(author="knowledge_base", content=types.Content(role="user", parts=[types.Part(text=page)]))
                  for page in scenario.documents]
        self.loop.run_until_complete(self.memory.add_events_to_memory(app_name=APP, user_id=self.knowledge_user,
                                                                      events=events))
        self.knowledge_ids = [event.id for event in events]

    def forget_knowledge(self, scenario):
        async def forget():
            for memory_id in self.knowledge_ids:
                await self.memory.delete_memory(app_name=APP, user_id=self.knowledge_user, memory_id=memory_id)
        self.loop.run_until_complete(forget())
        self.knowledge_user = None

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario):
            chain = []
            for previous, agent in zip([None] + list(scenario.agents), scenario.agents):
                if previous is not None:
                    chain.append(self.hand_on(previous.id))
                chain.append(self.agent(scenario, agent))
            return self.runner(Workflow(name="sequence", edges=[("START", *chain)]))

        async def task(runner):
            return await self.send_new(runner, f"Task: {scenario.task}", task=scenario.task)

        return self.job(scenario, build, task)

    @staticmethod
    def hand_on(author):
        """A function node between two agents: the next one gets the task (session state) and the
        previous agent's output (its node input)."""
        def hand_on(node_input: str, task: str):
            return f"Task: {task}\n\nInput from {author}:\n{node_input}"
        return FunctionNode(func=hand_on, name=f"from_{author}")

    def hierarchical(self, scenario):
        def build(scenario):
            workers = [self.agent(scenario, a, mode="single_turn",
                                  description=f"Hand a sub-task to {a.role} and get the result.")
                       for a in scenario.agents if a.id != scenario.manager]
            return self.runner(self.agent(scenario, scenario.agent(scenario.manager), sub_agents=workers))

        async def task(runner):
            return await self.send_new(runner, f"Task: {scenario.task}")

        return self.job(scenario, build, task)

    def group_chat(self, scenario, select):
        def check(after):
            return EndOfTurnCheck(name=f"check_after_{after}", termination_text=scenario.termination_text,
                                  max_turns=scenario.max_turns)

        def build(scenario):
            speakers = [self.agent(scenario, a, output_key="last_turn") for a in scenario.agents]
            if select:
                selector = Agent(name="selector", model=self.model, instruction=legion_common.selector_prompt(scenario),
                                 output_key="next_speaker")
                rounds = [selector, SelectedSpeaker(name="speaker", sub_agents=speakers), check("speaker")]
                iterations = scenario.max_turns
            else:
                rounds = [agent for speaker in speakers for agent in (speaker, check(speaker.name))]
                iterations = math.ceil(scenario.max_turns / len(speakers))
            return self.runner(LoopAgent(name="group_chat", sub_agents=rounds, max_iterations=iterations))

        async def task(runner):
            return await self.send_new(runner, scenario.task)

        return self.job(scenario, build, task)

    def round_robin(self, scenario):
        return self.group_chat(scenario, select=False)

    def selector(self, scenario):
        return self.group_chat(scenario, select=True)

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            proposers = [self.agent(scenario, m, name=f"{m.id}_proposal") for m in members]
            voters = [self.agent(scenario, m, name=f"{m.id}_vote") for m in members]
            moderator = self.agent(scenario, scenario.agent(scenario.moderator))

            def by_member(outputs, suffix):
                return {name.removesuffix(suffix): text for name, text in outputs.items()}

            def vote(node_input: dict, task: str):
                return legion_common.vote_prompt(scenario, task, by_member(node_input, "_proposal"))

            def decide(node_input: dict, task: str):
                return legion_common.decide_prompt(scenario, task, by_member(node_input, "_vote"))

            def propose(node_input: str, task: str):
                return legion_common.propose_prompt(scenario, task)

            start = FunctionNode(func=propose, name="propose")
            proposals, votes = JoinNode(name="proposals"), JoinNode(name="votes")
            to_vote, to_decide = FunctionNode(func=vote, name="to_vote"), FunctionNode(func=decide, name="to_decide")
            # Fan-out and join (ADK: "Parallel tasks: fan out and join paths"): each member's node between
            # the prompt and a JoinNode, which hands on the outputs by node name.
            edges = [("START", start)] + [(start, p, proposals) for p in proposers] + [(proposals, to_vote)]
            edges += [(to_vote, v, votes) for v in voters] + [(votes, to_decide, moderator)]
            return self.runner(Workflow(name="consensus", edges=edges))

        async def task(runner):
            return await self.send_new(runner, scenario.task, task=scenario.task)

        return self.job(scenario, build, task)

    def human_review(self, scenario):
        def build(scenario):
            return self.runner(self.agent(scenario, scenario.agents[0]))

        async def task(runner):
            session_id = await self.new_session()
            try:
                answer = await self.send(runner, session_id, f"Task: {scenario.task}")
                for _ in range(scenario.max_turns):
                    # The person answers off the event loop, as a real one would.
                    feedback = await asyncio.to_thread(scenario.ask_human, answer)
                    if not feedback:
                        break
                    answer = await self.send(runner, session_id, feedback)
                return answer
            finally:
                await self.sessions.delete_session(app_name=APP, user_id=self.user(), session_id=session_id)

        return self.job(scenario, build, task)

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            agents = [self.agent(scenario, p) for p in proposers]
            aggregator = self.agent(scenario, scenario.agent(scenario.aggregator))

            def propose(node_input: str, task: str):
                return legion_common.propose_prompt(scenario, task)

            def aggregate(node_input: dict, task: str):
                return legion_common.aggregate_prompt(scenario, task, {k: str(v) for k, v in node_input.items()})

            start = FunctionNode(func=propose, name="propose")
            proposals = JoinNode(name="proposals")
            to_aggregate = FunctionNode(func=aggregate, name="to_aggregate")
            edges = [("START", start)] + [(start, a, proposals) for a in agents] + [(proposals, to_aggregate, aggregator)]
            return self.runner(Workflow(name="mixture", edges=edges))

        async def task(runner):
            return await self.send_new(runner, scenario.task, task=scenario.task)

        return self.job(scenario, build, task)


def create():
    return GoogleADKAdapter()
