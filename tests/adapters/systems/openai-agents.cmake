# The OpenAI Agents SDK (.venvs/openai_agents): what tests/adapters/e2e_system.cmake expects of it.
set(VERSIONS openai-agents openai)
set(SETTINGS set_default_openai_api set_tracing_disabled "Runner.run(max_turns)")
set(HANDOFF previous)  # chained Runner.run calls
# The SDK's only retrieval construct is the hosted FileSearchTool.
set(UNSUPPORTED "memory-retrieval=FileSearchTool")
set(TRIMMING "RunConfig\\(call_model_input_filter")
set(CONCURRENT consensus-vote hierarchical-delegation selector-group multi-turn-conversation iterative-refinement
               human-in-the-loop)
