# Pydantic AI (.venvs/pydantic_ai): what tests/adapters/e2e_system.cmake expects of it.
set(VERSIONS pydantic-ai-slim pydantic-graph openai)
set(SETTINGS "OpenAIChatModel(provider=OpenAIProvider(base_url))" "Agent.instrument_all"
             "Agent.run(usage_limits=UsageLimits(request_limit))")
set(HANDOFF previous)  # programmatic hand-off: each agent's run gets the previous output
set(UNSUPPORTED "")
set(TRIMMING "capabilities=\\[ProcessHistory\\(")
set(CONCURRENT hierarchical-delegation selector-group consensus-vote human-in-the-loop)
