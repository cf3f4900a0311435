// The enterprise workflow's database: scenario files with `database:` and `sql:` tools, a fresh
// database per run, and the final-state check that fails wrong writes.
#include "legion/datasets/database.hpp"
#include "legion/datasets/scenario.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <fstream>

namespace legion::datasets {
namespace {

using nlohmann::json;

ScenarioSpec order_refund(std::int64_t orders = 20) {
  LoadOptions options;
  options.params["orders"] = orders;
  return load_scenario(resolve_scenario("order-refund"), options);
}

// A fresh database for `spec` and the task whose tools act on it.
struct FreshRun {
  std::filesystem::path database;
  TaskSpec task;
  explicit FreshRun(const ScenarioSpec& spec) : database(legion::testing::scratch_dir() / "run.sqlite") {
    create_database(*spec.database, database);
    task = task_of(spec, {database});
  }
  std::string call(const std::string& tool, const json& args) const { return task.run_tool(tool, args.dump()); }
};

// The calls a correct agent makes, as the scenario's script says.
void handle_correctly(const FreshRun& run, const ScenarioSpec& spec) {
  const auto order = spec.nonces.at("order");
  EXPECT_NE(run.call("get_order", {{"order_id", order}}).find(spec.nonces.at("customer")), std::string::npos);
  EXPECT_NE(run.call("check_refund_policy", {{"reason", "damaged"}}).find(spec.nonces.at("policy")), std::string::npos);
  EXPECT_NE(run.call("issue_refund", {{"order_id", order}, {"amount_cents", 2100}, {"policy_code", spec.nonces.at("policy")}})
                .find(spec.nonces.at("ledger")),
            std::string::npos);
  EXPECT_NE(run.call("set_order_status", {{"order_id", order}, {"status", "refunded"}}).find(spec.nonces.at("case")),
            std::string::npos);
}

TEST(Workflow, TheRightWritesLeaveTheExpectedState) {
  const auto spec = order_refund();
  FreshRun run(spec);
  // Untouched: the refund row missing, the order's row as expected missing and as found unexpected.
  EXPECT_EQ(database_differences(*spec.database, run.database).size(), 3u)
      << "an untouched database must differ from the expected final state";
  handle_correctly(run, spec);
  EXPECT_TRUE(database_differences(*spec.database, run.database).empty());
}

TEST(Workflow, AWrongAmountFailsTheCheck) {
  const auto spec = order_refund();
  FreshRun run(spec);
  const auto order = spec.nonces.at("order");
  run.call("issue_refund", {{"order_id", order}, {"amount_cents", 4200}, {"policy_code", spec.nonces.at("policy")}});
  run.call("set_order_status", {{"order_id", order}, {"status", "refunded"}});
  const auto differences = database_differences(*spec.database, run.database);
  ASSERT_EQ(differences.size(), 2u);
  EXPECT_NE(differences[0].find("refunds: missing row"), std::string::npos) << differences[0];
  EXPECT_NE(differences[0].find("2100"), std::string::npos) << differences[0];
  EXPECT_NE(differences[1].find("refunds: unexpected row"), std::string::npos) << differences[1];
  EXPECT_NE(differences[1].find("4200"), std::string::npos) << differences[1];
}

TEST(Workflow, AWriteToAnotherRowFailsTheCheck) {
  const auto spec = order_refund();
  FreshRun run(spec);
  handle_correctly(run, spec);
  run.call("set_order_status", {{"order_id", "ORD-7"}, {"status", "refunded"}});
  const auto differences = database_differences(*spec.database, run.database);
  ASSERT_EQ(differences.size(), 2u);
  EXPECT_NE(differences[1].find("orders: unexpected row"), std::string::npos);
  EXPECT_NE(differences[1].find("ORD-7"), std::string::npos);
}

TEST(Workflow, AMissingWriteFailsTheCheck) {
  const auto spec = order_refund();
  FreshRun run(spec);
  const auto order = spec.nonces.at("order");
  run.call("issue_refund", {{"order_id", order}, {"amount_cents", 2100}, {"policy_code", spec.nonces.at("policy")}});
  const auto differences = database_differences(*spec.database, run.database);
  ASSERT_EQ(differences.size(), 2u);  // the order's row as expected (refunded) is missing, as found (delivered) unexpected
  EXPECT_NE(differences[0].find("\"refunded\""), std::string::npos) << differences[0];
}

TEST(Workflow, ConcurrentHandlersOfOneOrderRefundItOnce) {
  const auto spec = order_refund();
  FreshRun run(spec);
  handle_correctly(run, spec);
  // Another handler of the same request, before or after the status update, even one asking for
  // another amount: it gets the refund already made, and nothing is written.
  const auto again = run.call("issue_refund", {{"order_id", spec.nonces.at("order")}, {"amount_cents", 4200},
                                               {"policy_code", spec.nonces.at("policy")}});
  EXPECT_NE(again.find("\"amount_cents\":2100"), std::string::npos) << again;
  EXPECT_NE(again.find(spec.nonces.at("ledger")), std::string::npos) << again;
  run.call("set_order_status", {{"order_id", spec.nonces.at("order")}, {"status", "refunded"}});
  EXPECT_TRUE(database_differences(*spec.database, run.database).empty());
  // An order that is not delivered is not refunded.
  EXPECT_NE(run.call("set_order_status", {{"order_id", "ORD-2"}, {"status", "cancelled"}}).find("\"id\":\"ORD-2\""), std::string::npos);
  EXPECT_EQ(run.call("issue_refund", {{"order_id", "ORD-2"}, {"amount_cents", 100}, {"policy_code", "POL-LATE"}}), "[]");
}

TEST(Workflow, ToolErrorsComeBackAsText) {
  const auto spec = order_refund();
  FreshRun run(spec);
  EXPECT_EQ(run.call("get_order", json::object()), "error: missing argument 'order_id'");
  EXPECT_EQ(run.call("get_order", {{"order_id", "no-such-order"}}), "[]");
  // Arguments are bound, never pasted into SQL.
  EXPECT_EQ(run.call("get_order", {{"order_id", "x' OR '1'='1"}}), "[]");
  EXPECT_EQ(task_of(spec).run_tool("get_order", R"({"order_id":"a"})"), "error: this run has no database");
  EXPECT_EQ(run.task.run_tool("get_order", "[1]"), "error: arguments are not a JSON object");
}

TEST(Workflow, TheTaskBoundaryHidesStatementsAndExpectedState) {
  const auto spec = order_refund();
  const auto seen = core::to_json(task_of(spec)).dump();
  for (const auto& tool : spec.tools) EXPECT_EQ(seen.find(tool.sql), std::string::npos) << tool.name;
  EXPECT_EQ(seen.find("CREATE TABLE"), std::string::npos);
  for (const auto& name : {"policy", "ledger", "case", "customer", "reply"})
    EXPECT_EQ(seen.find(spec.nonces.at(name)), std::string::npos) << name;
}

TEST(Workflow, TenThousandOrdersLoad) {
  const auto spec = order_refund(10000);
  EXPECT_EQ(spec.database->rows.size(), 10000u + 1 + 3);
}

std::filesystem::path write_temp(const std::string& text) {
  auto file = legion::testing::scratch_dir() / "flow.yaml";
  std::ofstream(file) << text;
  return file;
}

// The error for a broken file, after its "file:" prefix.
std::string error_of(const std::string& text) {
  const auto file = write_temp(text);
  try {
    load_scenario(file);
  } catch (const DatasetError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind(file.string() + ":", 0), 0u) << message;
    return message.substr(file.string().size());
  }
  return "no error";
}

const std::string kRow = "{k: a, v: \"{{nonce.v}}\"}";

// A small valid workflow; the tests below break one thing at a time.
std::string flow(const std::string& schema = "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", const std::string& row = kRow, const std::string& sql = "UPDATE t SET v = :v WHERE k = :k RETURNING k, '{{nonce.w}}' AS w",
                 const std::string& change = "UPDATE t SET v = 'new' WHERE k = 'a'", const std::string& extra_tool = "") {
  return "name: flow\n"
         "pattern: sequential\n"
         "task: \"Set a.\"\n"
         "database:\n"
         "  schema: \"" + schema + "\"\n"
         "  rows:\n"
         "    t:\n"
         "      - " + row + "\n"
         "tools:\n"
         "  - name: set\n"
         "    parameters: {type: object, properties: {k: {type: string}, v: {type: string}}}\n"
         "    sql: \"" + sql + "\"\n" + extra_tool +
         "agents:\n"
         "  - id: solo\n"
         "    role: Solo Agent\n"
         "    goal: Answer.\n"
         "    tools: [set]\n"
         "    script:\n"
         "      - call: set\n"
         "        args: {k: a, v: new}\n"
         "      - say: \"Done {{seen.w}} {{nonce.ans}}.\"\n"
         "check:\n"
         "  contains: [ans]\n"
         "  database:\n"
         "    - \"" + change + "\"\n";
}

TEST(Workflow, ASmallWorkflowLoads) {
  const auto spec = load_scenario(write_temp(flow()));
  ASSERT_TRUE(spec.database.has_value());
  EXPECT_EQ(spec.agents[0].script[0].witness, spec.nonces.at("w"));
}

TEST(Workflow, BrokenFilesNameTheirLineAndColumn) {
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT")),
            ":5:11: the schema does not load: incomplete input");
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", "{k: a, nope: 1}")).substr(0, 50),
            ":8:9: this row does not fit table 't': table t has");
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", kRow, "UPDATE t SET x = :v")),
            ":12:10: tool 'set': no such column: x");
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", kRow,
                          "UPDATE t SET v = :v WHERE k = :k RETURNING k, '{{nonce.w}}' AS w", "UPDATE t SET v = 'other' WHERE k = 'a'")),
            ":25:5: the script's 'sql' calls do not end in this state (the scenario contradicts itself)");
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", kRow,
                          "UPDATE t SET v = :v WHERE k = :k RETURNING k, '{{nonce.w}}' AS w", "UPDATE nope SET v = 1")),
            ":25:7: this change does not apply: no such table: nope");
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", kRow,
                          "UPDATE t SET v = :missing WHERE k = :k RETURNING k, '{{nonce.w}}' AS w")),
            ":19:9: this call fails on the scenario's database: missing argument 'missing'");
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", kRow,
                          "UPDATE t SET v = :v WHERE k = :k; DELETE FROM t")).substr(0, 55),
            ":12:10: tool 'set': a tool runs one SQL statement; this");
  EXPECT_EQ(error_of(flow("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);", kRow,
                          "UPDATE t SET v = :v WHERE k = :k RETURNING k, '{{nonce.w}}' AS w", "UPDATE t SET v = 'new' WHERE k = 'a'",
                          "  - name: both\n    sql: \"SELECT 1\"\n    results: [{result: x}]\n")),
            ":13:5: tool 'both' needs exactly one of 'results', 'sql' or 'sandbox'");
}

