#include "base/yaml_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/json_to_yaml.h"

namespace tessera {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

json Yaml(std::string_view yaml) {
  StatusOr<json> converted = YamlToJson(yaml);
  EXPECT_TRUE(converted.ok()) << yaml << "\n" << converted.status();
  return converted.ok() ? *std::move(converted) : json("<error>");
}

Status YamlError(std::string_view yaml) {
  const StatusOr<json> converted = YamlToJson(yaml);
  EXPECT_FALSE(converted.ok()) << yaml << "\nconverted to "
                               << (converted.ok() ? converted->dump() : "");
  return converted.status();
}

// The value of `value: <text>`, so plain scalars are resolved in context.
json PlainValue(std::string_view text) {
  const json document = Yaml("value: " + std::string(text));
  return document.is_object() ? document["value"] : json("<error>");
}

json RoundTrip(const json& value) {
  const std::string yaml = JsonToYaml(value);
  StatusOr<json> back = YamlToJson(yaml);
  EXPECT_TRUE(back.ok()) << "YAML:\n" << yaml << "\n" << back.status();
  return back.ok() ? *std::move(back) : json("<error>");
}

// ---- YamlToJson: structure ---------------------------------------------------

TEST(YamlToJsonTest, ConvertsAManifest) {
  const json manifest = Yaml(R"(
apiVersion: tessera.dev/v1alpha1
kind: InferenceService
metadata:
  name: llama
  labels: {team: ml, tier: "1"}
spec:
  model: meta-llama/Llama-3.1-8B-Instruct
  replicas: 2
  maxModelLength: 8192
  gpuMemoryUtilization: 0.9
  enablePrefixCaching: true
  tolerations: []
  args:
    - --port=8000
    - "--served-model-name=llama"
  resources:
    - name: gpu
      count: 1
    - name: memory
      count: null
)");
  const json expected = {
      {"apiVersion", "tessera.dev/v1alpha1"},
      {"kind", "InferenceService"},
      {"metadata", {{"name", "llama"}, {"labels", {{"team", "ml"}, {"tier", "1"}}}}},
      {"spec",
       {{"model", "meta-llama/Llama-3.1-8B-Instruct"},
        {"replicas", 2},
        {"maxModelLength", 8192},
        {"gpuMemoryUtilization", 0.9},
        {"enablePrefixCaching", true},
        {"tolerations", json::array()},
        {"args", {"--port=8000", "--served-model-name=llama"}},
        {"resources",
         {{{"name", "gpu"}, {"count", 1}}, {{"name", "memory"}, {"count", nullptr}}}}}}};
  EXPECT_EQ(manifest, expected);
}

TEST(YamlToJsonTest, TopLevelScalarsAndSequences) {
  EXPECT_EQ(Yaml("42"), json(42));
  EXPECT_EQ(Yaml("hello"), json("hello"));
  EXPECT_EQ(Yaml("- 1\n- two\n"), json({1, "two"}));
  EXPECT_EQ(Yaml("{}"), json::object());
  EXPECT_EQ(Yaml("[]"), json::array());
}

TEST(YamlToJsonTest, EmptyInputIsNull) {
  EXPECT_EQ(Yaml(""), json(nullptr));
  EXPECT_EQ(Yaml("# only a comment\n"), json(nullptr));
  EXPECT_EQ(Yaml("---\n"), json(nullptr));
  EXPECT_EQ(Yaml("\n\n"), json(nullptr));
}

TEST(YamlToJsonTest, EmptyDocumentsAroundOneAreIgnored) {
  EXPECT_EQ(Yaml("---\na: 1\n---\n"), json({{"a", 1}}));
  EXPECT_EQ(Yaml("a: 1\n...\n"), json({{"a", 1}}));
}

TEST(YamlToJsonTest, MoreThanOneDocumentIsAnError) {
  const Status status = YamlError("a: 1\n---\nb: 2\n");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("single YAML document"), HasSubstr("found 2"),
                                      HasSubstr("line 3, column 1")));
}

TEST(YamlToJsonTest, BlockScalarsAreStrings) {
  EXPECT_EQ(Yaml("a: |\n  line 1\n  line 2\n"), json({{"a", "line 1\nline 2\n"}}));
  EXPECT_EQ(Yaml("a: |-\n  123\n"), json({{"a", "123"}}));
  EXPECT_EQ(Yaml("a: >\n  folded\n  text\n"), json({{"a", "folded text\n"}}));
}

TEST(YamlToJsonTest, AnchorsAndAliasesAreExpanded) {
  const json converted = Yaml(R"(
defaults: &defaults
  image: vllm
  port: 8000
prefill: *defaults
name: &name llama
alias: *name
)");
  EXPECT_EQ(converted["prefill"], converted["defaults"]);
  EXPECT_EQ(converted["prefill"], json({{"image", "vllm"}, {"port", 8000}}));
  EXPECT_EQ(converted["alias"], json("llama"));
}

