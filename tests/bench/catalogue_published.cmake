# The catalogue's tool-overhead and mixture-of-agents scenarios on all four systems, a sweep and
# its refusals, and the quick published suite, end to end:
#   cmake -DLEGION_BENCH=... -DSOURCE=... -DOUT=... -DPART=catalogue|published -P catalogue_published.cmake
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")

include("${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake")

if(PART STREQUAL "catalogue")
  # 1. Both scenarios correct on every system.
  run_bench(0 --systems ${SEED_SYSTEMS} --suite catalogue --scenario tool-overhead --scenario mixture-of-agents -n 1 --warmup 0 --out "${OUT}/all")
  read_records("${OUT}/all/results.json")
  set(seen "")
  foreach(i RANGE ${last})
    string(JSON record GET "${json}" records ${i})
    string(JSON correct GET "${record}" correct)
    string(JSON system GET "${record}" system)
    string(JSON scenario GET "${record}" scenario)
    string(JSON bytes GET "${record}" request_bytes)
    if(NOT correct OR bytes LESS 200)  # every record carries the bodies the model server received
      message(FATAL_ERROR "not a correct run, or no request bytes: ${record}")
    endif()
    list(APPEND seen "${scenario}/${system}")
  endforeach()
  list(REMOVE_DUPLICATES seen)
  list(LENGTH seen cells)
  if(NOT cells EQUAL 8)
    message(FATAL_ERROR "expected 2 scenarios x 4 systems, got ${cells}: ${seen}")
  endif()

  # 2. Altered planted values fail on every system: the needed tool result carries a decoy; the
  #    task carries a decoy of the version the proposers must repeat (the real one sits in a tool
  #    no agent has).
  file(READ "${SOURCE}/datasets/scenarios/tool-overhead.yaml" text)
  string(REPLACE "Record launch-code: {{nonce.code}}." "Record launch-code: {{nonce.decoy}}." text "${text}")
  string(REPLACE "      - when: {key: launch-code}"
                 "      - when: {key: archived}\n        result: \"Archived {{nonce.code}}.\"\n      - when: {key: launch-code}" text "${text}")
  string(REPLACE "name: tool-overhead" "name: tool-overhead-altered" text "${text}")
  file(WRITE "${OUT}/tool-overhead-altered.yaml" "${text}")
  file(READ "${SOURCE}/datasets/scenarios/mixture-of-agents.yaml" text)
  string(REPLACE "version {{nonce.version}}.\"" "version {{nonce.decoy}}.\"" text "${text}")
  string(REPLACE "aggregator: aggregator"
                 "aggregator: aggregator\ntools:\n  - name: archive\n    description: Archived notes.\n    results:\n      - when: {key: never}\n        result: \"Archived {{nonce.version}}.\"" text "${text}")
  string(REPLACE "name: mixture-of-agents" "name: mixture-of-agents-altered" text "${text}")
  file(WRITE "${OUT}/mixture-of-agents-altered.yaml" "${text}")
  run_bench(1 --systems ${SEED_SYSTEMS} --scenario "${OUT}/tool-overhead-altered.yaml" --scenario "${OUT}/mixture-of-agents-altered.yaml"
            -n 1 --warmup 0 --out "${OUT}/altered")
  read_records("${OUT}/altered/results.json")
  if(NOT n EQUAL 8)
    message(FATAL_ERROR "expected 8 records for the altered scenarios, got ${n}")
  endif()
  foreach(i RANGE ${last})
    string(JSON record GET "${json}" records ${i})
    string(JSON correct GET "${record}" correct)
    string(JSON answer GET "${record}" answer)
    if(correct OR NOT answer MATCHES "MISSING\\((code|version)\\)")
      message(FATAL_ERROR "an altered planted value should give a wrong answer, not: ${record}")
    endif()
  endforeach()

  # 3. A sweep: one cell per value, a slope per system and metric, a chart in the HTML.
  run_bench(0 --systems native,langchain --scenario tool-overhead --sweep extra_tools=0,20 -n 2 --warmup 0 --out "${OUT}/sweep")
  read_records("${OUT}/sweep/results.json")
  if(NOT n EQUAL 8)
    message(FATAL_ERROR "expected 2 values x 2 systems x 2 repetitions, got ${n}")
  endif()
  file(READ "${OUT}/sweep/BENCHMARK_RESULTS.md" md)
  foreach(system native langchain)
    if(NOT md MATCHES "\n\\| ${system} \\| prompt tokens \\| [0-9.]+ prompt tokens \\[[0-9.]+, [0-9.]+\\] \\| 0: [0-9]+, 20: [0-9]+ \\| 4 \\|")
      message(FATAL_ERROR "no prompt-token slope for ${system}:\n${md}")
    endif()
  endforeach()
  file(READ "${OUT}/sweep/report.html" html)
  if(NOT html MATCHES "prompt tokens against extra_tools in tool-overhead" OR NOT html MATCHES "<polyline")
    message(FATAL_ERROR "report.html has no sweep chart")
  endif()

  # 4. Refused before anything runs, naming the flag.
  run_bench(2 --systems native --scenario tool-overhead --sweep extra_tools=0,500 --out "${OUT}/x")
  if(NOT last_output MATCHES "--sweep extra_tools=500: [^\n]*tool-overhead.yaml:[0-9]+:[0-9]+: parameter 'extra_tools' = 500 is outside \\[0, 200\\]")
    message(FATAL_ERROR "out-of-bounds sweep: ${last_output}")
  endif()
  run_bench(2 --systems native --scenario single-tool --sweep proposers=3..15:3 --out "${OUT}/x")
  if(NOT last_output MATCHES "--sweep proposers: no selected scenario declares it")
    message(FATAL_ERROR "undeclared sweep: ${last_output}")
  endif()
  run_bench(2 --systems native --scenario tool-overhead --sweep extra_tools=9..1 --out "${OUT}/x")
  if(NOT last_output MATCHES "--sweep extra_tools=9..1: the range must rise")
    message(FATAL_ERROR "reversed sweep: ${last_output}")
  endif()
  if(EXISTS "${OUT}/x/results.json")
    message(FATAL_ERROR "a refused sweep ran something")
  endif()