TEST(Workflow, ToolKindsAreCheckedWhereTheyAreDeclared) {
  const auto no_database = std::string("name: flow\npattern: sequential\ntask: t\n"
                                       "tools:\n  - name: q\n    sql: \"SELECT 1\"\n"
                                       "agents:\n  - id: a\n    role: R\n    goal: G\n    script:\n      - say: \"{{nonce.x}}\"\n"
                                       "check: {contains: [x]}\n");
  EXPECT_EQ(error_of(no_database), ":6:10: an 'sql' tool needs the scenario's 'database'");
  const auto sandbox = [](const std::string& tool, const std::string& step) {
    return "name: flow\npattern: sequential\ntask: t\n"
           "tools:\n  - name: py\n" + tool +
           "agents:\n  - id: a\n    role: R\n    goal: G\n    tools: [py]\n    script:\n" + step +
           "      - say: \"{{nonce.x}}\"\ncheck: {contains: [x]}\n";
  };
  const std::string code_param = "    parameters: {type: object, properties: {code: {type: string}}}\n";
  EXPECT_EQ(error_of(sandbox("    sandbox: ruby\n" + code_param, "")), ":6:14: unknown sandbox 'ruby' (expected python)");
  EXPECT_EQ(error_of(sandbox("    sandbox: python\n", "")), ":5:5: sandbox tool 'py' needs a string parameter 'code' (the program to run)");
  EXPECT_EQ(error_of(sandbox("    sandbox: python\n" + code_param, "      - call: py\n        args: {code: \"print(1)\"}\n")),
            ":14:9: a call of sandbox tool 'py' needs 'until: NAME', the planted value its program prints (programs are not run "
            "when a scenario loads)");
  EXPECT_EQ(error_of(sandbox("    sandbox: python\n" + code_param,
                             "      - call: py\n        args: {code: \"print(1)\"}\n        until: nothing\n")),
            ":16:16: 'until' names a value that is not planted before it");
}

