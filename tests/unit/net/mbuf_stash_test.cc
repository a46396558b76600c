// mbuf_stash: mbufs come out reset, everything held goes back, and a pool
// with less than a stash's worth left still serves one mbuf at a time.
#include "dataplane/net/mbuf_stash.hh"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <vector>

namespace sstpgw::net {
namespace {

class MbufStash : public ::testing::Test {
 protected:
  void SetUp() override {
    // No per-lcore cache, so in-use counts are exact.
    pool_ = rte_pktmbuf_pool_create("stash_test", kPoolSize, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    ASSERT_NE(pool_, nullptr);
  }
  void TearDown() override {
    EXPECT_EQ(rte_mempool_in_use_count(pool_), 0u) << "mbufs leaked";
    rte_mempool_free(pool_);
  }
  static constexpr uint32_t kPoolSize = 2 * mbuf_stash::kSize + 5;
  rte_mempool* pool_ = nullptr;
};

TEST_F(MbufStash, HandsOutResetMbufsAndReturnsWhatItHolds) {
  {
    mbuf_stash stash(pool_);
    rte_mbuf* m = stash.alloc();
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(stash.held(), mbuf_stash::kSize - 1);
    EXPECT_EQ(rte_mempool_in_use_count(pool_), mbuf_stash::kSize);
    ASSERT_NE(rte_pktmbuf_append(m, 100), nullptr);
    m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
    rte_pktmbuf_free(m);
    // A used-and-freed mbuf comes back from the pool dirty only in its data;
    // the stash resets what rte_pktmbuf_alloc resets.
    for (uint32_t i = 0; i < mbuf_stash::kSize + 3; ++i) {
      rte_mbuf* n = stash.alloc();
      ASSERT_NE(n, nullptr);
      EXPECT_EQ(n->pkt_len, 0u);
      EXPECT_EQ(n->data_len, 0u);
      EXPECT_EQ(n->nb_segs, 1u);
      EXPECT_EQ(n->next, nullptr);
      EXPECT_EQ(n->ol_flags & RTE_MBUF_F_TX_IP_CKSUM, 0u);
      EXPECT_EQ(n->data_off, RTE_PKTMBUF_HEADROOM);
      EXPECT_EQ(rte_mbuf_refcnt_read(n), 1);
      rte_pktmbuf_free(n);
    }
  }
  // The destructor gave back the rest (TearDown checks in-use is 0).
}

TEST_F(MbufStash, FallsBackToSingleMbufsWhenThePoolRunsLow) {
  mbuf_stash stash(pool_);
  std::vector<rte_mbuf*> taken;
  for (;;) {
    rte_mbuf* m = stash.alloc();
    if (m == nullptr) break;
    taken.push_back(m);
    ASSERT_LE(taken.size(), kPoolSize);
  }
  // Every mbuf of the pool was handed out, the last few one at a time.
  EXPECT_EQ(taken.size(), kPoolSize);
  EXPECT_EQ(stash.held(), 0u);
  EXPECT_EQ(stash.alloc(), nullptr);
  for (rte_mbuf* m : taken) rte_pktmbuf_free(m);
}

TEST_F(MbufStash, ReleaseAndSetPoolGiveEverythingBack) {
  mbuf_stash stash(pool_);
  rte_mbuf* m = stash.alloc();
  ASSERT_NE(m, nullptr);
  stash.release();
  EXPECT_EQ(stash.held(), 0u);
  EXPECT_EQ(rte_mempool_in_use_count(pool_), 1u);
  rte_pktmbuf_free(m);
  ASSERT_NE((m = stash.alloc()), nullptr);
  stash.set_pool(pool_);  // switching pools returns what the old one lent
  EXPECT_EQ(rte_mempool_in_use_count(pool_), 1u);
  rte_pktmbuf_free(m);
}

}  // namespace
}  // namespace sstpgw::net
