# Context trimming in context-management (context_window), each system with its own construct:
# listed in the run's configuration when on and only then; the first turn's code word survives
# where the construct keeps the first turn, and its loss elsewhere is a failed answer.
#   cmake -DLEGION_BENCH=... -DOUT=... -P context_trimming.cmake
file(REMOVE_RECURSE "${OUT}")
include("${CMAKE_CURRENT_LIST_DIR}/../bench/cli_helpers.cmake")

# Off and on (4 messages) in one run, interleaved; LangChain's trimming loses the first turn: exit 1.
run_bench(1 --systems ${SEED_SYSTEMS} --scenario context-management --sweep context_window=0,4 --param turns=6 --param message_bytes=200
          -n 1 --warmup 0 --out "${OUT}/on")
read_records("${OUT}/on/results.json")
foreach(i RANGE ${last})
  string(JSON record GET "${json}" records ${i})
  string(JSON system GET "${record}" system)
  string(JSON scenario GET "${record}" cell)  # a swept cell: context-management[context_window=4]
  string(JSON correct GET "${record}" correct)
  string(JSON unsupported GET "${record}" unsupported)
  string(JSON answer GET "${record}" answer)
  string(JSON prompt GET "${record}" prompt_tokens)
  set(prompt_${system}_${scenario} ${prompt})
  if(scenario MATCHES "context_window=0\\]")
    if(NOT correct)
      message(FATAL_ERROR "without trimming every system should be correct: ${record}")
    endif()
  elseif(system STREQUAL "crewai")
    if(NOT unsupported)
      message(FATAL_ERROR "CrewAI has no message window: the cell should be unsupported: ${record}")
    endif()
  elseif(system STREQUAL "langchain")
    if(correct OR NOT answer MATCHES "code word MISSING\\(codeword\\)")
      message(FATAL_ERROR "trim_messages keeps the last messages only: the code word should be lost: ${record}")
    endif()
  elseif(NOT correct)
    message(FATAL_ERROR "${system}'s trimming keeps the first turn: the answer should be correct: ${record}")
  endif()
endforeach()
foreach(system native langchain autogen)
  if(NOT prompt_${system}_context-management[context_window=4] LESS prompt_${system}_context-management[context_window=0])
    message(FATAL_ERROR "${system}: trimming should send fewer prompt tokens")
  endif()
endforeach()
file(READ "${OUT}/on/BENCHMARK_RESULTS.md" md)
foreach(text "| native | context trimming (context\\_window N) |" "| langchain | context trimming (context\\_window N) | trim\\_messages("
             "| crewai | context trimming (context\\_window N) | none (unsupported)"
             "| autogen | context trimming (context\\_window N) | AssistantAgent(model\\_context=HeadAndTailChatCompletionContext(")
  string(FIND "${md}" "${text}" at)
  if(at LESS 0)
    message(FATAL_ERROR "with trimming on, the configuration should list '${text}'")
  endif()
endforeach()

# Off: not listed.
run_bench(0 --systems native,autogen --scenario context-management --param turns=2 -n 1 --warmup 0 --out "${OUT}/off")
file(READ "${OUT}/off/BENCHMARK_RESULTS.md" md)
string(FIND "${md}" "context trimming" at)
if(NOT at LESS 0)
  message(FATAL_ERROR "with trimming off, the configuration should not list it")
endif()
