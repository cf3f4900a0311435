# A run whose scenario name holds terminal control sequences (ESC, BEL, a C1 CSI) and Markdown link
# syntax: no file the run writes, and nothing it prints, holds a control character (`cat results.csv`
# cannot set the terminal's title), and the Markdown makes no link of the name:
#   cmake -DLEGION_BENCH=... -DSOURCE=... -DOUT=... -P control_characters.cmake
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
string(ASCII 27 esc)
string(ASCII 7 bel)
string(ASCII 194 155 csi)  # U+009B in UTF-8
set(hostile "evil${esc}]0;owned${bel} [click](javascript:alert(1)) ${csi}31m|x")
file(READ "${SOURCE}/datasets/scenarios/single-tool.yaml" scenario)
string(REPLACE "name: single-tool" "name: \"${hostile}\"" scenario "${scenario}")
file(WRITE "${OUT}/${hostile}.yaml" "${scenario}")
execute_process(COMMAND "${LEGION_BENCH}" --systems native --scenario "${OUT}/${hostile}.yaml" -n 2 --warmup 0 --out "${OUT}/run"
                RESULT_VARIABLE rc OUTPUT_FILE "${OUT}/stdout" ERROR_FILE "${OUT}/stderr")
if(NOT rc EQUAL 0)
  file(READ "${OUT}/stderr" err)
  message(FATAL_ERROR "the run failed (${rc}): ${err}")
endif()

set(files stdout stderr)
foreach(f results.csv summaries.csv results.json BENCHMARK_RESULTS.md FEATURE_MATRIX.md report.html)
  list(APPEND files "run/${f}")
endforeach()
foreach(f ${files})
  # C0 controls but tab and line feed, DEL, and C1 controls in UTF-8, byte by byte.
  execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C grep -naP "[\\x00-\\x08\\x0b-\\x1f\\x7f]|\\xc2[\\x80-\\x9f]" "${OUT}/${f}"
                  RESULT_VARIABLE found OUTPUT_VARIABLE lines)
  if(found EQUAL 0)
    message(FATAL_ERROR "${f} holds control characters:\n${lines}")
  elseif(NOT found EQUAL 1)
    message(FATAL_ERROR "grep could not read ${f} (${found})")
  endif()
endforeach()

file(READ "${OUT}/run/BENCHMARK_RESULTS.md" md)
string(FIND "${md}" "\\[click\\](javascript:alert(1))" escaped)
# Outside the Reproduce command's code block (where the name is a shell word), every [ is escaped.
string(REGEX REPLACE "```[^`]*```" "" prose "${md}")
string(REGEX MATCH "[^\\\\]\\[click\\]" link "${prose}")
if(escaped EQUAL -1 OR link)
  message(FATAL_ERROR "the name's link syntax is not escaped in BENCHMARK_RESULTS.md:\n${md}")
endif()
file(READ "${OUT}/run/results.json" json)
if(NOT json MATCHES "evil\\\\u001b\\]0;owned\\\\u0007 \\[click\\]\\(javascript:alert\\(1\\)\\) \\\\u009b31m\\|x")
  message(FATAL_ERROR "results.json does not keep the name exactly, escaped")
endif()
message(STATUS "no control character reached a file or the terminal; the name made no link")