TEST(YamlToJsonTest, MergeKeyIsAnOrdinaryKey) {
  const json converted = Yaml("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n");
  EXPECT_EQ(converted["derived"], json({{"<<", {{"x", 1}}}, {"y", 2}}));
}

TEST(YamlToJsonTest, WindowsLineEndingsAndUnicode) {
  EXPECT_EQ(Yaml("a: 1\r\nb: gr\u00fc\u00dfe \u4f60\u597d\r\n"),
            json({{"a", 1}, {"b", "gr\u00fc\u00dfe \u4f60\u597d"}}));
}

// ---- YamlToJson: scalar resolution (YAML 1.2 core schema) --------------------

TEST(YamlToJsonTest, PlainBooleans) {
  for (const char* text : {"true", "True", "TRUE"}) EXPECT_EQ(PlainValue(text), json(true)) << text;
  for (const char* text : {"false", "False", "FALSE"}) {
    EXPECT_EQ(PlainValue(text), json(false)) << text;
  }
}

TEST(YamlToJsonTest, YamlOneOneBooleansStayStrings) {
  for (const char* text : {"yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "tRUE"}) {
    EXPECT_EQ(PlainValue(text), json(text)) << text;
  }
}

TEST(YamlToJsonTest, PlainNulls) {
  for (const char* text : {"null", "Null", "NULL", "~", ""}) {
    EXPECT_EQ(PlainValue(text), json(nullptr)) << text;
  }
  EXPECT_EQ(PlainValue("nULL"), json("nULL"));
}

TEST(YamlToJsonTest, PlainIntegers) {
  EXPECT_EQ(PlainValue("0"), json(0));
  EXPECT_EQ(PlainValue("123"), json(123));
  EXPECT_EQ(PlainValue("-7"), json(-7));
  EXPECT_EQ(PlainValue("+7"), json(7));
  EXPECT_EQ(PlainValue("-0"), json(0));
  EXPECT_EQ(PlainValue("010"), json(10));  // Decimal in YAML 1.2, not octal.
  EXPECT_EQ(PlainValue("0x1F"), json(31));
  EXPECT_EQ(PlainValue("0xff"), json(255));
  EXPECT_EQ(PlainValue("0o17"), json(15));
  EXPECT_TRUE(PlainValue("123").is_number_integer());
}

TEST(YamlToJsonTest, IntegerRanges) {
  const json max_int64 = PlainValue("9223372036854775807");
  EXPECT_TRUE(max_int64.is_number_integer() && !max_int64.is_number_unsigned());
  EXPECT_EQ(max_int64.get<int64_t>(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(PlainValue("-9223372036854775808").get<int64_t>(), std::numeric_limits<int64_t>::min());

  const json max_uint64 = PlainValue("18446744073709551615");
  EXPECT_TRUE(max_uint64.is_number_unsigned());
  EXPECT_EQ(max_uint64.get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(PlainValue("0xFFFFFFFFFFFFFFFF").is_number_unsigned());

  // Beyond 64 bits: a double, as JSON parsers do.
  const json too_large = PlainValue("18446744073709551616");
  EXPECT_TRUE(too_large.is_number_float());
  EXPECT_DOUBLE_EQ(too_large.get<double>(), 18446744073709551616.0);
  EXPECT_DOUBLE_EQ(PlainValue("-9223372036854775809").get<double>(), -9223372036854775808.0);
  EXPECT_DOUBLE_EQ(PlainValue("0x10000000000000000").get<double>(), 18446744073709551616.0);
}

TEST(YamlToJsonTest, PlainFloats) {
  const std::vector<std::pair<const char*, double>> cases = {
      {"1.5", 1.5},        {"-1.5", -1.5},
      {"1e3", 1000.0},     {"1E3", 1000.0},
      {"-.5", -0.5},       {".5", 0.5},
      {"1.", 1.0},         {"+1.5e-3", 0.0015},
      {"2.5E+2", 250},     {"0.1", 0.1},
      {"1e999", INFINITY}, {"-1e999", -INFINITY},
      {"1e-999", 0.0},     {"123456789012345678901234567890.5", 1.2345678901234568e29}};
  for (const auto& [text, expected] : cases) {
    const json value = PlainValue(text);
    ASSERT_TRUE(value.is_number_float()) << text << " -> " << value.dump();
    EXPECT_DOUBLE_EQ(value.get<double>(), expected) << text;
  }
}

TEST(YamlToJsonTest, PlainInfinityAndNaN) {
  for (const char* text : {".inf", ".Inf", ".INF", "+.inf"}) {
    EXPECT_EQ(PlainValue(text).get<double>(), std::numeric_limits<double>::infinity()) << text;
  }
  for (const char* text : {"-.inf", "-.Inf", "-.INF"}) {
    EXPECT_EQ(PlainValue(text).get<double>(), -std::numeric_limits<double>::infinity()) << text;
  }
  for (const char* text : {".nan", ".NaN", ".NAN"}) {
    EXPECT_TRUE(std::isnan(PlainValue(text).get<double>())) << text;
  }
}

TEST(YamlToJsonTest, EverythingElseIsAString) {
  for (const char* text :
       {"1_000", "0x",    "0o8", "0b101",       "1.2.3", ".",     "+",
        "e3",    "1e",    "inf", "nan",         "-.nan", ".inf.", "12:30",
        "1:2",   "-0x10", "-x",  "hello world", "v1.2",  "8Gi",   "http://host:80/x",
        "True1", "~~"}) {
    EXPECT_EQ(PlainValue(text), json(text)) << text;
  }
}

TEST(YamlToJsonTest, QuotedScalarsAreStrings) {
  EXPECT_EQ(PlainValue("\"true\""), json("true"));
  EXPECT_EQ(PlainValue("'123'"), json("123"));
  EXPECT_EQ(PlainValue("\"null\""), json("null"));
  EXPECT_EQ(PlainValue("\"~\""), json("~"));
  EXPECT_EQ(PlainValue("''"), json(""));
  EXPECT_EQ(PlainValue("\"1e3\""), json("1e3"));
  EXPECT_EQ(PlainValue("\"tab\\there\""), json("tab\there"));
}

TEST(YamlToJsonTest, ExplicitTagsAreHonoured) {
  EXPECT_EQ(PlainValue("!!str 123"), json("123"));
  EXPECT_EQ(PlainValue("!!str true"), json("true"));
  EXPECT_EQ(PlainValue("!!str ~"), json("~"));
  EXPECT_EQ(PlainValue("!!str"), json(""));
  EXPECT_EQ(PlainValue("!<tag:yaml.org,2002:str> 5"), json("5"));
  EXPECT_EQ(PlainValue("! 12"), json("12"));
  EXPECT_EQ(PlainValue("!!int \"42\""), json(42));
  EXPECT_EQ(PlainValue("!!int 0x10"), json(16));
  EXPECT_EQ(PlainValue("!!int -3"), json(-3));
  const json float_from_integer = PlainValue("!!float 1");
  EXPECT_TRUE(float_from_integer.is_number_float());
  EXPECT_EQ(float_from_integer.get<double>(), 1.0);
  EXPECT_EQ(PlainValue("!!float '2.5'"), json(2.5));
  EXPECT_EQ(PlainValue("!!bool \"true\""), json(true));
  EXPECT_EQ(PlainValue("!!bool False"), json(false));
  EXPECT_EQ(PlainValue("!!null \"\""), json(nullptr));
  EXPECT_EQ(PlainValue("!!null null"), json(nullptr));
  EXPECT_EQ(PlainValue("!!map {a: 1}"), json({{"a", 1}}));
  EXPECT_EQ(PlainValue("!!seq [1]"), json({1}));
}

TEST(YamlToJsonTest, ValueNotMatchingItsTagIsAnError) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"!!int abc", "!!int value \"abc\" at line 1, column 8 is not an integer"},
      {"!!int 1.5", "!!int value \"1.5\" at line 1, column 8 is not an integer"},
      {"!!float x", "!!float value \"x\" at line 1, column 8 is not a number"},
      {"!!bool yes", "!!bool value \"yes\" at line 1, column 8 is not a boolean"},
      {"!!null 0", "!!null value \"0\" at line 1, column 8 is not null"},
  };
  for (const auto& [text, message] : cases) {
    const Status status = YamlError("value: " + std::string(text));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), HasSubstr(message));
  }
}

