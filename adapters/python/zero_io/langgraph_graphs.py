"""The zero-I/O workloads in LangGraph: a StateGraph compiled once, invoked in a hot loop.

seq: a 3-node chain, each node increments a counter. par: a fan-out from START to 5 workers that
each append their index (a list reducer), joined by a summariser that counts them. The graphs of
the NeoGraph engine benchmark (fox1245/NeoGraph, benchmarks/bench_langgraph.py), in LangGraph's
documented StateGraph API."""
from operator import add
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph

VERSIONS = ("langgraph", "langchain-core")


class SeqState(TypedDict):
    counter: int


class ParState(TypedDict):
    results: Annotated[list, add]
    count: int


def increment(state: SeqState) -> dict:
    return {"counter": state["counter"] + 1}


def worker(index):
    def append(state: ParState) -> dict:
        return {"results": [index]}
    return append


def summarise(state: ParState) -> dict:
    return {"count": len(state["results"])}


def workloads():
    seq = StateGraph(SeqState)
    for name in ("a", "b", "c"):
        seq.add_node(name, increment)
    seq.add_edge(START, "a")
    seq.add_edge("a", "b")
    seq.add_edge("b", "c")
    seq.add_edge("c", END)
    seq = seq.compile()

    par = StateGraph(ParState)
    for i in range(1, 6):
        par.add_node(f"w{i}", worker(i))
        par.add_edge(START, f"w{i}")
        par.add_edge(f"w{i}", "summariser")
    par.add_node("summariser", summarise)
    par.add_edge("summariser", END)
    par = par.compile()

    def run_seq():
        return seq.invoke({"counter": 0})["counter"] == 3

    def run_par():
        out = par.invoke({"results": [], "count": 0})
        return out["count"] == 5 and sorted(out["results"]) == [1, 2, 3, 4, 5]

    return {"seq": run_seq, "par": run_par}
