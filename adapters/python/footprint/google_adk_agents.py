"""Google ADK: an Agent (LlmAgent) with a model reference and one function tool. No published figure
covers ADK; the shape is the other frameworks'. The model is ADK's documented route to an
OpenAI-compatible endpoint, LiteLlm("openai/..."), the project's adapter's; only constructed."""
from google.adk.agents import Agent
from google.adk.models.lite_llm import LiteLlm

IMPORT = "from google.adk.agents import Agent"
ITERATIONS = 100
ITERATIONS_SOURCE = "no source measures ADK; the count Agno's comparison gives its slowest frameworks"
VERSIONS = ("google-adk", "litellm")


def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return "sunny in " + city


def agent_with_one_tool():
    """Agent(name="assistant", model=LiteLlm(model="openai/gpt-4o-mini", api_base=...), instruction=..., tools=[get_weather])"""
    return Agent(name="assistant", model=LiteLlm(model="openai/gpt-4o-mini", api_base="http://127.0.0.1:9/v1"),
                 instruction="Be concise, reply with one sentence.", tools=[get_weather])


def tool_names(agent):
    return [getattr(t, "__name__", getattr(t, "name", None)) for t in agent.tools]
