"""The zero-I/O workloads in pydantic-graph (Pydantic AI's graph library): graphs built once with
GraphBuilder, run in a hot loop.

seq: a 3-step chain, each step increments a counter. par: a broadcast from the start to 5 workers
that each return their index, joined by a list-append reducer, then a summariser that counts them.
The graphs of the NeoGraph engine benchmark (fox1245/NeoGraph, benchmarks/bench_langgraph.py), in
pydantic-graph's documented builder API (steps, edges, broadcast fork and join)."""
import asyncio

from pydantic_graph import GraphBuilder, StepContext, reduce_list_append

# Defaults throughout: GraphBuilder(auto_instrument=True) opens a span per step through logfire-api,
# a no-op without logfire (not installed), and that is part of what a user's graph costs.
VERSIONS = ("pydantic-graph",)


def workloads():
    seq = GraphBuilder(name="seq", input_type=int, output_type=int)

    @seq.step
    async def increment(ctx: StepContext[None, None, int]) -> int:
        return ctx.inputs + 1

    a, b, c = (seq.step(increment.call, node_id=name) for name in ("a", "b", "c"))
    seq.add(seq.edge_from(seq.start_node).to(a), seq.edge_from(a).to(b), seq.edge_from(b).to(c),
            seq.edge_from(c).to(seq.end_node))
    seq = seq.build()

    par = GraphBuilder(name="par", output_type=int)

    def worker(index):
        async def append(ctx: StepContext[None, None, None]) -> int:
            return index
        return par.step(append, node_id=f"w{index}")

    workers = [worker(i) for i in range(1, 6)]
    collect = par.join(reduce_list_append, initial_factory=list, node_id="collect")

    @par.step
    async def summarise(ctx: StepContext[None, None, list[int]]) -> int:
        assert sorted(ctx.inputs) == [1, 2, 3, 4, 5], ctx.inputs
        return len(ctx.inputs)

    par.add(par.edge_from(par.start_node).to(*workers), par.edge_from(*workers).to(collect),
            par.edge_from(collect).to(summarise), par.edge_from(summarise).to(par.end_node))
    par = par.build()

    loop = asyncio.new_event_loop()  # one loop for the process, as the adapters keep

    def run_seq():
        return loop.run_until_complete(seq.run(inputs=0)) == 3

    def run_par():
        return loop.run_until_complete(par.run()) == 5

    return {"seq": run_seq, "par": run_par}
