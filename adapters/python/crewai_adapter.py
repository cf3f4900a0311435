"""CrewAI crews.

Every agent is a CrewAI `Agent` with its own `LLM(provider="openai", base_url=...)` (CrewAI's
native OpenAI client; one LLM per agent, since CrewAI counts a shared instance once per agent).
The task text reaches a crew through `kickoff(inputs=...)`, CrewAI's way of running one crew on
many inputs. Patterns (docs/adapters.md):
  sequential    Process.sequential, one Task per agent; CrewAI hands earlier outputs on as context
  hierarchical  Process.hierarchical with the manager as manager_agent; it delegates with CrewAI's
                own delegate_work_to_coworker tool
  round-robin   Process.sequential over one Task per turn in rotation; turns after the termination
                text are ConditionalTasks that skip
  selector      a Flow whose @router asks the model for the next speaker (its own LLM, the shared
                selector prompt with the transcript), one @listen per speaker (Agent.akickoff with
                the task and the transcript), each speaker's method looping back to the router;
                the router ends the chat ("done") on the termination text or after max_turns
  consensus     proposals as async Tasks (async_execution=True, run concurrently), then one vote
                Task per member with the proposals as context, then the moderator's Task with the
                votes as context
  human-review  one Task with human_input=True; CrewAI's human-input provider (set_provider) is
                the scripted person in place of the terminal prompt
  mixture       the proposals as async Tasks, then the aggregator's Task with them as context
A task with a knowledge base (memory-retrieval) goes into CrewAI Knowledge: one knowledge source
holding the documents, one chunk each (a custom BaseKnowledgeSource, as CrewAI documents them; one
StringKnowledgeSource per document costs about a second each in chromadb, see docs/catalogue.md) in
the crew's knowledge (Knowledge(collection_name="crew"), what Crew(knowledge_sources=...) builds) on
CrewAI's chromadb storage, with the OpenAI embedder pointed at the model server; the agent's
KnowledgeConfig asks for top_k results with no score threshold. CrewAI first asks the model to
rewrite the task as a search query (datasets/dialects/crewai.yaml answers with the task).
Agents and crews are built once per scenario shape. N concurrent copies (--concurrency N) run with
Crew.akickoff (CrewAI's native async kickoff) under asyncio.gather, each on its own crew (a crew
runs one kickoff at a time); a selector group's copies each on their own Flow, agents and LLMs
(Flow.kickoff_async), its calls and tokens read from those LLMs' own counters. CrewAI's tool-result cache stays off: the
scenario tools answer differently in every task (fresh planted values), so a cached result would
be a wrong one.
In the in-process mode (`crewai@in-process`) every agent's LLM is an InProcessLLM (below) and the
knowledge base embeds with in_process_embedder; everything else is the same.
--trace follows CrewAI's documented OpenTelemetry route (docs: Observability → Arize Phoenix, via
OpenInference): CrewAIInstrumentor (openinference-instrumentation-crewai; crew kickoff, task,
flow-method, agent kickoff and tool spans) and, since CrewAI 1.x calls its native OpenAI provider,
OpenInference's OpenAIInstrumentor for the model calls, both given the run's SpanCollector as
their tracer provider (not installed globally; CrewAI's own telemetry and trace collection stay
off as offline.py sets them). A span's agent is the scenario agent whose role its graph.node.id
names (CrewAI knows agents by role), else the agent of the nearest span above it.
"""

import asyncio
import atexit
import json
import os
import shutil
import tempfile

import legion
import legion_common
from legion_common import FrameworkAdapter, Tally

# CrewAI's knowledge storage (chromadb) lives under CREWAI_STORAGE_DIR, read when crewai is
# imported: a scratch folder of this worker, removed when it exits.
STORAGE_DIR = tempfile.mkdtemp(prefix="legion-crewai-")
os.environ["CREWAI_STORAGE_DIR"] = STORAGE_DIR
atexit.register(shutil.rmtree, STORAGE_DIR, True)

