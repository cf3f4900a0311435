# Memory-intensive retrieval on all four systems (the frameworks installed by scripts/bootstrap.sh):
#   cmake -DLEGION_BENCH=... -DSOURCE=... -DOUT=... -P e2e_memory_retrieval.cmake
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
include("${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake")
set(systems native,langchain,crewai,autogen)

# 1. Each system puts 8 pages into its own store and answers from the one it retrieves; ingestion,
#    retrieval and the embedding calls are recorded apart from the answer's calls.
run_bench(0 --scenario memory-retrieval --systems ${systems} --param documents=8 -n 1 --warmup 0 --out "${OUT}/right")
read_records("${OUT}/right/results.json")
if(NOT n EQUAL 4)
  message(FATAL_ERROR "expected 4 records, got ${n}")
endif()
foreach(i RANGE ${last})
  string(JSON record GET "${json}" records ${i})
  string(JSON correct GET "${record}" correct)
  if(NOT correct)
    message(FATAL_ERROR "not a correct run: ${record}")
  endif()
  foreach(field ingest_ns retrieval_ns embedding_calls embedding_tokens)
    string(JSON value GET "${record}" ${field})
    if(value STREQUAL "" OR value LESS_EQUAL 0)
      message(FATAL_ERROR "${field} should be measured: ${record}")
    endif()
  endforeach()
  # The 8 pages and the query: at least 8 × 100 tokens embedded, never counted as prompt tokens.
  string(JSON tokens GET "${record}" embedding_tokens)
  string(JSON prompt GET "${record}" prompt_tokens)
  if(tokens LESS 800 OR prompt GREATER 3000)
    message(FATAL_ERROR "embedding tokens ${tokens} and prompt tokens ${prompt} are not counted apart: ${record}")
  endif()
endforeach()

# 2. The planted code moved out of reach: the relevant page carries a decoy, the real code sits on a
#    page no search for the project finds. Every system answers without it.
file(READ "${SOURCE}/datasets/scenarios/memory-retrieval.yaml" text)
string(REPLACE "project {{nonce.project}} is {{nonce.code}}." "project {{nonce.project}} is {{nonce.decoy}}." text "${text}")
string(REPLACE "  documents:\n" "  documents:\n    - \"Canteen menu, week 12: soup, bread and fruit; receipt {{nonce.code}}.\"\n" text "${text}")
string(REPLACE "name: memory-retrieval" "name: memory-retrieval-altered" text "${text}")
file(WRITE "${OUT}/memory-retrieval-altered.yaml" "${text}")
run_bench(1 --scenario "${OUT}/memory-retrieval-altered.yaml" --systems ${systems} --param documents=8 -n 1 --warmup 0
          --out "${OUT}/altered")
read_records("${OUT}/altered/results.json")
foreach(i RANGE ${last})
  string(JSON record GET "${json}" records ${i})
  string(JSON correct GET "${record}" correct)
  string(JSON answer GET "${record}" answer)
  if(correct OR NOT answer MATCHES "MISSING\\(code\\)")
    message(FATAL_ERROR "an unreachable planted value should give a wrong answer, not: ${record}")
  endif()
endforeach()

# 3. Bad sizes are refused before anything runs: the scenario file's line and column, or the flag.
run_bench(2 --scenario memory-retrieval --systems native --param documents=0 --out "${OUT}/bad")
if(NOT stderr MATCHES "memory-retrieval.yaml:[0-9]+:[0-9]+: parameter 'documents' = 0 is outside \\[1, 20000\\]")
  message(FATAL_ERROR "documents=0 should be refused with file:line:column, got:\n${stderr}")
endif()
run_bench(2 --scenario memory-retrieval --systems native --sweep documents=100,30000 --out "${OUT}/bad")
if(NOT stderr MATCHES "--sweep")
  message(FATAL_ERROR "documents=30000 in a sweep should be refused naming --sweep, got:\n${stderr}")
endif()
