"""The zero-I/O workloads in Agno Workflows: workflows built once, run in a hot loop with `arun`.

seq: three steps in order, each a custom function adding one to the previous step's number.
par: a Parallel block of five steps that each return their index, then a step that collects them
(the Parallel block's outputs by step name) and counts them. The graphs of the NeoGraph engine
benchmark (fox1245/NeoGraph, benchmarks/bench_langgraph.py), in Agno's documented workflow
constructs (Workflows: Step with a custom function executor, Parallel), at their defaults: no
database, so nothing is stored between runs."""
import asyncio

from agno.workflow import Parallel, Step, StepInput, StepOutput, Workflow

VERSIONS = ("agno",)


def workloads():
    async def increment(step_input: StepInput) -> StepOutput:
        previous = step_input.previous_step_content
        return StepOutput(content=(previous if isinstance(previous, int) else step_input.input) + 1)

    seq = Workflow(name="seq", steps=[Step(name=name, executor=increment) for name in ("a", "b", "c")])

    def worker(index):
        async def append(step_input: StepInput) -> StepOutput:
            return StepOutput(content=index)
        return Step(name=f"w{index}", executor=append)

    async def summarise(step_input: StepInput) -> StepOutput:
        collected = step_input.get_step_content("workers")
        assert sorted(collected.values()) == ["1", "2", "3", "4", "5"], collected
        return StepOutput(content=len(collected))

    par = Workflow(name="par", steps=[Parallel(*[worker(i) for i in range(1, 6)], name="workers"),
                                      Step(name="summarise", executor=summarise)])

    loop = asyncio.new_event_loop()  # one loop for the process, as the adapters keep

    def run_seq():
        return loop.run_until_complete(seq.arun(input=0)).content == 3

    def run_par():
        return loop.run_until_complete(par.arun(input="go")).content == 5

    return {"seq": run_seq, "par": run_par}
