"""CrewAI: an Agent with a model name and one tool, as Agno's comparison
(cookbook/performance/comparison/crewai_instantiation.py) builds it."""
from crewai import Agent
from crewai.tools import tool

IMPORT = "from crewai import Agent"  # Agno's import_time_comparison.py
ITERATIONS = 100
ITERATIONS_SOURCE = "Agno's crewai_instantiation.py"
VERSIONS = ("crewai",)


@tool("get_weather")
def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return "sunny in " + city


def agent_with_one_tool():
    """Agent(role=..., goal=..., backstory=..., tools=[get_weather], llm="gpt-5.5")"""
    return Agent(role="Assistant", goal="Answer questions", backstory="A helpful assistant", tools=[get_weather], llm="gpt-5.5")


def tool_names(agent):
    return [t.name for t in agent.tools]
