// IPv4 input validation (each failure its own test), delivery to TCP, output
// routing and fragmentation, and ICMP echo/unreachable byte for byte.
#include "dataplane/net/ipv4.hh"

#include <gtest/gtest.h>

#include "tests/unit/net/stack_fixture.hh"

namespace sstpgw::test {
namespace {

using net::icmp_counter;
using net::ipv4_counter;

class Ipv4 : public StackTest {};

bytes echo_ip(const ip_fields& f = {}, size_t data = 56) {
  return ipv4_packet(f, icmp_message(8, 0, 0x4242, 1, pattern(data)));
}

TEST_F(Ipv4, ValidEchoRequestIsAnswered) {
  learn_peer();
  EXPECT_EQ(feed(frame(kGwMac, kPeerMac, echo_ip())).size(), 1u);
  EXPECT_EQ(icmpc(icmp_counter::echo_replies_sent), 1u);
}

TEST_F(Ipv4, BadHeaderChecksumIsDropped) {
  learn_peer();
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, echo_ip({.bad_checksum = true}))).empty());
  EXPECT_EQ(ipc(ipv4_counter::bad_checksum), 1u);
}

TEST_F(Ipv4, PortFlaggedBadChecksumIsDropped) {
  learn_peer();
  rte_mbuf* m = mbuf_of(frame(kGwMac, kPeerMac, echo_ip()));
  m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
  stack_->input(&m, 1, 1);
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(ipc(ipv4_counter::bad_checksum), 1u);
}

TEST_F(Ipv4, HeaderLengthBelowTwentyIsDropped) {
  bytes ip = echo_ip();
  ip[0] = 0x44;  // IHL 4 (16 bytes)
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, ip)).empty());
  EXPECT_EQ(ipc(ipv4_counter::bad_ihl), 1u);
}

TEST_F(Ipv4, HeaderLengthBeyondThePacketIsDropped) {
  bytes ip = ipv4_packet({.ihl_words = 5, .total_length = 20}, {});
  ip[0] = 0x4f;  // 60-byte header in a 20-byte packet (frame padding is not header)
  bytes f = ether(kGwMac, kPeerMac, 0x0800);
  f.insert(f.end(), ip.begin(), ip.end());
  EXPECT_TRUE(feed(f).empty());
  EXPECT_EQ(ipc(ipv4_counter::bad_ihl), 1u);
}

TEST_F(Ipv4, ShortPacketIsDropped) {
  bytes f = ether(kGwMac, kPeerMac, 0x0800);
  bytes ip = echo_ip();
  f.insert(f.end(), ip.begin(), ip.begin() + 12);
  EXPECT_TRUE(feed(f).empty());
  EXPECT_EQ(ipc(ipv4_counter::too_short), 1u);
}

TEST_F(Ipv4, WrongVersionIsDropped) {
  bytes ip = echo_ip();
  ip[0] = 0x65;
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, ip)).empty());
  EXPECT_EQ(ipc(ipv4_counter::bad_version), 1u);
}

TEST_F(Ipv4, TotalLengthBeyondTheFrameIsDropped) {
  ip_fields f;
  f.total_length = 200;  // 84 bytes present
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, echo_ip(f))).empty());
  EXPECT_EQ(ipc(ipv4_counter::bad_total_length), 1u);
}

TEST_F(Ipv4, TotalLengthBelowTheHeaderIsDropped) {
  ip_fields f;
  f.total_length = 19;
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, echo_ip(f))).empty());
  EXPECT_EQ(ipc(ipv4_counter::bad_total_length), 1u);
}

TEST_F(Ipv4, EthernetPaddingIsTrimmedBeforeTcp) {
  const bytes ip = ipv4_packet({.protocol = 6}, tcp_segment(40000, 443));  // 40 bytes
  auto f = frame(kGwMac, kPeerMac, ip);
  ASSERT_EQ(f.size(), 60u);  // padded
  feed(f);
  ASSERT_EQ(tcp_.pkts.size(), 1u);
  EXPECT_EQ(mbuf_bytes(tcp_.pkts[0]), ip);  // data at the IPv4 header, trimmed
  EXPECT_EQ(tcp_.pkts[0]->l3_len, 20);
  EXPECT_EQ(ipc(ipv4_counter::tcp), 1u);
}