import numpy
import pydantic
from chromadb import EmbeddingFunction
from crewai import LLM, Agent, BaseLLM, Crew, Process, Task
from crewai.knowledge.knowledge import Knowledge
from crewai.knowledge.knowledge_config import KnowledgeConfig
from crewai.knowledge.source.base_knowledge_source import BaseKnowledgeSource
from crewai.core.providers.human_input import SyncHumanInputProvider, set_provider
from crewai.events.types.llm_events import LLMCallType
from crewai.flow.flow import Flow, FlowState, listen, or_, router, start
from crewai.llms.base_llm import llm_call_context
from crewai.llms.providers.utils.common import safe_tool_conversion
from crewai.rag.embeddings.providers.custom.embedding_callable import CustomEmbeddingFunction
from crewai.utilities.pydantic_schema_utils import sanitize_tool_params_for_openai_strict
from crewai.tasks.conditional_task import ConditionalTask
from crewai.tools import BaseTool

try:
    from crewai.events.event_bus import crewai_event_bus
except ImportError:  # older layouts
    crewai_event_bus = None

EXPECTED_OUTPUT = "Your complete answer to your part of the task."


class InProcessLLM(BaseLLM):
    """The in-process mode's model (`--systems crewai@in-process`): CrewAI's documented custom LLM
    ("Custom LLM Implementation": subclass BaseLLM, implement `call`, `supports_function_calling`
    returning True for native tool calls). CrewAI hands it messages already in Chat Completions
    form and tools as OpenAI function schemas (convert_tools_to_openai_schema); it sends them, the
    tools made strict as CrewAI's OpenAI provider makes them, to the scripted model over the
    worker's pipe and answers as CrewAI's own OpenAI provider does: the
    text (stop words applied), or the tool calls for the agent's executor to run (or, given
    available_functions, the first call's result), with call events, LLM-call hooks and the usage
    in the LLM's token counters, where the crew reads its calls and tokens."""

    llm_type: str = "legion-in-process"
    chat: object = pydantic.Field(default=None, exclude=True)  # legion_common.InProcessChat

    def supports_function_calling(self):
        return True

    def _convert_tools_for_interference(self, tools):
        """BaseLLM's hook for the tools' request form: the strict schemas CrewAI's OpenAI provider
        sends (its own safe_tool_conversion and sanitize_tool_params_for_openai_strict), so that the
        request is the one sent over HTTP."""
        converted = []
        for tool in tools:
            name, description, parameters = safe_tool_conversion(tool, "OpenAI")
            function = {"name": name, "description": description, "strict": True}
            if parameters:
                function["parameters"] = sanitize_tool_params_for_openai_strict(dict(parameters))
            converted.append({"type": "function", "function": function})
        return converted

    def get_context_window_size(self):
        return 128_000  # what CrewAI assumes for gpt-4o-class models, as over HTTP

    def call(self, messages, tools=None, callbacks=None, available_functions=None, from_task=None,
             from_agent=None, response_model=None):
        with llm_call_context():
            self._emit_call_started_event(messages=messages, tools=tools, callbacks=callbacks,
                                          available_functions=available_functions, from_task=from_task,
                                          from_agent=from_agent)
            formatted = self._format_messages(messages)
            self._invoke_before_llm_call_hooks(formatted, from_agent)
            fields = {"tool_choice": "auto"} if tools else {}
            answer = self.chat.complete(formatted, tools=self._convert_tools_for_interference(tools or []), **fields)
            usage = answer.get("usage") or {}
            self._track_token_usage_internal(usage)
            message = answer["choices"][0]["message"]
            tool_calls = message.get("tool_calls")
            if tool_calls and not available_functions:  # the executor runs them
                self._emit_call_completed_event(response=tool_calls, call_type=LLMCallType.TOOL_CALL,
                                                from_task=from_task, from_agent=from_agent, messages=formatted,
                                                usage=usage)
                return tool_calls
            if tool_calls:
                function = tool_calls[0]["function"]
                result = self._handle_tool_execution(function_name=function["name"],
                                                     function_args=json.loads(function["arguments"] or "{}"),
                                                     available_functions=available_functions,
                                                     from_task=from_task, from_agent=from_agent)
                if result is not None:
                    return result
            content = self._apply_stop_words(message.get("content") or "")
            if response_model is not None:
                content = self._validate_structured_output(content, response_model)
            self._emit_call_completed_event(response=content, call_type=LLMCallType.LLM_CALL, from_task=from_task,
                                            from_agent=from_agent, messages=formatted, usage=usage)
            if isinstance(content, str):
                content = self._invoke_after_llm_call_hooks(formatted, content, from_agent)
            return content

    async def acall(self, messages, tools=None, callbacks=None, available_functions=None, from_task=None,
                    from_agent=None, response_model=None):
        # The pipe answers at once: on the event loop, as the synchronous call.
        return self.call(messages, tools, callbacks, available_functions, from_task, from_agent, response_model)


