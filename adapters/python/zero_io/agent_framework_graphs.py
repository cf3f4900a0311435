"""The zero-I/O workloads in Microsoft Agent Framework workflows: built once with WorkflowBuilder and
run in a hot loop.

Executors are the framework's documented unit of work (Executor subclasses with @handler methods,
Agent Framework docs, Workflows > Executors) and pass typed messages over edges. seq: executors
a → b → c, each sends the number it got plus one; c yields it as the workflow's output. par: a
dispatcher fans out to 5 workers (add_fan_out_edges), each sends its index, and a summariser fed by
a fan-in edge (add_fan_in_edges, which delivers the workers' messages as one list) yields how many
arrived. A workflow keeps no state between these runs: every executor here is stateless."""
import asyncio

from agent_framework import Executor, WorkflowBuilder, WorkflowContext, handler

VERSIONS = ("agent-framework-core",)


class AddOne(Executor):
    @handler
    async def add(self, number: int, ctx: WorkflowContext[int]) -> None:
        await ctx.send_message(number + 1)


class LastAddOne(Executor):
    @handler
    async def add(self, number: int, ctx: WorkflowContext[int, int]) -> None:
        await ctx.yield_output(number + 1)


class Dispatch(Executor):
    @handler
    async def dispatch(self, task: str, ctx: WorkflowContext[str]) -> None:
        await ctx.send_message(task)


class Worker(Executor):
    def __init__(self, index):
        super().__init__(id=f"w{index}")
        self.index = index

    @handler
    async def work(self, task: str, ctx: WorkflowContext[int]) -> None:
        await ctx.send_message(self.index)


class Summarise(Executor):
    @handler
    async def summarise(self, results: list[int], ctx: WorkflowContext[int, int]) -> None:
        await ctx.yield_output(len(results))


def workloads():
    a, b, c = AddOne(id="a"), AddOne(id="b"), LastAddOne(id="c")
    seq = WorkflowBuilder(start_executor=a).add_edge(a, b).add_edge(b, c).build()

    dispatch, summariser = Dispatch(id="d"), Summarise(id="s")
    workers = [Worker(i) for i in range(1, 6)]
    par = (WorkflowBuilder(start_executor=dispatch).add_fan_out_edges(dispatch, workers)
           .add_fan_in_edges(workers, summariser).build())

    loop = asyncio.new_event_loop()

    def output(workflow, message):
        return loop.run_until_complete(workflow.run(message)).get_outputs()

    def run_seq():
        return output(seq, 0) == [3]

    def run_par():
        return output(par, "start") == [5]

    return {"seq": run_seq, "par": run_par}