TEST_F(Ipv4, TcpRefusedBySinkIsFreedAndCounted) {
  tcp_.limit = 0;
  feed(frame(kGwMac, kPeerMac, ipv4_packet({.protocol = 6}, tcp_segment(40000, 443))));
  EXPECT_EQ(ipc(ipv4_counter::tcp_refused), 1u);
}

TEST_F(Ipv4, PacketForAnotherAddressIsDropped) {
  EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, echo_ip({.dst = 0x0a000063}))).empty());
  EXPECT_EQ(ipc(ipv4_counter::not_for_us), 1u);
}

TEST_F(Ipv4, BroadcastAndMulticastDestinationsAreDropped) {
  feed(frame(kGwMac, kPeerMac, echo_ip({.dst = 0x0a0000ff})));
  feed(frame(kGwMac, kPeerMac, echo_ip({.dst = 0xffffffff})));
  EXPECT_EQ(ipc(ipv4_counter::broadcast), 2u);
  feed(frame(kGwMac, kPeerMac, echo_ip({.dst = 0xe0000001})));
  EXPECT_EQ(ipc(ipv4_counter::multicast), 1u);
}

TEST_F(Ipv4, MartianSourcesAreDropped) {
  for (uint32_t src : {kGwIp, 0u, 0x7f000001u, 0xe0000001u, 0xffffffffu, 0x0a0000ffu})
    EXPECT_TRUE(feed(frame(kGwMac, kPeerMac, echo_ip({.src = src}))).empty()) << std::hex << src;
  EXPECT_EQ(ipc(ipv4_counter::martian_source), 6u);
}

TEST_F(Ipv4, FramesForAnotherMacOrMulticastAreDropped) {
  feed(frame(kRouterMac, kPeerMac, echo_ip()));
  feed(frame({0x01, 0, 0x5e, 0, 0, 1}, kPeerMac, echo_ip()));
  feed(frame(kGwMac, kGwMac, echo_ip()));
  EXPECT_EQ(stack_->ether_counters().get(net::ether_counter::not_our_mac), 1u);
  EXPECT_EQ(stack_->ether_counters().get(net::ether_counter::multicast), 1u);
  EXPECT_EQ(stack_->ether_counters().get(net::ether_counter::looped), 1u);
}

TEST_F(Ipv4, TtlOneAndZeroForUsAreAcceptedNotForwarded) {
  learn_peer();
  EXPECT_EQ(feed(frame(kGwMac, kPeerMac, echo_ip({.ttl = 1}))).size(), 1u);
  EXPECT_EQ(feed(frame(kGwMac, kPeerMac, echo_ip({.ttl = 0}))).size(), 1u);
  EXPECT_EQ(ipc(ipv4_counter::ttl_zero), 1u);
}

TEST_F(Ipv4, UdpGetsRateLimitedPortUnreachable) {
  learn_peer();
  bytes udp = {0x30, 0x39, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'p', 'i', 'n', 'g'};
  const bytes ip = ipv4_packet({.protocol = 17}, udp);
  auto out = feed(frame(kGwMac, kPeerMac, ip));
  ASSERT_EQ(out.size(), 1u);
  const bytes& r = out[0];
  ASSERT_EQ(r.size(), 14u + 20 + 8 + 28);
  EXPECT_EQ(r[14 + 9], 1);  // ICMP
  EXPECT_EQ(r[34], 3);      // destination unreachable
  EXPECT_EQ(r[35], 3);      // port unreachable
  EXPECT_EQ(rfc1071(r.data() + 14, 20), 0);
  EXPECT_EQ(rfc1071(r.data() + 34, r.size() - 34), 0);
  EXPECT_EQ(bytes(r.begin() + 42, r.end()), bytes(ip.begin(), ip.begin() + 28));  // header + 8
  // The bucket holds 10: a flood gets 10 answers at one instant.
  for (int i = 0; i < 20; ++i) feed(frame(kGwMac, kPeerMac, ip));
  EXPECT_EQ(icmpc(icmp_counter::unreachable_sent), 10u);
  EXPECT_EQ(icmpc(icmp_counter::unreachable_rate_limited), 11u);
}

