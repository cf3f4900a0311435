"""The zero-I/O workloads in AutoGen AgentChat's GraphFlow: built once, reset and run in a hot loop.

AgentChat passes messages between agents rather than typed state, so, as in the NeoGraph engine
benchmark (fox1245/NeoGraph, benchmarks/bench_autogen.py), the counter travels as message text.
seq: agents a → b → c, each replies with the last number plus one. par: a dispatcher → 5 workers
that each reply with their index → a summariser that counts the workers' messages. Agents are
BaseChatAgent subclasses (AgentChat's documented way to write a custom agent), graphs built with
DiGraphBuilder."""
import asyncio

from autogen_agentchat.agents import BaseChatAgent
from autogen_agentchat.base import Response
from autogen_agentchat.messages import TextMessage
from autogen_agentchat.teams import DiGraphBuilder, GraphFlow

VERSIONS = ("autogen-agentchat", "autogen-core")


class Replier(BaseChatAgent):
    def __init__(self, name, reply):
        super().__init__(name=name, description=name)
        self.reply = reply

    @property
    def produced_message_types(self):
        return (TextMessage,)

    async def on_messages(self, messages, cancellation_token):
        return Response(chat_message=TextMessage(source=self.name, content=self.reply(messages)))

    async def on_reset(self, cancellation_token):
        pass


def last_number(messages):
    for m in reversed(messages):
        if isinstance(m, TextMessage) and m.content.lstrip("-").isdigit():
            return int(m.content)
    return 0


def workloads():
    chain = [Replier(n, lambda messages: str(last_number(messages) + 1)) for n in ("a", "b", "c")]
    builder = DiGraphBuilder()
    for agent in chain:
        builder.add_node(agent)
    builder.add_edge(chain[0], chain[1]).add_edge(chain[1], chain[2])
    builder.set_entry_point(chain[0])
    seq = GraphFlow(participants=chain, graph=builder.build())

    dispatch = Replier("d", lambda messages: "go")
    workers = [Replier(f"w{i}", (lambda i: lambda messages: str(i))(i)) for i in range(1, 6)]
    summariser = Replier("s", lambda messages: str(sum(1 for m in messages if isinstance(m, TextMessage) and m.source.startswith("w"))))
    builder = DiGraphBuilder()
    builder.add_node(dispatch).add_node(summariser)
    for w in workers:
        builder.add_node(w)
        builder.add_edge(dispatch, w)
        builder.add_edge(w, summariser)
    builder.set_entry_point(dispatch)
    par = GraphFlow(participants=[dispatch, *workers, summariser], graph=builder.build())

    loop = asyncio.new_event_loop()

    async def run(flow, task):
        await flow.reset()
        return await flow.run(task=task)

    def final(result):
        return result.messages[-1].content

    def run_seq():
        return final(loop.run_until_complete(run(seq, "0"))) == "3"

    def run_par():
        return final(loop.run_until_complete(run(par, "start"))) == "5"

    return {"seq": run_seq, "par": run_par}
