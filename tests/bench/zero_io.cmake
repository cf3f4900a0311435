# legion-bench zero-io end to end, in seconds: by default the zero-I/O graphs of native and every
# framework with a graph or workflow engine, every result checked, the table and a verdict per
# published figure written; an unknown system, or one without such an engine, refused.
#   cmake -DLEGION_BENCH=... -DOUT=... -P zero_io.cmake
file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND "${LEGION_BENCH}" zero-io --rounds 2 --batches 2
                        --iterations 5 --native-iterations 2000 --out "${OUT}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "zero-io failed (${rc}):\n${out}\n${err}")
endif()
file(READ "${OUT}/ZERO_IO.md" md)
foreach(system native langchain crewai autogen agent-framework pydantic-ai agno llamaindex google-adk)
  if(NOT md MATCHES "\n\\| ${system} \\| [0-9.]+ \\[[0-9.]+, [0-9.]+\\] \\| [0-9.]+ \\[[0-9.]+, [0-9.]+\\] \\|[^\n]*\\| all correct \\|")
    message(FATAL_ERROR "ZERO_IO.md has no complete, correct row for ${system}:\n${md}")
  endif()
endforeach()
# Every NeoGraph figure gets a measurement and a verdict.
foreach(id neograph-native-seq-us neograph-native-par-us neograph-langgraph-seq-ratio neograph-autogen-par-ratio
           neograph-langgraph-peak-rss neograph-native-peak-rss "neograph-autogen-seq-us ÷ neograph-langgraph-seq-us")
  if(NOT md MATCHES "\n\\| ${id} \\| [^|]+ \\| [0-9.]+[^|]* \\| (target met|target missed|reproduced|differs|not comparable)")
    message(FATAL_ERROR "no verdict for ${id}:\n${md}")
  endif()
endforeach()
file(READ "${OUT}/zero_io.json" json)
string(JSON rounds GET "${json}" systems autogen per_invocation_us seq)
string(JSON n LENGTH "${json}" systems autogen per_invocation_us seq)
if(NOT n EQUAL 4)  # 2 rounds x 2 batches
  message(FATAL_ERROR "expected 4 batch means for autogen seq, got ${n}: ${rounds}")
endif()

execute_process(COMMAND "${LEGION_BENCH}" zero-io --systems nosuch RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 2 OR NOT err MATCHES "no zero-I/O workloads for system 'nosuch'")
  message(FATAL_ERROR "an unknown system was not refused (${rc}): ${err}")
endif()
execute_process(COMMAND "${LEGION_BENCH}" zero-io --systems native,openai-agents RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 2 OR NOT err MATCHES "no zero-I/O workloads for system 'openai-agents'")
  message(FATAL_ERROR "a system without a graph engine was not refused (${rc}): ${err}")
endif()
