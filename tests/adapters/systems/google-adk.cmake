# Google ADK (.venvs/google_adk): what tests/adapters/e2e_system.cmake expects of it.
set(VERSIONS google-adk google-genai litellm openai)
set(SETTINGS "LiteLlm(model=\"openai/<model>\", api_base)" "LiteLlm(max_retries, timeout)"
             "LITELLM_LOCAL_MODEL_COST_MAP / LITELLM_OFFLINE_MODE" "LoopAgent")
set(HANDOFF previous)  # the sequence's hand-on nodes give the next agent the task and the previous output
set(UNSUPPORTED "")
set(TRIMMING "^before_model_callback keeping the request's last N contents")
set(CONCURRENT hierarchical-delegation selector-group consensus-vote human-in-the-loop)
set(RETRIEVAL keywords)  # InMemoryMemoryService ranks stored events by the query's words
