#include "legion/datasets/scenario.hpp"

#include "legion/datasets/features.hpp"
#include "legion/datasets/systems.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_support.hpp"

#include <fstream>

namespace legion::datasets {
namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  auto dir = legion::testing::scratch_dir();
  std::filesystem::create_directories(dir);
  auto file = dir / name;
  std::ofstream(file) << text;
  return file;
}

// The error for a broken file, which must start with "file:line:".
std::string error_of(const std::string& text) {
  auto file = write_temp("tiny.yaml", text);  // the name kMinimal gives
  try {
    load_scenario(file);
  } catch (const DatasetError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind(file.string() + ":", 0), 0u) << message;
    return message.substr(file.string().size());
  }
  return "no error";
}

constexpr const char* kMinimal = R"(name: tiny
pattern: sequential
task: "Do {{nonce.t}}."
tools:
  - name: lookup
    results:
      - when: {key: a}
        result: "A is {{nonce.a}}."
agents:
  - id: solo
    role: Solo Agent
    goal: Answer.
    tools: [lookup]
    script:
      - call: lookup
        args: {key: a}
      - say: "Answer {{nonce.ans}} with {{seen.a}} for {{seen.t}}."
check:
  contains: [a, t, ans]
)";

TEST(Scenario, EveryShippedScenarioLoads) {
  auto files = scenario_files(default_scenario_dir());
  ASSERT_GE(files.size(), 6u);
  for (const auto& f : files) {
    auto spec = load_scenario(f);
    EXPECT_FALSE(spec.expected.empty()) << f;
    EXPECT_EQ(spec.name, f.stem().string()) << "scenario name and file name differ: " << f;
  }
}

// The loader's limits leave room for every shipped scenario with every parameter at its largest.
TEST(Scenario, EveryShippedScenarioLoadsAtItsLargestParameters) {
  for (const auto& f : scenario_files(default_scenario_dir())) {
    LoadOptions largest;
    for (const auto& [name, value] : load_scenario(f).params) {
      LoadOptions beyond;
      beyond.params[name] = INT64_MAX;
      try {
        load_scenario(f, beyond);
        ADD_FAILURE() << f << ": parameter '" << name << "' has no maximum";
      } catch (const DatasetError& e) {  // "... is outside [LO, HI]"
        const std::string message = e.what();
        const auto comma = message.rfind(", ");
        largest.params[name] = std::stoll(message.substr(comma + 2, message.size() - comma - 3));
      }
    }
    EXPECT_NO_THROW(load_scenario(f, largest)) << f;
  }
}

TEST(Scenario, MinimalScenarioHasWitnessesAndPlantedValues) {
  auto spec = load_scenario(write_temp("tiny.yaml", kMinimal));
  ASSERT_EQ(spec.agents.size(), 1u);
  const auto& script = spec.agents[0].script;
  ASSERT_EQ(script.size(), 2u);
  EXPECT_EQ(script[0].witness, spec.nonces.at("a"));  // a call is done once its result is carried
  EXPECT_EQ(script[1].witness, spec.nonces.at("ans"));
  EXPECT_EQ(spec.task, "Do " + spec.nonces.at("t") + ".");
  EXPECT_EQ(script[1].text, "Answer " + spec.nonces.at("ans") + " with {{seen.a}} for {{seen.t}}.");
  EXPECT_EQ(spec.run_tool("lookup", R"({"key":"a"})"), "A is " + spec.nonces.at("a") + ".");
  EXPECT_EQ(spec.run_tool("lookup", R"({"key":"b"})").rfind("error:", 0), 0u);
  EXPECT_EQ(spec.run_tool("nope", "{}").rfind("error:", 0), 0u);
}

TEST(Scenario, PlantedValuesDependOnSeedOnly) {
  auto file = write_temp("tiny.yaml", kMinimal);
  auto a = load_scenario(file, {{}, 1});
  auto b = load_scenario(file, {{}, 1});
  auto c = load_scenario(file, {{}, 2});
  EXPECT_EQ(a.nonces, b.nonces);
  EXPECT_NE(a.nonces.at("a"), c.nonces.at("a"));
}