// Loading a scenario replays its statements on an in-memory database; none of them may reach the
// file system: ATTACH and VACUUM INTO (in a tool, a script's call, the schema or an expected
// change) are refused at their line, and the file they name is never made.
TEST(Workflow, LoadingTouchesNoFile) {
  const auto target = legion::testing::scratch_dir() / "outside.sqlite";
  const auto path = target.string();
  auto with_path_argument = [&](std::string text) {
    const std::string args = "args: {k: a, v: new}";
    return text.replace(text.find(args), args.size(), "args: {k: a, v: \"" + path + "\"}");
  };
  const std::string refused = "not authorized: statements act on the scenario's own database only (ATTACH, DETACH, VACUUM and "
                              "the pragmas that move or grow its files are refused)";
  const std::string table = "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);";
  EXPECT_EQ(error_of(with_path_argument(flow(table, kRow, "ATTACH DATABASE :v AS x"))), ":12:10: tool 'set': " + refused);
  // VACUUM is refused when it runs (it attaches its target then): here when the script's call is replayed.
  EXPECT_EQ(error_of(with_path_argument(flow(table, kRow, "VACUUM INTO :v"))),
            ":19:9: this call fails on the scenario's database: authorization denied" + refused.substr(14));
  EXPECT_EQ(error_of(flow(table + " ATTACH DATABASE '" + path + "' AS x;")), ":5:11: the schema does not load: " + refused);
  EXPECT_EQ(error_of(flow(table, kRow, "UPDATE t SET v = :v WHERE k = :k RETURNING k, '{{nonce.w}}' AS w",
                          "VACUUM INTO '" + path + "'")),
            ":25:7: this change does not apply: authorization denied" + refused.substr(14));
  EXPECT_EQ(error_of(flow(table + " PRAGMA temp_store_directory = '" + target.parent_path().string() + "';")),
            ":5:11: the schema does not load: " + refused);
  EXPECT_FALSE(std::filesystem::exists(target));

  // A run's tools are held to the same: a statement cannot be made to attach at run time either.
  Database run(path);
  EXPECT_THROW(run.query("ATTACH DATABASE :v AS x", {{"v", path + ".2"}}), DatabaseError);
  EXPECT_THROW(run.query("VACUUM INTO :v", {{"v", path + ".3"}}), DatabaseError);
  EXPECT_FALSE(std::filesystem::exists(path + ".2"));
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));
}

