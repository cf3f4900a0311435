"""Agno: an Agent with an OpenAI model reference and one function tool, as Agno's own comparison
(cookbook/performance/comparison/agno_instantiation.py) builds it; without tools as PraisonAI's
2025 table did (benchmarks/simple_benchmark.py)."""
from agno.agent import Agent
from agno.models.openai import OpenAIChat, OpenAIResponses

IMPORT = "from agno.agent import Agent"  # Agno's import_time_comparison.py
ITERATIONS = 1000
ITERATIONS_SOURCE = "Agno's agno_instantiation.py"
VERSIONS = ("agno",)


def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return "sunny in " + city


def agent_with_one_tool():
    """Agent(model=OpenAIResponses(id="gpt-5.5"), tools=[get_weather], telemetry=False)"""
    return Agent(model=OpenAIResponses(id="gpt-5.5"), tools=[get_weather], telemetry=False)


def agent_without_tools():
    """Agent(model=OpenAIChat(id="gpt-4o-mini"))"""
    return Agent(model=OpenAIChat(id="gpt-4o-mini"))


def tool_names(agent):
    # Agno defers turning functions into tools until a run; what the agent holds is the list given.
    return [getattr(t, "__name__", getattr(t, "name", None)) for t in agent.tools or []]
