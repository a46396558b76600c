// Reassembly of fragments addressed to us: in order, out of order, overlapping,
// duplicated, timed out, beyond each bound; and a large ping answered.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/net/stack_fixture.hh"

namespace sstpgw::test {
namespace {

using net::reassembly_counter;

class Reassembly : public StackTest {
 protected:
  void configure(net::iface_config& c) override {
    c.reassembly.max_datagrams = 3;
    c.reassembly.max_fragments = 6;
    c.reassembly.max_size = 4000;
    c.reassembly.timeout_us = 1000;
  }
  // A TCP segment big enough to need `n` fragments of 512 bytes.
  static bytes segment(size_t payload) { return tcp_segment(40000, 443, payload); }
  void feed_all(const std::vector<bytes>& frames, uint64_t now = 1) {
    for (const auto& f : frames) feed(f, now);
  }
};

TEST_F(Reassembly, InOrderFragmentsBecomeOneDatagramForTcp) {
  const bytes l4 = segment(1480);
  const ip_fields f{.id = 1, .protocol = 6};
  feed_all(fragment_frames(f, l4, 512));
  ASSERT_EQ(tcp_.pkts.size(), 1u);
  rte_mbuf* d = tcp_.pkts[0];
  EXPECT_EQ(d->nb_segs, 3);
  EXPECT_EQ(d->l3_len, 20);
  EXPECT_EQ(mbuf_bytes(d), ipv4_packet({.id = 1, .protocol = 6}, l4));  // header rewritten, checksum valid
  EXPECT_EQ(reasmc(reassembly_counter::reassembled), 1u);
  EXPECT_EQ(stack_->reassembly().held(), 0u);
}

TEST_F(Reassembly, OutOfOrderFragmentsAreReassembled) {
  const bytes l4 = segment(1480);
  auto frames = fragment_frames({.id = 2, .protocol = 6}, l4, 512);
  std::reverse(frames.begin(), frames.end());
  feed_all(frames);
  ASSERT_EQ(tcp_.pkts.size(), 1u);
  EXPECT_EQ(mbuf_bytes(tcp_.pkts[0]), ipv4_packet({.id = 2, .protocol = 6}, l4));
}

TEST_F(Reassembly, OverlappingFragmentDropsTheWholeDatagram) {
  const bytes l4 = segment(1480);
  auto a = fragment_frames({.id = 3, .protocol = 6}, l4, 512);
  auto b = fragment_frames({.id = 3, .protocol = 6}, l4, 256);  // b[1] covers 256..511
  feed(a[0]);
  feed(b[1]);
  EXPECT_EQ(reasmc(reassembly_counter::overlap), 1u);
  EXPECT_EQ(stack_->reassembly().in_progress(), 0u);
  feed(a[1]);
  feed(a[2]);  // the rest cannot complete a datagram without its first part
  EXPECT_TRUE(tcp_.pkts.empty());
}

TEST_F(Reassembly, ExactDuplicateIsDroppedAloneAndTheDatagramCompletes) {
  const bytes l4 = segment(1480);
  auto a = fragment_frames({.id = 4, .protocol = 6}, l4, 512);
  feed(a[0]);
  feed(a[0]);
  feed(a[1]);
  feed(a[2]);
  EXPECT_EQ(reasmc(reassembly_counter::duplicate), 1u);
  ASSERT_EQ(tcp_.pkts.size(), 1u);
}

TEST_F(Reassembly, IncompleteDatagramTimesOut) {
  auto a = fragment_frames({.id = 5, .protocol = 6}, segment(1480), 512);
  feed(a[0], 100);
  timers(1099);
  EXPECT_EQ(stack_->reassembly().in_progress(), 1u);
  timers(1100);
  EXPECT_EQ(stack_->reassembly().in_progress(), 0u);
  EXPECT_EQ(reasmc(reassembly_counter::timeout), 1u);
  feed(a[1], 1200);
  feed(a[2], 1200);
  EXPECT_TRUE(tcp_.pkts.empty());
}

TEST_F(Reassembly, TooManyDatagramsEvictsTheOldest) {
  const bytes l4 = segment(1480);
  std::vector<std::vector<bytes>> d;
  for (uint16_t id = 10; id < 14; ++id) d.push_back(fragment_frames({.id = id, .protocol = 6}, l4, 512));
  for (int i = 0; i < 4; ++i) feed(d[i][0], 10 + i);  // 4 datagrams, 3 slots
  EXPECT_EQ(reasmc(reassembly_counter::too_many_datagrams), 1u);
  EXPECT_EQ(stack_->reassembly().in_progress(), 3u);
  feed(d[0][1]);
  feed(d[0][2]);  // id 10 was evicted: no datagram
  EXPECT_TRUE(tcp_.pkts.empty());
  feed(d[3][1]);
  feed(d[3][2]);
  EXPECT_EQ(tcp_.pkts.size(), 1u);
}

TEST_F(Reassembly, TooManyFragmentsDropsTheDatagram) {
  auto a = fragment_frames({.id = 6, .protocol = 6}, segment(1480), 200 / 8 * 8);  // 8 fragments, limit 6
  feed_all(a);
  EXPECT_EQ(reasmc(reassembly_counter::too_many_fragments), 1u);
  EXPECT_TRUE(tcp_.pkts.empty());
}

TEST_F(Reassembly, DatagramBeyondTheSizeLimitIsDropped) {
  auto a = fragment_frames({.id = 7, .protocol = 6}, segment(5000), 1480);
  feed_all(a);
  EXPECT_GE(reasmc(reassembly_counter::too_big), 1u);
  EXPECT_TRUE(tcp_.pkts.empty());
  EXPECT_EQ(stack_->reassembly().held(), 0u);
}

TEST_F(Reassembly, FragmentWithLengthNotAMultipleOfEightIsDropped) {
  auto a = fragment_frames({.id = 8, .protocol = 6}, segment(1480), 512);
  // Rebuild the first fragment with 100 payload bytes and MF.
  const bytes l4 = segment(1480);
  feed(frame(kGwMac, kPeerMac,
             ipv4_packet({.id = 8, .frag = 0x2000, .protocol = 6}, bytes(l4.begin(), l4.begin() + 100))));
  EXPECT_EQ(reasmc(reassembly_counter::bad_fragment), 1u);
}

TEST_F(Reassembly, FragmentReachingPastTheIpv4LimitIsDropped) {
  feed(frame(kGwMac, kPeerMac, ipv4_packet({.id = 9, .frag = 0x1fff, .protocol = 6}, pattern(64))));
  EXPECT_EQ(reasmc(reassembly_counter::bad_fragment), 1u);
}

TEST_F(Reassembly, LargePingIsReassembledAndTheReplyFragmented) {
  learn_peer();
  const bytes msg = icmp_message(8, 0, 0x99, 1, pattern(3000, 5));
  auto frames = fragment_frames({.id = 20, .protocol = 1}, msg, 1480);
  ASSERT_EQ(frames.size(), 3u);
  std::vector<bytes> out;
  for (const auto& f : frames) {
    auto o = feed(f);
    out.insert(out.end(), o.begin(), o.end());
  }
  ASSERT_EQ(out.size(), 3u);  // the reply, fragmented to our MTU
  bytes reply;
  for (const auto& f : out) reply.insert(reply.end(), f.begin() + 34, f.end());
  EXPECT_EQ(reply, icmp_message(0, 0, 0x99, 1, pattern(3000, 5)));
}

TEST_F(Reassembly, ReplyToAReassembledSmallPingIsOneSegment) {
  learn_peer();
  const bytes msg = icmp_message(8, 0, 0x77, 3, pattern(1000, 2));
  std::vector<bytes> out;
  for (const auto& f : fragment_frames({.id = 21, .protocol = 1}, msg, 256)) {
    auto o = feed(f);
    out.insert(out.end(), o.begin(), o.end());
  }
  ASSERT_EQ(out.size(), 1u);  // within the MTU: not fragmented
  EXPECT_EQ(bytes(out[0].begin() + 34, out[0].end()), icmp_message(0, 0, 0x77, 3, pattern(1000, 2)));
  EXPECT_EQ(ipc(net::ipv4_counter::linearized), 1u);  // the fixture's port takes no chains
}

}  // namespace
}  // namespace sstpgw::test