TEST(YamlToJsonTest, UnsupportedTagIsAnError) {
  const Status custom = YamlError("a: 1\nvalue: !foo bar\n");
  EXPECT_EQ(custom.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(custom.message(), AllOf(HasSubstr("unsupported tag \"!foo\" at line 2, column 8"),
                                      HasSubstr("!!str, !!int")));
  EXPECT_THAT(YamlError("value: !!binary aGVsbG8=").message(),
              HasSubstr("unsupported tag \"!!binary\""));
  EXPECT_THAT(YamlError("value: !!set {a}").message(), HasSubstr("unsupported tag \"!!set\""));
  EXPECT_THAT(YamlError("value: !!seq {a: 1}").message(), HasSubstr("unsupported tag \"!!seq\""));
  EXPECT_THAT(YamlError("value: !!map [1]").message(), HasSubstr("unsupported tag \"!!map\""));
}

// ---- YamlToJson: keys ----------------------------------------------------------

TEST(YamlToJsonTest, ScalarKeysBecomeTheirText) {
  EXPECT_EQ(Yaml("1: a\ntrue: b\n1.50: c\n0x10: d\n\"quoted\": e\n"),
            json({{"1", "a"}, {"true", "b"}, {"1.50", "c"}, {"0x10", "d"}, {"quoted", "e"}}));
  EXPECT_EQ(Yaml("null: a\n"), json({{"null", "a"}}));
  EXPECT_EQ(Yaml("~: a\n"), json({{"null", "a"}}));
}

TEST(YamlToJsonTest, CollectionKeysAreAnError) {
  const Status sequence = YamlError("a: 1\n? [1, 2]\n: x\n");
  EXPECT_EQ(sequence.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(sequence.message(),
              AllOf(HasSubstr("a sequence is used as a mapping key at line 2, column 3"),
                    HasSubstr("JSON object keys are strings")));
  const Status mapping = YamlError("{a: 1}: x\n");
  EXPECT_EQ(mapping.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(mapping.message(), HasSubstr("a mapping is used as a mapping key at line 1"));
}

TEST(YamlToJsonTest, DuplicateKeysAreAnError) {
  const Status status = YamlError("a: 1\nb: 2\na: 3\n");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("duplicate key \"a\" at line 3, column 1"),
                    HasSubstr("(first at line 1, column 1)"), HasSubstr("(in \"a: 3\")")));
  const Status nested = YamlError("spec:\n  replicas: 1\n  image: x\n  replicas: 2\n");
  EXPECT_THAT(nested.message(), AllOf(HasSubstr("duplicate key \"replicas\" at line 4, column 3"),
                                      HasSubstr("first at line 2, column 3")));
  // Keys that differ in YAML but not as JSON strings collide too.
  EXPECT_THAT(YamlError("1: a\n\"1\": b\n").message(), HasSubstr("duplicate key \"1\""));
  EXPECT_THAT(YamlError("{x: 1, x: 2}").message(), HasSubstr("duplicate key \"x\""));
}

// ---- YamlToJson: malformed input ----------------------------------------------

TEST(YamlToJsonTest, ParseErrorsGiveOneBasedLineAndColumn) {
  const Status status = YamlError("a: b: c");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid YAML at line 1, column 5: illegal map value (in \"a: b: c\")");

  const Status indentation = YamlError("a:\n  - 1\n - 2\n");
  EXPECT_EQ(indentation.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(indentation.message(),
              AllOf(HasSubstr("invalid YAML at line 3, column 2"), HasSubstr("(in \" - 2\")")));
}

TEST(YamlToJsonTest, OtherMalformedInput) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"a: \"unterminated", "line 1, column 17"},
      {"a: [1, 2\n", "invalid YAML at line 2, column 1: end of sequence flow not found"},
      {"a: *undefined\n", "line 1, column 4"},
      {"a: 1\n\tb: 2\n", "invalid YAML at line 2"},
      {"- item\nkey: value\n",
       "invalid YAML at line 2, column 1: unexpected content after the end of the document"},
      {"\"x\"\ny: 1\n", "invalid YAML at line 2, column 1: unexpected content"},
      {"[1]\n\n# comment\n[2]\n", "invalid YAML at line 4, column 1: unexpected content"},
      {"a: @x\n", "invalid YAML at line 1"},
  };
  for (const auto& [text, expected] : cases) {
    const Status status = YamlError(text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), HasSubstr(expected)) << text;
  }
}

