#include "dataplane/common/ipv4_address.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sstpgw {
namespace {

using ::testing::HasSubstr;

TEST(Ipv4Parse, ParsesAndFormats) {
  auto a = parse_ipv4("172.16.201.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xAC10C901u);
  EXPECT_EQ(a->to_string(), "172.16.201.1");
  EXPECT_EQ(parse_ipv4("0.0.0.0")->value, 0u);
  EXPECT_EQ(parse_ipv4("255.255.255.255")->value, 0xFFFFFFFFu);
}

TEST(Ipv4Parse, RefusesMalformedAddresses) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "01.2.3.4", "1..3.4", "1.2.3.4 ",
                          " 1.2.3.4", "a.b.c.d", "1.2.3.-4", "1.2.3.1234", "1.2.3.4/24"}) {
    std::string error;
    EXPECT_FALSE(parse_ipv4(bad, &error)) << bad;
    EXPECT_THAT(error, HasSubstr("not an IPv4 address")) << bad;
  }
}

TEST(Ipv4PrefixParse, ParsesAndMeasures) {
  auto p = parse_ipv4_prefix("172.16.201.0/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), 256u);
  EXPECT_EQ(p->first().to_string(), "172.16.201.0");
  EXPECT_EQ(p->last().to_string(), "172.16.201.255");
  EXPECT_TRUE(p->contains(*parse_ipv4("172.16.201.77")));
  EXPECT_FALSE(p->contains(*parse_ipv4("172.16.202.0")));
  EXPECT_EQ(p->to_string(), "172.16.201.0/24");
  EXPECT_EQ(parse_ipv4_prefix("10.0.0.7/32")->size(), 1u);
  EXPECT_EQ(parse_ipv4_prefix("0.0.0.0/0")->size(), uint64_t{1} << 32);
}

TEST(Ipv4PrefixParse, HostBitsRefusedWithTheLikelyMeaning) {
  std::string error;
  EXPECT_FALSE(parse_ipv4_prefix("172.16.201.5/24", &error));
  EXPECT_THAT(error, HasSubstr("did you mean 172.16.201.0/24?"));
}

TEST(Ipv4PrefixParse, RefusesBadLengths) {
  for (const char* bad :
       {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/x", "10.0.0.0/240"}) {
    std::string error;
    EXPECT_FALSE(parse_ipv4_prefix(bad, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(Ipv4PrefixParse, Overlap) {
  auto a = *parse_ipv4_prefix("10.0.0.0/24"), b = *parse_ipv4_prefix("10.0.0.128/25"), c = *parse_ipv4_prefix("10.0.1.0/24");
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_TRUE(b.overlaps(a));
  EXPECT_FALSE(a.overlaps(c));
}

}  // namespace
}  // namespace sstpgw
