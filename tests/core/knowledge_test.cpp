// Vector recall: the native engine's store, the memory-retrieval scenario on the engine over real
// HTTP (embeddings from the model server), and the scenario file's knowledge base validated.
#include "legion/core/engine.hpp"
#include "legion/core/vector_store.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "legion/datasets/scenario.hpp"
#include "legion/oracle/server.hpp"
#include "test_support.hpp"

namespace legion::core {
namespace {

using namespace legion::datasets;
using namespace legion::oracle;

TEST(VectorStore, RanksByCosineAndKeepsTheOrderOfTies) {
  VectorStore store;
  store.add({"east", "north-east", "north", "also east"}, {{1, 0}, {1, 1}, {0, 3}, {5, 0}});
  auto found = store.search({2, 0.1f}, 3);  // the query's length does not matter
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(*found[0], "east");       // cosine ties with "also east": the earlier one first
  EXPECT_EQ(*found[1], "also east");
  EXPECT_EQ(*found[2], "north-east");
  EXPECT_EQ(store.search({0, 1}, 10).size(), 4u);  // k beyond the store: everything, ranked
  EXPECT_EQ(*store.search({0, 1}, 1).front(), "north");
  EXPECT_THROW(store.add({"a"}, {}), std::invalid_argument);
  EXPECT_THROW(store.add({"a"}, {{1, 2, 3}}), std::invalid_argument);  // another dimension
  EXPECT_THROW(store.search({1, 2, 3}, 1), std::invalid_argument);
}

class KnowledgeTest : public ::testing::Test {
 protected:
  TaskResult run(const ScenarioSpec& oracle_view, const TaskSpec& task) {
    oracle_.set_script(std::make_shared<ScriptPolicy>(std::make_shared<const ScenarioSpec>(oracle_view), dialect_named("native")));
    EngineOptions options;
    options.client.base_url = oracle_.base_url();
    return Engine(options).run(task);
  }
  Oracle oracle_{Oracle::Options{}};
};

TEST_F(KnowledgeTest, TheEngineRecallsThePlantedDocumentFromItsVectorStore) {
  const auto spec = load_scenario(resolve_scenario("memory-retrieval"), {{{"documents", 1500}}, 7});
  ASSERT_EQ(spec.knowledge.documents.size(), 1500u);
  const auto before = oracle_.last_seq();
  const auto result = run(spec, task_of(spec));
  EXPECT_TRUE(check_answer(spec, result.answer).correct) << result.answer;
  const auto served = totals(oracle_.log_since(before));
  EXPECT_EQ(served.embedding_requests, 3u);  // two batches of at most 1,000 documents, one query
  EXPECT_GT(served.embedding_tokens, 1500u * 50);
  EXPECT_EQ(served.requests, 1u);  // the answer; embeddings are counted apart
  EXPECT_GT(result.ingest_ns, 0);
  EXPECT_GT(result.retrieval_ns, 0);
  EXPECT_LT(result.retrieval_ns, result.ingest_ns);
}

TEST_F(KnowledgeTest, AnAnswerWithoutTheRetrievedValueFails) {
  const auto spec = load_scenario(resolve_scenario("memory-retrieval"), {{{"documents", 50}}, 7});
  const auto& code = spec.nonces.at("code");
  // The system's copy of the relevant page no longer holds the code: the answer cannot carry it.
  auto task = task_of(spec);
  for (auto& document : task.knowledge.documents)
    if (auto at = document.find(code); at != std::string::npos) document.replace(at, code.size(), "ZQ00000000");
  auto result = run(spec, task);
  EXPECT_FALSE(check_answer(spec, result.answer).correct) << result.answer;
  EXPECT_NE(result.answer.find("MISSING(code)"), std::string::npos) << result.answer;
  // With no knowledge base at all, nothing is recalled.
  task = task_of(spec);
  task.knowledge = {};
  result = run(spec, task);
  EXPECT_NE(result.answer.find("MISSING(code)"), std::string::npos) << result.answer;
  EXPECT_EQ(result.ingest_ns, 0);
}

std::string load_error(const std::string& knowledge, std::map<std::string, std::int64_t> params = {}) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::create_directories(dir);
  auto file = dir / "kb.yaml";
  std::ofstream(file) << "name: kb\npattern: sequential\nparams:\n  documents: {default: 3, min: 1, max: 10}\n"
                         "task: \"Find {{nonce.t}}.\"\n" << knowledge
                      << "agents:\n  - id: solo\n    role: Solo Agent\n    goal: Answer.\n    script:\n"
                         "      - say: \"{{nonce.ans}} {{seen.t}}\"\ncheck:\n  contains: [t, ans]\n";
  try {
    load_scenario(file, {params, 1});
  } catch (const DatasetError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind(file.string() + ":", 0), 0u) << message;
    return message.substr(file.string().size());
  }
  return "no error";
}

TEST(KnowledgeFile, BadKnowledgeBasesAndSizesNameFileLineAndColumn) {
  const std::string docs = "  documents:\n    - repeat: {var: i, from: 1, count: \"${documents}\"}\n      item: \"page ${i}\"\n";
  EXPECT_EQ(load_error("knowledge:\n  top_k: 2\n" + docs), "no error");
  EXPECT_EQ(load_error("knowledge:\n  top_k: 0\n" + docs), ":7:10: top_k = 0 is outside [1, 100]");
  EXPECT_EQ(load_error("knowledge:\n  top_k: 2\n"), ":7:3: 'knowledge' needs 'documents'");
  EXPECT_EQ(load_error("knowledge:\n  top_k: 2\n  documents: []\n"), ":8:14: the knowledge base needs at least one document");
  EXPECT_EQ(load_error("knowledge:\n  top_k: 2\n  documents:\n    - {text: x}\n"), ":9:7: a document must be a text");
  EXPECT_EQ(load_error("knowledge:\n  top_k: 2\n  pages: 3\n" + docs),
            ":8:3: unknown key 'pages' in 'knowledge' (expected one of: top_k, documents)");
  EXPECT_EQ(load_error("knowledge:\n  top_k: 2\n" + docs, {{"documents", 0}}), ":4:3: parameter 'documents' = 0 is outside [1, 10]");
}

}  // namespace
}  // namespace legion::core