TEST(Scenario, CheckNeedsEveryExpectedValue) {
  auto spec = load_scenario(write_temp("tiny.yaml", kMinimal));
  auto all = spec.nonces.at("a") + " " + spec.nonces.at("t") + " " + spec.nonces.at("ans");
  EXPECT_TRUE(check_answer(spec, all).correct);
  auto partial = check_answer(spec, spec.nonces.at("a") + " " + spec.nonces.at("ans"));
  EXPECT_FALSE(partial.correct);
  EXPECT_EQ(partial.missing, std::vector<std::string>{spec.nonces.at("t")});
}

TEST(Scenario, ParametersExpandAgentsAndStepsAndAreRangeChecked) {
  auto file = resolve_scenario("hierarchical-delegation");
  auto five = load_scenario(file, {{{"workers", 5}}, 1});
  EXPECT_EQ(five.agents.size(), 6u);
  EXPECT_EQ(five.agents[0].script.size(), 6u);  // 5 delegations and the answer
  EXPECT_EQ(five.agents[0].script[4].target, "worker5");
  EXPECT_EQ(five.agents[0].script[4].witness, five.nonces.at("summary5"));
  EXPECT_EQ(five.expected.size(), 2u + 3u * 5u);
  try {
    load_scenario(file, {{{"workers", 0}}, 1});
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("'workers' = 0 is outside [1, 20]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_scenario(file, {{{"no_such_param", 1}}, 1}), DatasetError);
}

TEST(Scenario, RoundRobinParametersComputeTheTurnLimit) {
  auto spec = load_scenario(resolve_scenario("team-round-robin"), {{{"members", 2}, {"rounds", 3}}, 1});
  EXPECT_EQ(spec.agents.size(), 3u);
  EXPECT_EQ(spec.max_turns, (2 + 1) * 3 + 1);
  EXPECT_EQ(spec.agents.back().script.size(), 3u);  // two round closings and the approval
}

TEST(Scenario, PayloadPadsToolResults) {
  auto spec = load_scenario(resolve_scenario("single-tool"), {{{"payload_bytes", 1000}}, 1});
  EXPECT_GE(spec.run_tool("lookup_record", R"({"key":"launch-code"})").size(), 1000u);
}

TEST(Scenario, BrokenFilesNameFileLineAndProblem) {
  EXPECT_EQ(error_of("name: x\npattern: [unclosed\n").substr(0, 3), ":3:") << "YAML syntax error";
  auto with = [](std::string from, const std::string& what, const std::string& by) {
    auto pos = from.find(what);
    EXPECT_NE(pos, std::string::npos) << what;
    return from.replace(pos, what.size(), by);
  };
  EXPECT_EQ(error_of(with(kMinimal, "pattern: sequential", "pattern: circular")),
            ":2:10: unknown pattern 'circular' (expected sequential, hierarchical, round-robin, selector, consensus, "
            "human-review or mixture)");
  EXPECT_EQ(error_of(with(kMinimal, "    tools: [lookup]\n", "    tools: [lookup, search]\n")),
            ":13:21: agent 'solo' uses undeclared tool 'search'");
  EXPECT_EQ(error_of(with(kMinimal, "args: {key: a}", "args: {key: z}")),
            ":15:9: no result of tool 'lookup' matches the arguments {\"key\":\"z\"}");
  EXPECT_EQ(error_of(with(kMinimal, "Answer {{nonce.ans}} with", "Answer with")),
            ":17:9: a 'say' step must plant a value ({{nonce.NAME}}) so that the oracle can tell it was said");
  EXPECT_EQ(error_of(with(kMinimal, "{{seen.t}}.\"", "{{seen.typo}}.\"")),
            ":17:14: {{seen.typo}} refers to a value that is never planted");
  EXPECT_EQ(error_of(with(kMinimal, "contains: [a, t, ans]", "contains: [a, t, nope]")),
            ":19:20: check names a value that is never planted: nope");
  EXPECT_EQ(error_of(with(kMinimal, "    goal: Answer.\n", "    goal: Answer.\n    colour: blue\n")),
            ":13:5: unknown key 'colour' in an agent (expected one of: id, role, goal, tools, script)");
  EXPECT_EQ(error_of(with(kMinimal, "    role: Solo Agent\n", "")), ":10:5: agent 'solo' needs 'role'");
  EXPECT_EQ(error_of(with(kMinimal, "{{nonce.a}}", "{{nonce.a}} {{later.x}}")),
            ":8:17: unknown placeholder '{{later.x}}' (expected nonce.NAME, codes.NAME, seen.NAME, pad.N or majority)");
}

// The scripted person of a human review: feedback until an answer carries its planted value, then
// approval; the system sees only the function, and a broken `human` block names file:line:column.
TEST(Scenario, HumanReviewAsksAScriptedPersonAndIsValidated) {
  constexpr const char* kReview = R"(name: tiny
pattern: human-review
task: "Plan {{nonce.t}}."
human:
  feedback: "Correction {{nonce.fix}}: revise."
  max_reviews: 2
agents:
  - id: solo
    role: Solo Agent
    goal: Answer.
    script:
      - say: "Draft {{nonce.draft}} of {{seen.t}}."
        until: fix
      - say: "Final {{nonce.final}} with {{seen.fix}}."
check:
  contains: [t, fix, final]
)";
  auto spec = load_scenario(write_temp("tiny.yaml", kReview));
  EXPECT_EQ(spec.max_turns, 2);
  EXPECT_EQ(spec.agents.at(0).script.at(0).witness, spec.nonces.at("fix")) << "drafted until the correction arrives";
  auto task = task_of(spec);
  ASSERT_TRUE(task.ask_human);
  EXPECT_EQ(task.ask_human("Draft only"), "Correction " + spec.nonces.at("fix") + ": revise.");
  EXPECT_EQ(task.ask_human("Final with " + spec.nonces.at("fix")), "");
  EXPECT_FALSE(task_of(load_scenario(write_temp("tiny.yaml", kMinimal))).ask_human) << "only human reviews have a person";

  auto with = [&](const std::string& what, const std::string& by) {
    std::string text = kReview;
    return text.replace(text.find(what), what.size(), by);
  };
  EXPECT_EQ(error_of(with("human:\n  feedback: \"Correction {{nonce.fix}}: revise.\"\n  max_reviews: 2\n", "")),
            ":1:1: pattern 'human-review' needs 'human'");
  EXPECT_EQ(error_of(with("Correction {{nonce.fix}}: revise.", "Revise.")),
            ":5:13: the human's feedback must plant a value ({{nonce.NAME}}): an answer with it is approved");
  EXPECT_EQ(error_of(with("max_reviews: 2", "max_reviews: 0")), ":6:16: max_reviews must be at least 1");
  EXPECT_EQ(error_of(with("max_reviews: 2", "patience: 2")),
            ":6:3: unknown key 'patience' in 'human' (expected one of: feedback, max_reviews, think_ms)");
  EXPECT_EQ(error_of(with("max_reviews: 2", "think_ms: -5")), ":6:13: think_ms must be from 0 to 600000 (ten minutes)");
  EXPECT_EQ(error_of(with("agents:\n", "agents:\n  - id: other\n    role: Other\n    goal: G.\n    script:\n      - say: \"O {{nonce.o}}.\"\n")),
            ":8:3: a human review has exactly one agent, whose answers the human reviews");
  EXPECT_EQ(error_of(with("until: fix", "until: nope")), ":13:16: 'until' names a value that is never planted: nope");
  EXPECT_EQ(error_of(with("pattern: human-review", "pattern: sequential")), ":5:3: 'human' belongs to the human-review pattern only");
}

TEST(Scenario, NameMustBeTheFileName) {
  auto file = write_temp("other.yaml", kMinimal);
  try {
    load_scenario(file);
    FAIL() << "a scenario named 'tiny' in other.yaml was accepted";
  } catch (const DatasetError& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() + ":1:7: the scenario is named 'tiny' but its file is other.yaml (the name must be the file name "
                              "without .yaml)");
  }
}

