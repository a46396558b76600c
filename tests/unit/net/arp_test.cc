// ARP with hand-built frames: replies byte for byte, learning rules, the pending
// queue, retries with exponential spacing, aging, the table bound, bogus input.
#include <gtest/gtest.h>

#include "tests/unit/net/stack_fixture.hh"

namespace sstpgw::test {
namespace {

using net::arp_counter;
using net::ipv4_counter;

class Arp : public StackTest {};

TEST_F(Arp, RequestForUsIsAnsweredByteExactAndTeachesTheCache) {
  auto out = feed(arp_frame(1, kBroadcast, kPeerMac, kPeerIp, {}, kGwIp));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arp_frame(2, kPeerMac, kGwMac, kGwIp, kPeerMac, kPeerIp));
  net::mac_addr m;
  ASSERT_TRUE(stack_->arp().lookup(kPeerIp, m));
  EXPECT_EQ(m, to_mac(kPeerMac));
  EXPECT_EQ(arpc(arp_counter::requests_for_us), 1u);
  EXPECT_EQ(arpc(arp_counter::replies_sent), 1u);
}

TEST_F(Arp, RequestForAnotherAddressIsNeitherAnsweredNorLearned) {
  auto out = feed(arp_frame(1, kBroadcast, kPeerMac, kPeerIp, {}, 0x0a000009));
  EXPECT_TRUE(out.empty());
  net::mac_addr m;
  EXPECT_FALSE(stack_->arp().lookup(kPeerIp, m));
}

TEST_F(Arp, UnsolicitedReplyDoesNotCreateButUpdatesAnEntry) {
  EXPECT_TRUE(feed(arp_frame(2, kGwMac, kPeerMac, kPeerIp, kGwMac, 0x0a000009)).empty());
  net::mac_addr m;
  EXPECT_FALSE(stack_->arp().lookup(kPeerIp, m));
  learn_peer();
  const mac moved = {0x02, 0, 0, 0, 0, 0x77};
  feed(arp_frame(2, kGwMac, moved, kPeerIp, kGwMac, 0x0a000009));
  ASSERT_TRUE(stack_->arp().lookup(kPeerIp, m));
  EXPECT_EQ(m, to_mac(moved));
}

TEST_F(Arp, GratuitousArpUpdatesAnExistingEntry) {
  learn_peer();
  const mac moved = {0x02, 0, 0, 0, 0, 0x99};
  EXPECT_TRUE(feed(arp_frame(1, kBroadcast, moved, kPeerIp, {}, kPeerIp)).empty());
  net::mac_addr m;
  ASSERT_TRUE(stack_->arp().lookup(kPeerIp, m));
  EXPECT_EQ(m, to_mac(moved));
  EXPECT_EQ(arpc(arp_counter::gratuitous), 1u);
}

TEST_F(Arp, OutputToUnknownNextHopQueuesRequestsAndFlushesOnReply) {
  const bytes p1 = ipv4_packet({.protocol = 6, .src = kGwIp, .dst = kPeerIp}, pattern(30, 1));
  const bytes p2 = ipv4_packet({.protocol = 6, .src = kGwIp, .dst = kPeerIp}, pattern(40, 2));
  auto out = send_ip(p1);
  ASSERT_EQ(out.size(), 1u);  // the request, not the packet
  EXPECT_EQ(out[0], arp_frame(1, kBroadcast, kGwMac, kGwIp, {}, kPeerIp));
  EXPECT_TRUE(send_ip(p2).empty());  // queued behind the same request
  EXPECT_EQ(ipc(ipv4_counter::arp_pending), 2u);
  out = feed(arp_frame(2, kGwMac, kPeerMac, kPeerIp, kGwMac, kGwIp));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], frame(kPeerMac, kGwMac, p1));
  EXPECT_EQ(out[1], frame(kPeerMac, kGwMac, p2));
}

