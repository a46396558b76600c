#include "control/pool/pool_json.hh"

#include <gtest/gtest.h>

namespace sstpgw::pool {
namespace {

TEST(PoolJson, ShowsSettingsCountsWorkersAndLeases) {
  auto s = *make_settings({"10.0.0.0/29"}, {"10.0.0.1"}, nullptr);
  ip_pool p(s, 2, [](ipv4_address a) { return a.value & 1; });
  auto a = p.allocate(0, 77);
  ASSERT_TRUE(a.ok());
  (void)p.allocate(0, 78);
  (void)p.allocate(0, 79);  // worker 0 has .2 .4 .6: three hits
  (void)p.allocate(0, 80);  // falls back to worker 1
  auto j = pool_json(p, true);
  EXPECT_EQ(j["ranges"][0], "10.0.0.0/29");
  EXPECT_EQ(j["exclude"][0], "10.0.0.1");
  EXPECT_EQ(j["capacity"], 5);
  EXPECT_EQ(j["in_use"], 4);
  EXPECT_EQ(j["free"], 1);
  EXPECT_EQ(j["workers"][0]["capacity"], 3);
  EXPECT_EQ(j["workers"][1]["free"], 1);
  EXPECT_EQ(j["counters"]["preferred_hits"], 3);
  EXPECT_EQ(j["counters"]["fallbacks"], 1);
  ASSERT_EQ(j["leases"].size(), 4u);
  EXPECT_EQ(j["leases"][0]["address"], a.addr.to_string());
  EXPECT_EQ(j["leases"][0]["owner"], 77);
  EXPECT_FALSE(pool_json(p).contains("leases"));
}

}  // namespace
}  // namespace sstpgw::pool
