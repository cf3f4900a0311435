# legion-bench --suite load|spike|endurance --smoke, end to end in seconds: each suite runs on the
# native engine, its ledger loses nothing, its criteria table and reports are written; a run killed
# with SIGKILL is published from its store; impossible settings are refused before anything starts.
#   cmake -DLEGION_BENCH=... -DOUT=... -P stress_smoke.cmake
file(REMOVE_RECURSE "${OUT}")

foreach(suite load spike endurance)
  execute_process(COMMAND "${LEGION_BENCH}" --suite ${suite} --smoke --systems native --out "${OUT}/${suite}" -q
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  # 1: a criterion failed (a seconds-long spike on a busy machine may not recover in its window);
  # the mechanics are checked below, performance is not a smoke test's business.
  if(NOT (rc EQUAL 0 OR rc EQUAL 1))
    message(FATAL_ERROR "--suite ${suite} --smoke failed (${rc}):\n${out}\n${err}")
  endif()
  foreach(f STRESS_TEST_RESULTS.md stress.json stress_seconds.csv stress_phases.csv stress.html results.sqlite)
    if(NOT EXISTS "${OUT}/${suite}/${f}")
      message(FATAL_ERROR "--suite ${suite} wrote no ${f}:\n${out}")
    endif()
  endforeach()
  file(READ "${OUT}/${suite}/STRESS_TEST_RESULTS.md" md)
  if(NOT md MATCHES "\\| zero data loss \\| [^|]+ \\| \\*\\*pass\\*\\* \\| 0 lost of [1-9][0-9]* submitted")
    message(FATAL_ERROR "${suite}: the ledger does not show zero lost tasks:\n${md}")
  endif()
  file(READ "${OUT}/${suite}/stress.json" json)
  string(JSON lost GET "${json}" lost_tasks)
  if(NOT lost EQUAL 0)
    message(FATAL_ERROR "${suite}: ${lost} lost tasks")
  endif()
endforeach()

# The load suite has the seeds' four levels; the spike its recovery; the endurance run its verdicts.
file(READ "${OUT}/load/STRESS_TEST_RESULTS.md" md)
foreach(level "10 agents, 10 tasks" "50 agents, 50 tasks" "100 agents, 100 tasks" "200 agents, 200 tasks")
  if(NOT md MATCHES "\\| native / ${level} \\| ")
    message(FATAL_ERROR "load: no row for ${level}:\n${md}")
  endif()
endforeach()
file(READ "${OUT}/spike/STRESS_TEST_RESULTS.md" md)
if(NOT md MATCHES "## Spike recovery" OR NOT md MATCHES "Bus burst")
  message(FATAL_ERROR "spike: no recovery or bus section:\n${md}")
endif()
file(READ "${OUT}/endurance/STRESS_TEST_RESULTS.md" md)
if(NOT md MATCHES "\\| RSS \\(MB\\) \\|" OR NOT md MATCHES "Verdict: (no leak|\\*\\*leak\\*\\*)")
  message(FATAL_ERROR "endurance: no trend table or verdict:\n${md}")
endif()

# `report` publishes again from the store alone.
file(REMOVE "${OUT}/load/STRESS_TEST_RESULTS.md")
execute_process(COMMAND "${LEGION_BENCH}" report "${OUT}/load" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS "${OUT}/load/STRESS_TEST_RESULTS.md")
  message(FATAL_ERROR "report from the store failed (${rc}):\n${out}\n${err}")
endif()

# Runs `legion-bench <args>` in the background, waits until its stderr shows `line` (at most 60 s:
# the run must be under way, not starting), then sends it `signal`; `result` gets its exit status.
function(signal_when_under_way name line signal result)
  set(log "${OUT}/${name}.log")
  string(JOIN " " args ${ARGN})
  execute_process(COMMAND sh -c "\"${LEGION_BENCH}\" ${args} --out \"${OUT}/${name}\" > /dev/null 2> \"${log}\" & pid=$!
      i=0
      until grep -q '${line}' \"${log}\"; do
        i=$((i + 1))
        if [ $i -gt 600 ] || ! kill -0 $pid 2> /dev/null; then echo 'not under way'; break; fi
        sleep 0.1
      done
      kill -${signal} $pid; wait $pid; echo rc=$?"
    OUTPUT_VARIABLE out TIMEOUT 120)
  if(out MATCHES "not under way")
    file(READ "${log}" err)
    message(FATAL_ERROR "${name}: '${line}' never came, so the run was not under way:\n${err}")
  endif()
  string(REGEX MATCH "rc=([0-9]+)" _ "${out}")
  set(${result} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# A run killed with SIGKILL mid-way (its tenth second measured) leaves a store that `report`
# publishes: open tasks are closed as failed with a reason, none lost.
signal_when_under_way(killed "t=10s agents" KILL killed_rc --suite endurance --duration 30 --systems native)
execute_process(COMMAND "${LEGION_BENCH}" report "${OUT}/killed" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${OUT}/killed/STRESS_TEST_RESULTS.md" md)
if(NOT md MATCHES "The run did not finish" OR NOT md MATCHES "\\| zero data loss \\| [^|]+ \\| \\*\\*pass\\*\\*")
  message(FATAL_ERROR "the killed run's store was not published consistently (${rc}):\n${out}\n${err}\n${md}")
endif()

# Ctrl-C: the run stops issuing, lets running tasks finish, publishes what it measured and exits 130.
signal_when_under_way(interrupted "t=10s agents" INT interrupted_rc --suite endurance --duration 30 --systems native)
file(READ "${OUT}/interrupted/STRESS_TEST_RESULTS.md" md)
if(NOT interrupted_rc EQUAL 130 OR NOT md MATCHES "\\*\\*Interrupted\\*\\*" OR NOT md MATCHES "\\| zero data loss \\| [^|]+ \\| \\*\\*pass\\*\\*")
  message(FATAL_ERROR "Ctrl-C did not stop and publish cleanly (status ${interrupted_rc}):\n${md}")
endif()

# Scalability on Redis Streams: 1-4 engine processes, the broker killed and restarted, an engine
# killed; no task lost, both recovered; 1 vs 2 cores measured, or skipped with the reason.
execute_process(COMMAND "${LEGION_BENCH}" --suite scalability --smoke --engines 4 --out "${OUT}/scalability" -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 180)
file(READ "${OUT}/scalability/STRESS_TEST_RESULTS.md" md)
if(NOT (rc EQUAL 0 OR rc EQUAL 1) OR NOT md MATCHES "\\| zero data loss \\| [^|]+ \\| \\*\\*pass\\*\\*"
   OR NOT md MATCHES "\\| recovery under 30 s \\| [^|]+ \\| \\*\\*pass\\*\\* \\| broker restart: [0-9.]+ s; engine kill: [0-9.]+ s"
   OR NOT md MATCHES "Universal Scalability Law"
   OR NOT md MATCHES "\\| engines \\| tasks/s \\(median\\) \\| rounds' range \\| CV \\|"
   OR NOT md MATCHES "Vertical(: two engine processes pinned to one core .* speed-up [0-9.]+| \\(1 vs 2 cores\\): skipped — )")
  message(FATAL_ERROR "scalability smoke failed (${rc}):\n${out}\n${err}\n${md}")
endif()

# Failure on the native engine alone: every fault kind, and a worker killed with SIGKILL.
execute_process(COMMAND "${LEGION_BENCH}" --suite failure --smoke --systems native --out "${OUT}/failure" -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 200)
file(READ "${OUT}/failure/STRESS_TEST_RESULTS.md" md)
foreach(kind none http_429 http_500 timeout malformed_json "truncated_stream \\(streamed\\)")
  if(NOT md MATCHES "\n\\| ${kind} \\| native \\| [0-9]+/4 \\|")
    message(FATAL_ERROR "failure smoke: no row for ${kind} (${rc}):\n${out}\n${err}\n${md}")
  endif()
endforeach()
if(NOT md MATCHES "Recovery \\(SIGKILL to the next correct answer, from a fresh worker\\): [0-9.]+ s" OR NOT md MATCHES "0 lost")
  message(FATAL_ERROR "failure smoke: the SIGKILL run has no recovery or lost a task:\n${md}")
endif()
# Every suite records the machine it ran on, and its report's header names it.
foreach(suite scalability failure)
  file(READ "${OUT}/${suite}/STRESS_TEST_RESULTS.md" report)
  if(NOT report MATCHES "started [^\n]+ \\([1-9][0-9]* cores, Linux [^)]+\\)")
    message(FATAL_ERROR "${suite} smoke: the report does not name the machine:\n${report}")
  endif()
endforeach()
# The broker faults: run (as root) without loss, or skipped with the reason; never silently absent.
foreach(section "Memory exhaustion of an engine process" "Network partition between engines and the broker")
  string(FIND "${md}" "## ${section}" at)
  set(part "")
  if(at GREATER -1)
    string(SUBSTRING "${md}" ${at} -1 part)
    string(FIND "${part}" "\n## " next)
    if(next GREATER 0)
      string(SUBSTRING "${part}" 0 ${next} part)
    endif()
  endif()
  if(NOT part MATCHES "\\*\\*Skipped\\*\\*: " AND NOT part MATCHES " 0 lost \\(the ledger: 0 open\\)")
    message(FATAL_ERROR "failure smoke: '${section}' neither ran without loss nor says why it was skipped:\n${md}")
  endif()
endforeach()

# Impossible settings: refused with status 2 and a clear message, nothing started. A port in use:
# the model server's, held open by a background `legion-bench oracle`.
execute_process(COMMAND sh -c "\"${LEGION_BENCH}\" oracle --scenario single-tool --port 0 > \"${OUT}/busy.txt\" 2>/dev/null < /dev/null & echo $! > \"${OUT}/busy.pid\"
    i=0; until grep -q '127\\.0\\.0\\.1:[0-9]' \"${OUT}/busy.txt\" || [ $i -gt 600 ]; do i=$((i + 1)); sleep 0.1; done")
file(READ "${OUT}/busy.txt" busy)
string(REGEX MATCH "127\\.0\\.0\\.1:([0-9]+)" _ "${busy}")
set(busy_port "${CMAKE_MATCH_1}")
foreach(case "--suite;endurance;--rate;0|--rate: must be a number > 0 and ≤ 1000000, got 0"
             "--suite;endurance;--duration;-5|--duration: must be a number > 0 and ≤ 604800, got -5"
             "--suite;endurance;--duration;700000|--duration: must be a number > 0 and ≤ 604800, got 700000"
             "--suite;endurance;--agents;300;--max-agents;100|more than the configured limit of 100"
             "--suite;load;--max-agents;150|200 agents, more than the configured limit of 150"
             "--suite;load;--rate;5|--rate and --agents set the endurance suite's load"
             "--suite;endurance;--mode;sideways|--mode is open or closed"
             "--suite;scalability;--engines;100|--engines: must be an integer from 1 to 64, got 100"
             "--suite;coordination;--duration;5|--duration applies to the stress suites"
             "--suite;endurance;--full-length|--full-length runs the load suite's levels at the seeds' lengths"
             "--suite;load;--full-length;--duration;60|--full-length sets the seeds' durations and task counts"
             "--suite;coordination;--full-length|--full-length applies to the stress suites"
             "--suite;scalability;--broker-port;BUSY|is in use on 127.0.0.1")
  string(REPLACE "|" ";" parts "${case}")
  string(REPLACE "BUSY" "${busy_port}" parts "${parts}")
  list(GET parts -1 expected)
  list(REMOVE_AT parts -1)
  execute_process(COMMAND "${LEGION_BENCH}" ${parts} --out "${OUT}/refused" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 20)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${expected}")
    message(FATAL_ERROR "${parts}: expected status 2 and '${expected}', got ${rc}:\n${out}\n${err}")
  endif()
endforeach()
file(READ "${OUT}/busy.pid" busy_pid)
string(STRIP "${busy_pid}" busy_pid)
execute_process(COMMAND kill ${busy_pid})
if(EXISTS "${OUT}/refused/results.sqlite")
  message(FATAL_ERROR "a refused run created a store")
endif()