TEST_F(Arp, RetriesAreExponentiallySpacedThenTheQueueIsDropped) {
  // retry 1000 us, 3 requests: t=0 (with the packet), 1000, 3000; give up at 7000.
  stack_->set_now(0);
  ASSERT_EQ(send_ip(ipv4_packet({.src = kGwIp, .dst = kPeerIp}, pattern(8))).size(), 1u);
  EXPECT_TRUE(timers(999).empty());
  EXPECT_EQ(timers(1000).size(), 1u);
  EXPECT_TRUE(timers(2999).empty());
  EXPECT_EQ(timers(3000).size(), 1u);
  EXPECT_TRUE(timers(6999).empty());
  EXPECT_TRUE(timers(7000).empty());  // gave up
  EXPECT_EQ(stack_->arp().counters().get(net::arp_table_counter::resolve_failed), 1u);
  EXPECT_EQ(stack_->arp().counters().get(net::arp_table_counter::pending_dropped), 1u);
  EXPECT_EQ(stack_->arp().size(), 0u);
  EXPECT_EQ(arpc(arp_counter::requests_sent), 3u);
}

TEST_F(Arp, PendingQueuePerNextHopIsBounded) {
  stack_->set_now(0);
  for (int i = 0; i < cfg_.arp.pending_per_entry + 3; ++i)
    send_ip(ipv4_packet({.src = kGwIp, .dst = kPeerIp}, pattern(8)));
  EXPECT_EQ(ipc(ipv4_counter::arp_pending), cfg_.arp.pending_per_entry);
  EXPECT_EQ(ipc(ipv4_counter::arp_dropped), 3u);
  EXPECT_EQ(stack_->arp().counters().get(net::arp_table_counter::pending_full), 3u);
}

