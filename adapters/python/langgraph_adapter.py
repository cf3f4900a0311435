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
  human-review  LangGraph's interrupt(): the graph (with a checkpointer) stops at a review node;
                the person's reply resumes it with Command(resume=...) on the same thread
  mixture       the same fan-out of proposals, fanned in to the aggregator
A task with a knowledge base (memory-retrieval) puts its documents into LangChain's
InMemoryVectorStore with OpenAIEmbeddings pointed at the model server, and each agent retrieves
the top_k most similar with a dynamic_prompt middleware, as LangChain's RAG agent tutorial does.
One task runs with `invoke`; N concurrent copies (--concurrency N) run with `ainvoke` on one event
loop, every node, tool and model call through its async counterpart (nodes are RunnableLambdas
with both). A compiled graph holds no per-run state, so the copies share it.
In the in-process mode (`langchain@in-process`) the same agents and graphs run on
InProcessChatModel and InProcessEmbeddings (below) instead of ChatOpenAI and OpenAIEmbeddings.
"""

import asyncio
import operator
import uuid
from typing import Annotated, TypedDict

import legion_common
from legion_common import FrameworkAdapter, Tally

from langchain.agents import create_agent
from langchain.agents.middleware import dynamic_prompt
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (AIMessage, HumanMessage, SystemMessage, convert_to_messages,
                                     convert_to_openai_messages, trim_messages)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.vectorstores import InMemoryVectorStore
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import Command, interrupt


class UsageCounter(BaseCallbackHandler):
    """Counts model calls and the usage LangChain reports for them (AIMessage.usage_metadata)."""

    run_inline = True  # under ainvoke too: on the event loop's thread, not an executor's

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


class InProcessChatModel(BaseChatModel):
    """The in-process mode's model (`--systems langchain@in-process`): LangChain's documented custom
    chat model ("How to create a custom chat model class": subclass BaseChatModel, `_generate`,
    `_llm_type`, and `bind_tools` for tool calling). The messages and bound tools go to a Chat
    Completions request through LangChain's own public converters (convert_to_openai_messages,
    convert_to_openai_tool), the scripted model answers over the worker's pipe, and the answer comes
    back through convert_to_messages (text or tool calls) with its usage as usage_metadata, which
    the callbacks count as they count ChatOpenAI's."""

    chat: object  # legion_common.InProcessChat

    @property
    def _llm_type(self):
        return "legion-in-process"

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    @staticmethod
    def request_messages(messages):
        """The messages as ChatOpenAI sends them: LangChain's public converter keeps a tool result's
        `name` and gives a tool-calling reply "" for content, where ChatOpenAI sends no name and null."""
        converted = convert_to_openai_messages(messages)
        for message in converted:
            if message["role"] == "tool":
                message.pop("name", None)
            elif message["role"] == "assistant" and message.get("tool_calls") and not message.get("content"):
                message["content"] = None
        return converted

    def _generate(self, messages, stop=None, run_manager=None, tools=None, **fields):
        if stop:
            fields["stop"] = stop
        answer = self.chat.complete(self.request_messages(messages), tools=tools, **fields)
        reply = answer["choices"][0]["message"]
        message = convert_to_messages([{**reply, "content": reply.get("content") or ""}])[0]
        usage = answer.get("usage") or {}
        message.usage_metadata = {"input_tokens": usage.get("prompt_tokens", 0),
                                  "output_tokens": usage.get("completion_tokens", 0),
                                  "total_tokens": usage.get("total_tokens", 0)}
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        # The pipe answers at once: on the event loop, not on an executor thread (the default).
        return self._generate(messages, stop=stop, **kwargs)


class InProcessEmbeddings(Embeddings):
    """The in-process mode's embeddings: LangChain's documented custom embedding model ("Custom
    embeddings": subclass Embeddings, `embed_documents` and `embed_query`), over the worker's pipe."""

    def __init__(self, chat):
        self.chat = chat

    def embed_documents(self, texts):
        return self.chat.embed(texts)

    def embed_query(self, text):
        return self.chat.embed([text])[0]


def merge(left, right):
    return {**left, **right}


class PipelineState(TypedDict):
    task: str
    author: str
    output: str