// What a statement can make SQLite do is bounded: a query without end, a gigabyte value, a result
// or a database past their limits fail with the limit named, at the line that asked for them.
TEST(Workflow, StatementsAreBounded) {
  const std::string table = "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);";
  EXPECT_EQ(error_of(flow(table, kRow,
                          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n, '{{nonce.w}}' AS w "
                          "FROM c")),
            ":19:9: this call fails on the scenario's database: interrupted: a call may run at most 20000000 SQLite steps");
  EXPECT_EQ(error_of(flow(table, kRow, "SELECT randomblob(100000000) AS b, '{{nonce.w}}' AS w")),
            ":19:9: this call fails on the scenario's database: string or blob too big");
  EXPECT_EQ(error_of(flow(table, kRow,
                          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT zeroblob(60000) AS b, "
                          "'{{nonce.w}}' AS w FROM c")),
            ":19:9: this call fails on the scenario's database: the result comes to more than 67108864 bytes");
  EXPECT_EQ(error_of(flow(table + " CREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) "
                                  "SELECT randomblob(60000) AS b FROM c;")),
            ":5:11: the schema does not load: database or disk is full (a database may hold at most 16384 pages, 64 MiB)");
  EXPECT_EQ(error_of(flow(table + " PRAGMA max_page_count = 1000000;")).substr(0, 50),
            ":5:11: the schema does not load: not authorized: s");
  // Replayed results are kept while loading: they count against the scenario's 64 MiB of text.
  std::string replays = flow(table, kRow, "SELECT hex(zeroblob(2500000)) AS b, :v AS w");
  const std::string call = "      - call: set\n        args: {k: a, v: new}\n";
  replays.replace(replays.find(call), call.size(),
                  "      - repeat: {var: i, from: 1, to: 20}\n        item: {call: set, args: {k: a, v: \"{{nonce.w${i}}}\"}}\n");
  const std::string too_much = ":20:15: the scenario's text comes to more than 67108864 bytes (64 MiB)";
  EXPECT_EQ(error_of(replays).substr(0, too_much.size()), too_much);
}

TEST(Workflow, TheOrdersParameterIsValidated) {
  LoadOptions options;
  options.params["orders"] = 0;
  try {
    load_scenario(resolve_scenario("order-refund"), options);
    FAIL() << "orders = 0 loaded";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("order-refund.yaml:8:3: parameter 'orders' = 0 is outside [1, 100000]"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace legion::datasets