TEST_F(Arp, EntriesGoStaleAreProbedWhenUsedAndRemovedWithoutAnswer) {
  learn_peer(0);
  const bytes p = ipv4_packet({.src = kGwIp, .dst = kPeerIp}, pattern(8));
  stack_->set_now(50'000);
  ASSERT_EQ(send_ip(p).size(), 1u);  // reachable: straight out
  // Past reachable_us (100 ms): stale, still used, and the use starts a probe.
  stack_->set_now(150'001);
  ASSERT_EQ(send_ip(p).size(), 1u);
  auto probe = timers(150'002);
  ASSERT_EQ(probe.size(), 1u);
  EXPECT_EQ(probe[0], arp_frame(1, kBroadcast, kGwMac, kGwIp, {}, kPeerIp));
  EXPECT_EQ(timers(151'002).size(), 1u);
  EXPECT_EQ(timers(153'002).size(), 1u);
  EXPECT_TRUE(timers(157'002).empty());
  net::mac_addr m;
  EXPECT_FALSE(stack_->arp().lookup(kPeerIp, m));
}

TEST_F(Arp, StaleEntriesNobodyUsesAgeOut) {
  learn_peer(0);
  timers(100'001);  // stale
  timers(200'001);  // unused for another reachable_us
  EXPECT_EQ(stack_->arp().size(), 0u);
  EXPECT_EQ(stack_->arp().counters().get(net::arp_table_counter::aged_out), 1u);
}

TEST_F(Arp, ReplyMakesAStaleEntryReachableAgain) {
  learn_peer(0);
  stack_->set_now(150'000);
  send_ip(ipv4_packet({.src = kGwIp, .dst = kPeerIp}, pattern(8)));
  EXPECT_EQ(timers(150'001).size(), 1u);  // probe
  feed(arp_frame(2, kGwMac, kPeerMac, kPeerIp, kGwMac, kGwIp), 150'100);
  net::arp_table::state st{};
  net::mac_addr m;
  ASSERT_TRUE(stack_->arp().lookup(kPeerIp, m, &st));
  EXPECT_EQ(st, net::arp_table::state::reachable);
  EXPECT_TRUE(timers(160'000).empty());
}

TEST(ArpTable, FullTableEvictsTheLeastRecentlyConfirmed) {
  net::arp_table t({.max_entries = 4});
  rte_mbuf* none[net::arp_table::kMaxPendingPerEntry];
  for (uint32_t i = 0; i < 4; ++i) ASSERT_GE(t.learn(100 + i, to_mac(kPeerMac), true, 10 + i, none), 0);
  ASSERT_GE(t.learn(200, to_mac(kPeerMac), true, 50, none), 0);
  net::mac_addr m;
  EXPECT_FALSE(t.lookup(100, m));  // oldest confirmation
  EXPECT_TRUE(t.lookup(101, m));
  EXPECT_TRUE(t.lookup(200, m));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.counters().get(net::arp_table_counter::evicted), 1u);
}

TEST(ArpTable, IndexSurvivesManyInsertsAndRemovals) {
  net::arp_table t({.max_entries = 64});
  rte_mbuf* none[net::arp_table::kMaxPendingPerEntry];
  uint32_t x = 7;
  std::vector<uint32_t> live;
  for (int round = 0; round < 5000; ++round) {
    x = x * 1103515245u + 12345u;
    const uint32_t ip = 0x0a000000 | (x >> 8 & 0xff);
    if ((x & 3) == 0) {
      t.remove(ip);
    } else {
      t.learn(ip, to_mac(kPeerMac), true, round, none);
    }
    net::mac_addr m;
    // Every address the table claims must be findable, and only those.
    uint32_t found = 0;
    for (uint32_t a = 0; a < 256; ++a) found += t.lookup(0x0a000000 | a, m);
    ASSERT_EQ(found, t.size()) << round;
  }
}

TEST_F(Arp, BogusMessagesAreCountedAndIgnored) {
  bytes wrong_htype = arp_frame(1, kBroadcast, kPeerMac, kPeerIp, {}, kGwIp);
  wrong_htype[15] = 6;
  EXPECT_TRUE(feed(wrong_htype).empty());
  EXPECT_EQ(arpc(arp_counter::not_ipv4_over_ether), 1u);

  bytes bad_op = arp_frame(9, kBroadcast, kPeerMac, kPeerIp, {}, kGwIp);
  EXPECT_TRUE(feed(bad_op).empty());
  EXPECT_EQ(arpc(arp_counter::bad_op), 1u);

  bytes truncated = arp_frame(1, kBroadcast, kPeerMac, kPeerIp, {}, kGwIp, false);
  truncated.resize(30);
  EXPECT_TRUE(feed(truncated).empty());
  EXPECT_EQ(arpc(arp_counter::too_short), 1u);

  const mac multicast = {0x01, 0, 0x5e, 0, 0, 1};
  bytes f = arp_frame(1, kBroadcast, multicast, kPeerIp, {}, kGwIp);
  f[6] = 0x02;  // a unicast Ethernet source, a multicast ARP sender
  EXPECT_TRUE(feed(f).empty());
  EXPECT_EQ(arpc(arp_counter::bogus_sender), 1u);

  EXPECT_TRUE(feed(arp_frame(1, kBroadcast, kPeerMac, kGwIp, {}, kGwIp)).empty());
  EXPECT_EQ(arpc(arp_counter::address_conflict), 1u);

  EXPECT_TRUE(feed(arp_frame(1, kBroadcast, kPeerMac, 0x0b000002, {}, kGwIp)).empty());
  EXPECT_EQ(arpc(arp_counter::not_our_subnet), 1u);
  EXPECT_EQ(stack_->arp().size(), 0u);
}

TEST_F(Arp, ProbeForOurAddressIsDefended) {
  auto out = feed(arp_frame(1, kBroadcast, kPeerMac, 0, {}, kGwIp));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arp_frame(2, kPeerMac, kGwMac, kGwIp, kPeerMac, 0));
  EXPECT_EQ(stack_->arp().size(), 0u);
}

class ArpSpeaker : public StackTest {
  void configure(net::iface_config& c) override {
    c.arp_speaker = true;
    c.gratuitous_count = 2;
    c.gratuitous_interval_us = 1000;
  }
};

TEST_F(ArpSpeaker, GratuitousAnnouncementsAtStart) {
  auto first = sent();  // start(0) in SetUp sent the first one
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], arp_frame(1, kBroadcast, kGwMac, kGwIp, {}, kGwIp));
  EXPECT_TRUE(timers(999).empty());
  EXPECT_EQ(timers(1000).size(), 1u);
  EXPECT_TRUE(timers(5000).empty());
  EXPECT_EQ(arpc(arp_counter::gratuitous_sent), 2u);
}

}  // namespace
}  // namespace sstpgw::test
