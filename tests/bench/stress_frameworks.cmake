# The load and endurance suites with a Python framework, in seconds (--smoke): the framework runs in
# its worker process through its concurrency path (batches on its async API) beside the native
# engine, the systems visit each level in turn, every task is accounted for in the ledger and each
# system has its own rows and criteria.
#   cmake -DLEGION_BENCH=... -DOUT=... -P stress_frameworks.cmake
file(REMOVE_RECURSE "${OUT}")

execute_process(COMMAND "${LEGION_BENCH}" --suite load --smoke --systems native,langchain --out "${OUT}/load" -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
if(NOT (rc EQUAL 0 OR rc EQUAL 1))
  message(FATAL_ERROR "load --smoke with a framework failed (${rc}):\n${out}\n${err}")
endif()
file(READ "${OUT}/load/STRESS_TEST_RESULTS.md" md)
# The framework's levels are the native engine's tasks ÷ 50 at the same agents (at least one task).
foreach(row "native / 10 agents, 10 tasks" "native / 200 agents, 200 tasks" "langchain / 10 agents, 1 tasks" "langchain / 200 agents, 4 tasks")
  if(NOT md MATCHES "\\| ${row} \\| ")
    message(FATAL_ERROR "load: no row for ${row}:\n${md}")
  endif()
endforeach()
if(NOT md MATCHES "\\| zero data loss \\| [^|]+ \\| \\*\\*pass\\*\\* \\| 0 lost of [1-9][0-9]* submitted")
  message(FATAL_ERROR "load: the ledger does not show zero lost tasks:\n${md}")
endif()
# The load criteria for each system.
foreach(system native langchain)
  if(NOT md MATCHES "\\| 100\\+ concurrent agents without failure \\(${system}\\) \\| [^|]+ \\| \\*\\*pass\\*\\* \\| 200 agents"
     OR NOT md MATCHES "\\| error rate under 0\\.1% at normal load \\(${system}\\) \\|")
    message(FATAL_ERROR "load: no criteria of their own for ${system}:\n${md}")
  endif()
endforeach()
file(READ "${OUT}/load/stress.json" json)
# The systems take turns: the first level starts with native, the second with langchain.
string(JSON first GET "${json}" phases 0 name)
string(JSON second GET "${json}" phases 2 name)
if(NOT first MATCHES "^native / 10 agents" OR NOT second MATCHES "^langchain / 50 agents")
  message(FATAL_ERROR "load: the systems do not take turns at each level: '${first}', then '${second}'")
endif()
# The framework answered correctly through its worker: completed tasks, none failed.
string(JSON phase_count LENGTH "${json}" phases)
math(EXPR last "${phase_count} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${json}" phases ${i} name)
  string(JSON completed GET "${json}" phases ${i} analysis completed)
  string(JSON failed GET "${json}" phases ${i} analysis failed)
  if(completed EQUAL 0 OR NOT failed EQUAL 0)
    message(FATAL_ERROR "load: ${name}: ${completed} completed, ${failed} failed:\n${md}")
  endif()
endforeach()

# Endurance with the framework alone: its worker's memory is sampled and the verdict written.
execute_process(COMMAND "${LEGION_BENCH}" --suite endurance --smoke --systems langchain --out "${OUT}/endurance" -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
file(READ "${OUT}/endurance/STRESS_TEST_RESULTS.md" md)
if(NOT (rc EQUAL 0 OR rc EQUAL 1) OR NOT md MATCHES "\\| RSS \\(MB\\) \\|" OR NOT md MATCHES "Verdict: (no leak|\\*\\*leak\\*\\*)"
   OR NOT md MATCHES "langchain / endurance")
  message(FATAL_ERROR "endurance --smoke with a framework failed (${rc}):\n${out}\n${err}\n${md}")
endif()
file(READ "${OUT}/endurance/stress.json" json)
string(JSON rss GET "${json}" phases 0 analysis peak_rss_mb)
if(rss LESS 30)  # the worker's Python and framework, not this process's few MB
  message(FATAL_ERROR "endurance: the framework's worker was not sampled (peak RSS ${rss} MB)")
endif()