class ChatState(TypedDict):
    task: str
    turns: Annotated[list, operator.add]  # (author, content)


class ReviewState(TypedDict):
    messages: Annotated[list, add_messages]
    reviews: int


class VoteState(TypedDict):
    task: str
    proposals: Annotated[dict, merge]
    votes: Annotated[dict, merge]
    decision: str


def last_text(result):
    return result["messages"][-1].content


def agent_node(name, agent, request, reply):
    """A graph node that asks a LangChain agent: `request(state)` is the agent's input and
    `reply(result)` the state update; `invoke` under invoke, `ainvoke` under ainvoke."""
    def step(state):
        return reply(agent.invoke(request(state)))

    async def astep(state):
        return reply(await agent.ainvoke(request(state)))
    return RunnableLambda(step, afunc=astep, name=name)


def ask_node(name, agent, prompt, update):
    """A node that sends `prompt(state)` as one human message and turns the answer's text into
    the state update `update(text)`."""
    return agent_node(name, agent, lambda state: {"messages": [HumanMessage(prompt(state))]},
                      lambda result: update(last_text(result)))


def proposer_node(scenario, agent_id, agent):
    """A proposer of consensus or mixture: proposes for the task, the proposal kept under its id."""
    return ask_node(f"propose_{agent_id}", agent, lambda state: legion_common.propose_prompt(scenario, state["task"]),
                    lambda text: {"proposals": {agent_id: text}})


INTERRUPTED = "__interrupt__"  # the key of an invoke result that stopped at interrupt()


class GraphJob:
    """One task on a compiled graph: the input state and how the answer is read from the result."""
    CONFIG = {"recursion_limit": 1000}

    def __init__(self, adapter, scenario, build, state, answer):
        self.adapter, self.scenario, self.build, self.state, self.answer = adapter, scenario, build, state, answer

    def run(self):
        graph = self.adapter.for_task(self.scenario, self.build)
        self.adapter.counter.tally = Tally()
        config = self.config()
        result = graph.invoke(self.state, config)
        while INTERRUPTED in result:  # stopped for a person (human review): resume with the reply
            result = graph.invoke(Command(resume=self.scenario.ask_human(result[INTERRUPTED][0].value)), config)
        self.forget(graph, config)
        return self.adapter.counter.tally.outcome(self.answer(result))

    def run_concurrently(self, copies):
        graph = self.adapter.for_task(self.scenario, self.build)
        self.adapter.counter.tally = Tally()

        async def one():
            config = self.config()
            result = await graph.ainvoke(self.state, config)
            while INTERRUPTED in result:  # the person answers off the event loop, as a real one would
                reply = await asyncio.to_thread(self.scenario.ask_human, result[INTERRUPTED][0].value)
                result = await graph.ainvoke(Command(resume=reply), config)
            self.forget(graph, config)
            return self.answer(result)
        return legion_common.run_copies(self.adapter.loop, [one() for _ in range(copies)], lambda: self.adapter.counter.tally)

    def config(self):  # a thread of its own per run: what a checkpointer keeps between interrupt and resume
        return {**self.CONFIG, "configurable": {"thread_id": uuid.uuid4().hex}}

    @staticmethod
    def forget(graph, config):  # a finished run's checkpoints are not needed again: memory stays flat
        if graph.checkpointer:
            graph.checkpointer.delete_thread(config["configurable"]["thread_id"])