def in_process_embedder(chat):
    """CrewAI's documented custom embedder ({"provider": "custom", "config": {"embedding_callable":
    a CustomEmbeddingFunction subclass}}), embedding over the worker's pipe. The class is also
    chromadb's EmbeddingFunction: crewai 1.15.30 checks the spec's config against chromadb's class
    and the provider against its own, and neither derives from the other."""
    class InProcessEmbeddingFunction(CustomEmbeddingFunction, EmbeddingFunction):
        def __init__(self, **config):
            pass

        def __call__(self, input):
            return [numpy.array(vector, dtype=numpy.float32) for vector in chat.embed(list(input))]

    return {"provider": "custom", "config": {"embedding_callable": InProcessEmbeddingFunction}}


class ScriptedHuman(SyncHumanInputProvider):
    """CrewAI's human-input provider with the scripted person in place of the terminal prompt: shown
    each answer, it gives feedback the agent revises by, or approves (an empty reply)."""

    def __init__(self, adapter):
        self.adapter = adapter

    def handle_feedback(self, formatted_answer, context):
        answer = formatted_answer
        for _ in range(self.adapter.scenario.max_turns):
            feedback = self.adapter.scenario.ask_human(self._get_output_string(answer))
            if not feedback.strip():
                break
            context.messages.append(context._format_feedback_message(feedback))
            answer = context._invoke_loop()
        context.ask_for_human_input = False
        return answer

    async def handle_feedback_async(self, formatted_answer, context):
        answer = formatted_answer
        for _ in range(self.adapter.scenario.max_turns):
            feedback = await asyncio.to_thread(self.adapter.scenario.ask_human, self._get_output_string(answer))
            if not feedback.strip():
                break
            context.messages.append(context._format_feedback_message(feedback))
            answer = await context._ainvoke_loop()
        context.ask_for_human_input = False
        return answer


def flush_events():
    if crewai_event_bus is not None:
        crewai_event_bus.flush()  # CrewAI's event handlers finish inside the task's time


class DocumentsKnowledgeSource(BaseKnowledgeSource):
    """Ready-made documents as a knowledge source, one chunk each: CrewAI's way to write a source
    (subclass BaseKnowledgeSource, fill `chunks`, `_save_documents`), without its 4,000-character
    chunking, so that every system stores and retrieves the same units."""
    documents: list[str] = pydantic.Field(default_factory=list)

    def validate_content(self):
        return self.documents

    def add(self):
        self.chunks.extend(self.documents)
        self._save_documents()

    async def aadd(self):
        self.chunks.extend(self.documents)
        await self._asave_documents()


class TimedKnowledge(Knowledge):
    """CrewAI's Knowledge, its queries timed for the record's retrieval_ns."""
    _timer: object = pydantic.PrivateAttr(default=None)

    def query(self, query, results_limit=5, score_threshold=0.6):
        with self._timer():
            return super().query(query, results_limit=results_limit, score_threshold=score_threshold)


