#include "control/state/json_state.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hh"

namespace sstpgw::state {
namespace {

using ::testing::HasSubstr;

std::string refusal(std::string_view bytes, int max_version = 1) {
  try {
    (void)parse_state_json("/s/roots.json", bytes, "sstpgw-roots", max_version);
  } catch (const state_error& e) {
    return e.what();
  }
  return "";
}

TEST(JsonState, AcceptsItsOwnEnvelope) {
  auto doc = make_state_json("sstpgw-roots", 1);
  doc["roots"] = nlohmann::json::array();
  auto back = parse_state_json("x", doc.dump(), "sstpgw-roots", 1);
  EXPECT_EQ(back, doc);
}

TEST(JsonState, EmptyFileRefusedByName) {
  auto m = refusal("");
  EXPECT_THAT(m, HasSubstr("state file /s/roots.json"));
  EXPECT_THAT(m, HasSubstr("empty"));
}

TEST(JsonState, TruncatedFileRefusedWithPosition) {
  auto m = refusal("{\n  \"format\": \"sstpgw-roots\",\n  \"version\": 1,\n  \"roots\": [\n");
  EXPECT_THAT(m, HasSubstr("state file /s/roots.json"));
  EXPECT_THAT(m, HasSubstr("not valid JSON at line 5"));
}

TEST(JsonState, GarbageRefusedWithPosition) {
  auto m = refusal("{\"format\": \"sstpgw-roots\", \"version\": 1}\n\x01garbage");
  EXPECT_THAT(m, HasSubstr("not valid JSON at line 2 column 1"));
}

TEST(JsonState, WrongFormatRefused) {
  auto m = refusal(R"({"format": "sstpgw-pool", "version": 1})");
  EXPECT_THAT(m, HasSubstr("format is \"sstpgw-pool\", expected \"sstpgw-roots\""));
}

TEST(JsonState, MissingFormatRefused) {
  EXPECT_THAT(refusal(R"({"version": 1})"), HasSubstr("missing \"format\""));
}

TEST(JsonState, NewerVersionRefused) {
  auto m = refusal(R"({"format": "sstpgw-roots", "version": 2})");
  EXPECT_THAT(m, HasSubstr("version 2 is not supported"));
  EXPECT_EQ(refusal(R"({"format": "sstpgw-roots", "version": 2})", 2), "");
}

TEST(JsonState, BadVersionRefused) {
  EXPECT_THAT(refusal(R"({"format": "sstpgw-roots"})"), HasSubstr("version"));
  EXPECT_THAT(refusal(R"({"format": "sstpgw-roots", "version": "1"})"), HasSubstr("version"));
  EXPECT_THAT(refusal(R"({"format": "sstpgw-roots", "version": 0})"), HasSubstr("version 0"));
}

TEST(JsonState, NonObjectRefused) { EXPECT_THAT(refusal("[1,2]"), HasSubstr("object")); }

TEST(JsonState, RequireFieldNamesTheField) {
  auto doc = nlohmann::json::parse(R"({"roots": 5, "n": 3, "u": -1})");
  EXPECT_EQ(require_field("f", doc, "n", nlohmann::json::value_t::number_integer), 3);
  EXPECT_EQ(require_field("f", doc, "n", nlohmann::json::value_t::number_unsigned), 3);
  try {
    (void)require_field("f", doc, "roots", nlohmann::json::value_t::array);
    FAIL();
  } catch (const state_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("field \"roots\" must be an array"));
  }
  EXPECT_THROW((void)require_field("f", doc, "u", nlohmann::json::value_t::number_unsigned), state_error);
  EXPECT_THROW((void)require_field("f", doc, "missing", nlohmann::json::value_t::string), state_error);
}

TEST(JsonState, SaveThenLoadThroughTheDirectory) {
  sstpgw::testing::temp_dir tmp;
  state_dir d(tmp.file("s"));
  EXPECT_EQ(load_state_json(d, "x.json", "sstpgw-x", 1), std::nullopt);
  auto doc = make_state_json("sstpgw-x", 1);
  doc["value"] = "ok";
  save_state_json(d, "x.json", doc);
  EXPECT_EQ(load_state_json(d, "x.json", "sstpgw-x", 1), doc);
  d.write_atomic("x.json", "{\"format\":");
  try {
    (void)load_state_json(d, "x.json", "sstpgw-x", 1);
    FAIL();
  } catch (const state_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(tmp.file("s") + "/x.json"));
  }
}

}  // namespace
}  // namespace sstpgw::state
