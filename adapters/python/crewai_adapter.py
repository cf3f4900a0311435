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
  selector      unsupported: CrewAI has no model-selected speaker; its hierarchical manager
                delegates through tools, which hierarchical-delegation measures
  consensus     proposals as async Tasks (async_execution=True, run concurrently), then one vote
                Task per member with the proposals as context, then the moderator's Task with the
                votes as context
  human-review  one Task with human_input=True; CrewAI's human-input provider (set_provider) is
                the scripted person in place of the terminal prompt
  mixture       the proposals as async Tasks, then the aggregator's Task with them as context
Agents and crews are built once per scenario shape. N concurrent copies (--concurrency N) run with
Crew.akickoff (CrewAI's native async kickoff) under asyncio.gather, each on its own crew (a crew
runs one kickoff at a time). CrewAI's tool-result cache stays off: the
scenario tools answer differently in every task (fresh planted values), so a cached result would
be a wrong one.
"""

import asyncio

import legion
import legion_common
from legion_common import FrameworkAdapter, Tally

import pydantic
from crewai import LLM, Agent, Crew, Process, Task
from crewai.core.providers.human_input import SyncHumanInputProvider, set_provider
from crewai.tasks.conditional_task import ConditionalTask
from crewai.tools import BaseTool

try:
    from crewai.events.event_bus import crewai_event_bus
except ImportError:  # older layouts
    crewai_event_bus = None

EXPECTED_OUTPUT = "Your complete answer to your part of the task."


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


class CrewJob:
    """One task on a crew: `answer(output)` reads the answer from the CrewOutput."""

    def __init__(self, adapter, scenario, build, answer):
        self.adapter, self.scenario, self.build = adapter, scenario, build
        self.answer = answer or (lambda output: output.raw)

    def run(self):
        crew = self.adapter.for_task(self.scenario, self.build)
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


class CrewAIAdapter(FrameworkAdapter):
    UNSUPPORTED = {
        "selector": "CrewAI has no model-selected speaker group chat; Process.hierarchical delegates "
                    "through a manager's tools instead (measured by hierarchical-delegation)",
    }

    def prepare(self, config):
        super().prepare(config)
        self.loop = None  # made for the first concurrent batch
        set_provider(ScriptedHuman(self))  # human_input=True asks the scripted person, not the terminal
        self.llm()  # the client stack is loaded and configured before the first task

    def versions(self):
        return legion_common.distribution_versions("crewai", "openai")

    def settings(self):
        return {
            "Agent(cache), Crew(cache)": "False (default True): the scenario tools answer with fresh planted values "
                                         "in every task, so a cached tool result would be a wrong one",
            "Agent(backstory)": "the agent's goal (required, no default): scenarios give a role and a goal only",
            "human-input provider (set_provider)": "the scripted person of human-review scenarios (default: a "
                                                   "terminal prompt), CrewAI's documented hook for human_input=True",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "none (unsupported): CrewAI has no message window; "
                                                   "Agent(respect_context_window), on by default, summarises only once a "
                                                   "prompt nears the model's context window",
        }

    def llm(self):
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
