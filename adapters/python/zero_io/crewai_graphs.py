"""The zero-I/O workloads in CrewAI Flows: one Flow instance per workload, kicked off in a hot loop.

seq: three steps chained with @start and @listen, each increments a counter in the flow's typed
state. par: a start step, 5 workers listening to it that each append their index, and a
summariser that listens to all five (and_) and counts them — CrewAI's documented way to fan out
and join in a Flow."""
from crewai.flow.flow import Flow, and_, listen, start
from pydantic import BaseModel

VERSIONS = ("crewai",)
SETTINGS = {"Flow(suppress_flow_events)": "True (default False): the default prints a console panel for every method, "
                                          "output nobody reads here, as the crews run with verbose=False"}


class SeqState(BaseModel):
    counter: int = 0


class ParState(BaseModel):
    results: list[int] = []
    count: int = 0


class SeqFlow(Flow[SeqState]):
    @start()
    def a(self):
        self.state.counter += 1

    @listen(a)
    def b(self):
        self.state.counter += 1

    @listen(b)
    def c(self):
        self.state.counter += 1
        return self.state.counter


class ParFlow(Flow[ParState]):
    @start()
    def begin(self):
        self.state.results = []

    @listen(begin)
    def w1(self):
        self.state.results.append(1)

    @listen(begin)
    def w2(self):
        self.state.results.append(2)

    @listen(begin)
    def w3(self):
        self.state.results.append(3)

    @listen(begin)
    def w4(self):
        self.state.results.append(4)

    @listen(begin)
    def w5(self):
        self.state.results.append(5)

    @listen(and_(w1, w2, w3, w4, w5))
    def summarise(self):
        self.state.count = len(self.state.results)
        return self.state.count


def workloads():
    # The flows' events would print a console panel per method (the crews run with verbose=False).
    seq, par = SeqFlow(suppress_flow_events=True), ParFlow(suppress_flow_events=True)

    def run_seq():
        return seq.kickoff(inputs={"counter": 0}) == 3

    def run_par():
        return par.kickoff(inputs={"results": [], "count": 0}) == 5 and sorted(par.state.results) == [1, 2, 3, 4, 5]

    return {"seq": run_seq, "par": run_par}