class CrewJob:
    """One task on a crew: `answer(output)` reads the answer from the CrewOutput."""

    def __init__(self, adapter, scenario, build, answer):
        self.adapter, self.scenario, self.build = adapter, scenario, build
        self.answer = answer or (lambda output: output.raw)

    def run(self):
        crew = self.adapter.for_task(self.scenario, self.build)
        crew.knowledge = self.adapter.knowledge  # the task's knowledge base, if it has one
        before = crew.calculate_usage_metrics().model_copy()
        output = crew.kickoff(inputs={"task": self.scenario.task})
        flush_events()
        return self.usage([crew], [before]).outcome(self.answer(output))

    def run_concurrently(self, copies):
        crews = [self.adapter.for_task(self.scenario, self.build, copy) for copy in range(copies)]
        before = [crew.calculate_usage_metrics().model_copy() for crew in crews]

        async def one(crew):
            return self.answer(await crew.akickoff(inputs={"task": self.scenario.task}))

        def tally():
            flush_events()
            return self.usage(crews, before)
        return legion_common.run_copies(self.adapter.event_loop(), [one(crew) for crew in crews], tally)

    @staticmethod
    def usage(crews, before):
        tally = Tally()
        for crew, start in zip(crews, before):
            after = crew.calculate_usage_metrics()
            tally.calls += after.successful_requests - start.successful_requests
            tally.add_usage(after.prompt_tokens - start.prompt_tokens, after.completion_tokens - start.completion_tokens)
        return tally


class GroupState(FlowState):
    """A selector group's chat: the task and the turns spoken so far, (agent id, text) each."""
    task: str = ""
    turns: list[tuple[str, str]] = pydantic.Field(default_factory=list)


class SelectorGroup:
    """One selector group chat as a CrewAI Flow (the documented conditional routing of "Moving from
    LangGraph to CrewAI", an LLM call deciding the @router's route, and the router's loop of
    "human-feedback-in-flows", routers being exempt from the fire-once rule): `begin` starts,
    `select` is the router (run after `begin` and after every speaker), returning "to_<id>" for
    the speaker the model names or "done"; one @listen("to_<id>") per agent speaks through
    Agent.akickoff; `finish` (on "done") returns the last turn. Route labels differ from the method
    names (CrewAI rejects a listen label equal to its handler's name)."""

    def __init__(self, adapter, scenario):
        self.agents = {a.id: adapter.agent(scenario, a) for a in scenario.agents}
        self.chooser = adapter.llm()  # the router's own LLM: its calls are counted apart from the agents'
        self.flow = self.build(scenario)

    def llms(self):
        return [self.chooser] + [agent.llm for agent in self.agents.values()]

    def build(self, scenario):
        agents, chooser, ids = self.agents, self.chooser, [a.id for a in scenario.agents]
        prompt, stop, max_turns = legion_common.selector_prompt(scenario), scenario.termination_text, scenario.max_turns

        def speaker(agent_id):
            async def speak(self):
                output = await agents[agent_id].akickoff(transcript(self.state.task, self.state.turns))
                self.state.turns.append((agent_id, output.raw))
                return agent_id
            speak.__name__ = speak.__qualname__ = f"speak_{agent_id}"
            return listen(f"to_{agent_id}")(speak)

        async def select(self):
            turns = self.state.turns
            if turns and (stop in turns[-1][1] or len(turns) >= max_turns):
                return "done"
            messages = [{"role": "system", "content": prompt}, {"role": "user", "content": self.state.task}]
            messages += [{"role": "user", "content": f"{author}: {text}"} for author, text in turns]
            for _ in range(3):  # asked again, as every system does, when the reply names no candidate
                reply = str(await chooser.acall(messages))
                choice = reply.strip().strip("\"'.")
                if choice in agents:
                    return f"to_{choice}"
                messages += [{"role": "assistant", "content": reply},
                             {"role": "user", "content": f"'{reply}' is not a candidate. Reply with one of the ids above."}]
            raise RuntimeError("speaker selection failed three times")

        namespace = {f"speak_{agent_id}": speaker(agent_id) for agent_id in ids}
        namespace["begin"] = start()(lambda self: "begun")
        namespace["select"] = router(or_("begin", *[f"speak_{agent_id}" for agent_id in ids]))(select)
        namespace["finish"] = listen("done")(lambda self: self.state.turns[-1][1] if self.state.turns else "")
        flow_class = type("SelectorGroupFlow", (Flow[GroupState],), namespace)
        # Every speaker may speak up to max_turns times in one kickoff (CrewAI's default cap is 100).
        return flow_class(max_method_calls=max_turns + 2)


