# smolagents (.venvs/smolagents): what tests/adapters/e2e_system.cmake expects of it.
set(VERSIONS smolagents openai huggingface-hub)
set(SETTINGS "OpenAIServerModel(api_base)" "OpenAIServerModel(retry)" "ToolCallingAgent(max_steps)"
             "ToolCallingAgent(verbosity_level)")
set(HANDOFF previous)  # plain Python: each agent's run gets the previous answer only
# smolagents has no memory or vector store; its retrieval is a retriever tool the model calls.
set(UNSUPPORTED "memory-retrieval=no memory or vector store")
set(TRIMMING "step_callbacks=\\[keep the last N steps")
set(CONCURRENT hierarchical-delegation selector-group consensus-vote human-in-the-loop multi-turn-conversation)
