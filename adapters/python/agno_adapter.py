"""Agno teams and workflows.

Every agent is an `agno.agent.Agent` (its instructions are the scenario agent's system prompt) over
one `OpenAILike` model, Agno's documented class for an OpenAI-compatible server ("OpenAI-compatible
models": OpenAIChat's Chat Completions client with a base URL), pointed at the model server.
Patterns, each through Agno's own construct (docs/adapters.md has the table):
  sequential    a Workflow of Steps, one per agent; each step's custom function runs its agent on the
                task and the previous step's output (`step_input.input`, `previous_step_content`):
                an agent step alone would get the previous output only, without the task
  hierarchical  a Team in coordinate mode: the leader (the manager) hands sub-tasks to its members
                with its `delegate_task_to_member` tool and writes the answer
  round-robin   a Workflow Loop over one step per agent, every step's agent running on the shared
                transcript (the workflow's session_state); a step whose answer carries the
                termination text, or the last of max_turns, stops the workflow (StepOutput(stop=True))
  selector      a Workflow Loop over a Router whose selector asks a selector agent ("Select the next
                speaker ...") and returns that agent's step, one turn per iteration (max_iterations:
                the max turns); the turn that carries the termination text stops the workflow
  consensus     a Workflow of two Parallel blocks (each member's proposal, then each member's vote
                over the proposals) and the moderator's step
  human-review  a Workflow step with HumanReview(requires_output_review=True, on_reject=retry): the
                run pauses after the agent's answer; the scripted person's feedback rejects it
                (StepRequirement.reject(feedback)) and Agno reruns the step with its previous output
                and the feedback; an empty reply confirms it
  mixture       a Workflow of one Parallel block (the proposers) and the aggregator's step
Scenario tools are Agno `Function`s with the scenario's JSON Schema, calling the task's own tool code.
In the in-process mode (`config.in_process`) the model is `InProcessModel`, a custom Agno `Model`,
and the knowledge base's embedder `InProcessEmbedder`, both answered by `InProcessChat` over the pipe.

Calls and tokens are Agno's own: every run's RunOutput.metrics (input and output tokens) and the
model responses it holds (assistant messages of the run), a team's members' runs added as Agno's
session metrics add them (`member_responses`, recursively). Telemetry is off (AGNO_TELEMETRY=false,
offline.py). N concurrent copies (--concurrency N) run `arun` under asyncio.gather on the adapter's
one event loop, each copy with its own team or workflow, all over the one model client.
"""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import legion
import legion_common
from legion_common import FrameworkAdapter, Tally

from agno.agent import Agent
from agno.db.in_memory import InMemoryDb
from agno.exceptions import ModelProviderError
from agno.metrics import MessageMetrics
from agno.models.base import Model
from agno.models.message import Message
from agno.models.response import ModelResponse
from agno.run.agent import RunOutput
from agno.run.base import RunStatus
from agno.run.team import TeamRunOutput
from agno.team import Team
from agno.team.mode import TeamMode
from agno.tools.function import Function
from agno.workflow import Loop, Parallel, Router, Step, StepInput, StepOutput, Workflow
from agno.workflow.types import HumanReview, OnReject

# Agno's default of 10 model calls per team run (Team.max_iterations) would stop a manager of 20
# workers; 25 is the native engine's limit of model calls per agent turn.
MAX_ITERATIONS = 25
EMBEDDING_DIMENSIONS = 256  # the model server's embeddings
EMBEDDING_BATCH = 1000      # documents per embedding request, as the native engine batches them


