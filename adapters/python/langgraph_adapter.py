"""LangChain 1.x agents composed with LangGraph.

Every agent is `langchain.agents.create_agent` over one `ChatOpenAI` client pointed at the model
server. Patterns (docs/adapters.md):
  sequential    a StateGraph with one node per agent, START -> a1 -> a2 -> ... -> END
  hierarchical  a supervisor agent whose tools are its sub-agents ("subagents as tools", the
                supervisor pattern the LangChain multi-agent guide recommends)
  round-robin   a StateGraph over a shared transcript; a conditional edge picks the next agent in
                order or ends at the termination text
  selector      the same graph with a router node asking the model who speaks next (Command goto)
  consensus     parallel branches (fan-out from START, fan-in with reducers): proposals, then
                votes, then the moderator
  mixture       the same fan-out of proposals, fanned in to the aggregator
"""

import operator
from typing import Annotated, TypedDict

import legion_common
from legion_common import FrameworkAdapter, Tally

from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.tools import StructuredTool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command


class UsageCounter(BaseCallbackHandler):
    """Counts model calls and the usage LangChain reports for them (AIMessage.usage_metadata)."""

    def __init__(self):
        self.tally = Tally()

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.tally.calls += 1

    def on_llm_end(self, response, **kwargs):
        for generations in response.generations:
            for generation in generations:
                usage = getattr(getattr(generation, "message", None), "usage_metadata", None)
                if usage:
                    self.tally.add_usage(usage.get("input_tokens"), usage.get("output_tokens"))


def merge(left, right):
    return {**left, **right}


class PipelineState(TypedDict):
    task: str
    author: str
    output: str


class ChatState(TypedDict):
    task: str
    turns: Annotated[list, operator.add]  # (author, content)


class VoteState(TypedDict):
    task: str
    proposals: Annotated[dict, merge]
    votes: Annotated[dict, merge]
    decision: str


def last_text(result):
    return result["messages"][-1].content


class LangGraphAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.counter = UsageCounter()
        # The documented settings for an OpenAI-compatible server: Chat Completions, usage on streams.
        self.model = ChatOpenAI(model=config.model, base_url=config.base_url, api_key="legion-bench-no-key",
                                use_responses_api=False, streaming=config.stream, stream_usage=True,
                                max_retries=config.max_retries, timeout=config.request_timeout_s,
                                callbacks=[self.counter])

    def versions(self):
        return legion_common.distribution_versions("langchain", "langchain-core", "langgraph", "langchain-openai", "openai")

    def settings(self):
        return {
            "ChatOpenAI(use_responses_api)": "False (default: decided from the model and options): the model server "
                                             "speaks Chat Completions, as most OpenAI-compatible servers do",
            "ChatOpenAI(stream_usage)": "True (default False): token usage on streamed replies too",
        }

    # ------------------------------------------------------------------ building blocks

    def tool(self, spec):
        def call(**arguments):
            return self.scenario.run_tool(spec.name, {k: v for k, v in arguments.items() if v is not None})
        return StructuredTool.from_function(func=call, name=spec.name, description=spec.description,
                                            args_schema=spec.parameters)

    def agent(self, scenario, agent, extra_tools=()):
        tools = [self.tool(t) for t in scenario.tools if t.name in agent.tools] + list(extra_tools)
        return create_agent(self.model, tools, system_prompt=agent.system_prompt, name=agent.id)

    def run_graph(self, scenario, build, state):
        graph = self.for_task(scenario, build)
        self.counter.tally = Tally()
        result = graph.invoke(state, {"recursion_limit": 1000})
        return result, self.counter.tally

    # ------------------------------------------------------------------ patterns

    def sequential(self, scenario):
        def build(scenario):
            graph = StateGraph(PipelineState)
            previous = START
            for agent in scenario.agents:
                graph.add_node(agent.id, self.pipeline_step(agent.id, self.agent(scenario, agent)))
                graph.add_edge(previous, agent.id)
                previous = agent.id
            graph.add_edge(previous, END)
            return graph.compile()

        result, tally = self.run_graph(scenario, build, {"task": scenario.task, "author": "", "output": ""})
        return tally.outcome(result["output"])

    @staticmethod
    def pipeline_step(agent_id, agent):
        def step(state):
            text = f"Task: {state['task']}"
            if state["output"]:
                text += f"\n\nInput from {state['author']}:\n{state['output']}"
            return {"author": agent_id, "output": last_text(agent.invoke({"messages": [HumanMessage(text)]}))}
        return step

    def hierarchical(self, scenario):
        def build(scenario):
            def as_tool(worker):
                sub_agent = self.agent(scenario, worker)

                def delegate(task):
                    return last_text(sub_agent.invoke({"messages": [HumanMessage(task)]}))
                return StructuredTool.from_function(
                    func=delegate, name=worker.id,
                    description=f"Hand a sub-task to {worker.role} and get the result.",
                    args_schema={"type": "object", "properties": {"task": {"type": "string"}}, "required": ["task"]})

            workers = [as_tool(a) for a in scenario.agents if a.id != scenario.manager]
            return self.agent(scenario, scenario.agent(scenario.manager), workers)

        result, tally = self.run_graph(scenario, build, {"messages": [HumanMessage(f"Task: {scenario.task}")]})
        return tally.outcome(last_text(result))

    def round_robin(self, scenario):
        return self.group_chat(scenario, select=False)

    def selector(self, scenario):
        return self.group_chat(scenario, select=True)

    def group_chat(self, scenario, select):
        order = [a.id for a in scenario.agents]

        def finished(state):
            turns = state["turns"]
            return bool(turns) and (scenario.termination_text in turns[-1][1] or len(turns) >= scenario.max_turns)

        def after_turn(state):
            if finished(state):
                return END
            return "select" if select else order[len(state["turns"]) % len(order)]

        def build(scenario):
            graph = StateGraph(ChatState)
            for agent in scenario.agents:
                graph.add_node(agent.id, self.chat_turn(agent.id, self.agent(scenario, agent)))
                graph.add_conditional_edges(agent.id, after_turn, [END, "select"] if select else [END] + order)
            if select:
                graph.add_node("select", self.router(scenario), destinations=tuple(order))
                graph.add_edge(START, "select")
            else:
                graph.add_edge(START, order[0])
            return graph.compile()

        result, tally = self.run_graph(scenario, build, {"task": scenario.task, "turns": []})
        turns = result["turns"]
        return tally.outcome(turns[-1][1] if turns else "")

    @staticmethod
    def transcript(task, turns, me=None):
        messages = [HumanMessage(task)]
        for author, content in turns:
            messages.append(AIMessage(content) if author == me else HumanMessage(content, name=author))
        return messages

    def chat_turn(self, agent_id, agent):
        def turn(state):
            reply = last_text(agent.invoke({"messages": self.transcript(state["task"], state["turns"], agent_id)}))
            return {"turns": [(agent_id, reply)]}
        return turn

    def router(self, scenario):
        candidates = {a.id: a for a in scenario.agents}
        prompt = legion_common.selector_prompt(scenario)

        def select(state):
            messages = [SystemMessage(prompt)] + self.transcript(state["task"], state["turns"])
            for _ in range(3):
                reply = self.model.invoke(messages).content
                choice = reply.strip().strip("\"'.")
                if choice in candidates:
                    return Command(goto=choice)
                messages += [AIMessage(reply), HumanMessage(f"'{reply}' is not a candidate. Reply with one of the ids above.")]
            raise RuntimeError("speaker selection failed three times")
        return select

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            graph = StateGraph(VoteState)
            agents = {a.id: self.agent(scenario, a) for a in members}
            moderator = self.agent(scenario, scenario.agent(scenario.moderator))

            def ask(agent, text):
                return last_text(agent.invoke({"messages": [HumanMessage(text)]}))

            def proposer(agent_id):
                def node(state):
                    return {"proposals": {agent_id: ask(agents[agent_id], legion_common.propose_prompt(scenario, state["task"]))}}
                return node

            def voter(agent_id):
                def node(state):
                    prompt = legion_common.vote_prompt(scenario, state["task"], state["proposals"])
                    return {"votes": {agent_id: ask(agents[agent_id], prompt)}}
                return node

            def announce(state):
                return {"decision": ask(moderator, legion_common.decide_prompt(scenario, state["task"], state["votes"]))}

            for a in members:
                graph.add_node(f"propose_{a.id}", proposer(a.id))
                graph.add_node(f"vote_{a.id}", voter(a.id))
                graph.add_edge(START, f"propose_{a.id}")
            for a in members:  # every vote waits for every proposal
                graph.add_edge([f"propose_{m.id}" for m in members], f"vote_{a.id}")
            graph.add_node("announce", announce)
            graph.add_edge([f"vote_{m.id}" for m in members], "announce")
            graph.add_edge("announce", END)
            return graph.compile()

        result, tally = self.run_graph(scenario, build, {"task": scenario.task, "proposals": {}, "votes": {}, "decision": ""})
        return tally.outcome(result["decision"])

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            graph = StateGraph(VoteState)
            agents = {a.id: self.agent(scenario, a) for a in proposers}
            aggregator = self.agent(scenario, scenario.agent(scenario.aggregator))

            def ask(agent, text):
                return last_text(agent.invoke({"messages": [HumanMessage(text)]}))

            def proposer(agent_id):
                def node(state):
                    return {"proposals": {agent_id: ask(agents[agent_id], legion_common.propose_prompt(scenario, state["task"]))}}
                return node

            def aggregate(state):
                prompt = legion_common.aggregate_prompt(scenario, state["task"], state["proposals"])
                return {"decision": ask(aggregator, prompt)}

            for a in proposers:
                graph.add_node(f"propose_{a.id}", proposer(a.id))
                graph.add_edge(START, f"propose_{a.id}")
            graph.add_node("aggregate", aggregate)
            graph.add_edge([f"propose_{a.id}" for a in proposers], "aggregate")
            graph.add_edge("aggregate", END)
            return graph.compile()

        result, tally = self.run_graph(scenario, build, {"task": scenario.task, "proposals": {}, "votes": {}, "decision": ""})
        return tally.outcome(result["decision"])


def create():
    return LangGraphAdapter()
