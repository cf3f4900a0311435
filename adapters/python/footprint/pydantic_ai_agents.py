"""Pydantic AI: an Agent with a model name and one tool, as Agno's comparison
(cookbook/performance/comparison/pydantic_ai_instantiation.py) builds it; without tools as
PraisonAI's 2025 table did (benchmarks/simple_benchmark.py)."""
from pydantic_ai import Agent

IMPORT = "from pydantic_ai import Agent"  # Agno's import_time_comparison.py
ITERATIONS = 100
ITERATIONS_SOURCE = "Agno's pydantic_ai_instantiation.py"
VERSIONS = ("pydantic-ai-slim",)


def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return "sunny in " + city


def agent_with_one_tool():
    """Agent("openai:gpt-5.5", tools=[get_weather])"""
    return Agent("openai:gpt-5.5", tools=[get_weather])


def agent_without_tools():
    """Agent("openai:gpt-4o-mini")"""
    return Agent("openai:gpt-4o-mini")


def tool_names(agent):
    return list(agent._function_toolset.tools)