def transcript(task, turns):
    """What a speaker of a selector group is given: the task, then the turns so far, each by its author."""
    text = f"Task: {task}"
    if turns:
        text += "\n\nThe conversation so far:\n" + "\n\n".join(f"{author}: {said}" for author, said in turns)
    return text


class FlowJob:
    """One task on a selector group's Flow; calls and tokens are those of its LLMs (chooser and agents)."""

    def __init__(self, adapter, scenario, build):
        self.adapter, self.scenario, self.build = adapter, scenario, build

    def inputs(self):
        return {"task": self.scenario.task, "turns": []}

    def run(self):
        group = self.adapter.for_task(self.scenario, self.build)
        before = self.counts([group])
        # On the worker's one event loop: Flow.kickoff would run each task on a new loop, where the
        # LLMs' async clients, bound to the loop of their first call, no longer connect.
        answer = self.adapter.event_loop().run_until_complete(group.flow.kickoff_async(inputs=self.inputs()))
        flush_events()
        return self.usage([group], before).outcome(answer)

    def run_concurrently(self, copies):
        groups = [self.adapter.for_task(self.scenario, self.build, copy) for copy in range(copies)]
        before = self.counts(groups)

        async def one(group):
            return await group.flow.kickoff_async(inputs=self.inputs())

        def tally():
            flush_events()
            return self.usage(groups, before)
        return legion_common.run_copies(self.adapter.event_loop(), [one(group) for group in groups], tally)

    @staticmethod
    def counts(groups):
        return [llm.get_token_usage_summary() for group in groups for llm in group.llms()]

    def usage(self, groups, before):
        tally = Tally()
        for after, start in zip(self.counts(groups), before):
            tally.calls += after.successful_requests - start.successful_requests
            tally.add_usage(after.prompt_tokens - start.prompt_tokens, after.completion_tokens - start.completion_tokens)
        return tally


