# End-to-end reliability checks of the legion-bench command line (docs/reliability.md), run by ctest:
#   cmake -DLEGION_BENCH=path/to/legion-bench -DSOURCE=source-dir -DOUT=scratch-dir -P e2e_reliability.cmake
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")

include(${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake)

# Exit status 2 and a message naming the problem.
function(expect_refused pattern)
  expect_exit(2 ${ARGN})
  if(NOT last_stderr MATCHES "${pattern}")
    message(FATAL_ERROR "expected a message matching '${pattern}' for ${ARGN}, got:\n${last_stderr}")
  endif()
endfunction()

set(run "${LEGION_BENCH}" --systems native --scenario single-tool -n 1 --warmup 0 -q)
# A stand-in for Chromium that prints a small, whole PDF (ending in %%EOF) at once, where the PDF is
# not what is tested.
file(WRITE "${OUT}/fake-chromium"
     "#!/bin/sh\nfor a; do case \"$a\" in --print-to-pdf=*) printf '%%PDF-1.4\\n%%%%EOF\\n' > \"\${a#--print-to-pdf=}\";; esac; done\n")
file(CHMOD "${OUT}/fake-chromium" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

# 1. Nonsense options are refused before anything runs, naming the flag; --help is not an error.
expect_refused("--timeout" ${run} --timeout -1 --out "${OUT}/x")
expect_refused("--timeout" ${run} --timeout 0 --out "${OUT}/x")
expect_refused("--systems: no system given" "${LEGION_BENCH}" --systems , --scenario single-tool --out "${OUT}/x")
expect_refused("--repetitions" ${run} --repetitions -3 --out "${OUT}/x")
expect_refused("--warmup" ${run} --warmup -5 --out "${OUT}/x")
expect_refused("--target-ci" ${run} --target-ci -1 --out "${OUT}/x")
expect_refused("--max-repetitions" ${run} --max-repetitions 0 --out "${OUT}/x")
expect_refused("--latency 'ttft=-5,tps=0': ttft must be between" ${run} --latency ttft=-5,tps=0 --out "${OUT}/x")
expect_refused("--seed" ${run} --seed -1 --out "${OUT}/x")
expect_refused("--param nosuch: no selected scenario declares it" ${run} --param nosuch=3 --out "${OUT}/x")
expect_refused("--concurrency" ${run} --concurrency 0 --out "${OUT}/x")
expect_refused("--no-such-flag" ${run} --no-such-flag --out "${OUT}/x")
expect_refused("--max-connections" "${LEGION_BENCH}" oracle --scenario single-tool --max-connections 0)
expect_exit(0 "${LEGION_BENCH}" --help)
if(EXISTS "${OUT}/x")
  message(FATAL_ERROR "a refused run wrote ${OUT}/x")
endif()

# 2. Scenario files that would merge cells or expand to nothing, and duplicate systems or scenarios.
file(READ "${SOURCE}/datasets/scenarios/single-tool.yaml" single_tool)
file(WRITE "${OUT}/other.yaml" "${single_tool}")
expect_refused("other.yaml:2:7: the scenario is named 'single-tool' but its file is other.yaml"
               "${LEGION_BENCH}" --systems native --scenario single-tool --scenario "${OUT}/other.yaml" --out "${OUT}/x")
file(READ "${SOURCE}/datasets/scenarios/hierarchical-delegation.yaml" hierarchical)
string(REPLACE "{var: i, from: 1, to: \"\${workers}\"}" "{var: i, from: 1, to: \"\${workers} - 5\"}" empty_team "${hierarchical}")
file(WRITE "${OUT}/empty/hierarchical-delegation.yaml" "${empty_team}")
expect_refused("hierarchical-delegation.yaml:[0-9]+:[0-9]+: repeat 'to' \\(-2\\) is below 'from' \\(1\\)"
               "${LEGION_BENCH}" --systems native --scenario "${OUT}/empty/hierarchical-delegation.yaml" --out "${OUT}/x")
expect_refused("--systems: 'native' is given twice" "${LEGION_BENCH}" --systems native,native --scenario single-tool --out "${OUT}/x")
file(WRITE "${OUT}/copy/single-tool.yaml" "${single_tool}")
expect_refused("--scenario: 'single-tool' is given twice"
               "${LEGION_BENCH}" --systems native --scenario single-tool --scenario "${OUT}/copy/single-tool.yaml" --out "${OUT}/x")

# 3. Limits of the machine: a payload beyond available memory is refused before the run; so is a
#    concurrency beyond the threads the machine allows (here either it fits, or it is refused
#    naming the limit — never a crash).
string(REPLACE "max: 1000000," "max: 1000000000000000," unbounded "${single_tool}")
file(WRITE "${OUT}/big/single-tool.yaml" "${unbounded}")
expect_refused("single-tool.yaml:[0-9]+:[0-9]+: \\{\\{pad.100000000000000\\}\\} brings the scenario's padding to more than [0-9]+ bytes, more than fits in memory: MemAvailable is"
               "${LEGION_BENCH}" --systems native --scenario "${OUT}/big/single-tool.yaml" --param payload_bytes=100000000000000
               --out "${OUT}/x")
execute_process(COMMAND ${run} --concurrency 5000 --out "${OUT}/c5000" RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0 AND NOT (rc EQUAL 2 AND err MATCHES "--concurrency 5000 needs about [0-9]+ threads, but .* the most this machine allows"))
  message(FATAL_ERROR "--concurrency 5000: exit ${rc}\n${err}")
endif()
# A user limited to 20 processes (RLIMIT_NPROC, which binds only users other than root): fewer than
# the model server's event loops, the worker's and the margin need, whatever the native engine's
# concurrency.
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
set(as_user "")
if(uid STREQUAL "0")
  find_program(SETPRIV setpriv)
  if(SETPRIV)
    set(as_user ${SETPRIV} --reuid=65534 --regid=65534 --clear-groups)
  endif()
endif()
if(NOT uid STREQUAL "0" OR as_user)
  expect_refused("--concurrency 50 needs about [0-9]+ threads, but RLIMIT_NPROC \\(ulimit -u\\) is 20"
                 ${as_user} prlimit --nproc=20 ${run} --concurrency 50 --out /tmp/legion-nproc-never-written)
endif()

# 4. Exit statuses of runs: a report that cannot be written is a failure, and only what was written
#    is announced; SIGTERM stops like Ctrl-C, with everything measured written, and exits 143.
expect_exit(1 ${CMAKE_COMMAND} -E env LEGION_CHROMIUM=/bin/false ${run} --out "${OUT}/nopdf")
if(last_stdout MATCHES "report.pdf" OR NOT last_stderr MATCHES "Not written: report.pdf \\(Chromium failed to print")
  message(FATAL_ERROR "a failed PDF was announced as written:\n${last_stdout}\n${last_stderr}")
endif()
if(NOT last_stdout MATCHES "Wrote results.json, BENCHMARK_RESULTS.md, results.csv, summaries.csv, real_model.csv, traces.jsonl, FEATURE_MATRIX.md and report.html")
  message(FATAL_ERROR "the files written are not listed:\n${last_stdout}")
endif()
expect_stopped_by(TERM 143 "${OUT}/terminated")
# `report` from an older results.json: the store's later records are published.
file(RENAME "${OUT}/terminated/results.json" "${OUT}/terminated/results.kept.json")
expect_exit(0 ${CMAKE_COMMAND} -E env LEGION_CHROMIUM=${OUT}/fake-chromium "${LEGION_BENCH}" report "${OUT}/terminated")
if(NOT last_stderr MATCHES "results.json is missing: publishing run [^ ]+ from .*results.sqlite \\(${stopped_records} records, interrupted\\)")
  message(FATAL_ERROR "report did not publish from the store:\n${last_stderr}")
endif()

# 5. Escaping: a formula as a scenario name is neutralised in results.csv; an --out folder with a
#    newline and a code fence stays inside the Reproduce block, shell-quoted.
string(REPLACE "name: single-tool" "name: \"=1+2\"" formula "${single_tool}")
file(WRITE "${OUT}/=1+2.yaml" "${formula}")
set(odd_out "${OUT}/odd\n```\n<b>x</b>")
expect_exit(0 ${CMAKE_COMMAND} -E env LEGION_CHROMIUM=${OUT}/fake-chromium "${LEGION_BENCH}" --systems native --scenario "${OUT}/=1+2.yaml"
            -n 1 --warmup 0 -q --out "${odd_out}")
file(READ "${odd_out}/results.csv" csv)
if(NOT csv MATCHES "\n\"native\",|\nnative,\"'=1\\+2\",")
  message(FATAL_ERROR "a formula in results.csv is not neutralised:\n${csv}")
endif()
file(READ "${odd_out}/BENCHMARK_RESULTS.md" md)
string(FIND "${md}" "Reproduce:\n\n````\nlegion-bench --systems native --scenario ${OUT}/=1+2.yaml -n 1 --warmup 0 -q --out $'${OUT}/odd\\n```\\n<b>x</b>'\n````\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the Reproduce block is not quoted and fenced:\n${md}")
endif()

# 6. Files from outside: analyze escapes bytes a terminal would act on; results.json with a wrong
#    type or a newer schema names the file, the record and the field.
string(ASCII 27 esc)
file(WRITE "${OUT}/escape.txt" "1\n${esc}[2J${esc}]0;owned\n")
expect_refused("escape.txt:2: not a number: '\\\\x1B\\[2J\\\\x1B\\]0;owned'" "${LEGION_BENCH}" analyze "${OUT}/escape.txt")
if(last_stderr MATCHES "${esc}")
  message(FATAL_ERROR "analyze printed a raw escape byte")
endif()
file(READ "${OUT}/nopdf/results.json" good)
string(JSON bad SET "${good}" records 0 wall_ns "\"fast\"")
file(MAKE_DIRECTORY "${OUT}/badtype")
file(WRITE "${OUT}/badtype/results.json" "${bad}")
expect_refused("badtype/results.json: record 0: field 'wall_ns': expected an integer, got \"fast\"" "${LEGION_BENCH}" report "${OUT}/badtype")
string(JSON newer SET "${good}" run schema_version 999)
file(MAKE_DIRECTORY "${OUT}/newer")
file(WRITE "${OUT}/newer/results.json" "${newer}")
expect_refused("newer/results.json: run: schema_version 999 is newer than this legion-bench reads" "${LEGION_BENCH}" report "${OUT}/newer")

# 7. The standalone model server says its connection limit at start.
execute_process(COMMAND timeout -s INT 3 "${LEGION_BENCH}" oracle --scenario single-tool --max-connections 3 --keep-alive 2
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT out MATCHES "up to 3 connections at once \\(more get HTTP 503\\), idle keep-alive connections closed after 2 s")
  message(FATAL_ERROR "the oracle does not state its connection limit (${rc}):\n${out}")
endif()
message(STATUS "legion-bench reliability checks passed")
