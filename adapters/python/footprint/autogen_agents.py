"""AutoGen AgentChat: an AssistantAgent with an OpenAI model client and one tool, as Agno's earlier
comparison (cookbook/09_evals/performance/comparison/autogen_instantiation.py) builds it."""
from typing import Literal

from autogen_agentchat.agents import AssistantAgent
from autogen_ext.models.openai import OpenAIChatCompletionClient

IMPORT = "from autogen_agentchat.agents import AssistantAgent"  # Agno's autogen_instantiation.py
ITERATIONS = 1000
ITERATIONS_SOURCE = "Agno's autogen_instantiation.py"
VERSIONS = ("autogen-agentchat", "autogen-ext")


def get_weather(city: Literal["nyc", "sf"]):
    """Use this to get weather information."""
    return "It might be cloudy in nyc" if city == "nyc" else "It's always sunny in sf"


def agent_with_one_tool():
    """AssistantAgent(name="assistant", model_client=OpenAIChatCompletionClient(model="gpt-4o", ...), tools=[get_weather])"""
    return AssistantAgent(
        name="assistant",
        model_client=OpenAIChatCompletionClient(
            model="gpt-4o",
            model_info={"vision": False, "function_calling": True, "json_output": False, "family": "gpt-4o",
                        "structured_output": True}),
        tools=[get_weather])


def tool_names(agent):
    return [t.name for t in agent._tools]
