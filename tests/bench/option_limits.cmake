# Every numeric option of every subcommand is refused, with exit status 2 and a message naming the
# flag and its range, when it is not a number of its kind or out of range; nothing runs:
#   cmake -DLEGION_BENCH=path/to/legion-bench -DSOURCE=source-dir -DOUT=scratch-dir -P option_limits.cmake
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake)

set(run --systems native --scenario single-tool --warmup 0 --out "${OUT}/x")
file(WRITE "${OUT}/a.txt" "1\n2\n3\n")
# Each line: the arguments, then '|' and what the message must hold (a regular expression).
set(refused 0)
foreach(case
  # The run. -1 is not "not given", NaN and infinity are not numbers, 64 bits do not wrap.
  "${run};-n;0|--repetitions: must be an integer from 1 to 1000000, got 0$"
  "${run};-n;1.5|--repetitions: must be an integer from 1 to 1000000, got 1.5"
  "--suite;published;--systems;native;-n;1;--out;${OUT}/x|-n 1: --suite published compares 95% intervals, which need at least 2 repetitions a cell"
  "${run};--warmup;-1|--warmup: must be an integer from 0 to 1000000, got -1"
  "${run};--timeout;nan|--timeout: must be a number ≥ 0.001 and ≤ 604800, got nan"
  "${run};--timeout;inf|--timeout: must be a number ≥ 0.001 and ≤ 604800, got inf"
  "${run};--target-ci;nan|--target-ci: must be a number > 0 and ≤ 1, got nan"
  "${run};--target-ci;0|--target-ci: must be a number > 0 and ≤ 1, got 0"
  "${run};--max-repetitions;0|--max-repetitions: must be an integer from 1 to 1000000, got 0"
  "${run};--seed;18446744073709551616|--seed: must be an integer from 0 to 18446744073709551615, got 18446744073709551616"
  "${run};--seed;-1|--seed: must be an integer from 0 to 18446744073709551615, got -1"
  "${run};--seed;0x10|--seed: must be an integer from 0 to 18446744073709551615, got 0x10"
  "${run};--concurrency;10001|--concurrency: must be an integer from 1 to 10000, got 10001"
  "${run};--metrics-port;0|--metrics-port: must be an integer from 1 to 65535, got 0"
  "${run};--metrics-port;65536|--metrics-port: must be an integer from 1 to 65535, got 65536"
  "${run};--metrics-linger;-1|--metrics-linger: must be a number ≥ 0 and ≤ 86400, got -1"
  "${run};--metrics-linger;nan|--metrics-linger: must be a number ≥ 0 and ≤ 86400, got nan"
  "${run};--max-retries;-1|--max-retries: must be an integer from 0 to 100, got -1"
  "${run};--inject-delay;native=-5|--inject-delay native: microseconds must be an integer from 0 to 60000000, got -5"
  "${run};--faults;rate=nan|--faults 'rate=nan': rate must be a number ≥ 0 and ≤ 1, got nan"
  "${run};--faults;at=0|--faults 'at=0': at must be an integer from 1 to"
  "${run};--faults;at=3+-1|--faults 'at=3\\+-1': at must be an integer from 1 to"
  "${run};--faults;stall_ms=-5|--faults 'stall_ms=-5': stall_ms must be an integer from 0 to 86400000, got -5"
  "${run};--faults;gap_ms=1e3|--faults 'gap_ms=1e3': gap_ms must be an integer from 0 to 86400000, got 1e3"
  "${run};--faults;seed=18446744073709551616|--faults 'seed=18446744073709551616': seed must be an integer from 0 to"
  # The stress suites.
  "--suite;endurance;--duration;-1|--duration: must be a number > 0 and ≤ 604800, got -1"
  "--suite;endurance;--duration;nan|--duration: must be a number > 0 and ≤ 604800, got nan"
  "--suite;endurance;--rate;-1|--rate: must be a number > 0 and ≤ 1000000, got -1"
  "--suite;endurance;--agents;-1|--agents: must be an integer from 1 to 100000, got -1"
  "--suite;endurance;--max-agents;0|--max-agents: must be an integer from 1 to 100000, got 0"
  "--suite;spike;--recovery-factor;nan|--recovery-factor: must be a number > 1 and ≤ 1000, got nan"
  "--suite;scalability;--broker-port;70000|--broker-port: must be an integer from 0 to 65535, got 70000"
  "--suite;scalability;--engines;0|--engines: must be an integer from 1 to 64, got 0"
  "--suite;scalability;--engine-agents;0|--engine-agents: must be an integer from 1 to 100000, got 0"
  # The model server.
  "oracle;--scenario;single-tool;--port;70000|--port: must be an integer from 0 to 65535, got 70000"
  "oracle;--scenario;single-tool;--port;-1|--port: must be an integer from 0 to 65535, got -1"
  "oracle;--scenario;single-tool;--seed;18446744073709551616|--seed: must be an integer from 0 to 18446744073709551615"
  "oracle;--scenario;single-tool;--faults;rate=nan|--faults 'rate=nan': rate must be a number ≥ 0 and ≤ 1, got nan"
  "oracle;--scenario;single-tool;--io-threads;65|--io-threads: must be an integer from 0 to 64, got 65"
  "oracle;--scenario;single-tool;--keep-alive;0|--keep-alive: must be an integer from 1 to 3600, got 0"
  "oracle;--scenario;single-tool;--header-timeout;0|--header-timeout: must be an integer from 1 to 3600, got 0"
  "oracle;--scenario;single-tool;--body-timeout;nan|--body-timeout: must be an integer from 1 to 3600, got nan"
  # Statistics.
  "analyze;${OUT}/a.txt;--alpha;nan|--alpha: must be a number ≥ 1e-06 and < 0.5, got nan"
  "analyze;${OUT}/a.txt;--level;1|--level: must be a number ≥ 0.5 and ≤ 0.999999, got 1"
  "analyze;${OUT}/a.txt;--resamples;0|--resamples: must be an integer from 1 to 1000000, got 0"
  "analyze;${OUT}/a.txt;--seed;-1|--seed: must be an integer from 0 to 18446744073709551615, got -1"
  "analyze;${OUT}/a.txt;--margin;-1|--margin: must be a number > 0, got -1"
  "compare;${OUT}/a;${OUT}/b;--alpha;0.5|--alpha: must be a number ≥ 1e-06 and < 0.5, got 0.5"
  "compare;${OUT}/a;${OUT}/b;--threshold;nan|--threshold: must be a number ≥ 0 and ≤ 10, got nan"
  "compare;${OUT}/a;${OUT}/b;--margin;0|--margin: must be a number > 0 and < 1, got 0"
  "ab;${OUT}/a;${OUT}/b;--threshold;-1|--threshold: must be a number ≥ 0 and ≤ 10, got -1"
  "calibrate;--runs;2|--runs: must be an integer from 3 to 1000, got 2"
  "plan;--change;1e309|--change: must be a number > 0 and ≤ 10, got 1e309"
  "plan;--change;0|--change: must be a number > 0 and ≤ 10, got 0"
  "plan;--power;1|--power: must be a number > 0 and < 1, got 1"
  "plan;--alpha;nan|--alpha: must be a number ≥ 1e-06 and < 0.5, got nan"
  "zero-io;--rounds;0|--rounds: must be an integer from 1 to 1000, got 0"
  "zero-io;--native-iterations;-1|--native-iterations: must be an integer from 1 to 1000000000, got -1"
  # The internal processes the runner starts.
  "worker;--system;native;--base-url;http://127.0.0.1:1;--max-retries;-1|--max-retries: must be an integer from 0 to 100"
  "stress-engine;--redis-port;70000;--base-url;x;--consumer;c|--redis-port: must be an integer from 1 to 65535, got 70000")
  string(FIND "${case}" "|" bar REVERSE)
  string(SUBSTRING "${case}" 0 ${bar} arguments)
  math(EXPR bar "${bar} + 1")
  string(SUBSTRING "${case}" ${bar} -1 expected)
  execute_process(COMMAND "${LEGION_BENCH}" ${arguments} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  string(REGEX REPLACE "\nRun with --help.*" "" err "${err}")  # CLI11's hint after its message
  string(STRIP "${err}" err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${expected}")
    message(FATAL_ERROR "${arguments}: expected status 2 and '${expected}', got ${rc}:\n${out}\n${err}")
  endif()
  math(EXPR refused "${refused} + 1")
endforeach()
if(EXISTS "${OUT}/x")
  message(FATAL_ERROR "a refused run wrote ${OUT}/x")
endif()
message(STATUS "${refused} bad option values refused with status 2 and the flag's range")

# Values in range still parse as they did: 010 is ten (CLI11 alone reads it as octal).
expect_exit(0 "${LEGION_BENCH}" analyze "${OUT}/a.txt" --seed 18446744073709551615 --resamples 010 --json)
if(NOT last_stdout MATCHES "\"resamples\": 10,")
  message(FATAL_ERROR "--resamples 010 is not 10:\n${last_stdout}")
endif()

# plan ends, whatever the change: a tiny one is "more than 10 million" in its cells.
set(calibration "${OUT}/calibration.json")
file(WRITE "${calibration}" [=[{"host": "test", "created_at": "2026-01-01T00:00:00Z", "run_ids": [],
  "cells": [{"scenario": "single-tool", "system": "native", "runs": 6, "repetitions": 10, "sigma_pair": 0.02, "sigma_run": 0.03,
             "within_run_floor": 1e-12, "between_runs_floor": 0.05}]}]=])
expect_exit(0 "${LEGION_BENCH}" plan --change 0.0001 --calibration "${calibration}")
expect_exit(0 "${LEGION_BENCH}" plan --change 1e-9 --calibration "${calibration}")
if(NOT last_stdout MATCHES "more than 10 million repetitions +more than 10 million runs a side +cannot")
  message(FATAL_ERROR "plan --change 1e-9 does not say the search ended:\n${last_stdout}")
endif()

# report RUN RUN: the same run twice is refused, by any path to it and in a copy of its folder.
file(COPY "${SOURCE}/tests/data/golden/results.json" DESTINATION "${OUT}/run")
file(COPY "${SOURCE}/tests/data/golden/results.json" DESTINATION "${OUT}/copy")
file(CREATE_LINK "${OUT}/run" "${OUT}/link" SYMBOLIC)
get_filename_component(out_name "${OUT}" NAME)
foreach(second "${OUT}/run" "${OUT}/run/" "${OUT}/link" "${OUT}/../${out_name}/run")
  expect_exit(2 "${LEGION_BENCH}" report "${OUT}/run" "${second}" --out "${OUT}/combined")
  if(NOT last_stderr MATCHES "report: '${OUT}/run' and '.*' are the same folder")
    message(FATAL_ERROR "report RUN ${second}: the duplicate is not named:\n${last_stderr}")
  endif()
endforeach()
expect_exit(2 "${LEGION_BENCH}" report "${OUT}/run" "${OUT}/copy" --out "${OUT}/combined")
if(NOT last_stderr MATCHES "report: '${OUT}/run' and '${OUT}/copy' hold the same run \\(20260101T000000Z-1\\)")
  message(FATAL_ERROR "report RUN COPY: the duplicate run is not named:\n${last_stderr}")
endif()
if(EXISTS "${OUT}/combined")
  message(FATAL_ERROR "a refused report wrote ${OUT}/combined")
endif()