class LangGraphAdapter(FrameworkAdapter):
    def prepare(self, config):
        super().prepare(config)
        self.loop = asyncio.new_event_loop()  # concurrent copies: the async HTTP client is bound to it
        self.counter = UsageCounter()
        if config.in_process:  # the same agents and graphs on the in-process model: no HTTP client at all
            chat = legion_common.InProcessChat(config)
            self.model = InProcessChatModel(chat=chat, callbacks=[self.counter])
            self.embeddings = InProcessEmbeddings(chat)
            self.knowledge = None
            return
        from langchain_openai import ChatOpenAI, OpenAIEmbeddings  # the HTTP client stack, not loaded in-process

        # The documented settings for an OpenAI-compatible server: Chat Completions, usage on streams.
        self.model = ChatOpenAI(model=config.model, base_url=config.base_url, api_key="legion-bench-no-key",
                                use_responses_api=False, streaming=config.stream, stream_usage=True,
                                max_retries=config.max_retries, timeout=config.request_timeout_s,
                                callbacks=[self.counter])
        # Raw text to the server's /v1/embeddings: token ids need tiktoken's data, which is not
        # downloaded (LangChain's documented setting for OpenAI-compatible servers).
        self.embeddings = OpenAIEmbeddings(model=config.model, base_url=config.base_url, api_key="legion-bench-no-key",
                                           check_embedding_ctx_length=False, max_retries=config.max_retries,
                                           timeout=config.request_timeout_s)
        self.knowledge = None  # the task's vector store, while a knowledge-base task runs

    def start_tracing(self):
        """--trace: LangChain's and LangGraph's runs as OpenTelemetry spans through the OpenInference
        LangChain instrumentor (openinference-instrumentation-langchain): a callback handler in every
        callback manager turning each run (graph, node, agent, chat model, tool) into a span of the
        collector's tracer provider, named as LangChain names the run ("LangGraph", "model", "tools",
        "ChatOpenAI", the tool's name, the agent's name for its graph). LangSmith's own OpenTelemetry
        mode is not used: it needs LANGSMITH_TRACING=true and a LangSmith client, and nothing may go
        to LangSmith (LANGSMITH_TRACING stays false, offline.py). The agent is the `lc_agent_name`
        create_agent puts in its runs' metadata, which the instrumentor writes to each span's
        `metadata` attribute. Nothing is imported unless --trace is given."""
        import json

        from openinference.instrumentation.langchain import LangChainInstrumentor

        def agent_of(span):
            try:
                metadata = json.loads(span.attributes.get("metadata") or "{}")
            except ValueError:
                return ""
            return str(metadata.get("lc_agent_name") or "") if isinstance(metadata, dict) else ""

        collector = legion_common.SpanCollector(agent_of=agent_of)
        LangChainInstrumentor().instrument(tracer_provider=collector.provider)
        return collector

    def ingest(self, scenario):
        self.knowledge = InMemoryVectorStore(self.embeddings)
        self.knowledge.add_texts(list(scenario.documents))

    def forget_knowledge(self, scenario):
        self.knowledge = None

    def knowledge_prompt(self, system_prompt, top_k):
        """The agent's system prompt with what the vector store holds on its latest message."""
        @dynamic_prompt
        def with_knowledge(request):
            with self.retrieving():
                found = self.knowledge.similarity_search(str(request.state["messages"][-1].text), k=top_k)
            context = "\n\n".join(document.page_content for document in found)
            return f"{system_prompt}\n\nUse the following context in your response:\n\n{context}"
        return with_knowledge

    def versions(self):
        return legion_common.distribution_versions("langchain", "langchain-core", "langgraph", "langchain-openai", "openai", "numpy")

    def settings(self):
        if self.config is not None and self.config.in_process:
            return {
                "in-process model": "InProcessChatModel(BaseChatModel) with bind_tools, InProcessEmbeddings(Embeddings): "
                                    "LangChain's documented custom chat model and embeddings classes (its fake chat "
                                    "models replay a fixed list and cannot answer per request)",
                "context trimming (context_window N)": "trim_messages(strategy='last', token_counter=len, max_tokens=N, "
                                                       "start_on='human', include_system=True) on each speaker's messages "
                                                       "(default: none): the last N messages",
            }
        return {
            "ChatOpenAI(use_responses_api)": "False (default: decided from the model and options): the model server "
                                             "speaks Chat Completions, as most OpenAI-compatible servers do",
            "ChatOpenAI(stream_usage)": "True (default False): token usage on streamed replies too",
            # Listed in a report only when a scenario turns it on (the runner drops it otherwise).
            "context trimming (context_window N)": "trim_messages(strategy='last', token_counter=len, max_tokens=N, "
                                                   "start_on='human', include_system=True) on each speaker's messages "
                                                   "(default: none): the last N messages",
            "OpenAIEmbeddings(check_embedding_ctx_length)": "False (default True): raw text to the model server's "
                                                            "embeddings, LangChain's setting for OpenAI-compatible servers",
        }

    # ------------------------------------------------------------------ building blocks

    def tool(self, spec):
        def call(**arguments):
            return self.scenario.run_tool(spec.name, {k: v for k, v in arguments.items() if v is not None})

        async def acall(**arguments):  # the tools answer at once: no executor thread under ainvoke
            return call(**arguments)
        return StructuredTool.from_function(func=call, coroutine=acall, name=spec.name, description=spec.description,
                                            args_schema=spec.parameters)

    def agent(self, scenario, agent, extra_tools=()):
        tools = [self.tool(t) for t in scenario.tools if t.name in agent.tools] + list(extra_tools)
        middleware = [self.knowledge_prompt(agent.system_prompt, scenario.top_k)] if scenario.documents else []
        return create_agent(self.model, tools, system_prompt=agent.system_prompt, name=agent.id, middleware=middleware)

    def graph_job(self, scenario, build, state, answer):
        return GraphJob(self, scenario, build, state, answer)

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

        return self.graph_job(scenario, build, {"task": scenario.task, "author": "", "output": ""},
                              lambda result: result["output"])

    @staticmethod
    def pipeline_step(agent_id, agent):
        def request(state):
            text = f"Task: {state['task']}"
            if state["output"]:
                text += f"\n\nInput from {state['author']}:\n{state['output']}"
            return {"messages": [HumanMessage(text)]}
        return agent_node(agent_id, agent, request, lambda result: {"author": agent_id, "output": last_text(result)})

    def hierarchical(self, scenario):
        def build(scenario):
            def as_tool(worker):
                sub_agent = self.agent(scenario, worker)

                def delegate(task):
                    return last_text(sub_agent.invoke({"messages": [HumanMessage(task)]}))

                async def adelegate(task):
                    return last_text(await sub_agent.ainvoke({"messages": [HumanMessage(task)]}))
                return StructuredTool.from_function(
                    func=delegate, coroutine=adelegate, name=worker.id,
                    description=f"Hand a sub-task to {worker.role} and get the result.",
                    args_schema={"type": "object", "properties": {"task": {"type": "string"}}, "required": ["task"]})

            workers = [as_tool(a) for a in scenario.agents if a.id != scenario.manager]
            return self.agent(scenario, scenario.agent(scenario.manager), workers)

        return self.graph_job(scenario, build, {"messages": [HumanMessage(f"Task: {scenario.task}")]}, last_text)

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
                graph.add_node(agent.id, self.chat_turn(agent.id, self.agent(scenario, agent), scenario.context_window))
                graph.add_conditional_edges(agent.id, after_turn, [END, "select"] if select else [END] + order)
            if select:
                graph.add_node("select", self.router(scenario), destinations=tuple(order))
                graph.add_edge(START, "select")
            else:
                graph.add_edge(START, order[0])
            return graph.compile()

        def last_turn(result):
            turns = result["turns"]
            return turns[-1][1] if turns else ""
        return self.graph_job(scenario, build, {"task": scenario.task, "turns": []}, last_turn)

    @staticmethod
    def transcript(task, turns, me=None):
        messages = [HumanMessage(task)]
        for author, content in turns:
            messages.append(AIMessage(content) if author == me else HumanMessage(content, name=author))
        return messages

    def chat_turn(self, agent_id, agent, window=0):
        def seen(state):
            messages = self.transcript(state["task"], state["turns"], agent_id)
            if window:  # LangChain's documented trimming for chat history: the last N messages, from a human one
                messages = trim_messages(messages, strategy="last", token_counter=len, max_tokens=window,
                                         start_on="human", include_system=True)
            return {"messages": messages}
        return agent_node(agent_id, agent, seen, lambda result: {"turns": [(agent_id, last_text(result))]})

    def router(self, scenario):
        candidates = {a.id: a for a in scenario.agents}
        prompt = legion_common.selector_prompt(scenario)

        def first_messages(state):
            return [SystemMessage(prompt)] + self.transcript(state["task"], state["turns"])

        def retry(messages, reply):  # None: the reply names a candidate
            choice = reply.strip().strip("\"'.")
            if choice in candidates:
                return None, Command(goto=choice)
            return messages + [AIMessage(reply), HumanMessage(f"'{reply}' is not a candidate. Reply with one of the ids above.")], None

        def select(state):
            messages = first_messages(state)
            for _ in range(3):
                messages, chosen = retry(messages, self.model.invoke(messages).content)
                if chosen:
                    return chosen
            raise RuntimeError("speaker selection failed three times")

        async def aselect(state):
            messages = first_messages(state)
            for _ in range(3):
                messages, chosen = retry(messages, (await self.model.ainvoke(messages)).content)
                if chosen:
                    return chosen
            raise RuntimeError("speaker selection failed three times")
        return RunnableLambda(select, afunc=aselect, name="select")

    def consensus(self, scenario):
        members = legion_common.consensus_members(scenario)

        def build(scenario):
            graph = StateGraph(VoteState)
            agents = {a.id: self.agent(scenario, a) for a in members}
            moderator = self.agent(scenario, scenario.agent(scenario.moderator))

            def voter(agent_id):
                return ask_node(f"vote_{agent_id}", agents[agent_id],
                                lambda state: legion_common.vote_prompt(scenario, state["task"], state["proposals"]),
                                lambda text: {"votes": {agent_id: text}})

            announce = ask_node("announce", moderator, lambda state: legion_common.decide_prompt(scenario, state["task"], state["votes"]),
                                lambda text: {"decision": text})

            for a in members:
                graph.add_node(f"propose_{a.id}", proposer_node(scenario, a.id, agents[a.id]))
                graph.add_node(f"vote_{a.id}", voter(a.id))
                graph.add_edge(START, f"propose_{a.id}")
            for a in members:  # every vote waits for every proposal
                graph.add_edge([f"propose_{m.id}" for m in members], f"vote_{a.id}")
            graph.add_node("announce", announce)
            graph.add_edge([f"vote_{m.id}" for m in members], "announce")
            graph.add_edge("announce", END)
            return graph.compile()

        return self.graph_job(scenario, build, {"task": scenario.task, "proposals": {}, "votes": {}, "decision": ""},
                              lambda result: result["decision"])

    def human_review(self, scenario):
        agent_spec = scenario.agents[0]

        def review(state):
            if state["reviews"] >= scenario.max_turns:
                return Command(goto=END)
            feedback = interrupt(state["messages"][-1].content)  # the graph stops here until resumed
            if not feedback:
                return Command(goto=END)
            return Command(goto="answer", update={"messages": [HumanMessage(feedback)], "reviews": state["reviews"] + 1})

        async def areview(state):
            return review(state)

        def build(scenario):
            graph = StateGraph(ReviewState)
            graph.add_node("answer", agent_node("answer", self.agent(scenario, agent_spec), lambda state: {"messages": state["messages"]},
                                                lambda result: {"messages": [AIMessage(last_text(result))]}))
            graph.add_node("review", RunnableLambda(review, afunc=areview, name="review"), destinations=("answer", END))
            graph.add_edge(START, "answer")
            graph.add_edge("answer", "review")
            return graph.compile(checkpointer=InMemorySaver())

        return self.graph_job(scenario, build, {"messages": [HumanMessage(f"Task: {scenario.task}")], "reviews": 0},
                              lambda result: result["messages"][-1].content)

    def mixture(self, scenario):
        proposers = legion_common.mixture_proposers(scenario)

        def build(scenario):
            graph = StateGraph(VoteState)
            agents = {a.id: self.agent(scenario, a) for a in proposers}
            aggregator = self.agent(scenario, scenario.agent(scenario.aggregator))

            aggregate = ask_node("aggregate", aggregator,
                                 lambda state: legion_common.aggregate_prompt(scenario, state["task"], state["proposals"]),
                                 lambda text: {"decision": text})

            for a in proposers:
                graph.add_node(f"propose_{a.id}", proposer_node(scenario, a.id, agents[a.id]))
                graph.add_edge(START, f"propose_{a.id}")
            graph.add_node("aggregate", aggregate)
            if proposers:
                graph.add_edge([f"propose_{a.id}" for a in proposers], "aggregate")
            else:
                graph.add_edge(START, "aggregate")
            graph.add_edge("aggregate", END)
            return graph.compile()

        return self.graph_job(scenario, build, {"task": scenario.task, "proposals": {}, "votes": {}, "decision": ""},
                              lambda result: result["decision"])


def create():
    return LangGraphAdapter()
