# The catalogue's enterprise workflow and code execution, end to end through the command line:
#   cmake -DLEGION_BENCH=... -DSOURCE=... -DOUT=... -P e2e_catalogue_workflow.cmake
# Every system is correct in quick mode; an altered planted value, a wrong database write and
# programs that try to leave the sandbox are each caught, and the run goes on.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
set(FIXTURES "${SOURCE}/tests/adapters/fixtures")
set(SCENARIOS "${SOURCE}/datasets/scenarios")

function(run_bench code)
  execute_process(COMMAND "${LEGION_BENCH}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL code)
    message(FATAL_ERROR "expected exit ${code}, got ${rc}: ${ARGN}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(last_stderr "${err}" PARENT_SCOPE)
endfunction()

# Reads a results.json: `json` holds it, `n` its record count, `last` the last index.
macro(read_records file)
  file(READ "${file}" json)
  string(JSON n LENGTH "${json}" records)
  math(EXPR last "${n} - 1")
endmacro()

# Fails unless every record of the run in `dir` has correct = `want` (and, when wrong, no error).
function(expect_all dir want count)
  read_records("${dir}/results.json")
  if(NOT n EQUAL count)
    message(FATAL_ERROR "expected ${count} records in ${dir}, got ${n}")
  endif()
  foreach(i RANGE ${last})
    string(JSON record GET "${json}" records ${i})
    string(JSON correct GET "${record}" correct)
    string(JSON error TYPE "${record}" error)
    if((want AND NOT correct) OR (NOT want AND correct) OR NOT error STREQUAL "NULL")
      message(FATAL_ERROR "expected correct=${want} without an error: ${record}")
    endif()
  endforeach()
endfunction()

# 1. Both scenarios on all four systems, correct (the database's final state checked too).
run_bench(0 --scenario order-refund --scenario code-execution --systems native,langchain,crewai,autogen
          -n 1 --warmup 0 -q --out "${OUT}/all")
expect_all("${OUT}/all" true 8)
file(GLOB left "${OUT}/all/databases/*.sqlite")
if(left)
  message(FATAL_ERROR "a right run's database should be removed: ${left}")
endif()

# 2. Altered planted values fail on every system: the policy code the refund must cite (the
#    policy the script asks for carries a decoy; the real code sits in a row no call reaches), and
#    the label the program prints.
file(READ "${SCENARIOS}/order-refund.yaml" text)
string(REPLACE "      - {reason: damaged, refund_percent: 50, policy_code: \"{{nonce.policy}}\"}"
               "      - {reason: damaged, refund_percent: 50, policy_code: \"{{nonce.decoy}}\"}\n      - {reason: archived, refund_percent: 50, policy_code: \"{{nonce.policy}}\"}"
               text "${text}")
string(REPLACE "name: order-refund" "name: order-refund-altered" text "${text}")
file(WRITE "${OUT}/order-refund-altered.yaml" "${text}")
file(READ "${SCENARIOS}/code-execution.yaml" text)
string(REPLACE "print(\"label\", \"\".join(chr(c) for c in codes))" "print(\"label\", \"\".join(chr(c) for c in codes)[::-1])"
               text "${text}")
string(REPLACE "name: code-execution" "name: code-execution-altered" text "${text}")
file(WRITE "${OUT}/code-execution-altered.yaml" "${text}")
run_bench(1 --scenario "${OUT}/order-refund-altered.yaml" --scenario "${OUT}/code-execution-altered.yaml"
          --systems native,langchain,crewai,autogen -n 1 --warmup 0 -q --out "${OUT}/altered")
expect_all("${OUT}/altered" false 8)

# 3. A system that answers right but refunds the wrong amount fails on the database alone.
run_bench(1 --systems careless --adapter "careless=${FIXTURES}/careless_refund_adapter.py" --scenario order-refund
          -n 1 --warmup 0 --out "${OUT}/careless")
expect_all("${OUT}/careless" false 1)
read_records("${OUT}/careless/results.json")
string(JSON answer GET "${json}" records 0 answer)
if(NOT answer MATCHES "is refunded: 2100 cents under policy ZQ[0-9A-F]+, ledger ZQ")
  message(FATAL_ERROR "the careless system's answer should be right: ${answer}")
endif()
if(NOT last_stderr MATCHES "refunds: unexpected row [^\n]*4200")
  message(FATAL_ERROR "the run should name the wrong refund row:\n${last_stderr}")
endif()
file(GLOB kept "${OUT}/careless/databases/*.sqlite")
if(NOT kept)
  message(FATAL_ERROR "a wrong run's database should be kept for inspection")
endif()

# 4. Programs that open a socket, write outside their folder and fork without end are stopped and
#    recorded as such; the task goes on to the program that decodes the label, and is correct.
file(READ "${SCENARIOS}/code-execution.yaml" text)
set(escapes "")
foreach(program "import socket\\nsocket.create_connection(('192.0.2.1', 80), timeout=3)"
                "open('/usr/legion-escaped', 'w').write('x')"
                "import os\\nwhile True:\\n    os.fork()")
  string(APPEND escapes "      - call: run_python\n        args: {code: \"${program}\"}\n        until: label\n")
endforeach()
string(REPLACE "    script:\n" "    script:\n${escapes}" text "${text}")
string(REPLACE "name: code-execution" "name: code-escape" text "${text}")
file(WRITE "${OUT}/code-escape.yaml" "${text}")
run_bench(0 --scenario "${OUT}/code-escape.yaml" --systems native,langchain,crewai,autogen -n 1 --warmup 0 -q --out "${OUT}/escape")
expect_all("${OUT}/escape" true 4)
foreach(system native langchain crewai autogen)
  file(READ "${OUT}/escape/worker-${system}.log" log)
  foreach(reason "network refused" "write refused" "fork limit")
    if(NOT log MATCHES "program stopped: ${reason}")
      message(FATAL_ERROR "${system}: the worker log does not record '${reason}':\n${log}")
    endif()
  endforeach()
endforeach()
if(EXISTS "/usr/legion-escaped")
  message(FATAL_ERROR "a sandboxed program wrote /usr/legion-escaped")
endif()

# 5. A task whose database cannot be made is a failure with the reason, and the run goes on.
file(MAKE_DIRECTORY "${OUT}/no-database")
file(WRITE "${OUT}/no-database/databases" "a file where the databases' folder would go")
run_bench(1 --scenario order-refund --scenario single-tool --systems native -n 1 --warmup 0 -q --out "${OUT}/no-database")
read_records("${OUT}/no-database/results.json")
foreach(i RANGE ${last})
  string(JSON record GET "${json}" records ${i})
  string(JSON scenario GET "${record}" scenario)
  string(JSON correct GET "${record}" correct)
  if(scenario STREQUAL "order-refund")
    string(JSON error GET "${record}" error)
    if(correct OR NOT error MATCHES "^cannot make the task's database")
      message(FATAL_ERROR "a database that cannot be made should be the record's error: ${record}")
    endif()
  elseif(NOT correct)
    message(FATAL_ERROR "the run should go on to the next scenario: ${record}")
  endif()
endforeach()
