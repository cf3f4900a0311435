# Agno (.venvs/agno): what tests/adapters/e2e_system.cmake expects of it.
set(VERSIONS agno openai)
set(SETTINGS "OpenAILike(base_url)" "AGNO_TELEMETRY" "Team(max_iterations)")
set(HANDOFF previous)  # each workflow step's agent gets the task and the previous step's output
set(UNSUPPORTED "")
set(TRIMMING "Agent\\(pre_hooks=\\[keep the first message")
set(CONCURRENT hierarchical-delegation selector-group consensus-vote human-in-the-loop)
