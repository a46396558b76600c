#include "dataplane/common/counters.hh"

#include <gtest/gtest.h>

#include <string_view>

namespace sstpgw {
namespace {

#define TEST_COUNTERS(X)            \
  X(first, "the first thing")       \
  X(second, "the second thing")
SSTPGW_DEFINE_COUNTERS(test_counter, TEST_COUNTERS)

TEST(Counters, EnumNamesAndValuesLineUp) {
  counter_set<test_counter> c;
  static_assert(counter_set<test_counter>::size == 2);
  c.add(test_counter::second, 5);
  c.add(test_counter::first);
  EXPECT_EQ(c.get(test_counter::first), 1u);
  EXPECT_EQ(c.get(test_counter::second), 5u);
  auto infos = c.infos();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(std::string_view(infos[1].name), "second");
  EXPECT_EQ(std::string_view(infos[0].description), "the first thing");
  counter_set<test_counter> total;
  total.accumulate(c);
  total.accumulate(c);
  EXPECT_EQ(total.get(test_counter::second), 10u);
}

}  // namespace
}  // namespace sstpgw
