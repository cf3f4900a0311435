# Reports on a full disk, for real: a 64 KiB tmpfs mounted for the test (the tests run as root; where
# mounting is not permitted the test fails and says so). What does not fit is named as not written
# and the exit status is 1; no temporary file and no partial report is left, and the report.pdf that
# was there before is still whole. Both ways a PDF is printed are exercised: a run's reports and a
# combined report.
#   cmake -DLEGION_BENCH=... -DSOURCE=... -DOUT=... -P full_disk.cmake
set(disk "${OUT}/disk")
execute_process(COMMAND umount "${disk}" OUTPUT_QUIET ERROR_QUIET)  # left mounted by an interrupted earlier try
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${disk}")

execute_process(COMMAND "${LEGION_BENCH}" --systems native --scenario single-tool -n 2 --warmup 0 --out "${OUT}/run" -q
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the run on the ordinary disk failed (${rc}): ${err}")
endif()
# The combined report on the ordinary disk, to compare with what reaches the full one.
execute_process(COMMAND "${LEGION_BENCH}" report "${OUT}/run" --out "${OUT}/combined" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the combined report on the ordinary disk failed (${rc}): ${err}")
endif()

execute_process(COMMAND mount -t tmpfs -o size=64k tmpfs "${disk}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot mount a 64 KiB tmpfs at ${disk}: this test needs root (or CAP_SYS_ADMIN) to make a small "
                      "file system it can fill: ${err}")
endif()

# Every failure unmounts first, so that nothing is left mounted.
macro(fail message)
  execute_process(COMMAND umount "${disk}")
  message(FATAL_ERROR "${message}")
endmacro()

# Runs `legion-bench report ARGS`, which must exit 1 naming `missing` as not written, leave no
# temporary file in `dir` and every other file there equal to its counterpart in `whole`.
function(expect_partial dir whole missing)
  execute_process(COMMAND "${LEGION_BENCH}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1)
    fail("report ${ARGN} on a full disk should exit 1, got ${rc}:\n${out}\n${err}")
  endif()
  foreach(name ${missing})
    if(NOT err MATCHES "Not written: ${name} \\(" OR out MATCHES "Wrote [^\n]*${name}")
      fail("${name} did not fit, but is not named as not written:\nstdout:\n${out}\nstderr:\n${err}")
    endif()
  endforeach()
  file(GLOB left RELATIVE "${dir}" "${dir}/*")
  foreach(name ${left})
    if(name MATCHES "\\.tmp")
      fail("a temporary file is left behind: ${dir}/${name}")
    endif()
    if(name STREQUAL "report.pdf" AND previous)
      file(READ "${dir}/report.pdf" text)
      if(NOT text STREQUAL previous)
        fail("the previous report.pdf was replaced by one that is not whole")
      endif()
      continue()
    endif()
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${dir}/${name}" "${whole}/${name}" RESULT_VARIABLE differs)
    if(differs)
      fail("${dir}/${name} is not the whole report (it differs from ${whole}/${name})")
    endif()
  endforeach()
  set(last_stderr "${err}" PARENT_SCOPE)
endfunction()

# A run folder on the small disk, with the previous report.pdf: the HTML and the PDF cannot fit.
file(MAKE_DIRECTORY "${disk}/run")
file(COPY "${OUT}/run/results.json" DESTINATION "${disk}/run")
set(previous "the previous report")
file(WRITE "${disk}/run/report.pdf" "${previous}")
expect_partial("${disk}/run" "${OUT}/run" "report.html;report.pdf" report "${disk}/run")
if(NOT last_stderr MATCHES "Not written: report.html \\(cannot write ${disk}/run/report.html: writing report.html.tmp[0-9]+: No space left on device\\)")
  fail("the reason report.html is missing does not name the file and the system's reason:\n${last_stderr}")
endif()

# The disk filled to its last byte: no report can be written, and what was there stays whole.
execute_process(COMMAND dd if=/dev/zero of=${disk}/filler bs=1024 OUTPUT_QUIET ERROR_QUIET)
expect_partial("${disk}/run" "${OUT}/run" "results.json;BENCHMARK_RESULTS.md;results.csv;summaries.csv;real_model.csv;FEATURE_MATRIX.md;report.html;report.pdf"
               report "${disk}/run")
file(REMOVE "${disk}/filler")

# A combined report into a folder on the small disk.
unset(previous)
expect_partial("${disk}/combined" "${OUT}/combined" "report.html;report.pdf" report "${OUT}/run" --out "${disk}/combined")

execute_process(COMMAND umount "${disk}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot unmount ${disk}")
endif()
message(STATUS "reports on a full disk: named as not written, exit status 1, nothing partial or temporary left")