TEST(YamlToJsonTest, LongLinesAreShortenedInErrors) {
  const std::string line = "a: b: " + std::string(200, 'x');
  const Status status = YamlError(line);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("(in \"a: b: xxx"), HasSubstr("...)")));
  EXPECT_LT(status.message().size(), 160u);
}

TEST(YamlToJsonTest, SelfReferentialAliasIsAnError) {
  const Status status = YamlError("a: &loop [*loop]\n");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("nests deeper than 1000 levels"));
}

TEST(YamlToJsonTest, AliasExpansionBombIsAnError) {
  std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string previous = "*l" + std::to_string(level - 1);
    yaml += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) yaml += (i == 0 ? "" : ", ") + previous;
    yaml += "]\n";
  }
  const Status status = YamlError(yaml);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("expands to more than"), HasSubstr("aliases")));
}

TEST(YamlToJsonTest, ModerateAliasReuseIsFine) {
  std::string yaml = "shared: &shared {image: vllm, port: 8000, args: [a, b, c]}\nworkers:\n";
  for (int i = 0; i < 1000; ++i) yaml += "  - *shared\n";
  const json converted = Yaml(yaml);
  EXPECT_EQ(converted["workers"].size(), 1000u);
}

TEST(YamlToJsonTest, DeepLiteralNestingIsAnError) {
  const std::string yaml = std::string(5000, '[') + std::string(5000, ']');
  const Status status = YamlError(yaml);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("nested too deeply"));
  // Realistic nesting is fine.
  EXPECT_TRUE(YamlToJson(std::string(100, '[') + std::string(100, ']')).ok());
}

// ---- YamlDocumentsToJson --------------------------------------------------------