@dataclass
class InProcessModel(Model):
    """The in-process mode's model: a custom Agno `Model`, as each of Agno's providers subclasses it
    (invoke/ainvoke and their stream forms, parsing the provider's answer into a ModelResponse with
    its usage). It sends what OpenAILike sends (the messages in Chat Completions' form, with
    OpenAILike's role names, and Agno's tool definitions as they are) to `InProcessChat.complete`
    instead of the OpenAI client, and turns the answer (text or tool calls, and the usage) back."""

    id: str = "legion-bench"
    name: str = "InProcessModel"
    provider: str = "legion-bench"
    chat: Any = None  # legion_common.InProcessChat

    @staticmethod
    def request_message(message: Message):
        """A Message as OpenAILike's _format_message writes a text one."""
        request = {"role": message.role, "content": message.get_content() or ""}
        for field in ("name", "tool_call_id"):
            if getattr(message, field) is not None:
                request[field] = getattr(message, field)
        if message.tool_calls:
            request["tool_calls"] = message.tool_calls
        return request

    def invoke(self, messages: List[Message], assistant_message: Message, response_format=None, tools=None,
               tool_choice=None, run_response=None, compress_tool_results: bool = False) -> ModelResponse:
        assistant_message.metrics.start_timer()
        fields = {"tool_choice": tool_choice} if tools and tool_choice is not None else {}
        try:
            answer = self.chat.complete([self.request_message(m) for m in messages], tools=tools, **fields)
        except legion.ModelError as e:
            raise ModelProviderError(message=str(e), status_code=e.status, model_name=self.name, model_id=self.id) from e
        assistant_message.metrics.stop_timer()
        return self._parse_provider_response(answer)

    async def ainvoke(self, *args, **kwargs) -> ModelResponse:
        # The pipe answers at once (the scripted model, no latency): nothing to await.
        return self.invoke(*args, **kwargs)

    def invoke_stream(self, *args, **kwargs):
        # No streaming in the in-process mode: the whole answer is the one chunk.
        yield self.invoke(*args, **kwargs)

    async def ainvoke_stream(self, *args, **kwargs):
        yield self.invoke(*args, **kwargs)

    def _parse_provider_response(self, response: Any, **kwargs) -> ModelResponse:
        message = response["choices"][0]["message"]
        parsed = ModelResponse(role=message.get("role") or "assistant", content=message.get("content"))
        if message.get("tool_calls"):
            parsed.tool_calls = [dict(call) for call in message["tool_calls"]]
        usage = response.get("usage")
        if usage:
            parsed.response_usage = MessageMetrics(input_tokens=usage.get("prompt_tokens") or 0,
                                                   output_tokens=usage.get("completion_tokens") or 0,
                                                   total_tokens=usage.get("total_tokens") or 0)
        return parsed

    def _parse_provider_response_delta(self, response: Any) -> ModelResponse:
        return self._parse_provider_response(response)


def in_process_embedder():
    """The in-process mode's embedder: Agno's `Embedder` base class subclassed, as each of its
    embedders is, its vectors from `InProcessChat.embed` (batched like OpenAIEmbedder's)."""
    from agno.knowledge.embedder.base import Embedder

    @dataclass
    class InProcessEmbedder(Embedder):
        chat: Any = None

        def get_embedding_and_usage(self, text: str) -> Tuple[List[float], Optional[dict]]:
            return self.chat.embed([text])[0], None

        def get_embedding(self, text: str) -> List[float]:
            return self.get_embedding_and_usage(text)[0]

        async def async_get_embedding_and_usage(self, text: str):
            return self.get_embedding_and_usage(text)

        async def async_get_embedding(self, text: str) -> List[float]:
            return self.get_embedding(text)

        async def async_get_embeddings_batch_and_usage(self, texts: List[str]):
            vectors = []
            for start in range(0, len(texts), self.batch_size):
                vectors += self.chat.embed(texts[start:start + self.batch_size])
            return vectors, [None] * len(vectors)

    return InProcessEmbedder


def transcript(task, turns, me=None):
    """The conversation as one speaker sees it: the task and the others' turns as user messages, its
    own turns as its answers."""
    messages = [Message(role="user", content=task)]
    for author, text in turns:
        if author == me:
            messages.append(Message(role="assistant", content=text))
        else:
            messages.append(Message(role="user", content=f"{author}: {text}"))
    return messages


def model_responses(run):
    """The assistant messages the model produced in an Agno run: those of its messages that came
    neither from history nor with the run's input (a transcript given as input holds answers too)."""
    given = run.input.input_content if run.input is not None else None
    given_ids = {getattr(m, "id", None) for m in given} if isinstance(given, list) else set()
    return [m for m in run.messages or [] if m.role == "assistant" and not m.from_history and m.id not in given_ids]


class AgnoAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # one loop for the process: the HTTP client is bound to it
        self.tally = Tally()
        if config.in_process:
            self.model = InProcessModel(id=config.model, chat=legion_common.InProcessChat(config))
        else:
            # Imported here: the in-process mode loads no HTTP client.
            from agno.models.openai.like import OpenAILike

            # Agno's documented model for an OpenAI-compatible server; the OpenAI client's own retries
            # and timeout are the runner's, as for every system.
            self.model = OpenAILike(id=config.model, base_url=config.base_url, api_key="legion-bench-no-key",
                                    max_retries=config.max_retries, timeout=config.request_timeout_s)
        self.knowledge = None  # the knowledge base, made by the first task that brings one

    def start_tracing(self):
        """--trace: Agno's own spans through OpenTelemetry, the route of Agno's tracing docs
        (docs.agno.com/basics/tracing/overview; agno.tracing.setup_tracing does the same): the
        OpenInference agno instrumentor, here writing to the collector's tracer provider instead of
        setup_tracing's database exporter. Its spans: "NAME.arun" for each agent's and team's run (the
        name in `agent.name`), "MODEL.ainvoke" per model call, the tool's name per tool call (a team
        leader's `delegate_task_to_member` among them), "NAME.arun" of each workflow and step. Nothing
        is imported unless --trace is given."""
        from openinference.instrumentation.agno import AgnoInstrumentor

        collector = legion_common.SpanCollector(own_agent=lambda span: span.attributes.get("agent.name"))
        AgnoInstrumentor().instrument(tracer_provider=collector.provider)
        return collector

    def versions(self):
        return legion_common.distribution_versions("agno", "openai")

    def settings(self):
        in_process = {"in-process model": "InProcessModel(agno.models.base.Model) and InProcessEmbedder("
                      "agno.knowledge.embedder.base.Embedder): Agno's own extension points for a model provider "
                      "and an embedder, answered by the scripted model over the pipe instead of the OpenAI client"
                      } if self.config.in_process else {}
        client = {} if self.config.in_process else {
            "OpenAILike(base_url)": "the model server (default: OpenAI's API), through Agno's class for "
                                    "OpenAI-compatible servers (OpenAIChat's Chat Completions client)",
            "OpenAILike(max_retries, timeout)": "the runner's --max-retries and request timeout (default: the "
                                                "OpenAI SDK's 2 retries, 600 s), as for every system",
        }
        return in_process | client | {
            "AGNO_TELEMETRY": "false (default: on): Agno sends anonymous usage data of every agent, team and "
                              "workflow run to its API",
            "Team(max_iterations)": f"{MAX_ITERATIONS} (default 10): a manager delegating to 20 workers needs more "
                                    "model calls than 10; the native engine's limit",
            "Function(skip_entrypoint_processing)": "True (default False): a scenario tool's schema is the "
                                                    "scenario's JSON Schema, not one Agno infers from a signature",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "Agent(pre_hooks=[keep the first message (the task) and the last "
                                                   "N of the run's input]) (default: none): Agno's input "
                                                   "transformation pre-hook",
        }

    # ------------------------------------------------------------------ building blocks

    def tool(self, spec):
        def call(**arguments):
            return self.scenario.run_tool(spec.name, {k: v for k, v in arguments.items() if v is not None})
        return Function(name=spec.name, description=spec.description, parameters=spec.parameters,
                        entrypoint=call, skip_entrypoint_processing=True)

    def agent(self, scenario, agent, pre_hooks=None, member=False):
        """An Agno Agent for the scenario's agent. Only a team member gets Agno's `role` field (the
        leader's roster shows it): elsewhere it would repeat, in a <your_role> block of the system
        message, the role its instructions already state."""
        tools = [self.tool(t) for t in scenario.tools if t.name in agent.tools]
        # A task with a knowledge base: Agno's "traditional RAG" (add_knowledge_to_context, no search
        # tool): the top_k documents most similar to the run's input go into its user message.
        knowledge = {"knowledge": self.knowledge_base(scenario), "search_knowledge": False,
                     "add_knowledge_to_context": True} if scenario.documents else {}
        return Agent(name=agent.id, id=agent.id, role=agent.role if member else None, model=self.model,
                     instructions=agent.system_prompt, tools=tools, pre_hooks=pre_hooks, **knowledge)

    @staticmethod
    def trimming(window):
        """A pre-hook (Agno's documented place to transform a run's input before the model sees it)
        keeping the first message of the transcript (the task) and the last `window`."""
        def keep_last(run_input):
            messages = run_input.input_content
            if isinstance(messages, list) and len(messages) > window + 1:
                run_input.input_content = messages[:1] + messages[-window:]
        return [keep_last]

    # ------------------------------------------------------------------ knowledge base

    def knowledge_base(self, scenario):
        """Agno's Knowledge over a Qdrant collection kept in memory (QdrantClient(":memory:")), its
        embeddings from the model server through OpenAIEmbedder(base_url); filled per task (ingest),
        emptied after it. One for the worker: a knowledge-base task runs one at a time."""
        if self.knowledge is None:
            # Imported here: the vector store's client (and numpy) is loaded only by a worker that needs it.
            from agno.knowledge.embedder.openai import OpenAIEmbedder
            from agno.knowledge.knowledge import Knowledge
            from agno.vectordb.qdrant import Qdrant

            if self.config.in_process:
                embedder = in_process_embedder()(chat=legion_common.InProcessChat(self.config), dimensions=EMBEDDING_DIMENSIONS,
                                                 enable_batch=True, batch_size=EMBEDDING_BATCH)
            else:
                embedder = OpenAIEmbedder(id=self.config.model, base_url=self.config.base_url, api_key="legion-bench-no-key",
                                          dimensions=EMBEDDING_DIMENSIONS, enable_batch=True, batch_size=EMBEDDING_BATCH)
            self.knowledge = Knowledge(vector_db=Qdrant(collection="legion-knowledge", location=":memory:",
                                                        embedder=embedder))
        self.knowledge.max_results = scenario.top_k
        return self.knowledge

    def ingest(self, scenario):
        knowledge = self.knowledge_base(scenario)
        store = knowledge.vector_db

        async def fill():
            # Agno's async path throughout: an in-memory Qdrant's sync and async clients are two stores.
            await store.async_create()
            await knowledge.ainsert_many(text_contents=list(scenario.documents))
            # Agno logs a document it failed to insert and goes on: a short store fails the task here.
            stored = (await store.async_client.count(collection_name=store.collection, exact=True)).count
            if stored != len(scenario.documents):
                raise RuntimeError(f"the knowledge base holds {stored} of {len(scenario.documents)} documents")
        self.loop.run_until_complete(fill())

    def forget_knowledge(self, scenario):
        self.loop.run_until_complete(self.knowledge.vector_db.async_drop())

    # ------------------------------------------------------------------ calls and tokens

    def count(self, run):
        """Adds one Agno run (an agent's or a team's) to the task's tally: its own model responses and
        metrics, then its members' runs (a team's delegations), as Agno's session metrics add them."""
        self.tally.calls += len(model_responses(run))
        for references in getattr(run, "references", None) or []:  # Agno times each retrieval it makes
            self.retrieval_ns = getattr(self, "retrieval_ns", 0) + int((references.time or 0) * 1e9)
        if run.metrics is not None:
            self.tally.add_usage(run.metrics.input_tokens, run.metrics.output_tokens)
        for member in getattr(run, "member_responses", None) or []:
            self.count(member)

    async def ask(self, agent, prompt):
        """One Agent.arun; its usage goes into the task's tally. Returns the answer's text."""
        run = await self.run_streamed(agent, prompt)
        self.count(run)
        if run.status == RunStatus.error:
            raise RuntimeError(f"agent {agent.name} failed: {run.content}")
        return str(run.content or "")

    async def run_streamed(self, runner, prompt):
        """An agent's or a team's `arun`; with --stream, streamed (arun(stream=True)), its final
        RunOutput taken from the stream (yield_run_output=True). Members stream with their team."""
        if not self.config.stream:
            return await runner.arun(prompt)
        final = None
        async for item in runner.arun(prompt, stream=True, yield_run_output=True):
            if isinstance(item, (RunOutput, TeamRunOutput)):
                final = item
        return final

    def job(self, scenario, build, task):
        return legion_common.OwnCopiesJob(self, scenario, build, task)

    def workflow_job(self, scenario, build_steps, session_state=None):
        """A task run as one Workflow of the steps `build_steps(scenario)` makes; its answer is the
        workflow's final content."""
        def build(scenario):
            return Workflow(name=scenario.name, steps=build_steps(scenario))

        async def task(workflow):
            state = session_state() if session_state else None
            run = await workflow.arun(input=scenario.task, session_state=state)
            if run.status == RunStatus.error:
                raise RuntimeError(f"workflow failed: {run.content}")
            return str(run.content or "")

        return self.job(scenario, build, task)

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build_steps(scenario):
            def hand_on(agent):
                async def step(step_input: StepInput) -> StepOutput:
                    prompt = f"Task: {step_input.input}"
                    if step_input.previous_step_content:
                        prompt += f"\n\nInput from {previous_author(step_input)}:\n{step_input.previous_step_content}"
                    return StepOutput(content=await self.ask(agent, prompt))
                return Step(name=agent.name, executor=step)
            return [hand_on(self.agent(scenario, a)) for a in scenario.agents]

        def previous_author(step_input):
            return list(step_input.previous_step_outputs)[-1]

        return self.workflow_job(scenario, build_steps)

    def hierarchical(self, scenario):
        def build(scenario):
            manager = scenario.agent(scenario.manager)
            members = [self.agent(scenario, a, member=True) for a in scenario.agents if a.id != scenario.manager]
            return Team(name=manager.id, id=manager.id, mode=TeamMode.coordinate, model=self.model,
                        members=members, instructions=manager.system_prompt,
                        tools=[self.tool(t) for t in scenario.tools if t.name in manager.tools],
                        max_iterations=MAX_ITERATIONS)

        async def task(team):
            run = await self.run_streamed(team, f"Task: {scenario.task}")
            self.count(run)
            if run.status == RunStatus.error:
                raise RuntimeError(f"team failed: {run.content}")
            return str(run.content or "")

        return self.job(scenario, build, task)

    def speaker_step(self, scenario, agent):
        """A workflow step in which `agent` speaks on the shared transcript (session_state["turns"])
        after the task (the workflow's input: what is built is reused by later tasks, each with its
        own planted values); the answer that ends the conversation stops the workflow."""
        async def speak(step_input: StepInput, run_context) -> StepOutput:
            turns = run_context.session_state["turns"]
            text = await self.ask(agent, transcript(step_input.input, turns, agent.name))
            turns.append((agent.name, text))
            done = scenario.termination_text in text or len(turns) >= scenario.max_turns
            return StepOutput(content=text, stop=done)
        return Step(name=agent.name, executor=speak)

    def round_robin(self, scenario):
        def build_steps(scenario):
            trim = self.trimming(scenario.context_window) if scenario.context_window else None
            speakers = [self.speaker_step(scenario, self.agent(scenario, a, trim)) for a in scenario.agents]
            rounds = -(-scenario.max_turns // len(speakers))
            return [Loop(name="turns", steps=speakers, max_iterations=rounds)]
        return self.workflow_job(scenario, build_steps, lambda: {"turns": []})

    def selector(self, scenario):
        candidates = [a.id for a in scenario.agents]

        def build_steps(scenario):
            speakers = {a.id: self.speaker_step(scenario, self.agent(scenario, a)) for a in scenario.agents}
            selector = Agent(name="selector", model=self.model, instructions=legion_common.selector_prompt(scenario))

            async def next_speaker(step_input: StepInput, run_context):
                prompt = transcript(step_input.input, run_context.session_state["turns"])
                for _ in range(3):  # a reply that names no candidate is asked again, up to three times
                    reply = await self.ask(selector, prompt)
                    choice = reply.strip().strip("\"'.")
                    if choice in speakers:
                        return speakers[choice]
                    prompt = prompt + [Message(role="assistant", content=reply),
                                       Message(role="user", content=f"'{reply}' is not a candidate. "
                                                                    f"Reply with one of {', '.join(candidates)}.")]
                raise RuntimeError("speaker selection failed three times")

            router = Router(name="next speaker", selector=next_speaker, choices=list(speakers.values()))
            return [Loop(name="turns", steps=[router], max_iterations=scenario.max_turns)]
        return self.workflow_job(scenario, build_steps, lambda: {"turns": []})

    def fan_out(self, name, agents, prompt):
        """A Parallel block with one step per agent, each running its agent on `prompt(step_input)`."""
        def answer(agent):
            async def step(step_input: StepInput) -> StepOutput:
                return StepOutput(content=await self.ask(agent, prompt(step_input)))
            return Step(name=f"{name}:{agent.name}", executor=step)
        return Parallel(*[answer(a) for a in agents], name=name)

    @staticmethod
    def texts(step_input, name):
        """The Parallel block `name`'s answers by agent id."""
        return {step.split(":", 1)[1]: text for step, text in step_input.get_step_content(name).items()}

    def consensus(self, scenario):
        def build_steps(scenario):
            members = [self.agent(scenario, a) for a in legion_common.consensus_members(scenario)]
            moderator = self.agent(scenario, scenario.agent(scenario.moderator))

            async def decide(step_input: StepInput) -> StepOutput:
                votes = self.texts(step_input, "votes")
                return StepOutput(content=await self.ask(moderator, legion_common.decide_prompt(scenario, step_input.input, votes)))

            return [self.fan_out("proposals", members, lambda s: legion_common.propose_prompt(scenario, s.input)),
                    self.fan_out("votes", members, lambda s: legion_common.vote_prompt(
                        scenario, s.input, self.texts(s, "proposals"))),
                    Step(name="decision", executor=decide)]
        return self.workflow_job(scenario, build_steps)

    def mixture(self, scenario):
        def build_steps(scenario):
            proposers = [self.agent(scenario, a) for a in legion_common.mixture_proposers(scenario)]
            aggregator = self.agent(scenario, scenario.agent(scenario.aggregator))

            async def aggregate(step_input: StepInput) -> StepOutput:
                proposals = self.texts(step_input, "proposals")
                prompt = legion_common.aggregate_prompt(scenario, step_input.input, proposals)
                return StepOutput(content=await self.ask(aggregator, prompt))

            return [self.fan_out("proposals", proposers, lambda s: legion_common.propose_prompt(scenario, s.input)),
                    Step(name="aggregate", executor=aggregate)]
        return self.workflow_job(scenario, build_steps)

    def human_review(self, scenario):
        def build(scenario):
            agent = self.agent(scenario, scenario.agents[0])
            review = HumanReview(requires_output_review=True, on_reject=OnReject.retry, max_retries=scenario.max_turns)
            # A paused run is continued from its session, which only a database holds: an in-memory one,
            # each task's session deleted when the task ends.
            return Workflow(name=scenario.name, steps=[Step(name=agent.name, agent=agent, human_review=review)],
                            db=InMemoryDb())

        async def task(workflow):
            session_id = str(uuid.uuid4())
            try:
                return await review(workflow, await workflow.arun(input=f"Task: {scenario.task}", session_id=session_id))
            finally:
                await workflow.adelete_session(session_id)

        async def review(workflow, run):
            counted = set()
            while True:
                self.count_steps(run, counted)
                if run.status != RunStatus.paused:
                    break
                for requirement in run.active_step_requirements:
                    # The person reads the answer off the event loop, as a real one would.
                    feedback = await asyncio.to_thread(scenario.ask_human, str(requirement.step_output.content))
                    if feedback:
                        requirement.reject(feedback)
                    else:
                        requirement.confirm()
                run = await workflow.acontinue_run(run)
            if run.status == RunStatus.error:
                raise RuntimeError(f"workflow failed: {run.content}")
            return str(run.content or "")

        return self.job(scenario, build, task)

    def count_steps(self, run, counted):
        """Counts the agent runs a workflow run made (its step_executor_runs), each once."""
        for executor_run in run.step_executor_runs or []:
            if executor_run.run_id not in counted:
                counted.add(executor_run.run_id)
                self.count(executor_run)


def create():
    return AgnoAdapter()
