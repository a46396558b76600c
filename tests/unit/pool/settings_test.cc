#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/pool/pool_settings.hh"
#include "tests/support/temp_dir.hh"

namespace sstpgw::pool {
namespace {

using ::testing::HasSubstr;

std::string problem_of(std::vector<std::string> ranges, std::vector<std::string> excluded = {}) {
  std::string error;
  auto s = make_settings(ranges, excluded, &error);
  EXPECT_FALSE(s.has_value());
  return error;
}

TEST(PoolSettings, UsableAddressesPerPrefix) {
  // /24: 256 minus network (.0) and broadcast (.255) = 254.
  EXPECT_EQ(usable_in_prefix(*parse_ipv4_prefix("172.16.201.0/24")), 254u);
  EXPECT_EQ(usable_in_prefix(*parse_ipv4_prefix("172.16.201.0/30")), 2u);
  EXPECT_EQ(usable_in_prefix(*parse_ipv4_prefix("172.16.201.0/31")), 2u);  // RFC 3021
  EXPECT_EQ(usable_in_prefix(*parse_ipv4_prefix("172.16.201.9/32")), 1u);
}

TEST(PoolSettings, ValidSettings) {
  std::string error;
  auto s = make_settings({"172.16.201.0/24", "172.16.202.0/25"}, {"172.16.201.1"}, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->ranges.size(), 2u);
  EXPECT_EQ(s->excluded[0].to_string(), "172.16.201.1");
}

TEST(PoolSettings, NoRangeRefused) { EXPECT_THAT(problem_of({}), HasSubstr("no address range")); }

TEST(PoolSettings, OverlapRefused) {
  EXPECT_THAT(problem_of({"10.0.0.0/16", "10.0.5.0/24"}), HasSubstr("10.0.0.0/16 and 10.0.5.0/24 overlap"));
  EXPECT_THAT(problem_of({"10.0.0.0/24", "10.0.0.0/24"}), HasSubstr("overlap"));
}

TEST(PoolSettings, ExcludedOutsideRangesRefused) {
  EXPECT_THAT(problem_of({"10.0.0.0/24"}, {"10.0.1.1"}), HasSubstr("10.0.1.1 is not in any range"));
}

TEST(PoolSettings, DuplicateExclusionRefused) {
  EXPECT_THAT(problem_of({"10.0.0.0/24"}, {"10.0.0.1", "10.0.0.1"}), HasSubstr("listed twice"));
}

TEST(PoolSettings, TooLargeRefused) {
  EXPECT_THAT(problem_of({"10.0.0.0/8"}), HasSubstr("larger than the limit"));
  std::vector<std::string> many;
  for (int i = 0; i < 20; ++i) many.push_back("10." + std::to_string(i * 2) + ".0.0/15");
  EXPECT_THAT(problem_of(many), HasSubstr("more than the limit"));
}

TEST(PoolSettings, NothingLeftRefused) {
  EXPECT_THAT(problem_of({"10.0.0.4/31"}, {"10.0.0.4", "10.0.0.5"}), HasSubstr("no usable address"));
  EXPECT_THAT(problem_of({"10.0.0.4/30"}, {"10.0.0.5", "10.0.0.6"}), HasSubstr("no usable address"));
}

TEST(PoolSettings, BadTextRefused) {
  EXPECT_THAT(problem_of({"10.0.0.1/24"}), HasSubstr("did you mean 10.0.0.0/24"));
  EXPECT_THAT(problem_of({"10.0.0.0/24"}, {"10.0.0.256"}), HasSubstr("not an IPv4 address"));
}

TEST(PoolSettings, SerializeParseRoundTrip) {
  auto s = *make_settings({"172.16.201.0/24", "192.168.50.0/28"}, {"172.16.201.1", "192.168.50.1"}, nullptr);
  EXPECT_EQ(parse_pool_settings("x", serialize_pool_settings(s)), s);
}

TEST(PoolSettings, PersistedInTheStateDirectory) {
  sstpgw::testing::temp_dir tmp;
  auto s = *make_settings({"172.16.201.0/24"}, {"172.16.201.1"}, nullptr);
  {
    state::state_dir d(tmp.file("state"));
    EXPECT_EQ(load_pool_settings(d), std::nullopt);
    save_pool_settings(d, s);
  }
  state::state_dir d(tmp.file("state"));
  EXPECT_EQ(load_pool_settings(d), s);
  EXPECT_THROW(save_pool_settings(d, pool_settings{}), state::state_error);
  EXPECT_EQ(load_pool_settings(d), s);
}

std::string load_error(std::string_view text) {
  try {
    (void)parse_pool_settings("/s/pool.json", text);
  } catch (const state::state_error& e) {
    return e.what();
  }
  return "";
}

TEST(PoolSettings, CorruptFileRefusedWithReason) {
  EXPECT_THAT(load_error(R"({"format":"sstpgw-pool","version":1,"ranges":["10.0.0.0/33"]})"),
              HasSubstr("/s/pool.json: ranges[0]"));
  EXPECT_THAT(load_error(R"({"format":"sstpgw-pool","version":1,"ranges":[7]})"),
              HasSubstr("must be a string"));
  EXPECT_THAT(load_error(R"({"format":"sstpgw-pool","version":1})"), HasSubstr("missing field \"ranges\""));
  EXPECT_THAT(load_error(R"({"format":"sstpgw-pool","version":1,"ranges":[]})"),
              HasSubstr("no address range"));
  EXPECT_THAT(load_error(R"({"format":"sstpgw-pool","version":1,"ranges":["10.0.0.0/24"],"exclude":"x"})"),
              HasSubstr("\"exclude\" must be an array"));
  EXPECT_THAT(load_error(R"({"format":"sstpgw-roots","version":1,"ranges":[]})"), HasSubstr("format"));
}

}  // namespace
}  // namespace sstpgw::pool