TEST(YamlDocumentsToJsonTest, ConvertsEveryDocumentInOrder) {
  const StatusOr<std::vector<json>> documents =
      YamlDocumentsToJson("kind: A\n---\nkind: B\n---\n- 1\n");
  ASSERT_TRUE(documents.ok()) << documents.status();
  ASSERT_EQ(documents->size(), 3u);
  EXPECT_EQ((*documents)[0], json({{"kind", "A"}}));
  EXPECT_EQ((*documents)[1], json({{"kind", "B"}}));
  EXPECT_EQ((*documents)[2], json({1}));
}

TEST(YamlDocumentsToJsonTest, AcceptsEveryWayOfSeparatingDocuments) {
  const StatusOr<std::vector<json>> documents = YamlDocumentsToJson(
      "a: 1\n...\n# end marker, then a bare document\nb: 2\n--- # comment\nc: 3\n"
      "---\n\n# blank line and comment\n\nd: 4\n--- {e: 5}\n%YAML 1.2\n---\nf: 6\n"
      "--- !!map\ng: 7\n---\n&anchor\nh: 8\n");
  ASSERT_TRUE(documents.ok()) << documents.status();
  ASSERT_EQ(documents->size(), 8u);
  EXPECT_EQ((*documents)[0], json({{"a", 1}}));
  EXPECT_EQ((*documents)[1], json({{"b", 2}}));
  EXPECT_EQ((*documents)[2], json({{"c", 3}}));
  EXPECT_EQ((*documents)[3], json({{"d", 4}}));
  EXPECT_EQ((*documents)[4], json({{"e", 5}}));
  EXPECT_EQ((*documents)[5], json({{"f", 6}}));
  EXPECT_EQ((*documents)[6], json({{"g", 7}}));
  EXPECT_EQ((*documents)[7], json({{"h", 8}}));
}

