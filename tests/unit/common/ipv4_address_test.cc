#include "dataplane/common/ipv4_address.hh"

#include <gtest/gtest.h>

namespace sstpgw {
namespace {

TEST(Ipv4Address, ParsesDottedQuadsStrictly) {
  EXPECT_EQ(parse_ipv4("172.16.201.1")->value, 0xac10c901u);
  EXPECT_EQ(parse_ipv4("0.0.0.0")->value, 0u);
  EXPECT_EQ(parse_ipv4("255.255.255.255")->value, 0xffffffffu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3", "-1.2.3.4"})
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  EXPECT_EQ(parse_ipv4("10.0.0.9")->to_string(), "10.0.0.9");
}

TEST(Ipv4Address, PrefixesRefuseHostBits) {
  auto p = parse_ipv4_prefix("172.16.201.0/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), 256u);
  EXPECT_TRUE(p->contains(*parse_ipv4("172.16.201.254")));
  EXPECT_FALSE(p->contains(*parse_ipv4("172.16.202.1")));
  EXPECT_EQ(p->to_string(), "172.16.201.0/24");
  EXPECT_FALSE(parse_ipv4_prefix("172.16.201.1/24"));
  EXPECT_FALSE(parse_ipv4_prefix("10.0.0.0/33"));
  EXPECT_FALSE(parse_ipv4_prefix("10.0.0.0"));
  EXPECT_TRUE(parse_ipv4_prefix("0.0.0.0/0"));
  EXPECT_EQ(parse_ipv4_prefix("0.0.0.0/0")->mask(), 0u);
}

TEST(Ipv4Address, InterfaceKeepsHostBitsAndKnowsItsSubnet) {
  auto i = parse_ipv4_interface("192.0.2.10/24");
  ASSERT_TRUE(i);
  EXPECT_EQ(i->address.to_string(), "192.0.2.10");
  EXPECT_EQ(i->subnet().to_string(), "192.0.2.0/24");
}

}  // namespace
}  // namespace sstpgw
