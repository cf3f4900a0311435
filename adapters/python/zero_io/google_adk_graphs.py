"""The zero-I/O workloads in Google ADK graph workflows: built once as `Workflow`s and run in a hot
loop through a `Runner` over an `InMemorySessionService`, as ADK runs any workflow.

Function nodes are ADK 2.x's unit of code in a graph (ADK docs, Graph-based agent workflows and Build
graph routes): a node's return value is its output, given to the next node as `node_input`. seq:
nodes a → b → c, each returns the number it got plus one. par: a dispatcher fans out to 5 workers,
each returns its index, and a `JoinNode` (Build graph routes: fan out and join paths) hands their
outputs, by node name, to a summariser that returns how many arrived. Each invocation is a new
session with the start value as the user's message, deleted afterwards: a workflow's run state
lives in its session, so nothing carries over between invocations."""
import asyncio

from google.adk import Workflow
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.adk.workflow import FunctionNode, JoinNode
from google.genai import types

VERSIONS = ("google-adk",)
APP, USER = "zero_io", "zero_io"


def add_one(name):
    async def add(node_input: int) -> int:
        return int(node_input) + 1
    return FunctionNode(func=add, name=name)


def worker(index):
    async def work(node_input: str) -> int:
        return index
    return FunctionNode(func=work, name=f"w{index}")


def workloads():
    seq = Workflow(name="seq", edges=[("START", add_one("a"), add_one("b"), add_one("c"))])

    async def dispatch(node_input: str) -> str:
        return node_input

    async def summarise(node_input: dict) -> int:
        return len(node_input)
    dispatcher, join = FunctionNode(func=dispatch, name="d"), JoinNode(name="joined")
    summariser = FunctionNode(func=summarise, name="s")
    par = Workflow(name="par", edges=[("START", dispatcher)] + [(dispatcher, worker(i), join) for i in range(1, 6)]
                   + [(join, summariser)])

    sessions = InMemorySessionService()
    runners = {w.name: Runner(app_name=APP, node=w, session_service=sessions) for w in (seq, par)}
    loop = asyncio.new_event_loop()

    async def output(name, message):
        session = await sessions.create_session(app_name=APP, user_id=USER)
        last = None
        async for event in runners[name].run_async(user_id=USER, session_id=session.id,
                                                   new_message=types.Content(role="user", parts=[types.Part(text=message)])):
            if event.output is not None:
                last = event.output
        await sessions.delete_session(app_name=APP, user_id=USER, session_id=session.id)
        return last

    def run_seq():
        return loop.run_until_complete(output("seq", "0")) == 3

    def run_par():
        return loop.run_until_complete(output("par", "start")) == 5

    return {"seq": run_seq, "par": run_par}
