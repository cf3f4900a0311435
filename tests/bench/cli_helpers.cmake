# Helpers of the command-line tests (included by the e2e_*.cmake and catalogue_published.cmake scripts).

# The four systems the seed tests were written for: they name them rather than take the registered
# list, so that a newly registered framework gets its own tests (tests/adapters/e2e_NAME.cmake)
# instead of changing these tests' counts.
set(SEED_SYSTEMS native,langchain,crewai,autogen)

# Runs a command and fails unless it exits with `code`; its output is left in last_stdout and
# last_stderr.
function(expect_exit code)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL code)
    message(FATAL_ERROR "expected exit ${code}, got ${rc}: ${ARGN}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(last_stdout "${out}" PARENT_SCOPE)
  set(last_stderr "${err}" PARENT_SCOPE)
endfunction()

# Starts a 40-repetition run into `dir` and sends it SIG`signal` once its first record is measured
# (its progress line is out, so the test does not depend on how fast the machine starts the run);
# fails unless it exits with `code` having written everything measured, marked interrupted. Leaves
# the number of records in stopped_records.
function(expect_stopped_by signal code dir)
  execute_process(COMMAND sh -c "\"$0\" --systems native --scenario single-tool --latency ttft=100,tps=0 -n 40 --warmup 0 --out \"$1\" 2>\"$1.err\" >/dev/null & pid=$!
                                 for i in $(seq 1 600); do grep -q 'rep ' \"$1.err\" 2>/dev/null && break; sleep 0.05; done
                                 kill -${signal} $pid; wait $pid; exit $?"
                          "${LEGION_BENCH}" "${dir}"
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL code)
    message(FATAL_ERROR "a run stopped by SIG${signal} should exit ${code}, got ${rc}")
  endif()
  file(READ "${dir}/results.json" json)
  string(JSON interrupted GET "${json}" run interrupted)
  string(JSON n LENGTH "${json}" records)
  if(NOT interrupted OR n LESS 1 OR n GREATER_EQUAL 40)
    message(FATAL_ERROR "run stopped by SIG${signal}: interrupted=${interrupted}, ${n} records")
  endif()
  file(READ "${dir}/BENCHMARK_RESULTS.md" md)
  if(NOT md MATCHES "This run was interrupted")
    message(FATAL_ERROR "BENCHMARK_RESULTS.md does not say the run was interrupted")
  endif()
  set(stopped_records ${n} PARENT_SCOPE)
endfunction()

# Runs legion-bench (quietly) with the arguments and fails unless it exits with `code`; its stderr is
# left in `stderr`, stdout and stderr together in `last_output`.
function(run_bench code)
  execute_process(COMMAND "${LEGION_BENCH}" ${ARGN} -q RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL code)
    message(FATAL_ERROR "expected exit ${code}, got ${rc}: ${ARGN}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(stderr "${err}" PARENT_SCOPE)
  set(last_output "${out}${err}" PARENT_SCOPE)
endfunction()

# Reads a results.json: its text in `json`, the number of records in `n`, the last index in `last`.
macro(read_records file)
  file(READ "${file}" json)
  string(JSON n LENGTH "${json}" records)
  math(EXPR last "${n} - 1")
endmacro()

# Writes OUT/S-altered.yaml, scenario S with the planted value its answer needs moved out of reach,
# and appends `--scenario FILE` to `altered` in the caller. A tool result that held the value gets a
# decoy and the real value moves to a case no call reaches (single-tool, sequential-pipeline,
# selector-group); with VALUE, the planted value the task carries (nonce.VALUE) becomes a decoy and
# the real one sits in a tool result no call reaches.
function(write_altered s)
  set(value "${ARGV1}")
  file(READ "${SOURCE}/datasets/scenarios/${s}.yaml" text)
  foreach(planted "Record launch-code: {{nonce.code}}|key: launch-code|key: archived|code"
                  "Trend index {{nonce.trend}}|series: quarterly-sales|series: archived|trend"
                  "Test run {{nonce.testrun}}: 1 failure|suite: billing|suite: archived|testrun")
    string(REPLACE "|" ";" planted "${planted}")
    list(GET planted 0 shown)
    list(GET planted 1 reached)
    list(GET planted 2 unreached)
    list(GET planted 3 nonce)
    string(REPLACE "{{nonce.${nonce}}}" "{{nonce.decoy}}" decoy "${shown}")
    string(REPLACE "${shown}" "${decoy}" text "${text}")
    string(REPLACE "      - when: {${reached}}"
                   "      - when: {${unreached}}\n        result: \"Archived {{nonce.${nonce}}}.\"\n      - when: {${reached}}"
                   text "${text}")
  endforeach()
  if(value)
    string(REGEX REPLACE "(\ntask: [^\n]*){{nonce.${value}}}" "\\1{{nonce.decoy}}" text "${text}")
    string(REPLACE "Accepted: certificate {{nonce.certificate}}." "Accepted: certificate {{nonce.decoy}}." text "${text}")
    if(s STREQUAL "iterative-refinement")
      string(REPLACE "    results:\n" "    results:\n      - when: {attempt: 99}\n        result: \"Archived {{nonce.certificate}}.\"\n"
                     text "${text}")
    else()  # a tool no call reaches holds the real value (beside the scenario's own tools, if any)
      set(archive "  - name: archive\n    results:\n      - result: \"Archived {{nonce.${value}}}.\"\n")
      string(FIND "${text}" "\ntools:\n" has_tools)
      if(has_tools LESS 0)
        string(APPEND text "tools:\n${archive}")
      else()
        string(REPLACE "\ntools:\n" "\ntools:\n${archive}" text "${text}")
      endif()
    endif()
  endif()
  string(REPLACE "name: ${s}" "name: ${s}-altered" text "${text}")
  file(WRITE "${OUT}/${s}-altered.yaml" "${text}")
  set(altered ${altered} --scenario "${OUT}/${s}-altered.yaml" PARENT_SCOPE)
endfunction()
