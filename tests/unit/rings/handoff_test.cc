// Handoff rings: drops counted when a ring is full, order kept between two
// workers on two lcores, and the iface handing TCP packets, fragments and ARP
// frames to the worker that owns them.
#include "dataplane/rings/handoff.hh"

#include <gtest/gtest.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <memory>
#include <vector>

#include "dataplane/eal/mempool.hh"
#include "dataplane/net/iface.hh"
#include "tests/unit/eal/eal_env.hh"
#include "tests/unit/net/stack_fixture.hh"

namespace sstpgw::test {
namespace {

[[maybe_unused]] ::testing::Environment* const kEnv = register_eal({}, 2);

class Handoff : public ::testing::Test {
 protected:
  void SetUp() override {
    static int n = 0;
    pool_ = eal::create_packet_pool("ho" + std::to_string(n++), 8191, 0, eal::kMinDataRoom, 0);
  }
  void TearDown() override {
    EXPECT_EQ(rte_mempool_in_use_count(pool_), 0u);
    rte_mempool_free(pool_);
  }
  rte_mbuf* seq_mbuf(uint32_t seq) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    EXPECT_NE(m, nullptr);
    store_be32(reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 4)), seq);
    return m;
  }
  rte_mempool* pool_ = nullptr;
};

TEST_F(Handoff, FullRingDropsAndCountsTheExcess) {
  rings::handoff_mesh mesh("hofull", 2, 64);
  rings::handoff_port a(mesh, 0), b(mesh, 1);
  std::vector<rte_mbuf*> pk;
  std::vector<uint16_t> to(100, 1);
  for (uint32_t i = 0; i < 100; ++i) pk.push_back(seq_mbuf(i));
  EXPECT_EQ(a.send(to.data(), pk.data(), 100), 100);
  a.flush();
  EXPECT_EQ(a.counters().get(rings::handoff_counter::enqueued), 64u);
  EXPECT_EQ(a.counters().get(rings::handoff_counter::ring_full), 36u);
  rte_mbuf* got[128];
  uint16_t n = 0, k;
  while ((k = b.receive(got + n, 32)) != 0) n = static_cast<uint16_t>(n + k);
  ASSERT_EQ(n, 64);
  for (uint32_t i = 0; i < n; ++i) EXPECT_EQ(load_be32(rte_pktmbuf_mtod(got[i], uint8_t*)), i);
  rte_pktmbuf_free_bulk(got, n);
}

TEST_F(Handoff, SendingToSelfOrBeyondTheMeshIsRefused) {
  rings::handoff_mesh mesh("hobad", 2, 64);
  rings::handoff_port a(mesh, 0);
  rte_mbuf* pk[2] = {seq_mbuf(0), seq_mbuf(1)};
  const uint16_t to[2] = {0, 7};
  EXPECT_EQ(a.send(to, pk, 2), 0);
  EXPECT_EQ(a.counters().get(rings::handoff_counter::bad_destination), 2u);
}

struct consumer_state {
  rings::handoff_port* port;
  std::atomic<bool>* stop;
  std::vector<uint32_t> seen;
};

int consume(void* arg) {
  auto* s = static_cast<consumer_state*>(arg);
  rte_mbuf* got[32];
  for (;;) {
    const bool stopping = s->stop->load(std::memory_order_acquire);
    const uint16_t n = s->port->receive(got, 32);
    for (uint16_t i = 0; i < n; ++i) s->seen.push_back(load_be32(rte_pktmbuf_mtod(got[i], uint8_t*)));
    rte_pktmbuf_free_bulk(got, n);
    if (n == 0 && stopping) return 0;
  }
}