TEST(YamlDocumentsToJsonTest, ContentAfterADocumentWithoutSeparatorIsAnError) {
  const StatusOr<std::vector<json>> documents =
      YamlDocumentsToJson("kind: A\n---\nitems:\n  - a\n- b\n");
  ASSERT_FALSE(documents.ok());
  EXPECT_EQ(documents.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(documents.status().message(), HasSubstr("invalid YAML at line 5"));
}

TEST(YamlDocumentsToJsonTest, SkipsEmptyDocuments) {
  const StatusOr<std::vector<json>> documents =
      YamlDocumentsToJson("---\n---\n# comment\n---\nkind: A\n---\n--- ~\n--- null\n---\n");
  ASSERT_TRUE(documents.ok()) << documents.status();
  ASSERT_EQ(documents->size(), 1u);
  EXPECT_EQ((*documents)[0], json({{"kind", "A"}}));
}

TEST(YamlDocumentsToJsonTest, EmptyStreamHasNoDocuments) {
  const StatusOr<std::vector<json>> documents = YamlDocumentsToJson("");
  ASSERT_TRUE(documents.ok()) << documents.status();
  EXPECT_TRUE(documents->empty());
}

TEST(YamlDocumentsToJsonTest, ErrorsReportPositionInTheStream) {
  const StatusOr<std::vector<json>> parse_error =
      YamlDocumentsToJson("kind: A\n---\nkind: B\nbad: x: y\n");
  ASSERT_FALSE(parse_error.ok());
  EXPECT_EQ(parse_error.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(parse_error.status().message(), HasSubstr("invalid YAML at line 4, column 7"));

  const StatusOr<std::vector<json>> duplicate =
      YamlDocumentsToJson("kind: A\n---\nkind: B\nkind: C\n");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_THAT(duplicate.status().message(),
              AllOf(HasSubstr("duplicate key \"kind\" at line 4, column 1"),
                    HasSubstr("first at line 3, column 1")));
}

// ---- ParseJson ---------------------------------------------------------------------

TEST(ParseJsonTest, ParsesJson) {
  const StatusOr<json> parsed = ParseJson(
      R"({"a": 1, "b": [true, null, 1.5, "x"], "c": {"d": -2}, "e": 18446744073709551615})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["a"], json(1));
  EXPECT_EQ((*parsed)["b"], json({true, nullptr, 1.5, "x"}));
  EXPECT_EQ((*parsed)["c"]["d"], json(-2));
  EXPECT_TRUE((*parsed)["e"].is_number_unsigned());
}

TEST(ParseJsonTest, RepeatedKeyKeepsTheLastValue) {
  const StatusOr<json> parsed = ParseJson(R"({"a": 1, "a": 2})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, json({{"a", 2}}));
}

TEST(ParseJsonTest, SyntaxErrorsGiveLineAndColumn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "invalid JSON at line 1, column 1: "},
      {R"({"a": tru})", "invalid JSON at line 1, column 10: "},
      {"{\n  \"a\": 1,\n}", "invalid JSON at line 3, column 1: "},
      {"[1, 2", "invalid JSON at line 1, column 6: "},
      {R"({"a": 1} x)", "invalid JSON at line 1, column 10: "},
      {"// comment\n{}", "invalid JSON at line 1, column 1: "},
      {"{'a': 1}", "invalid JSON at line 1, column 2: "},
  };
  for (const auto& [text, expected] : cases) {
    const StatusOr<json> parsed = ParseJson(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(parsed.status().message(),
                AllOf(HasSubstr(expected), Not(HasSubstr("[json.exception"))))
        << text;
  }
  EXPECT_THAT(ParseJson(R"({"a": tru})").status().message(), HasSubstr("last read: '\"a\": tru}'"));
}

TEST(ParseJsonTest, NumberOverflowIsAnError) {
  const StatusOr<json> parsed = ParseJson("[1e999]");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(),
              AllOf(HasSubstr("invalid JSON: number overflow"), HasSubstr("1e999"),
                    Not(HasSubstr("[json.exception"))));
}

TEST(ParseJsonTest, NestingIsLimited) {
  const auto nested = [](size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_TRUE(ParseJson(nested(kMaxNestingDepth)).ok());
  const StatusOr<json> too_deep = ParseJson(nested(kMaxNestingDepth + 1));
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(too_deep.status().message(), HasSubstr("nested deeper than 1000 levels"));
  EXPECT_FALSE(ParseJson(std::string(100'000, '{')).ok());
}

// ---- JsonToYaml ----------------------------------------------------------------------

TEST(JsonToYamlTest, BlockStyleInObjectOrder) {
  const ordered_json manifest = ordered_json::parse(R"({
    "kind": "InferenceService",
    "apiVersion": "tessera.dev/v1alpha1",
    "metadata": {"name": "llama", "labels": {}},
    "spec": {
      "replicas": 2,
      "utilization": 0.9,
      "prefixCaching": true,
      "draft": null,
      "args": ["--port=8000", "--served-model-name=llama"],
      "workers": [{"name": "w-1", "gpus": [0, 1]}, {"name": "w-2", "gpus": []}],
      "matrix": [[1, 2], [3]]
    }
  })");
  EXPECT_EQ(JsonToYaml(manifest), R"(kind: InferenceService
apiVersion: tessera.dev/v1alpha1
metadata:
  name: llama
  labels: {}
spec:
  replicas: 2
  utilization: 0.9
  prefixCaching: true
  draft: null
  args:
    - --port=8000
    - --served-model-name=llama
  workers:
    - name: w-1
      gpus:
        - 0
        - 1
    - name: w-2
      gpus: []
  matrix:
    -
      - 1
      - 2
    -
      - 3
)");
}

TEST(JsonToYamlTest, PlainJsonObjectsAreSortedByKey) {
  EXPECT_EQ(JsonToYaml(json({{"b", 1}, {"a", 2}})), "a: 2\nb: 1\n");
}

TEST(JsonToYamlTest, TopLevelScalarsAndEmptyCollections) {
  EXPECT_EQ(JsonToYaml(json(42)), "42\n");
  EXPECT_EQ(JsonToYaml(json("hello")), "hello\n");
  EXPECT_EQ(JsonToYaml(json(nullptr)), "null\n");
  EXPECT_EQ(JsonToYaml(json::object()), "{}\n");
  EXPECT_EQ(JsonToYaml(json::array()), "[]\n");
  EXPECT_EQ(JsonToYaml(json({1, "a"})), "- 1\n- a\n");
}

TEST(JsonToYamlTest, NumbersBooleansAndNullArePlain) {
  EXPECT_EQ(JsonToYaml(json({{"v", -1}})), "v: -1\n");
  EXPECT_EQ(JsonToYaml(json({{"v", std::numeric_limits<uint64_t>::max()}})),
            "v: 18446744073709551615\n");
  EXPECT_EQ(JsonToYaml(json({{"v", 1.0}})), "v: 1.0\n");
  EXPECT_EQ(JsonToYaml(json({{"v", 1.5}})), "v: 1.5\n");
  EXPECT_EQ(JsonToYaml(json({{"v", 0.1}})), "v: 0.1\n");
  EXPECT_EQ(JsonToYaml(json({{"v", 1e300}})), "v: 1e+300\n");
  EXPECT_EQ(JsonToYaml(json({{"v", -0.0}})), "v: -0.0\n");
  EXPECT_EQ(JsonToYaml(json({{"v", std::numeric_limits<double>::infinity()}})), "v: .inf\n");
  EXPECT_EQ(JsonToYaml(json({{"v", -std::numeric_limits<double>::infinity()}})), "v: -.inf\n");
  EXPECT_EQ(JsonToYaml(json({{"v", std::nan("")}})), "v: .nan\n");
  EXPECT_EQ(JsonToYaml(json({{"v", false}})), "v: false\n");
}

TEST(JsonToYamlTest, StringsThatWouldChangeMeaningAreQuoted) {
  for (const char* text :
       {"true",      "False", "123",        "-7",       "0x1F",       "0o17",     "null",
        "~",         "",      "1e3",        ".5",       ".inf",       ".nan",     " padded",
        "padded ",   "a: b",  "ends with:", "#comment", "a #comment", "-",        "- x",
        "---",       "...",   "--- x",      "... x",    "?x",         ":x",       ",x",
        "[x",        "]x",    "{x",         "}x",       "&x",         "*x",       "!x",
        "|x",        ">x",    "'x",         "\"x",      "%x",         "@x",       "`x",
        "tab\there", "\x01",  "nul\x7f",    "\u0085",   "x\u2028y",   "\ufeffbom"}) {
    const std::string yaml = JsonToYaml(json({{"v", text}}));
    EXPECT_TRUE(yaml.starts_with("v: \"")) << text << " -> " << yaml;
    EXPECT_EQ(Yaml(yaml)["v"], json(text)) << yaml;
  }
}

TEST(JsonToYamlTest, OrdinaryStringsArePlain) {
  for (const char* text : {"hello world", "yes", "no", "on", "1_000", "v1.2.3", "8Gi",
                           "http://host:8000/v1", "a:b", "a#b", "--port=8000", "-x", "it's",
                           "say \"hi\"", "gr\u00fc\u00dfe", "C:\\dir", "a, b", "a [b] {c}"}) {
    const std::string yaml = JsonToYaml(json({{"v", text}}));
    EXPECT_EQ(yaml, "v: " + std::string(text) + "\n");
    EXPECT_EQ(Yaml(yaml)["v"], json(text)) << yaml;
  }
}

TEST(JsonToYamlTest, EscapesInDoubleQuotes) {
  EXPECT_EQ(JsonToYaml(json("a\"b\\c")), "a\"b\\c\n");  // Safe inside a plain scalar.
  EXPECT_EQ(JsonToYaml(json(" \"q\" \\ ")), "\" \\\"q\\\" \\\\ \"\n");
  EXPECT_EQ(JsonToYaml(json("tab\there\r\x01")), "\"tab\\there\\r\\x01\"\n");
  // yaml-cpp escapes U+0085 as \x85 (YAML's form for it).
  EXPECT_EQ(JsonToYaml(json("x\u2028y\u0085")), "\"x\\u2028y\\x85\"\n");
  EXPECT_EQ(JsonToYaml(json(std::string("nul\0byte", 8))), "\"nul\\x00byte\"\n");
}

TEST(JsonToYamlTest, MultiLineStringsEndingInOneNewlineUseLiteralBlocks) {
  EXPECT_EQ(JsonToYaml(json({{"script", "echo one\necho two\n"}})),
            "script: |\n  echo one\n  echo two\n");
  EXPECT_EQ(JsonToYaml(json({{"script", "a\n\n  indented\n"}})),
            "script: |\n  a\n\n    indented\n");
  EXPECT_EQ(JsonToYaml(json({"one\ntwo\n"})), "- |\n  one\n  two\n");
  EXPECT_EQ(JsonToYaml(json("top\nlevel\n")), "|\n  top\n  level\n");
  // yaml-cpp writes no chomping indicator (|- or |+): other endings are
  // double-quoted.
  EXPECT_EQ(JsonToYaml(json({{"script", "no newline\nat end"}})),
            "script: \"no newline\\nat end\"\n");
  EXPECT_EQ(JsonToYaml(json({{"script", "kept\n\n\n"}})), "script: \"kept\\n\\n\\n\"\n");
  for (const char* text :
       {"echo one\necho two\n", "a\n\n  indented\n", "no newline\nat end", "kept\n\n\n"}) {
    EXPECT_EQ(Yaml(JsonToYaml(json({{"v", text}})))["v"], json(text)) << text;
  }
}

TEST(JsonToYamlTest, MultiLineStringsALiteralBlockCannotCarryAreQuoted) {
  for (const char* text : {" leading space\nx", "\nleading newline", "trailing space \nx",
                           "x\n  \ny", "tab\n\tx", "cr\r\nx"}) {
    const std::string yaml = JsonToYaml(json({{"v", text}}));
    EXPECT_TRUE(yaml.starts_with("v: \"")) << yaml;
    EXPECT_EQ(Yaml(yaml)["v"], json(text)) << yaml;
  }
}

TEST(JsonToYamlTest, KeysAreQuotedLikeStrings) {
  EXPECT_EQ(JsonToYaml(json({{"true", 1}, {"a b", 2}, {"", 3}, {"x: y", 4}, {"line\nbreak", 5}})),
            "\"\": 3\na b: 2\n\"line\\nbreak\": 5\n\"true\": 1\n\"x: y\": 4\n");
}

TEST(JsonToYamlTest, VeryLongKeysUseTheExplicitForm) {
  const std::string key(2000, 'k');
  const json value = {{key, {{"nested", 1}}}, {"short", {key}}};
  const std::string yaml = JsonToYaml(value);
  EXPECT_TRUE(yaml.starts_with("? " + key + "\n: nested: 1\n")) << yaml.substr(0, 50);
  EXPECT_EQ(Yaml(yaml), value);
}

TEST(JsonToYamlTest, BinaryBecomesASequenceOfBytes) {
  EXPECT_EQ(JsonToYaml(json({{"b", json::binary({1, 2, 255})}})), "b: [1, 2, 255]\n");
}

// ---- Round trip -----------------------------------------------------------------------

TEST(RoundTripTest, HandPickedValues) {
  const std::vector<json> values = {
      json(nullptr),
      json(true),
      json(0),
      json(-1),
      json(std::numeric_limits<int64_t>::min()),
      json(std::numeric_limits<int64_t>::max()),
      json(std::numeric_limits<uint64_t>::max()),
      json(0.0),
      json(1.0),
      json(-2.5),
      json(1e-300),
      json(5e-324),
      json(std::numeric_limits<double>::max()),
      json(std::numeric_limits<double>::infinity()),
      json(""),
      json("true"),
      json("123"),
      json("null"),
      json("1e3"),
      json(" x "),
      json("a: b"),
      json("#"),
      json("multi\nline\n"),
      json::object(),
      json::array(),
      json({{"a", json::object()}, {"b", json::array()}, {"c", {json::object(), json::array()}}}),
      json({{"list", {{{"x", "y"}}, {1, {2, {3}}}, "z"}}}),
      json({{"-x", "-y"}, {"?", "!"}, {"key with spaces", "value with: colon"}}),
  };
  for (const json& value : values) EXPECT_EQ(RoundTrip(value), value) << value.dump();
}

TEST(RoundTripTest, NegativeZeroAndNaN) {
  const json negative_zero = RoundTrip(json(-0.0));
  ASSERT_TRUE(negative_zero.is_number_float());
  EXPECT_TRUE(std::signbit(negative_zero.get<double>()));
  const json nan = RoundTrip(json(std::nan("")));
  ASSERT_TRUE(nan.is_number_float());
  EXPECT_TRUE(std::isnan(nan.get<double>()));
}

TEST(RoundTripTest, OrderedJsonKeepsItsOrder) {
  const ordered_json value = ordered_json::parse(R"({"z": 1, "a": {"y": 2, "b": 3}})");
  const std::string yaml = JsonToYaml(value);
  EXPECT_EQ(yaml, "z: 1\na:\n  y: 2\n  b: 3\n");
  EXPECT_EQ(Yaml(yaml), json::parse(value.dump()));
}

// Random values built from pieces that stress quoting and layout. The seed is
// fixed so a failure reproduces.
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : generator_(seed) {}

  json Value(int depth) {
    const int kind = Pick(depth >= 4 ? 7 : 9);
    switch (kind) {
      case 0:
        return nullptr;
      case 1:
        return Pick(2) == 0;
      case 2:
        return static_cast<int64_t>(generator_()) - (int64_t{1} << 31);
      case 3:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(generator_);
      case 4:
        return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(Pick(1000));
      case 5:
      case 6:
        return String();
      case 7: {
        json array = json::array();
        for (int i = Pick(4); i > 0; --i) array.push_back(Value(depth + 1));
        return array;
      }
      default: {
        json object = json::object();
        for (int i = Pick(4); i > 0; --i) object[String()] = Value(depth + 1);
        return object;
      }
    }
  }

 private:
  std::string String() {
    static const std::vector<std::string> kWholeStrings = {
        "true", "null", "~",   "123", "-1.5e3", ".inf", "0x1F", "0o7", "yes",
        "-",    "---",  "...", "- a", "? a",    ": a",  "",     " ",   "<<",
        "=",    "\"",   "'",   "#",   "a: b",   "a #b", "-x",   "1_0"};
    static const std::vector<std::string> kPieces = {
        "a",    "Z",      "0",      "9",      " ",      ":",      "#", "-",  "?",  ",",  "[",
        "]",    "{",      "}",      "&",      "*",      "!",      "|", ">",  "'",  "\"", "%",
        "@",    "`",      ".",      "~",      "=",      "\\",     "/", "\n", "\t", "\r", "\x01",
        "\x7f", "\u00e9", "\u4f60", "\u2028", "\u0085", "\ufeff", "e", "x",  "  "};
    if (Pick(4) == 0)
      return kWholeStrings[static_cast<size_t>(Pick(static_cast<int>(kWholeStrings.size())))];
    std::string text;
    for (int i = Pick(8); i > 0; --i) {
      text += kPieces[static_cast<size_t>(Pick(static_cast<int>(kPieces.size())))];
    }
    return text;
  }

  int Pick(int count) { return std::uniform_int_distribution<int>(0, count - 1)(generator_); }

  std::mt19937 generator_;
};

TEST(RoundTripTest, RandomValues) {
  RandomJson random(20261123);
  for (int i = 0; i < 2000; ++i) {
    const json value = random.Value(0);
    ASSERT_EQ(RoundTrip(value), value) << "value: " << value.dump() << "\nYAML:\n"
                                       << JsonToYaml(value);
  }
}

}  // namespace
}  // namespace tessera
