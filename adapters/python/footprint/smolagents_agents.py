"""smolagents: a ToolCallingAgent with a model reference and one Tool subclass instance, as Agno's
earlier comparison (cookbook/09_evals/performance/comparison/smolagents_instantiation.py) builds it,
with the project's OpenAI-compatible model class (OpenAIServerModel, pointed at a closed loopback
port and never called) in place of that script's Hugging Face InferenceClientModel."""
from smolagents import OpenAIServerModel, Tool, ToolCallingAgent

IMPORT = "from smolagents import ToolCallingAgent"
ITERATIONS = 1000
ITERATIONS_SOURCE = "Agno's smolagents_instantiation.py"
VERSIONS = ("smolagents",)


class WeatherTool(Tool):
    name = "get_weather"
    description = "Return the weather for a city."
    inputs = {"city": {"type": "string", "description": "The city"}}
    output_type = "string"

    def forward(self, city: str):
        return "sunny in " + city


def agent_with_one_tool():
    """ToolCallingAgent(tools=[WeatherTool()], model=OpenAIServerModel(model_id="gpt-4o-mini", api_base=...))"""
    return ToolCallingAgent(tools=[WeatherTool()],
                            model=OpenAIServerModel(model_id="gpt-4o-mini", api_base="http://127.0.0.1:9/v1",
                                                    api_key="legion-bench-no-key"))


def tool_names(agent):
    return [name for name in agent.tools if name != "final_answer"]