TEST_F(Ipv4, OffSubnetOutputWithoutGatewayHasNoRoute) {
  EXPECT_EQ(send_ip(ipv4_packet({.src = kGwIp, .dst = kRemoteIp}, pattern(8))).size(), 0u);
  EXPECT_EQ(ipc(ipv4_counter::no_route), 1u);
}

class Ipv4WithGateway : public StackTest {
  void configure(net::iface_config& c) override { c.gateway = kRouterIp; }
};

TEST_F(Ipv4WithGateway, SourceIsOursForReachableDestinations) {
  EXPECT_EQ(stack_->source_for(kPeerIp), kGwIp);
  EXPECT_EQ(stack_->source_for(kRemoteIp), kGwIp);
}

TEST_F(Ipv4, NoSourceWithoutARoute) {
  EXPECT_EQ(stack_->source_for(kPeerIp), kGwIp);
  EXPECT_EQ(stack_->source_for(kRemoteIp), 0u);
}

TEST_F(Ipv4WithGateway, OffSubnetOutputResolvesTheGatewayMac) {
  const bytes p = ipv4_packet({.src = kGwIp, .dst = kRemoteIp}, pattern(40));
  auto out = send_ip(p);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arp_frame(1, kBroadcast, kGwMac, kGwIp, {}, kRouterIp));
  out = feed(arp_frame(2, kGwMac, kRouterMac, kRouterIp, kGwMac, kGwIp));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame(kRouterMac, kGwMac, p));
}

TEST_F(Ipv4, OutputAboveMtuWithDfIsDropped) {
  learn_peer();
  EXPECT_TRUE(send_ip(ipv4_packet({.frag = 0x4000, .src = kGwIp, .dst = kPeerIp}, pattern(1600))).empty());
  EXPECT_EQ(ipc(ipv4_counter::df_too_big), 1u);
}

TEST_F(Ipv4, OutputAboveMtuIsFragmentedAndFragmentsRebuildThePacket) {
  learn_peer();
  const bytes payload = pattern(3000, 9);
  auto out = send_ip(ipv4_packet({.id = 77, .protocol = 17, .src = kGwIp, .dst = kPeerIp}, payload));
  ASSERT_EQ(out.size(), 3u);
  bytes rebuilt;
  for (size_t i = 0; i < out.size(); ++i) {
    const bytes& f = out[i];
    ASSERT_LE(f.size() - 14, 1500u);
    EXPECT_EQ(rfc1071(f.data() + 14, 20), 0);
    const uint16_t fr = load_be16(f.data() + 14 + 6);
    EXPECT_EQ((fr & 0x1fff) * 8u, rebuilt.size());
    EXPECT_EQ((fr & 0x2000) != 0, i + 1 < out.size());
    EXPECT_EQ(load_be16(f.data() + 14 + 4), 77);
    rebuilt.insert(rebuilt.end(), f.begin() + 34, f.end());
  }
  EXPECT_EQ(rebuilt, payload);
}

TEST(Ipv4Header, CheckParsesFields) {
  const bytes ip = ipv4_packet({.tos = 4, .id = 9, .frag = 0x2001, .ttl = 3, .protocol = 6}, pattern(16));
  net::ipv4_info h;
  ASSERT_EQ(net::check_ipv4(ip.data(), ip.size(), ip.size(), true, h), net::ipv4_check::ok);
  EXPECT_EQ(h.header_len, 20);
  EXPECT_EQ(h.total_length, 36);
  EXPECT_EQ(h.id, 9);
  EXPECT_TRUE(h.more_fragments());
  EXPECT_EQ(h.fragment_offset(), 8u);
  EXPECT_EQ(h.ttl, 3);
  EXPECT_EQ(h.src, kPeerIp);
  EXPECT_EQ(h.dst, kGwIp);
}

TEST(Ipv4Header, WrittenHeaderHasAValidChecksum) {
  uint8_t b[20];
  net::write_ipv4_header(b, {.total_length = 100, .id = 5, .protocol = 6, .src = kGwIp, .dst = kPeerIp});
  EXPECT_EQ(rfc1071(b, 20), 0);
  EXPECT_EQ(b[0], 0x45);
}

}  // namespace
}  // namespace sstpgw::test
