// Seeded fuzzing of the two readers of outside files: the scenario loader and the results.json
// reader. Thousands of mutated inputs, each of which must load or be refused with a message that
// starts with the file's name (and, where the parser knows it, line and column) — never a crash,
// another exception type, or a hang.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <random>

#include "legion/datasets/scenario.hpp"
#include "legion/report/results.hpp"
#include "legion/report/reporters.hpp"
#include "test_support.hpp"

namespace legion::datasets {
namespace {


using Clock = std::chrono::steady_clock;

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Pieces that reach the parsers' and the loader's edge cases.
const std::vector<std::string> kTokens = {
    ":", "- ", "{", "}", "[", "]", ",", "\"", "'", "\n", "\n  ", "#", "&a ", "*a", "!!binary ", "? ", "|\n", "null", "true",
    "-1", "0", "9223372036854775807", "99999999999999999999", "1e400", "${workers}", "${nosuch}", "${", "{{nonce.x}}",
    "{{seen.x}}", "{{pad.5000000000}}", "{{pad.-1}}", "{{", "}}", "repeat: {var: i, from: 1, to: 0}",
    "repeat: {var: i, from: 0, to: 99999999}", "(1+2)*3", "\t", "\x00", "\xff", "name: x", "pattern: selector",
    "\"schema_version\": 999", "\"wall_ns\": \"x\"", "\"llm_calls\": -1", "[]", "{}", "\"records\": null"};

std::string mutate(std::string text, std::mt19937_64& random) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  const int edits = 1 + static_cast<int>(pick(4));
  for (int e = 0; e < edits; ++e) {
    const auto at = pick(text.size() + 1);
    switch (pick(5)) {
      case 0:  // flip a byte
        if (at < text.size()) text[at] = static_cast<char>(pick(256));
        break;
      case 1:  // delete a range
        text.erase(std::min(at, text.size()), pick(64));
        break;
      case 2:  // insert a token
        text.insert(at, kTokens[pick(kTokens.size())]);
        break;
      case 3: {  // duplicate a range elsewhere
        auto from = pick(text.size() + 1);
        text.insert(at, text.substr(from, pick(200)));
        break;
      }
      default:  // cut the tail, as a torn write would
        text.resize(at);
    }
  }
  return text;
}

TEST(Fuzz, TheScenarioLoaderLoadsOrSaysWhereTheFileIsBroken) {
  std::vector<std::pair<std::string, std::string>> seeds;  // name, text
  for (const auto& file : scenario_files(default_scenario_dir())) seeds.emplace_back(file.stem().string(), read_file(file));
  std::mt19937_64 random(20261123);
  const auto dir = legion::testing::scratch_dir();
  const auto started = Clock::now();
  int loaded = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    const auto& [name, text] = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const auto input = mutate(text, random);
    const auto file = dir / (name + ".yaml");
    std::ofstream(file, std::ios::binary | std::ios::trunc) << input;
    const auto one = Clock::now();
    try {
      load_scenario(file);
      ++loaded;
    } catch (const DatasetError& e) {
      const std::string message = e.what();
      ASSERT_EQ(message.rfind(file.string() + ":", 0), 0u) << "input " << i << ": " << message << "\n" << input;
      ASSERT_GT(message.size(), file.string().size() + 3) << "input " << i;
      ++refused;
    } catch (const std::exception& e) {
      FAIL() << "input " << i << " escaped as " << typeid(e).name() << ": " << e.what() << "\n" << input;
    }
    ASSERT_LT(Clock::now() - one, std::chrono::seconds(2)) << "input " << i << " took too long:\n" << input;
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(60));
}

