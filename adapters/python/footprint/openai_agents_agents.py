"""OpenAI Agents SDK: an Agent with a model name and one function tool, as PraisonAI's benchmark
(benchmarks/performance_benchmark.py) and Agno's earlier comparison
(cookbook/09_evals/performance/comparison/openai_agents_instantiation.py) build it: the tool
wrapped by function_tool inside the call; without tools as PraisonAI's 2025 table did."""
from typing import Literal

from agents import Agent, function_tool

IMPORT = "from agents import Agent"  # PraisonAI's and Agno's scripts
ITERATIONS = 1000
ITERATIONS_SOURCE = "PraisonAI's performance_benchmark.py and Agno's openai_agents_instantiation.py"
VERSIONS = ("openai-agents",)


def get_weather(city: Literal["nyc", "sf"]):
    """Use this to get weather information."""
    return "It might be cloudy in nyc" if city == "nyc" else "It's always sunny in sf"


def agent_with_one_tool():
    """Agent(name=..., instructions=..., model="gpt-4o-mini", tools=[function_tool(get_weather)])"""
    return Agent(name="Test agent", instructions="Be concise, reply with one sentence.", model="gpt-4o-mini",
                 tools=[function_tool(get_weather)])


def agent_without_tools():
    """Agent(name="Test", model="gpt-4o-mini")"""
    return Agent(name="Test", model="gpt-4o-mini")


def tool_names(agent):
    return [t.name for t in agent.tools]
