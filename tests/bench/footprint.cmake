# legion-bench footprint end to end, with small counts: the cold import and the construction of an
# agent with one tool in two frameworks (Pydantic AI and the OpenAI Agents SDK), what each built
# checked, the tables and a verdict for every published figure they measure written; an unknown
# system, or one without a construction file, refused.
#   cmake -DLEGION_BENCH=... -DOUT=... -P footprint.cmake
file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND "${LEGION_BENCH}" footprint --systems pydantic-ai,openai-agents --import-samples 2 --iterations 5
                        --warmups 2 --out "${OUT}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "footprint failed (${rc}):\n${out}\n${err}")
endif()
file(READ "${OUT}/FOOTPRINT.md" md)
set(number "[0-9][0-9.]*")
set(interval "${number} \\[${number}, ${number}\\]")
set(escaped_interval "\\\\\\[-?${number}, ${number}\\\\\\]")  # as the verdict table escapes it: \[a, b\] (a mean's t interval may reach below 0)
foreach(system pydantic-ai openai-agents)
  # Cold import: the import timed, the median with its interval, the interpreter's start-up.
  if(NOT md MATCHES "\n\\| ${system} \\| from [^|]+ import Agent \\| ${interval} \\| — \\| ${number} \\|\n")
    message(FATAL_ERROR "FOOTPRINT.md has no cold-import row for ${system}:\n${md}")
  endif()
  # Construction with one tool: 5 calls, time and memory with intervals, built as asked.
  if(NOT md MATCHES "\n\\| ${system} \\| Agent\\([^|]+\\| 5 \\| ${interval} \\| — \\| ${interval} \\| — \\| [^|]+ \\| built as asked \\|\n")
    message(FATAL_ERROR "FOOTPRINT.md has no construction row for ${system}:\n${md}")
  endif()
endforeach()
# PraisonAI's 2025 shape (no tool) for both.
if(NOT md MATCHES "\n\\| pydantic-ai \\(no\\\\_tools\\) \\| Agent\\(\"openai:gpt-4o-mini\"\\) \\| 5 \\|")
  message(FATAL_ERROR "FOOTPRINT.md has no construction row without tools for pydantic-ai:\n${md}")
endif()
# A verdict for each figure these two frameworks measure: memory within its tolerance or not, a
# ratio of two frameworks of PraisonAI's table, absolute times shown without a verdict; and the
# figures that need Agno, not measured.
foreach(row "agno-perf-pydantic-ai-memory-kib \\| [^|]+ \\| 39.0 KiB \\(tracemalloc peak\\) \\| ${number} KiB ${escaped_interval} \\| (reproduced|differs): "
            "praisonai-2025-pydantic-ai-us ÷ praisonai-2025-openai-agents-us \\| [^|]+ \\| 40.7× OpenAI Agents SDK \\| ${number}× \\(pydantic-ai ${number} ÷ openai-agents ${number} µs\\) \\| (reproduced|differs): "
            "praisonai-2026-openai-agents-us \\| [^|]+ \\| 5.05 µs per construction \\(mean\\) \\| ${number} µs ${escaped_interval} \\| not comparable across machines \\(absolute-time\\); "
            "agno-perf-pydantic-ai-cold-import-ratio \\| [^|]+ \\| 1.50 × Agno \\| — \\| not measured: ")
  if(NOT md MATCHES "\n\\| ${row}")
    message(FATAL_ERROR "no verdict row matching '${row}':\n${md}")
  endif()
endforeach()
file(READ "${OUT}/footprint.json" json)
string(JSON n LENGTH "${json}" systems pydantic-ai import_ms)
if(NOT n EQUAL 2)
  message(FATAL_ERROR "expected 2 cold-import samples for pydantic-ai, got ${n}")
endif()
string(JSON n LENGTH "${json}" systems openai-agents shapes one_tool times_us)
string(JSON m LENGTH "${json}" systems openai-agents shapes one_tool memory_kib)
string(JSON w LENGTH "${json}" systems openai-agents shapes one_tool warmup_us)
if(NOT n EQUAL 5 OR NOT m EQUAL 5 OR NOT w EQUAL 2)
  message(FATAL_ERROR "expected 5 timed, 5 traced and 2 warm-up constructions for openai-agents, got ${n}, ${m}, ${w}")
endif()

execute_process(COMMAND "${LEGION_BENCH}" footprint --systems nosuch RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 2 OR NOT err MATCHES "no construction file for system 'nosuch'")
  message(FATAL_ERROR "an unknown system was not refused (${rc}): ${err}")
endif()
execute_process(COMMAND "${LEGION_BENCH}" footprint --systems native RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 2 OR NOT err MATCHES "no construction file for system 'native'")
  message(FATAL_ERROR "the native engine was not refused (${rc}): ${err}")
endif()
