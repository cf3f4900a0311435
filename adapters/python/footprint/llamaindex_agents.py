"""LlamaIndex: a FunctionAgent (AgentWorkflow's agent) with an OpenAI-compatible LLM reference and
one function tool. No published figure covers LlamaIndex; the shape is the other frameworks'. The
LLM is the project's route (OpenAILike with chat and function calling on), pointed at a closed
loopback port: it is only constructed, never called."""
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.llms.openai_like import OpenAILike

IMPORT = "from llama_index.core.agent.workflow import FunctionAgent"
ITERATIONS = 100
ITERATIONS_SOURCE = "no source measures LlamaIndex; the count Agno's comparison gives its slowest frameworks"
VERSIONS = ("llama-index-core", "llama-index-llms-openai-like")


def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return "sunny in " + city


def agent_with_one_tool():
    """FunctionAgent(tools=[get_weather], llm=OpenAILike(model="gpt-4o-mini", api_base=..., is_chat_model=True, is_function_calling_model=True))"""
    return FunctionAgent(tools=[get_weather],
                         llm=OpenAILike(model="gpt-4o-mini", api_base="http://127.0.0.1:9/v1", api_key="legion-bench-no-key",
                                        is_chat_model=True, is_function_calling_model=True))


def tool_names(agent):
    return [t.metadata.name for t in agent.tools]
