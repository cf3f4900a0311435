"""The zero-I/O workloads in LlamaIndex Workflows (llama-index-workflows, the engine under
llama-index-core's agents): workflows built once, run in a hot loop.

seq: a 3-step chain, each step increments a counter and emits the event of the next. par: a start
step that sends 5 events (ctx.send_event) to a worker step with 5 workers, each returning its
index, joined by ctx.collect_events, then a summariser that counts them. The graphs of the NeoGraph
engine benchmark (fox1245/NeoGraph, benchmarks/bench_langgraph.py), in the Workflows' documented
API (steps, events, concurrent workers, collect_events)."""
import asyncio

from llama_index.core.workflow import Context, Event, StartEvent, StopEvent, Workflow, step

# Defaults throughout: Workflow(timeout=45.0), validation on each run, the instrumentation
# dispatcher's spans per step (no handler attached); that is what a user's workflow costs.
VERSIONS = ("llama-index-workflows", "llama-index-core")


class AfterA(Event):
    value: int


class AfterB(Event):
    value: int


class Seq(Workflow):
    @step
    async def a(self, ev: StartEvent) -> AfterA:
        return AfterA(value=ev.value + 1)

    @step
    async def b(self, ev: AfterA) -> AfterB:
        return AfterB(value=ev.value + 1)

    @step
    async def c(self, ev: AfterB) -> StopEvent:
        return StopEvent(result=ev.value + 1)


class Work(Event):
    index: int


class Done(Event):
    index: int


class Joined(Event):
    indices: list[int]


WORKERS = 5


class Par(Workflow):
    @step
    async def start(self, ctx: Context, ev: StartEvent) -> Work | None:
        for index in range(1, WORKERS + 1):
            ctx.send_event(Work(index=index))
        return None

    @step(num_workers=WORKERS)
    async def worker(self, ev: Work) -> Done:
        return Done(index=ev.index)

    @step
    async def collect(self, ctx: Context, ev: Done) -> Joined | None:
        done = ctx.collect_events(ev, [Done] * WORKERS)
        return None if done is None else Joined(indices=[d.index for d in done])

    @step
    async def summarise(self, ev: Joined) -> StopEvent:
        assert sorted(ev.indices) == [1, 2, 3, 4, 5], ev.indices
        return StopEvent(result=len(ev.indices))


def workloads():
    seq, par = Seq(), Par()
    loop = asyncio.new_event_loop()  # one loop for the process, as the adapters keep

    # A workflow's run starts its task on the running loop, so each invocation is a coroutine.
    async def seq_once():
        return await seq.run(value=0)

    async def par_once():
        return await par.run()

    def run_seq():
        return loop.run_until_complete(seq_once()) == 3

    def run_par():
        return loop.run_until_complete(par_once()) == 5

    return {"seq": run_seq, "par": run_par}
