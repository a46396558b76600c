// ICMP echo reply byte for byte (checksums recomputed by the test's own RFC 1071),
// checksum failures, and received errors counted.
#include <gtest/gtest.h>

#include "tests/unit/net/stack_fixture.hh"

namespace sstpgw::test {
namespace {

using net::icmp_counter;

class Icmp : public StackTest {};

TEST_F(Icmp, EchoReplyIsByteExact) {
  learn_peer();
  const bytes data = pattern(56, 3);
  auto out = feed(
      frame(kGwMac, kPeerMac, ipv4_packet({.id = 0x1111, .ttl = 17}, icmp_message(8, 0, 0x4242, 7, data))));
  ASSERT_EQ(out.size(), 1u);
  // Expected: our header (ID 1 = the first ID of worker 0 of 1, TTL 64, no DF),
  // type 0 with the request's identifier, sequence and data.
  const bytes expected = frame(kPeerMac, kGwMac,
                               ipv4_packet({.id = 1, .ttl = 64, .protocol = 1, .src = kGwIp, .dst = kPeerIp},
                                           icmp_message(0, 0, 0x4242, 7, data)));
  EXPECT_EQ(out[0], expected);
  EXPECT_EQ(rfc1071(out[0].data() + 34, out[0].size() - 34), 0);
}

TEST_F(Icmp, EchoRequestWithOptionsGetsAPlainHeader) {
  learn_peer();
  const bytes msg = icmp_message(8, 0, 1, 2, pattern(8));
  auto out = feed(frame(kGwMac, kPeerMac, ipv4_packet({.ihl_words = 6}, msg)));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][14], 0x45);
  EXPECT_EQ(out[0].size(), 14u + 20 + msg.size());
  EXPECT_EQ(rfc1071(out[0].data() + 14, 20), 0);
  EXPECT_EQ(rfc1071(out[0].data() + 34, msg.size()), 0);
}

TEST_F(Icmp, BadIcmpChecksumIsDropped) {
  learn_peer();
  bytes msg = icmp_message(8, 0, 1, 2, pattern(8));
  msg[5] ^= 1;
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, ipv4_packet({}, msg))).empty());
  EXPECT_EQ(icmpc(icmp_counter::bad_checksum), 1u);
}

TEST_F(Icmp, TruncatedIcmpIsDropped) {
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, ipv4_packet({}, bytes{8, 0, 0, 0}))).empty());
  EXPECT_EQ(icmpc(icmp_counter::too_short), 1u);
}

TEST_F(Icmp, ReceivedErrorsAreCounted) {
  const bytes quoted = ipv4_packet({.protocol = 6, .src = kGwIp, .dst = kPeerIp}, pattern(8));
  feed(frame(kGwMac, kPeerMac, ipv4_packet({}, icmp_message(3, 3, 0, 0, quoted))));
  feed(frame(kGwMac, kPeerMac, ipv4_packet({}, icmp_message(11, 0, 0, 0, quoted))));
  feed(frame(kGwMac, kPeerMac, ipv4_packet({}, icmp_message(12, 0, 0, 0, quoted))));
  feed(frame(kGwMac, kPeerMac, ipv4_packet({}, icmp_message(5, 1, 0, 0, quoted))));
  feed(frame(kGwMac, kPeerMac, ipv4_packet({}, icmp_message(0, 0, 0, 0, {}))));
  feed(frame(kGwMac, kPeerMac, ipv4_packet({}, icmp_message(42, 0, 0, 0, {}))));
  EXPECT_EQ(icmpc(icmp_counter::dest_unreachable), 1u);
  EXPECT_EQ(icmpc(icmp_counter::time_exceeded), 1u);
  EXPECT_EQ(icmpc(icmp_counter::param_problem), 1u);
  EXPECT_EQ(icmpc(icmp_counter::redirect), 1u);
  EXPECT_EQ(icmpc(icmp_counter::echo_replies), 1u);
  EXPECT_EQ(icmpc(icmp_counter::other_type), 1u);
  EXPECT_TRUE(sent().empty());
}

}  // namespace
}  // namespace sstpgw::test
