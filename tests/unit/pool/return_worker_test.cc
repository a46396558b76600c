// The pool's view of RSS: which worker return traffic to a client address lands
// on. The Toeplitz hash itself is tested against Microsoft's vectors in
// tests/unit/eal/rss_test.cc.
#include "control/pool/return_worker.hh"

#include <gtest/gtest.h>

#include <set>

#include "dataplane/eal/rss.hh"

namespace sstpgw::pool {
namespace {

TEST(ReturnWorker, DestinationOnlyWorkerMapCoversEveryQueue) {
  const auto& key = eal::kMicrosoftRssKey;
  auto worker_of = make_dst_rss_worker_of({key.begin(), key.end()}, default_reta(4));
  std::set<uint32_t> seen;
  for (uint32_t i = 1; i < 255; ++i) {
    uint32_t w = worker_of(ipv4_address{0xAC10C900u + i});
    EXPECT_LT(w, 4u);
    seen.insert(w);
    // Same as hashing the destination by hand and indexing the 128-entry table.
    EXPECT_EQ(w, eal::rss_hash_ipv4_dst(key, 0xAC10C900u + i) % 128 % 4);
  }
  EXPECT_EQ(seen.size(), 4u);
}

TEST(ReturnWorker, DestinationHashIsTheToeplitzOfTheAddressBytes) {
  const auto& key = eal::kMicrosoftRssKey;
  const uint8_t in[4] = {172, 16, 201, 7};
  EXPECT_EQ(eal::rss_hash_ipv4_dst(key, 0xAC10C907u), eal::toeplitz_hash(key, in));
}

TEST(ReturnWorker, RedirectionTable) {
  auto reta = default_reta(3, 8);
  EXPECT_EQ(reta, (std::vector<uint16_t>{0, 1, 2, 0, 1, 2, 0, 1}));
  EXPECT_EQ(eal::queue_of(13, reta), reta[5]);
  EXPECT_EQ(eal::queue_of(13, {}), 0u);
}

}  // namespace
}  // namespace sstpgw::pool
