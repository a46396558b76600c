// Toeplitz against Microsoft's published RSS verification suite ("Verifying the
// RSS Hash Calculation"), and against DPDK's own rte_softrss as a second,
// independent implementation.
#include "dataplane/eal/rss.hh"

#include <gtest/gtest.h>
#include <rte_thash.h>

#include <vector>

namespace sstpgw::eal {
namespace {

constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

struct ms_vector {
  uint32_t dst;
  uint16_t dport;
  uint32_t src;
  uint16_t sport;
  uint32_t ipv4;
  uint32_t ipv4_tcp;
};

// Destination, source, IPv4-only hash, IPv4-with-TCP hash.
const ms_vector kVectors[] = {
    {ip(161, 142, 100, 80), 1766, ip(66, 9, 149, 187), 2794, 0x323e8fc2, 0x51ccc178},
    {ip(65, 69, 140, 83), 4739, ip(199, 92, 111, 2), 14230, 0xd718262a, 0xc626b0ea},
    {ip(12, 22, 207, 184), 38024, ip(24, 19, 198, 95), 12898, 0xd2d0a5de, 0x5c2b394a},
    {ip(209, 142, 163, 6), 2217, ip(38, 27, 205, 30), 48228, 0x82989176, 0xafc7327f},
    {ip(202, 188, 127, 2), 1303, ip(153, 39, 163, 191), 44251, 0x5d1809c5, 0x10e828a2},
};

TEST(Rss, MicrosoftVectorsIpv4) {
  for (const auto& v : kVectors) EXPECT_EQ(rss_hash_ipv4(kMicrosoftRssKey, v.src, v.dst), v.ipv4);
}

TEST(Rss, MicrosoftVectorsIpv4Tcp) {
  for (const auto& v : kVectors)
    EXPECT_EQ(rss_hash_ipv4_tcp(kMicrosoftRssKey, v.src, v.dst, v.sport, v.dport), v.ipv4_tcp);
}

TEST(Rss, TableMatchesBitwise) {
  const toeplitz_table t(kMicrosoftRssKey);
  for (const auto& v : kVectors) {
    EXPECT_EQ(t.ipv4(v.src, v.dst), v.ipv4);
    EXPECT_EQ(t.ipv4_tcp(v.src, v.dst, v.sport, v.dport), v.ipv4_tcp);
  }
}

TEST(Rss, AgreesWithDpdkSoftrss) {
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  const toeplitz_table t(kSymmetricRssKey);
  for (int i = 0; i < 1000; ++i) {
    const uint32_t src = next(), dst = next();
    const uint16_t sp = static_cast<uint16_t>(next()), dp = static_cast<uint16_t>(next());
    uint32_t tuple[3] = {src, dst, (uint32_t{sp} << 16) | dp};
    EXPECT_EQ(rss_hash_ipv4_tcp(kSymmetricRssKey, src, dst, sp, dp),
              rte_softrss(tuple, 3, kSymmetricRssKey.data()));
    EXPECT_EQ(t.ipv4(src, dst), rte_softrss(tuple, 2, kSymmetricRssKey.data()));
  }
}

TEST(Rss, SymmetricKeyHashesBothDirectionsAlike) {
  const uint32_t a = ip(10, 0, 0, 1), b = ip(172, 16, 201, 7);
  EXPECT_EQ(rss_hash_ipv4_tcp(kSymmetricRssKey, a, b, 443, 50123),
            rss_hash_ipv4_tcp(kSymmetricRssKey, b, a, 50123, 443));
  EXPECT_EQ(rss_hash_ipv4(kSymmetricRssKey, a, b), rss_hash_ipv4(kSymmetricRssKey, b, a));
}

TEST(Rss, ShortKeyYieldsZero) {
  const uint8_t key[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const uint8_t in[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(toeplitz_hash(key, in), 0u);
}

TEST(Rss, QueueOfUsesLowBitsOfPowerOfTwoTable) {
  std::vector<uint16_t> reta(128);
  for (size_t i = 0; i < reta.size(); ++i) reta[i] = static_cast<uint16_t>(i % 3);
  EXPECT_EQ(queue_of(0x51ccc178, reta), reta[0x78]);
  EXPECT_EQ(queue_of(0xffffff80, reta), reta[0]);
  std::vector<uint16_t> odd = {5, 6, 7};
  EXPECT_EQ(queue_of(10, odd), 6);  // 10 % 3
  EXPECT_EQ(queue_of(10, {}), 0);
}

}  // namespace
}  // namespace sstpgw::eal