TEST(Scenario, RepeatThatWouldExpandToNothingIsRefused) {
  const std::string text = std::string(kMinimal).replace(std::string(kMinimal).find("      - call: lookup"), 0,
                                                           "      - repeat: {var: i, from: 3, to: 2}\n"
                                                           "        item: {say: \"x {{nonce.r${i}}}\"}\n");
  EXPECT_EQ(error_of(text), ":15:39: repeat 'to' (2) is below 'from' (3), so the list would be empty");
}

TEST(Scenario, LoaderBoundsWhatAFileCanMakeItBuild) {
  auto with = [](const std::string& what, const std::string& by) {
    std::string text = kMinimal;
    return text.replace(text.find(what), what.size(), by);
  };
  EXPECT_EQ(error_of(with("Solo Agent", "Solo \xA2gent")), ":11:16: not UTF-8 text (byte 0xA2)");  // JSON holds UTF-8 only
  EXPECT_EQ(error_of(with("A is {{nonce.a}}.", "A is {{nonce.a}}. {{pad.5000000000}}")),
            ":8:17: {{pad.5000000000}} brings the scenario's padding to more than 1073741824 bytes, the loader's limit of 1 GiB");
  EXPECT_EQ(error_of(with("      - call: lookup",
                          "      - repeat: {var: i, from: 0, to: 9000000000000000000}\n        item: {say: \"{{nonce.r}}\"}\n"
                          "      - call: lookup")),
            ":15:39: repeat expands to more than 1000000 items in all");
  EXPECT_EQ(error_of(with("      - call: lookup",
                          "      - repeat: {var: i, from: 1, to: \"4611686018427387904*2\"}\n        item: {say: \"{{nonce.r}}\"}\n"
                          "      - call: lookup")),
            ":15:39: integer expression \"4611686018427387904*2\" overflows 64 bits");

  // A caller's budget (the runner's, from available memory) is named in the message.
  auto file = write_temp("tiny.yaml", with("A is {{nonce.a}}.", "A is {{nonce.a}}. {{pad.2000}}"));
  LoadOptions options;
  options.max_padding_bytes = 1000;
  options.padding_limit_reason = "more than fits in memory";
  try {
    load_scenario(file, options);
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find(":8:17: {{pad.2000}} brings the scenario's padding to more than 1000 bytes, more than "
                                         "fits in memory"),
              std::string::npos)
        << e.what();
  }
  options.max_padding_bytes = 2000;
  EXPECT_EQ(load_scenario(file, options).run_tool("lookup", R"({"key":"a"})").size(), 2000u + 17u);
}

