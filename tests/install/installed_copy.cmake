# cmake -DBUILD=build-dir -DOUT=scratch-dir -P installed_copy.cmake
# Installs the build under a scratch prefix and runs that copy from an unrelated folder: it must
# find its datasets, tokenizer table and adapters under PREFIX/share/legion-bench, not in the source.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/elsewhere")
set(prefix "${OUT}/prefix")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD}" --prefix "${prefix}" RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
set(bench "${prefix}/bin/legion-bench")
foreach(needed share/legion-bench/datasets/scenarios/single-tool.yaml share/legion-bench/datasets/systems.yaml
               share/legion-bench/datasets/prompts.yaml share/legion-bench/datasets/dialects/native.yaml
               share/legion-bench/datasets/tokenizer/node_modules/js-tiktoken/dist/ranks/o200k_base.js
               share/legion-bench/adapters/python/legion_common.py)
  if(NOT EXISTS "${prefix}/${needed}")
    message(FATAL_ERROR "the install lacks ${needed}")
  endif()
endforeach()
execute_process(COMMAND "${bench}" list WORKING_DIRECTORY "${OUT}/elsewhere" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "Scenarios \\(${prefix}/share/legion-bench/datasets/scenarios\\)")
  message(FATAL_ERROR "the installed copy does not read its own datasets (exit ${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND "${bench}" --systems native --scenario single-tool --scenario consensus-vote -n 2 --warmup 0 -q
                        --out "${OUT}/run"
                WORKING_DIRECTORY "${OUT}/elsewhere" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed copy's run failed (exit ${rc}):\n${out}\n${err}")
endif()
file(READ "${OUT}/run/results.json" json)
string(JSON n LENGTH "${json}" records)
string(JSON tokenizer GET "${json}" run versions tokenizer)
if(NOT n EQUAL 4 OR NOT tokenizer MATCHES "js-tiktoken")
  message(FATAL_ERROR "installed copy: ${n} records, tokenizer '${tokenizer}'")
endif()
foreach(i 0 1 2 3)
  string(JSON correct GET "${json}" records ${i} correct)
  if(NOT correct)
    message(FATAL_ERROR "installed copy: record ${i} is not correct")
  endif()
endforeach()
message(STATUS "the installed copy ran correctly from ${prefix}")