// Alias bombs: a few lines whose anchors name lists of aliases to the anchor before, `levels` deep
// and `width` wide, sometimes with an alias inside its own value, planted where the loader
// converts values (a tool's parameters, a call's arguments, a text's parts, rows).
// Each loads or is refused with file:line:column, never a crash or a hang.
TEST(Fuzz, AliasBombsLoadOrAreRefusedWhereTheyStart) {
  const auto seed = read_file(resolve_scenario("order-refund"));
  std::mt19937_64 random(20261206);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random); };
  const std::vector<std::pair<std::string, std::string>> sites = {  // where: text at which the bomb replaces `{}`
      {"    parameters:\n      type: object\n", "    parameters:\n      type: object\n      bomb: {}\n"},
      {"args: {reason: damaged}", "args: {reason: damaged, bomb: {}}"},
      {"task: \"", "task: [{}, \""},
      {"{reason: late, refund_percent: 20, policy_code: POL-LATE}", "{reason: late, refund_percent: 20, policy_code: {}}"},
      {"  rows:\n    orders:\n",
       "  rows:\n    orders:\n      - {id: X, customer: C, item: I, total_cents: 1, status: s, case_ref: c, bomb: {}}\n"},
      {"description: Look up an order by its id.", "description: [{}, Look up an order by its id.]"}};
  const auto file = legion::testing::scratch_dir() / "order-refund.yaml";
  int loaded = 0, refused = 0;
  for (int i = 0; i < 60; ++i) {
    const int levels = pick(1, 12), width = pick(1, 12);
    std::string bomb = "&b0 [\"" + std::string(static_cast<std::size_t>(pick(1, 4000)), 'x') + "\"]";
    for (int l = 1; l < levels; ++l) {
      bomb = "[" + bomb;  // the earlier anchors stay inside, so each is defined before it is named
      for (int w = 0; w < width; ++w) bomb += ", *b" + std::to_string(l - 1);
      bomb = "&b" + std::to_string(l) + " " + bomb + "]";
    }
    if (pick(0, 3) == 0) bomb = "&self [" + bomb + ", *self]";
    auto [where, by] = sites[static_cast<std::size_t>(pick(0, static_cast<int>(sites.size()) - 1))];
    by.replace(by.find("{}"), 2, bomb);
    if (where == "task: \"") {  // close the list the task's text became
      const auto end = seed.find('\n', seed.find(where));
      std::string text = seed;
      text.insert(end, "]");
      text.replace(text.find(where), where.size(), by);
      std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    } else {
      std::string text = seed;
      ASSERT_NE(text.find(where), std::string::npos) << where;
      text.replace(text.find(where), where.size(), by);
      std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    }
    const auto one = Clock::now();
    try {
      load_scenario(file, {{{"orders", 10}}, 1});
      ++loaded;
    } catch (const DatasetError& e) {
      const std::string message = e.what();
      ASSERT_EQ(message.rfind(file.string() + ":", 0), 0u) << message;
      ASSERT_TRUE(std::isdigit(static_cast<unsigned char>(message[file.string().size() + 1]))) << "no line: " << message;
      ++refused;
    } catch (const std::exception& e) {
      FAIL() << "bomb " << i << " (" << levels << " levels of " << width << ") escaped as " << typeid(e).name() << ": " << e.what();
    }
    ASSERT_LT(Clock::now() - one, std::chrono::seconds(5)) << "bomb " << i << " (" << levels << " levels of " << width << ") took too long";
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
}

TEST(Fuzz, TheResultsReaderReadsOrNamesFileRecordAndField) {
  // A small results.json (summaries are recomputed on reading, and bootstrapping is the slow part).
  report::RunResults results;
  results.context.run_id = "fuzz";
  for (int i = 0; i < 3; ++i) {
    report::RunRecord r;
    r.system = "native";
    r.scenario = "single-tool";
    r.repetition = i;
    r.wall_ns = 1000 + i;
    r.correct = true;
    r.reported_prompt_tokens = 7;
    results.records.push_back(r);
  }
  const auto text = report::results_json(results).dump(1);
  const auto file = legion::testing::scratch_dir() / "results.json";
  std::mt19937_64 random(7);
  int read = 0, refused = 0;
  for (int i = 0; i < 1500; ++i) {
    const auto input = mutate(text, random);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << input;
    try {
      report::read_results_json(file);
      ++read;
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      ASSERT_EQ(message.rfind(file.string() + ": ", 0), 0u) << "input " << i << ": " << message << "\n" << input;
      ++refused;
    } catch (const std::exception& e) {
      FAIL() << "input " << i << " escaped as " << typeid(e).name() << ": " << e.what() << "\n" << input;
    }
  }
  EXPECT_GT(read, 0);
  EXPECT_GT(refused, 0);

  // Field by field: every value of every other type is read or refused with the field's name.
  const std::vector<nlohmann::json> values = {nullptr, true, -1, 0, 1.5, "text", nlohmann::json::array(), nlohmann::json::object(),
                                              18446744073709551615ull, -9223372036854775807ll - 1};
  auto every_field = [&](const nlohmann::json& object, const std::function<void(const nlohmann::json&)>& read_field) {
    for (const auto& [key, original] : object.items())
      for (const auto& v : values) {
        auto changed = object;
        changed[key] = v;
        try {
          read_field(changed);
        } catch (const std::invalid_argument& e) {
          // A missing system or scenario is named as such; any other field by its quoted name.
          const auto named = key == "system" || key == "scenario" ? key : "'" + key + "'";
          EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
        }
      }
  };
  every_field(to_json(results.records[0]), [](const nlohmann::json& j) { report::record_from_json(j); });
  every_field(to_json(results.context), [](const nlohmann::json& j) { report::context_from_json(j); });
}

}  // namespace
}  // namespace legion::datasets
