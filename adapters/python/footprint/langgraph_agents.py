"""LangGraph: a ReAct agent with an OpenAI model reference and one tool, as Agno's comparison
(cookbook/performance/comparison/langgraph_instantiation.py) and PraisonAI's benchmarks build it:
langgraph.prebuilt.create_react_agent, which compiles a state graph per call. LangGraph 1.x
deprecates it for langchain's create_agent (the project's adapter uses that); the figures are
of create_react_agent, so it is what is timed."""
import warnings

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*create_react_agent.*")

IMPORT = "from langgraph.prebuilt import create_react_agent"  # Agno's import_time_comparison.py
ITERATIONS = 300
ITERATIONS_SOURCE = "Agno's langgraph_instantiation.py"
VERSIONS = ("langgraph", "langchain-core", "langchain-openai")


@tool
def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return "sunny in " + city


def agent_with_one_tool():
    """create_react_agent(model=ChatOpenAI(model="gpt-5.5"), tools=[get_weather])"""
    return create_react_agent(model=ChatOpenAI(model="gpt-5.5"), tools=[get_weather])


def tool_names(agent):
    return list(agent.nodes["tools"].bound.tools_by_name)
