// Ports on in-process vdevs (net_null: has RSS; net_ring: loopback, no RSS) and
// the TX buffer's resume-not-drop behaviour.
#include "dataplane/eal/port.hh"

#include <gtest/gtest.h>
#include <rte_dev.h>
#include <rte_mbuf.h>

#include <string>
#include <vector>

#include "dataplane/eal/mempool.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "tests/unit/eal/eal_env.hh"

namespace sstpgw::eal {
namespace {

[[maybe_unused]] ::testing::Environment* const kEnv = test::register_eal({}, 3);

// A fresh vdev per test: ports are closed by ~port and cannot be reused.
uint16_t probe(const std::string& devargs) {
  EXPECT_EQ(rte_dev_probe(devargs.c_str()), 0) << devargs;
  return port::find(devargs.substr(0, devargs.find(',')));
}

TEST(Port, NullPortGetsHardwareRssWithOurKeyAndTable) {
  port_config cfg;
  cfg.port_id = probe("net_null10");
  cfg.n_queues = 3;
  port p(cfg);
  EXPECT_EQ(p.caps().driver, "net_null");
  EXPECT_TRUE(p.caps().rss);
  EXPECT_TRUE(p.rss().hardware);
  ASSERT_EQ(p.rss().reta.size(), p.caps().reta_size);
  for (size_t i = 0; i < p.rss().reta.size(); ++i) EXPECT_EQ(p.rss().reta[i], i % 3) << i;
  ASSERT_GE(p.rss().key.size(), kRssKeySize);
  EXPECT_TRUE(std::equal(kSymmetricRssKey.begin(), kSymmetricRssKey.end(), p.rss().key.begin()));
  // Queue q polled from socket 0: one pool, sized by the formula.
  EXPECT_EQ(p.pool(0), p.pool(2));
  EXPECT_EQ(p.pool(0)->size, p.pool_size());
  EXPECT_TRUE(p.link().up);
}

TEST(Port, RingPortHasNoRssSoASoftwareTableIsRecorded) {
  port_config cfg;
  cfg.port_id = probe("net_ring10");
  cfg.n_queues = 2;
  port p(cfg);
  EXPECT_FALSE(p.caps().rss);
  EXPECT_FALSE(p.rss().hardware);
  ASSERT_EQ(p.rss().reta.size(), port::kSoftwareRetaSize);
  EXPECT_EQ(p.rss().reta[5], 1);
  EXPECT_FALSE(p.caps().tx_checksum_offload);
}

TEST(Port, TooManyQueuesIsAClearError) {
  port_config cfg;
  cfg.port_id = probe("net_ring11");
  cfg.n_queues = 100;  // net_ring has 16
  try {
    port p(cfg);
    FAIL() << "accepted 100 queues";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("100 queue pairs asked"), std::string::npos) << e.what();
  }
  rte_eth_dev_close(cfg.port_id);
}

TEST(Port, RingLoopbackCountsInStatsAndXstats) {
  port_config cfg;
  cfg.port_id = probe("net_ring12");
  port p(cfg);
  rte_mbuf* m[4];
  ASSERT_EQ(rte_pktmbuf_alloc_bulk(p.pool(0), m, 4), 0);
  for (auto* x : m) ASSERT_NE(rte_pktmbuf_append(x, 60), nullptr);
  ASSERT_EQ(rte_eth_tx_burst(p.id(), 0, m, 4), 4);
  rte_mbuf* r[8];
  ASSERT_EQ(rte_eth_rx_burst(p.id(), 0, r, 8), 4);
  rte_pktmbuf_free_bulk(r, 4);
  auto s = p.stats();
  EXPECT_EQ(s.tx_packets, 4u);
  EXPECT_EQ(s.rx_packets, 4u);
  bool found = false;
  for (const auto& [name, value] : p.xstats()) {
    if (name == "rx_good_packets") {
      found = true;
      EXPECT_EQ(value, 4u);
    }
  }
  EXPECT_TRUE(found);
}

TEST(Eal, SecondStartIsRefused) {
  EXPECT_TRUE(eal_started());
  EXPECT_FALSE(eal_args_used().empty());
  EXPECT_THROW(eal_start(eal_config{}), std::runtime_error);
}

TEST(Mempool, FormulaAddsEveryHolderAndRounds) {
  mempool_sizing s;
  s.rx_queues = 2;
  s.rx_desc = 512;
  s.tx_queues = 2;
  s.tx_desc = 512;
  s.tx_buffer_slots = 512;
  s.lcores = 3;
  s.cache = 256;
  s.burst = 32;
  s.handoff_slots = 1024;
  s.reassembly_mbufs = 384;
  s.arp_pending_mbufs = 256;
  s.extra = 100;
  EXPECT_EQ(s.raw_total(), 2u * 512 + 2u * (512 + 512) + 3u * (256 + 64) + 1024 + 384 + 256 + 100);
  EXPECT_EQ(s.total(), 8191u);
  EXPECT_EQ(data_room_for_mtu(1500), kMinDataRoom + RTE_PKTMBUF_HEADROOM);
  EXPECT_EQ(data_room_for_mtu(9000), 9000 + 14 + 4 + 4 + RTE_PKTMBUF_HEADROOM);
}

// A fake queue that takes at most `limit` packets per call and records them.
struct limited_queue {
  uint16_t limit = 0;
  std::vector<rte_mbuf*> got;
  static uint16_t tx(void* ctx, rte_mbuf** p, uint16_t n) {
    auto* q = static_cast<limited_queue*>(ctx);
    uint16_t k = n < q->limit ? n : q->limit;
    q->got.insert(q->got.end(), p, p + k);
    return k;
  }
};

class TxBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = create_packet_pool("txbuf" + std::to_string(counter_++), 2047, 0, kMinDataRoom, 0);
  }
  void TearDown() override { rte_mempool_free(pool_); }
  std::vector<rte_mbuf*> alloc(unsigned n) {
    std::vector<rte_mbuf*> v(n);
    EXPECT_EQ(rte_pktmbuf_alloc_bulk(pool_, v.data(), n), 0);
    return v;
  }
  rte_mempool* pool_ = nullptr;
  static inline int counter_ = 0;
};