// Aliases share one parsed node, so a few lines can name a value of ten values of ten values...:
// every value the loader converts counts against its limits each time it is reached, and the
// error names the outermost value being converted. An alias inside its own value is refused too.
TEST(Scenario, AliasBombsAreRefusedWhereTheyStart) {
  auto with = [](const std::string& what, const std::string& by) {
    std::string text = kMinimal;
    return text.replace(text.find(what), what.size(), by);
  };
  // {l0: &l0 [x, ...], l1: &l1 [*l0, ...], ...}, ten of each; as a list, [&l0 [x, ...], &l1 [*l0, ...], ...]
  auto bomb = [](int levels, bool list = false) {
    std::string out = list ? "[&l0 [x, x, x, x, x, x, x, x, x, x]" : "{l0: &l0 [x, x, x, x, x, x, x, x, x, x]";
    for (int i = 1; i < levels; ++i) {
      const auto prev = "*l" + std::to_string(i - 1);
      out += ", " + (list ? "" : "l" + std::to_string(i) + ": ") + "&l" + std::to_string(i) + " [" + prev;
      for (int k = 1; k < 10; ++k) out += ", " + prev;
      out += "]";
    }
    return out + (list ? "]" : "}");
  };
  const auto nine = with("  - name: lookup\n", "  - name: lookup\n    parameters: " + bomb(9) + "\n");
  EXPECT_LT(nine.size(), 2000u);
  EXPECT_EQ(error_of(nine),
            ":6:17: the scenario expands to more than 1000000 values in all (a value reused by a repeat or an alias counts "
            "each time)");
  EXPECT_EQ(error_of(with("args: {key: a}", "args: " + bomb(9))).substr(0, 60),
            ":16:15: the scenario expands to more than 1000000 values in ");
  EXPECT_EQ(error_of(with("\"Answer {{nonce.ans}} with {{seen.a}} for {{seen.t}}.\"",
                          "[\"Answer {{nonce.ans}} with {{seen.a}} for {{seen.t}}.\", " + bomb(9, true) + "]"))
                .substr(0, 60),
            ":17:14: the scenario expands to more than 1000000 values in ");
  EXPECT_EQ(error_of(with("args: {key: a}", "args: &self {key: a, again: *self}")),
            ":16:15: this value nests more than 64 levels deep (is an alias used inside the value it names?)");
  EXPECT_EQ(error_of(with("      - call: lookup", "      - &r {repeat: {var: i, from: 1, to: 1}, item: *r}\n      - call: lookup")),
            ":15:9: this value nests more than 64 levels deep (is an alias used inside the value it names?)");
  // Four levels (10,000 values) is a large tool schema, not a bomb: it loads.
  EXPECT_EQ(load_scenario(write_temp("tiny.yaml", with("  - name: lookup\n", "  - name: lookup\n    parameters: " + bomb(4) + "\n")))
                .tools.at(0)
                .parameters.at("l3")
                .size(),
            10u);
  // Five levels stay within the value limit but would send a schema of 469 KB
  // with every request: a tool's schema is limited to 64 KiB as JSON.
  const auto five = error_of(with("  - name: lookup\n", "  - name: lookup\n    parameters: " + bomb(5) + "\n"));
  EXPECT_EQ(five.substr(0, 54), ":6:17: tool 'lookup': its parameters schema is 469156 ") << five;
  EXPECT_NE(five.find("more than the 65536 a tool may have"), std::string::npos) << five;
}

