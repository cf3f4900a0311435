# No process of a run opens a connection anywhere but loopback: the quick suite on all four systems
# runs in a network namespace with only `lo`, under strace recording every connect() of every
# process and thread; any address outside 127.0.0.0/8 and ::1 fails the test, even an attempt that
# failed quietly (telemetry, version checks, DNS lookups). One exception, named exactly: headless
# Chromium, printing report.pdf, probes IPv6 reachability by connect()ing a UDP socket to
# [2001:4860:4860::8888]:443 — a UDP connect sends no datagram; --host-resolver-rules and the
# background-networking switches did not turn it off.
#   cmake -DLEGION_BENCH=... -DOUT=... -P loopback_only.cmake
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
# legion-bench's own exit status is kept apart from strace's: strace can fail to resume a tracee
# that is being killed as the run ends ("ptrace(PTRACE_LISTEN,…): Input/output error") and then
# exits 1 whatever the run did; that message alone is not the run's failure.
execute_process(
  COMMAND unshare --net sh -c "ip link set lo up && exec strace -f -qq -e trace=connect -o \"$0/connect.trace\" sh -c '\"\$0\" --suite coordination --quick -n 1 --warmup 0 --timeout 60 --out \"\$1/run\" -q; echo \$? > \"\$1/bench.rc\"' \"$1\" \"$0\""
          "${OUT}" "${LEGION_BENCH}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${OUT}/bench.rc" bench_rc)
string(STRIP "${bench_rc}" bench_rc)
string(REGEX REPLACE "strace: ptrace\\(PTRACE_LISTEN,pid:[0-9]+,sig:[0-9]+\\): Input/output error" "" strace_errors "${err}")
if(NOT bench_rc STREQUAL "0" OR (NOT rc EQUAL 0 AND strace_errors MATCHES "strace:"))
  message(FATAL_ERROR "the run in a loopback-only network namespace failed (legion-bench ${bench_rc}, strace ${rc}):\n${out}\n${err}")
endif()
file(READ "${OUT}/run/results.json" json)
string(JSON n LENGTH "${json}" records)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON record GET "${json}" records ${i})
  string(JSON correct GET "${record}" correct)
  string(JSON unsupported GET "${record}" unsupported)
  if(NOT correct AND NOT unsupported)
    message(FATAL_ERROR "a run failed without a network: ${record}")
  endif()
endforeach()
file(STRINGS "${OUT}/connect.trace" calls REGEX "connect\\(")
list(LENGTH calls total)
set(loopback 0)
set(probes 0)
foreach(call IN LISTS calls)
  if(call MATCHES "sa_family=AF_INET6")
    if(call MATCHES "sin6_port=htons\\(443\\).*\"2001:4860:4860::8888\"")
      math(EXPR probes "${probes} + 1")
    elseif(NOT call MATCHES "inet_pton\\(AF_INET6, \"::1\"")
      message(FATAL_ERROR "connection attempt outside loopback: ${call}")
    endif()
  elseif(call MATCHES "sa_family=AF_INET[,}]")
    if(NOT call MATCHES "inet_addr\\(\"127\\.")
      message(FATAL_ERROR "connection attempt outside loopback: ${call}")
    endif()
    math(EXPR loopback "${loopback} + 1")
  endif()
endforeach()
if(loopback LESS 20)
  message(FATAL_ERROR "the trace shows only ${loopback} loopback connections out of ${total} connect() calls; is strace tracing the workers?")
endif()
message(STATUS "${total} connect() calls, ${loopback} to 127.0.0.0/8, ${probes} Chromium IPv6 probe(s), none elsewhere")
