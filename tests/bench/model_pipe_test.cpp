#include "model_pipe.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "legion/oracle/server.hpp"

namespace legion::bench {
namespace {

// A server and a client joined by two pipes, as the runner and a worker are.
struct Pipes {
  explicit Pipes(oracle::Oracle& oracle) {
    int requests[2], answers[2];
    EXPECT_EQ(::pipe(requests), 0);
    EXPECT_EQ(::pipe(answers), 0);
    client_requests = requests[1];
    client_answers = answers[0];
    server = std::make_unique<ModelPipeServer>(oracle, requests[0], answers[1]);
  }
  ~Pipes() {
    ::close(client_requests);
    ::close(client_answers);
  }
  int client_requests, client_answers;
  std::unique_ptr<ModelPipeServer> server;
};

TEST(ModelPipe, AnswersAsTheModelServerWouldAndLogsEachRequestAlike) {
  oracle::Oracle oracle(oracle::Oracle::Options{});
  Pipes pipes(oracle);
  ModelPipeClient client(pipes.client_requests, pipes.client_answers);
  const auto mark = oracle.mark();
  const auto answer = nlohmann::json::parse(
      client.post("/embeddings", R"({"model":"legion-oracle","input":["alpha","beta gamma"],"encoding_format":"float"})"));
  ASSERT_EQ(answer["data"].size(), 2u);
  EXPECT_FALSE(answer["data"][1]["embedding"].empty());
  const auto served = oracle.totals_since(mark);
  EXPECT_EQ(served.embedding_requests, 1u);
  EXPECT_GT(served.embedding_tokens, 0u);
  EXPECT_GT(oracle.busy_since(mark), 0);  // the service time is logged, so overhead subtracts it
  EXPECT_EQ(client.post("/health", ""), "ok");
  EXPECT_GT(client.median_round_trip_ns(50), 0);
}

TEST(ModelPipe, ARefusedRequestIsAModelErrorWithItsStatus) {
  oracle::Oracle oracle(oracle::Oracle::Options{});
  Pipes pipes(oracle);
  ModelPipeClient client(pipes.client_requests, pipes.client_answers);
  try {
    client.post("/v1/files", "{}");
    FAIL();
  } catch (const core::LlmError& e) {
    EXPECT_EQ(e.status, 404);
    EXPECT_NE(std::string(e.what()).find("Unknown request path: /files"), std::string::npos) << e.what();
  }
  try {
    client.post("/chat/completions", "not json");
    FAIL();
  } catch (const core::LlmError& e) {
    EXPECT_EQ(e.status, 400) << e.what();
  }
  EXPECT_EQ(client.post("/health", ""), "ok");  // the pipe still works after refusals
}

TEST(ModelPipe, AClosedPipeIsAClearErrorNotAHang) {
  oracle::Oracle oracle(oracle::Oracle::Options{});
  int requests[2], answers[2];
  ASSERT_EQ(::pipe(requests), 0);
  ASSERT_EQ(::pipe(answers), 0);
  ::close(requests[0]);  // nobody serves: the runner's end is gone
  ::close(answers[1]);
  ::signal(SIGPIPE, SIG_IGN);
  ModelPipeClient client(requests[1], answers[0]);
  try {
    client.post("/health", "");
    FAIL();
  } catch (const core::LlmError& e) {
    EXPECT_EQ(e.status, 0);
    EXPECT_NE(std::string(e.what()).find("pipe closed"), std::string::npos) << e.what();
  }
  ::close(requests[1]);
  ::close(answers[0]);
}

}  // namespace
}  // namespace legion::bench