// Text counts against 64 MiB each time a repeat or an alias reuses it: 999,999 documents of 4 KB
// (within the repeat limit) are refused at the document, not left to run out of memory.
TEST(Scenario, GeneratedTextIsBounded) {
  const std::string page(4000, 'p');
  const std::string text = std::string(kMinimal).replace(std::string(kMinimal).find("tools:\n"), 0,
                                                           "knowledge:\n  top_k: 3\n  documents:\n"
                                                           "    - repeat: {var: i, from: 1, to: 999999}\n"
                                                           "      item: \"${i} " + page + "\"\n");
  EXPECT_LT(text.size(), 4700u);
  EXPECT_EQ(error_of(text),
            ":8:13: the scenario's text comes to more than 67108864 bytes (64 MiB) in all (text reused by a repeat or an alias "
            "counts each time; {{pad.N}} filler has its own limit)");
  // Through aliases: one 4 KB text named a hundred thousand times.
  const std::string aliased = std::string(kMinimal).replace(
      std::string(kMinimal).find("task: \"Do {{nonce.t}}.\""), std::string("task: \"Do {{nonce.t}}.\"").size(),
      "task: [\"Do {{nonce.t}}.\", &p0 [&page \"" + page + "\", *page, *page, *page, *page, *page, *page, *page, *page, *page], " +
          "&p1 [*p0, *p0, *p0, *p0, *p0, *p0, *p0, *p0, *p0, *p0], &p2 [*p1, *p1, *p1, *p1, *p1, *p1, *p1, *p1, *p1, *p1], " +
          "&p3 [*p2, *p2, *p2, *p2, *p2, *p2, *p2, *p2, *p2, *p2], [*p3, *p3, *p3, *p3, *p3, *p3, *p3, *p3, *p3, *p3]]");
  EXPECT_EQ(error_of(aliased).substr(0, 59), ":3:7: the scenario's text comes to more than 67108864 bytes");
}