TEST_F(Handoff, TwoWorkersOnTwoLcoresKeepOrder) {
  const unsigned lcore = rte_get_next_lcore(rte_lcore_id(), 1, 0);
  ASSERT_LT(lcore, RTE_MAX_LCORE) << "needs a second lcore";
  rings::handoff_mesh mesh("ho2w", 2, 256);
  rings::handoff_port producer(mesh, 0), receiver(mesh, 1);
  std::atomic<bool> stop{false};
  consumer_state st{&receiver, &stop, {}};
  ASSERT_EQ(rte_eal_remote_launch(consume, &st, lcore), 0);
  constexpr uint32_t kTotal = 50'000;
  uint16_t to[32];
  std::fill(std::begin(to), std::end(to), uint16_t{1});
  for (uint32_t seq = 0; seq < kTotal; seq += 32) {
    rte_mbuf* pk[32];
    for (uint32_t i = 0; i < 32; ++i) {
      // A full pool means the consumer is behind: let it catch up.
      while ((pk[i] = rte_pktmbuf_alloc(pool_)) == nullptr) rte_pause();
      store_be32(reinterpret_cast<uint8_t*>(rte_pktmbuf_append(pk[i], 4)), seq + i);
    }
    producer.send(to, pk, 32);
    producer.flush();
  }
  stop.store(true, std::memory_order_release);
  EXPECT_EQ(rte_eal_wait_lcore(lcore), 0);
  const auto& c = producer.counters();
  EXPECT_EQ(c.get(rings::handoff_counter::enqueued) + c.get(rings::handoff_counter::ring_full), 50'016u);
  EXPECT_EQ(st.seen.size(), c.get(rings::handoff_counter::enqueued));
  for (size_t i = 1; i < st.seen.size(); ++i) ASSERT_LT(st.seen[i - 1], st.seen[i]) << i;
}

// Two workers' stacks for one software-steered port, joined by handoff rings.
class TwoWorkerStack : public Handoff {
 protected:
  void SetUp() override {
    Handoff::SetUp();
    mesh_ = std::make_unique<rings::handoff_mesh>("hostk" + std::to_string(counter_++), 2, 256);
    for (uint16_t w = 0; w < 2; ++w) {
      ports_[w] = std::make_unique<rings::handoff_port>(*mesh_, w);
      tx_[w] = std::make_unique<eal::tx_buffer>(eal::queue_io{nullptr, &frame_capture::tx, &cap_[w]});
      net::iface_config c;
      c.mac = to_mac(kGwMac);
      c.address = {kGwIp, 24};
      c.pool = pool_;
      c.worker = w;
      c.n_workers = 2;
      c.arp_speaker = w == 0;
      c.gratuitous_count = 0;
      stacks_[w] = std::make_unique<net::iface>(c, *tx_[w]);
      stacks_[w]->set_tcp_sink({&mbuf_sink::take, &tcp_[w]});
      stacks_[w]->set_handoff(ports_[w]->sink());
    }
  }
  void TearDown() override {
    for (auto& s : stacks_) s.reset();
    for (auto& t : tx_) t.reset();
    for (auto& p : ports_) p.reset();
    mesh_.reset();
    for (auto& t : tcp_) t.clear();
    Handoff::TearDown();
  }
  rte_mbuf* mbuf_of(const bytes& b) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(b.size())), b.data(), b.size());
    return m;
  }
  // Feeds a frame to worker w, then lets every worker drain its rings once.
  void feed(uint16_t w, const bytes& f) {
    rte_mbuf* m = mbuf_of(f);
    stacks_[w]->input(&m, 1, 1);
    for (auto& p : ports_) p->flush();
    for (uint16_t v = 0; v < 2; ++v) {
      rte_mbuf* got[32];
      const uint16_t n = ports_[v]->receive(got, 32);
      if (n) stacks_[v]->input(got, n, 1, true);
      tx_[v]->flush();
    }
  }
  // Source ports whose flows (peer:port -> gw:443) worker `owner` owns.
  uint16_t port_owned_by(uint16_t owner) {
    for (uint16_t sp = 40000;; ++sp)
      if (stacks_[0]->tcp_owner(kPeerIp, kGwIp, sp, 443) == owner) return sp;
  }
  static inline int counter_ = 0;
  std::unique_ptr<rings::handoff_mesh> mesh_;
  std::unique_ptr<rings::handoff_port> ports_[2];
  std::unique_ptr<eal::tx_buffer> tx_[2];
  std::unique_ptr<net::iface> stacks_[2];
  frame_capture cap_[2];
  mbuf_sink tcp_[2];
};

TEST_F(TwoWorkerStack, TcpPacketIsHandedToItsOwner) {
  const uint16_t sp = port_owned_by(1);
  const bytes ip = ipv4_packet({.protocol = 6}, tcp_segment(sp, 443, 20));
  feed(0, frame(kGwMac, kPeerMac, ip));
  EXPECT_TRUE(tcp_[0].pkts.empty());
  ASSERT_EQ(tcp_[1].pkts.size(), 1u);
  EXPECT_EQ(mbuf_bytes(tcp_[1].pkts[0]), ip);
  EXPECT_EQ(stacks_[0]->ipv4_counters().get(net::ipv4_counter::handoff), 1u);
  // And a flow worker 0 owns stays there.
  feed(0, frame(kGwMac, kPeerMac, ipv4_packet({.protocol = 6}, tcp_segment(port_owned_by(0), 443, 20))));
  EXPECT_EQ(tcp_[0].pkts.size(), 1u);
}

TEST_F(TwoWorkerStack, FragmentsMeetOnOneWorkerThenGoToTheFlowOwner) {
  const uint16_t sp = port_owned_by(1);
  const bytes l4 = tcp_segment(sp, 443, 1000);
  const auto frags = fragment_frames({.id = 5, .protocol = 6}, l4, 512);
  // The fragments arrive on different workers.
  feed(0, frags[0]);
  feed(1, frags[1]);
  size_t delivered = tcp_[0].pkts.size() + tcp_[1].pkts.size();
  ASSERT_EQ(delivered, 1u);
  ASSERT_EQ(tcp_[1].pkts.size(), 1u);
  EXPECT_EQ(mbuf_bytes(tcp_[1].pkts[0]), ipv4_packet({.id = 5, .protocol = 6}, l4));
}

TEST_F(TwoWorkerStack, ArpIsAnsweredOnceAndLearnedByEveryWorker) {
  feed(0, arp_frame(1, kBroadcast, kPeerMac, kPeerIp, {}, kGwIp));
  EXPECT_EQ(cap_[0].frames.size(), 1u);
  EXPECT_TRUE(cap_[1].frames.empty());
  for (auto& s : stacks_) {
    net::mac_addr m;
    ASSERT_TRUE(s->arp().lookup(kPeerIp, m));
    EXPECT_EQ(m, to_mac(kPeerMac));
  }
  EXPECT_EQ(stacks_[0]->arp_counters().get(net::arp_counter::learn_only_copies), 1u);
}

}  // namespace
}  // namespace sstpgw::test