class CrewAIAdapter(FrameworkAdapter):

    def start_tracing(self):
        from openinference.instrumentation.crewai import CrewAIInstrumentor
        from openinference.instrumentation.openai import OpenAIInstrumentor
        adapter = self

        def own_agent(span):
            """The agent a span names: the role in its graph.node.id, as the scenario's agent id when one
            agent has that role (an agent's kickoff span names its role after it started: settled at its end)."""
            role = span.attributes.get("graph.node.id")
            if not role:
                return ""
            ids = [agent.id for agent in adapter.scenario.agents if agent.role == role] if adapter.scenario else []
            return ids[0] if len(ids) == 1 else role

        collector = legion_common.SpanCollector(own_agent=own_agent)
        CrewAIInstrumentor().instrument(tracer_provider=collector.provider)
        OpenAIInstrumentor().instrument(tracer_provider=collector.provider)
        return collector

    def prepare(self, config):
        super().prepare(config)
        self.loop = None  # made for the first concurrent batch
        set_provider(ScriptedHuman(self))  # human_input=True asks the scripted person, not the terminal
        self.llm()  # the client stack is loaded and configured before the first task
        self.knowledge = None  # the task's knowledge base, while a knowledge-base task runs

    def ingest(self, scenario):
        if self.config.in_process:
            embedder = in_process_embedder(legion_common.InProcessChat(self.config))
        else:
            embedder = {"provider": "openai",
                        "config": {"api_key": "legion-bench-no-key", "model_name": self.config.model,
                                   "api_base": self.config.base_url}}
        self.knowledge = TimedKnowledge(collection_name="crew", embedder=embedder,
                                        sources=[DocumentsKnowledgeSource(documents=list(scenario.documents))])
        self.knowledge._timer = self.retrieving
        self.knowledge.add_sources()

    def forget_knowledge(self, scenario):
        if self.knowledge is not None:
            self.knowledge.reset()  # the collection is dropped: the next task brings its own documents
        self.knowledge = None

    def versions(self):
        return legion_common.distribution_versions("crewai", "openai", "chromadb")

    def settings(self):
        in_process = {}
        if self.config is not None and self.config.in_process:
            in_process["in-process model"] = (
                "InProcessLLM(BaseLLM) with supports_function_calling() True, and a CustomEmbeddingFunction embedder: "
                "CrewAI's documented custom LLM and custom embedder (no test model in CrewAI), tool calls "
                "returned to the agent's executor as its OpenAI provider returns them")
        return in_process | {
            "Agent(cache), Crew(cache)": "False (default True): the scenario tools answer with fresh planted values "
                                         "in every task, so a cached tool result would be a wrong one",
            "Agent(backstory)": "the agent's goal (required, no default): scenarios give a role and a goal only",
            "human-input provider (set_provider)": "the scripted person of human-review scenarios (default: a "
                                                   "terminal prompt), CrewAI's documented hook for human_input=True",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "none (unsupported): CrewAI has no message window; "
                                                   "Agent(respect_context_window), on by default, summarises only once a "
                                                   "prompt nears the model's context window",
            "KnowledgeConfig(results_limit, score_threshold)": "the scenario's top_k, 0.0 (defaults 5 and 0.6): the "
                                                               "same number of documents as every system, none dropped "
                                                               "by a score cut-off the others do not have",
            "Flow(max_method_calls), selector-group": "the scenario's max_turns + 2 (default 100): a speaker may "
                                                       "speak on every turn, so the per-kickoff cap on one method's "
                                                       "runs follows the chat's turn limit",
            "CREWAI_STORAGE_DIR": "a scratch folder per worker (default: a folder named after the working directory "
                                  "in the user's data directory)",
        }

    def llm(self):
        if self.config.in_process:  # the same agents and crews on the in-process model: no HTTP client
            return InProcessLLM(model=self.config.model, chat=legion_common.InProcessChat(self.config))
        return LLM(model=self.config.model, provider="openai", base_url=self.config.base_url,
                   api_key="legion-bench-no-key", stream=self.config.stream,
                   max_retries=self.config.max_retries, timeout=self.config.request_timeout_s)

    def tool(self, spec):
        adapter = self

        class ScenarioTool(BaseTool):
            name: str = spec.name
            description: str = spec.description
            args_schema: type[pydantic.BaseModel] = legion_common.pydantic_arguments(spec)

            def _run(self, **arguments):
                return adapter.scenario.run_tool(self.name, {k: v for k, v in arguments.items() if v is not None})

        return ScenarioTool()

    def agent(self, scenario, agent, **options):
        tools = [self.tool(t) for t in scenario.tools if t.name in agent.tools]
        if scenario.documents:
            options["knowledge_config"] = KnowledgeConfig(results_limit=scenario.top_k, score_threshold=0.0)
        return Agent(role=agent.role, goal=agent.goal, backstory=agent.goal, tools=tools, llm=self.llm(),
                     allow_delegation=False, cache=False, verbose=False, **options)

    def job(self, scenario, build, answer=None):
        return CrewJob(self, scenario, build, answer)

    def event_loop(self):
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
        return self.loop

    @staticmethod
    def crew(agents, tasks, **options):
        return Crew(agents=agents, tasks=tasks, verbose=False, cache=False, memory=False, **options)

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario):
            agents = [self.agent(scenario, a) for a in scenario.agents]
            tasks = [Task(description="Task: {task}", expected_output=EXPECTED_OUTPUT, agent=a) for a in agents]
            return self.crew(agents, tasks, process=Process.sequential)

        return self.job(scenario, build)

    def hierarchical(self, scenario):
        def build(scenario):
            workers = [self.agent(scenario, a) for a in scenario.agents if a.id != scenario.manager]
            manager = scenario.agent(scenario.manager)
            manager_agent = Agent(role=manager.role, goal=manager.goal, backstory=manager.goal, llm=self.llm(),
                                  allow_delegation=True, cache=False, verbose=False)
            task = Task(description="Task: {task}", expected_output=EXPECTED_OUTPUT)
            return self.crew(workers, [task], process=Process.hierarchical, manager_agent=manager_agent)

        return self.job(scenario, build)

    def round_robin(self, scenario):
        if scenario.context_window:
            raise legion.Unsupported(
                "CrewAI has no message window: its one construct, Agent(respect_context_window) (on by default), "
                "summarises with extra model calls only once a prompt nears the model's context window")
        stop = scenario.termination_text

        def still_going(previous):  # a skipped turn's output is empty: the chat has ended
            return bool(previous.raw) and stop not in previous.raw

        def build(scenario):
            agents = [self.agent(scenario, a) for a in scenario.agents]
            tasks = []
            for turn in range(scenario.max_turns):
                kind = Task if turn == 0 else ConditionalTask
                extra = {} if turn == 0 else {"condition": still_going}
                tasks.append(kind(description="Task: {task}", expected_output=EXPECTED_OUTPUT,
                                  agent=agents[turn % len(agents)], **extra))
            return self.crew(agents, tasks, process=Process.sequential)

        def last_turn(output):
            spoken = [t.raw for t in output.tasks_output if t.raw]
            return spoken[-1] if spoken else ""

        return self.job(scenario, build, last_turn)

    def selector(self, scenario):
        if scenario.context_window:
            raise legion.Unsupported(
                "CrewAI has no message window: its one construct, Agent(respect_context_window) (on by default), "
                "summarises with extra model calls only once a prompt nears the model's context window")
        return FlowJob(self, scenario, lambda scenario: SelectorGroup(self, scenario))

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            agents = {a.id: self.agent(scenario, a) for a in members + [scenario.agent(scenario.moderator)]}
            # CrewAI fills {task} from the kickoff inputs and passes earlier outputs as task context.
            proposals = [Task(description=scenario.prompt("propose", task="{task}"), expected_output=EXPECTED_OUTPUT,
                              agent=agents[m.id], async_execution=True) for m in members]
            votes = [Task(description=scenario.prompt("vote", task="{task}", proposals=""),
                          expected_output=EXPECTED_OUTPUT, agent=agents[m.id], context=proposals) for m in members]
            decision = Task(description=scenario.prompt("decide", task="{task}", votes=""),
                            expected_output=EXPECTED_OUTPUT, agent=agents[scenario.moderator], context=votes)
            return self.crew(list(agents.values()), proposals + votes + [decision], process=Process.sequential)

        return self.job(scenario, build)

    def human_review(self, scenario):
        def build(scenario):
            agent = self.agent(scenario, scenario.agents[0])
            task = Task(description="Task: {task}", expected_output=EXPECTED_OUTPUT, agent=agent, human_input=True)
            return self.crew([agent], [task], process=Process.sequential)

        return self.job(scenario, build)

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            agents = {a.id: self.agent(scenario, a) for a in proposers + [scenario.agent(scenario.aggregator)]}
            proposals = [Task(description=scenario.prompt("propose", task="{task}"), expected_output=EXPECTED_OUTPUT,
                              agent=agents[p.id], async_execution=True) for p in proposers]
            aggregate = Task(description=scenario.prompt("aggregate", task="{task}", proposals=""),
                             expected_output=EXPECTED_OUTPUT, agent=agents[scenario.aggregator], context=proposals)
            return self.crew(list(agents.values()), proposals + [aggregate], process=Process.sequential)

        return self.job(scenario, build)


def create():
    return CrewAIAdapter()
