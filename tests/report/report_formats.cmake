# `legion-bench report DIR --format ...` writes the chosen reporters only, `list` shows every
# reporter, and a reporter that fails is named and makes the exit status 1:
#   cmake -DLEGION_BENCH=... -DSOURCE=... -DOUT=... -P report_formats.cmake
include("${SOURCE}/tests/bench/cli_helpers.cmake")
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
expect_exit(0 "${LEGION_BENCH}" --systems native --scenario single-tool -n 2 --warmup 0 --out "${OUT}/run" -q)
file(READ "${OUT}/run/BENCHMARK_RESULTS.md" original)

# Only the CSV files, then only the Markdown ones; nothing else is touched.
file(REMOVE_RECURSE "${OUT}/csv")
file(MAKE_DIRECTORY "${OUT}/csv")
file(COPY "${OUT}/run/results.json" DESTINATION "${OUT}/csv")
expect_exit(0 "${LEGION_BENCH}" report "${OUT}/csv" --format csv)
file(GLOB written RELATIVE "${OUT}/csv" "${OUT}/csv/*")
list(SORT written)
if(NOT written STREQUAL "real_model.csv;results.csv;results.json;summaries.csv")
  message(FATAL_ERROR "--format csv wrote: ${written}")
endif()
if(NOT last_stdout MATCHES "Wrote results.csv, summaries.csv and real_model.csv to")
  message(FATAL_ERROR "--format csv does not say what it wrote:\n${last_stdout}")
endif()
expect_exit(0 "${LEGION_BENCH}" report "${OUT}/csv" --format MD,json)
foreach(f BENCHMARK_RESULTS.md FEATURE_MATRIX.md)
  if(NOT EXISTS "${OUT}/csv/${f}")
    message(FATAL_ERROR "--format MD,json did not write ${f}")
  endif()
endforeach()
file(READ "${OUT}/csv/BENCHMARK_RESULTS.md" regenerated)
if(NOT regenerated STREQUAL original)
  message(FATAL_ERROR "the regenerated BENCHMARK_RESULTS.md differs from the run's")
endif()
if(EXISTS "${OUT}/csv/report.html")
  message(FATAL_ERROR "--format MD,json wrote report.html")
endif()

# An unknown format is a usage error that lists the known ones; nothing is written.
expect_exit(2 "${LEGION_BENCH}" report "${OUT}/csv" --format md,docx)
if(NOT last_stderr MATCHES "unknown report format 'docx' \\(known: all; json, md, csv, jsonl, html, pdf, or a reporter: json, markdown, csv")
  message(FATAL_ERROR "an unknown format is not explained:\n${last_stderr}")
endif()

# A failing reporter: PDF only, with a Chromium that fails. It is named, and the status is 1.
expect_exit(1 ${CMAKE_COMMAND} -E env LEGION_CHROMIUM=/bin/false "${LEGION_BENCH}" report "${OUT}/csv" --format pdf)
if(NOT last_stderr MATCHES "Not written: report.pdf \\(Chromium failed to print the report \\(exit status 1\\)\\)" OR
   last_stdout MATCHES "Wrote")
  message(FATAL_ERROR "a failed PDF is not reported as such:\nstdout:\n${last_stdout}\nstderr:\n${last_stderr}")
endif()

# `list` shows every reporter with its format and file.
expect_exit(0 "${LEGION_BENCH}" list)
foreach(line "markdown +md +BENCHMARK_RESULTS.md" "feature-matrix +md +FEATURE_MATRIX.md" "json +json +results.json"
             "csv +csv +results.csv" "summaries-csv +csv +summaries.csv" "real-model-csv +csv +real_model.csv" "html +html +report.html" "pdf +pdf +report.pdf")
  if(NOT last_stdout MATCHES "${line}")
    message(FATAL_ERROR "list does not show '${line}':\n${last_stdout}")
  endif()
endforeach()
