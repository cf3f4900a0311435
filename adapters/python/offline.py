"""Telemetry, trace uploads, version checks and first-run prompts switched off through the
frameworks' documented settings, before any of them is imported. Nothing here patches a framework.
Shared by the adapters (legion_common) and the zero-I/O workloads (zero_io/)."""
import os

OFFLINE_ENVIRONMENT = {
    "OTEL_SDK_DISABLED": "true",             # CrewAI's OpenTelemetry exporter
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_DISABLE_TRACKING": "true",
    "CREWAI_TRACING_ENABLED": "false",       # CrewAI's trace collection
    "CREWAI_TESTING": "true",                # no first-run trace prompt
    "CREWAI_DISABLE_VERSION_CHECK": "true",
    "ANONYMIZED_TELEMETRY": "False",         # chromadb, imported by CrewAI
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGCHAIN_TRACING": "false",
    "AUTOGEN_DISABLE_RUNTIME_TRACING": "true",
    "AGNO_TELEMETRY": "false",               # Agno's usage data of agent, team and workflow runs (docs.agno.com/telemetry)
    "LITELLM_OFFLINE_MODE": "true",           # LiteLLM (Google ADK's model connector): no catalogue, check or tokenizer download
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",   # LiteLLM's model cost map from its bundled copy, not fetched at import
    "LITELLM_MODE": "PRODUCTION",             # LiteLLM loads no .env file from the working directory
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
    "OPENAI_API_KEY": "legion-bench-no-key",  # the model server ignores it; clients insist on one
}


def configure_offline():
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ[key] = value
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        os.environ.pop(key, None)
