# LlamaIndex (.venvs/llamaindex): what tests/adapters/e2e_system.cmake expects of it.
set(VERSIONS llama-index-core llama-index-llms-openai-like llama-index-workflows openai)
set(SETTINGS "OpenAILike(api_base, is_chat_model, is_function_calling_model)" "OpenAILike(context_window)"
             "FunctionAgent.run(max_iterations)" "FunctionAgent(streaming)")
set(HANDOFF previous)  # the pipeline workflow's event carries the previous agent's output only
set(UNSUPPORTED "")
# No TRIMMING: LlamaIndex's memories bound a history by tokens, never by a number of messages, so
# context-management with context_window N is recorded unsupported (docs/adapters.md).
set(CONCURRENT hierarchical-delegation selector-group consensus-vote human-in-the-loop)