// A scenario file is a regular file of at most 1 MiB; anything else is refused by name before a
// byte is read, and a file that is not a scenario is never quoted.
TEST(Scenario, OnlyRegularFilesOfBoundedSizeAreRead) {
  const auto dir = legion::testing::scratch_dir();
  auto refusal = [](const std::filesystem::path& file) -> std::string {
    try {
      load_scenario(file);
    } catch (const DatasetError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(refusal(dir), dir.string() + ": cannot read scenario file: it is a directory");
  EXPECT_EQ(refusal("/dev/zero"), "/dev/zero: cannot read scenario file: not a regular file");
  const auto fifo = dir / "fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(refusal(fifo), fifo.string() + ": cannot read scenario file: not a regular file");  // and does not wait for a writer
  const auto big = write_temp("tiny.yaml", std::string(kMinimal) + "# " + std::string(1 << 20, 'x') + "\n");
  EXPECT_EQ(refusal(big), big.string() + ": cannot read scenario file: larger than the limit of 1048576 bytes (1 MiB)");
  EXPECT_EQ(refusal(dir / "missing.yaml"), (dir / "missing.yaml").string() + ": cannot open scenario file: No such file or directory");

  // A password file parses as a mapping of its lines; the error says where, not what is there.
  const auto secret = write_temp("tiny.yaml", "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n");
  EXPECT_EQ(refusal(secret), secret.string() + ":1:1: not a scenario (a scenario file is a mapping with a 'name')");
  const auto broken = write_temp("tiny.yaml", "secret-token-1234: [unclosed\n");
  EXPECT_EQ(refusal(broken).find("secret-token"), std::string::npos) << refusal(broken);
  EXPECT_EQ(refusal(write_temp("tiny.yaml", "")), (dir / "tiny.yaml").string() + ": not a scenario (a scenario file is a mapping with a 'name')");
}

TEST(Scenario, UnknownScenarioNameIsAnError) {
  EXPECT_THROW(resolve_scenario("no-such-scenario"), DatasetError);
}

// A system whose project is in maintenance mode says so with its date and source, and every run
// carries it into its reports (RunContext::system_status); the others have no status.
TEST(Systems, AutoGensMaintenanceModeIsRecordedWithItsDateAndSource) {
  for (const auto& s : load_systems()) {
    if (s.name == "autogen") {
      EXPECT_NE(s.status.find("maintenance mode since April 2026"), std::string::npos) << s.status;
      EXPECT_NE(s.status.find("microsoft/autogen pull request #7521"), std::string::npos) << s.status;
      EXPECT_NE(s.status.find("Microsoft Agent Framework"), std::string::npos) << s.status;
    } else {
      EXPECT_EQ(s.status, "") << s.name;
    }
  }
}

// The feature matrix's columns are the registered systems; its problems name file, line and column.
TEST(Features, ColumnsAreTheRegisteredSystemsAndBadCellsAreRefused) {
  auto shipped = load_feature_matrix(default_feature_matrix_file());
  std::vector<std::string> registered;
  for (const auto& s : load_systems()) registered.push_back(s.name);
  EXPECT_EQ(shipped.systems, registered);
  EXPECT_FALSE(shipped.rows.empty());
  auto file = write_temp("features.yaml",
                         "categories:\n  - name: C\n    capabilities:\n      - name: X\n        nosuch: {status: supported, doc: d}\n");
  try {
    load_feature_matrix(file);
    FAIL() << "an unknown system was accepted";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string() + ":5:9: unknown system 'nosuch' (datasets/systems.yaml lists: native"),
              std::string::npos)
        << e.what();
  }
  // Evidence: a probe scenario, a citation, or both; the APIs a citation relies on come with it.
  auto cell = [](const std::string& text) {
    return write_temp("features.yaml", "categories:\n  - name: C\n    capabilities:\n      - name: X\n        crewai: " + text + "\n");
  };
  auto both = load_feature_matrix(cell("{status: supported, doc: d, scenario: s, api: [\"crewai:Task.human_input\"]}"));
  EXPECT_EQ(both.rows.at(0).claims.at("crewai").apis, std::vector<std::string>{"crewai:Task.human_input"});
  auto refused = [&](const std::string& text, const std::string& message) {
    auto bad = cell(text);
    try {
      load_feature_matrix(bad);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const DatasetError& e) {
      EXPECT_NE(std::string(e.what()).find(bad.string() + ":5:"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  refused("{status: supported}", "a cell needs evidence");
  refused("{status: supported, scenario: s, api: [\"crewai:Task\"]}", "give the citation too");
  refused("{status: supported, doc: d, api: [\"crewai.Task\"]}", "an API is written module:attribute");
  refused("{status: supported, doc: d, api: []}", "'api' must be a list");
}

}  // namespace
}  // namespace legion::datasets