TEST_F(TxBufferTest, PartialBurstIsResumedInOrderNotDropped) {
  limited_queue q{.limit = 10};
  {
    tx_buffer b(queue_io{nullptr, &limited_queue::tx, &q});
    auto pk = alloc(40);
    b.enqueue(pk.data(), 40);  // reaches a burst: flushes, the PMD takes 10
    EXPECT_EQ(q.got.size(), 10u);
    EXPECT_EQ(b.pending(), 30);
    b.flush();
    b.flush();
    b.flush();
    EXPECT_EQ(b.pending(), 0);
    EXPECT_EQ(q.got, pk);  // same packets, same order
    EXPECT_EQ(b.counters().get(tx_counter::sent), 40u);
    EXPECT_EQ(b.counters().get(tx_counter::overflow_drops), 0u);
    EXPECT_GE(b.counters().get(tx_counter::partial_bursts), 3u);
  }
  rte_pktmbuf_free_bulk(q.got.data(), static_cast<unsigned>(q.got.size()));
  EXPECT_EQ(rte_mempool_in_use_count(pool_), 0u);
}

TEST_F(TxBufferTest, OverflowDropsAndCountsOnlyTheExcess) {
  limited_queue q{.limit = 0};  // a stuck queue
  {
    tx_buffer b(queue_io{nullptr, &limited_queue::tx, &q});
    auto pk = alloc(tx_buffer::kCapacity + 5);
    b.enqueue(pk.data(), static_cast<uint16_t>(pk.size()));
    EXPECT_EQ(b.pending(), tx_buffer::kCapacity);
    EXPECT_EQ(b.counters().get(tx_counter::overflow_drops), 5u);
  }  // the destructor frees what is still buffered
  EXPECT_EQ(rte_mempool_in_use_count(pool_), 0u);
}

}  // namespace
}  // namespace sstpgw::eal