elseif(PART STREQUAL "published")
  run_bench(0 --systems ${SEED_SYSTEMS} --suite published --quick -n 2 --warmup 0 --out "${OUT}/published")
  file(READ "${OUT}/published/PUBLISHED_COMPARISON.md" md)
  # Every figure of every source has a row with a verdict.
  file(GLOB sources "${SOURCE}/datasets/published/*.yaml")
  foreach(source ${sources})
    file(STRINGS "${source}" ids REGEX "^- id: ")
    foreach(line ${ids})
      string(REPLACE "- id: " "" id "${line}")
      if(NOT md MATCHES "\n\\| ${id} \\| [^\n]+ \\| (reproduced|differs|not comparable|not measured|target met|target missed)")
        message(FATAL_ERROR "no verdict for ${id}:\n${md}")
      endif()
    endforeach()
  endforeach()
  # Measured, not merely listed: the ratios to the direct call and the slopes of both sweeps.
  foreach(id mafbench-langgraph-p50-ratio mafbench-autogen-p50-ratio
             "agentrace-crewai-prompt-tokens-20-tools − agentrace-crewai-prompt-tokens-0-tools, per tool"
             "agentrace-autogen-moa-tokens-15-workers − agentrace-autogen-moa-tokens-3-workers, per worker"
             aimultiple-crewai-langchain-token-ratio neograph-langgraph-peak-rss agno-perf-langgraph-memory-kib)
    if(NOT md MATCHES "\n\\| ${id} \\| [^\n]+ \\| [0-9.]+[^|]* \\| (reproduced|differs)")
      message(FATAL_ERROR "no measured verdict for ${id}:\n${md}")
    endif()
  endforeach()
  # Agno's single-turn figures from the in-process run of the systems given: LangGraph's time per
  # task measured (an absolute time: shown, not judged), its ratio not measured without Agno.
  if(NOT md MATCHES "\n\\| agno-perf-langgraph-single-turn-us \\| [^\n]+ \\| [0-9]+ µs [^|\n]+ \\| not comparable: [^\n]+the pipe's round trip included \\(langchain@in-process [0-9.]+ µs per call"
     OR NOT md MATCHES "\n\\| agno-perf-crewai-single-turn-ratio \\| [^\n]+ \\| not measured: agno@in-process was not in the single-turn run")
    message(FATAL_ERROR "no single-turn measurement:\n${md}")
  endif()
  if(NOT md MATCHES "\n## References\n\n1\\. ")
    message(FATAL_ERROR "no references:\n${md}")
  endif()
  file(READ "${OUT}/published/report/report.html" html)
  if(NOT html MATCHES "Published figures re-measured" OR NOT html MATCHES "mafbench-langgraph-p50-ratio")
    message(FATAL_ERROR "report.html lacks the published comparison")
  endif()
else()
  message(FATAL_ERROR "PART must be catalogue or published")
endif()
