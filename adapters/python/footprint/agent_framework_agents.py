"""Microsoft Agent Framework: an Agent over an OpenAI chat client with one function tool. No
published figure covers Agent Framework; the shape is the other frameworks'. The client is the
project's adapter's (OpenAIChatCompletionClient, Chat Completions), only constructed."""
from agent_framework import Agent
from agent_framework.openai import OpenAIChatCompletionClient

IMPORT = "from agent_framework import Agent"
ITERATIONS = 100
ITERATIONS_SOURCE = "no source measures Agent Framework; the count Agno's comparison gives its slowest frameworks"
VERSIONS = ("agent-framework-core", "agent-framework-openai")


def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return "sunny in " + city


def agent_with_one_tool():
    """Agent(OpenAIChatCompletionClient(model="gpt-4o-mini"), "Be concise, ...", tools=[get_weather])"""
    return Agent(OpenAIChatCompletionClient(model="gpt-4o-mini"), "Be concise, reply with one sentence.", tools=[get_weather])


def tool_names(agent):
    return [t.name for t in agent.default_options.get("tools", [])]
