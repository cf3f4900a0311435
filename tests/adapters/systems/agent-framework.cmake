# Microsoft Agent Framework (.venvs/agent_framework): what tests/adapters/e2e_system.cmake expects of it.
set(VERSIONS agent-framework-core agent-framework-openai agent-framework-orchestrations openai)
set(SETTINGS "OpenAIChatCompletionClient(async_client)" "workflow per task")
set(HANDOFF every)  # a sequential workflow's conversation carries every earlier output
set(UNSUPPORTED "")
set(TRIMMING "Agent\\(compaction_strategy=TruncationStrategy\\(")
set(CONCURRENT selector-group hierarchical-delegation consensus-vote human-in-the-loop mixture-of-agents)
