// Known-answer tests from Microsoft's RSS specification ("Verifying the RSS Hash
// Calculation"), with its 40-byte key. Input order: source address, destination
// address, source port, destination port.
#include "control/pool/toeplitz.hh"

#include <gtest/gtest.h>

#include <set>

namespace sstpgw::pool {
namespace {

ipv4_addr ip(const char* s) { return *parse_ipv4(s); }

struct vector_row {
  const char* dst;
  uint16_t dst_port;
  const char* src;
  uint16_t src_port;
  uint32_t ipv4;
  uint32_t ipv4_tcp;
};

constexpr vector_row kRows[] = {
    {"161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178},
    {"65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea},
    {"12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a},
    {"209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f},
    {"202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2},
};

TEST(Toeplitz, MicrosoftIpv4Vectors) {
  for (const auto& r : kRows)
    EXPECT_EQ(rss_hash_ipv4(kMicrosoftRssKey, ip(r.src), ip(r.dst)), r.ipv4) << r.src << " -> " << r.dst;
}

TEST(Toeplitz, MicrosoftIpv4TcpVectors) {
  for (const auto& r : kRows)
    EXPECT_EQ(rss_hash_ipv4_tcp(kMicrosoftRssKey, ip(r.src), ip(r.dst), r.src_port, r.dst_port), r.ipv4_tcp)
        << r.src << ":" << r.src_port << " -> " << r.dst << ":" << r.dst_port;
}

TEST(Toeplitz, HashIsLinearInTheInput) {
  // Toeplitz is GF(2)-linear: h(a ^ b) == h(a) ^ h(b). A property the bit loop must keep.
  const uint8_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {0x80, 0, 0xff, 0x10, 0, 0x55, 0xaa, 1};
  uint8_t x[8];
  for (int i = 0; i < 8; ++i) x[i] = a[i] ^ b[i];
  EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey, x),
            toeplitz_hash(kMicrosoftRssKey, a) ^ toeplitz_hash(kMicrosoftRssKey, b));
  const uint8_t zero[8] = {};
  EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey, zero), 0u);
}

TEST(Toeplitz, FirstInputBitSelectsTheFirstKeyWord) {
  const uint8_t in[4] = {0x80, 0, 0, 0};
  EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey, in), 0x6d5a56dau);
  const uint8_t in2[4] = {0, 0, 0, 1};  // bit 31: key bits 31..62
  const uint64_t k = 0x6d5a56da255b0ec2ULL;
  EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey, in2), static_cast<uint32_t>(k >> 1));
}

TEST(Toeplitz, KeyTooShortGivesZero) {
  const uint8_t key[7] = {1, 2, 3, 4, 5, 6, 7};
  const uint8_t in[4] = {1, 2, 3, 4};
  EXPECT_EQ(toeplitz_hash(key, in), 0u);
}

TEST(Toeplitz, DestinationOnlyWorkerMapCoversEveryQueue) {
  auto worker_of =
      make_dst_rss_worker_of({kMicrosoftRssKey.begin(), kMicrosoftRssKey.end()}, default_reta(4));
  std::set<uint32_t> seen;
  for (uint32_t i = 1; i < 255; ++i) {
    uint32_t w = worker_of(ipv4_addr{0xAC10C900u + i});
    EXPECT_LT(w, 4u);
    seen.insert(w);
    // Same as hashing the destination by hand and indexing the table.
    EXPECT_EQ(w, rss_hash_ipv4_dst(kMicrosoftRssKey, ipv4_addr{0xAC10C900u + i}) % 128 % 4);
  }
  EXPECT_EQ(seen.size(), 4u);
}

TEST(Toeplitz, RedirectionTable) {
  auto reta = default_reta(3, 8);
  EXPECT_EQ(reta, (std::vector<uint16_t>{0, 1, 2, 0, 1, 2, 0, 1}));
  EXPECT_EQ(rss_queue(13, reta), reta[5]);
  EXPECT_EQ(rss_queue(13, {}), 0u);
}

}  // namespace
}  // namespace sstpgw::pool
