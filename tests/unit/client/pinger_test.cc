// The built-in ping: request layout and checksums, reply matching, loss and
// duplicates, and when it is done.
#include "control/client/pinger.hh"

#include <gtest/gtest.h>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/inet_checksum.hh"
#include "tests/unit/client/stand_in_gateway.hh"

namespace sstpgw::client {
namespace {

using namespace std::chrono_literals;
using testing::answer_echo_request;

const ipv4_address kSrc = ipv4_address::from_octets(172, 16, 201, 2);
const ipv4_address kDst = ipv4_address::from_octets(10, 1, 0, 10);

TEST(EchoRequest, Layout) {
  const uint8_t payload[4] = {1, 2, 3, 4};
  const std::vector<uint8_t> p = build_echo_request(kSrc, kDst, 0x1234, 7, payload);
  ASSERT_EQ(p.size(), 20u + 8u + 4u);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(load_be16(p.data() + 2), p.size());
  EXPECT_EQ(p[8], 64);
  EXPECT_EQ(p[9], 1);
  EXPECT_EQ(load_be32(p.data() + 12), kSrc.value);
  EXPECT_EQ(load_be32(p.data() + 16), kDst.value);
  EXPECT_EQ(net::inet_checksum(p.data(), 20), 0) << "IPv4 header checksum";
  EXPECT_EQ(p[20], 8) << "echo request";
  EXPECT_EQ(p[21], 0);
  EXPECT_EQ(load_be16(p.data() + 24), 0x1234);
  EXPECT_EQ(load_be16(p.data() + 26), 7);
  EXPECT_EQ(net::inet_checksum(p.data() + 20, 12), 0) << "ICMP checksum";
  EXPECT_EQ(p[31], 4);
}

// RFC 1071 by hand on a tiny message: type 8, code 0, id 1, seq 1, no data:
// words 0x0800 + 0x0001 + 0x0001 = 0x0802, complement 0xF7FD.
TEST(EchoRequest, ChecksumKnownAnswer) {
  const std::vector<uint8_t> p = build_echo_request(kSrc, kDst, 1, 1, {});
  EXPECT_EQ(load_be16(p.data() + 22), 0xF7FD);
}

TEST(EchoReply, ParsesTheAnswer) {
  const uint8_t payload[8] = {9, 8, 7, 6, 5, 4, 3, 2};
  const auto reply = answer_echo_request(build_echo_request(kSrc, kDst, 42, 3, payload));
  ASSERT_TRUE(reply);
  const auto r = parse_echo_reply(*reply);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->from, kDst);
  EXPECT_EQ(r->id, 42);
  EXPECT_EQ(r->seq, 3);
  EXPECT_EQ(r->icmp_bytes, 16u);
  EXPECT_EQ(r->payload, std::vector<uint8_t>(std::begin(payload), std::end(payload)));
}

TEST(EchoReply, RefusesBadChecksumsAndOtherPackets) {
  const auto reply = *answer_echo_request(build_echo_request(kSrc, kDst, 42, 3, {}));
  auto bad_icmp = reply;
  bad_icmp[24] ^= 1;
  EXPECT_FALSE(parse_echo_reply(bad_icmp));
  auto bad_ip = reply;
  bad_ip[8] ^= 1;
  EXPECT_FALSE(parse_echo_reply(bad_ip));
  EXPECT_FALSE(parse_echo_reply(build_echo_request(kSrc, kDst, 42, 3, {}))) << "a request is no reply";
  EXPECT_FALSE(parse_echo_reply(std::span<const uint8_t>(reply).first(27)));
  auto fragment = reply;
  store_be16(fragment.data() + 6, 0x2000);
  store_be16(fragment.data() + 10, 0);
  store_be16(fragment.data() + 10, net::inet_checksum(fragment.data(), 20));
  EXPECT_FALSE(parse_echo_reply(fragment));
}

TEST(Pinger, SendsOnScheduleAndMatchesReplies) {
  const sessions::time_point t0{std::chrono::seconds(100)};
  pinger p(kSrc, kDst, 3, 1000ms, 99, t0);
  auto first = p.due(t0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(p.due(t0 + 500ms).empty());
  EXPECT_EQ(p.next_deadline(), t0 + 1000ms);
  const auto line = p.on_packet(*answer_echo_request(first[0]), t0 + 2ms);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "64 bytes from 10.1.0.10: icmp_seq=1 ttl=64 time=2.000 ms");
  EXPECT_EQ(p.received(), 1u);
  auto rest = p.due(t0 + 2500ms);
  ASSERT_EQ(rest.size(), 1u) << "late timers never burst";
  rest = p.due(t0 + 3500ms);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(p.sent(), 3u);
  EXPECT_FALSE(p.done(t0 + 3500ms));
  EXPECT_TRUE(p.on_packet(*answer_echo_request(rest[0]), t0 + 3501ms));
  EXPECT_FALSE(p.done(t0 + 3600ms));
  EXPECT_TRUE(p.done(t0 + 3500ms + kPingReplyWait));
  EXPECT_FALSE(p.all_replied());
  EXPECT_EQ(p.summary().rfind("3 packets transmitted, 2 received, 33% packet loss, rtt min/avg/max = ", 0),
            0u)
      << p.summary();
}

TEST(Pinger, IgnoresOtherIdentifiersAndSources) {
  const sessions::time_point t0{std::chrono::seconds(100)};
  pinger p(kSrc, kDst, 1, 1000ms, 99, t0);
  p.due(t0);
  EXPECT_FALSE(p.on_packet(*answer_echo_request(build_echo_request(kSrc, kDst, 98, 1, {})), t0));
  EXPECT_FALSE(p.on_packet(*answer_echo_request(build_echo_request(kSrc, kSrc, 99, 1, {})), t0));
  EXPECT_FALSE(p.on_packet(*answer_echo_request(build_echo_request(kSrc, kDst, 99, 2, {})), t0))
      << "never sent";
  EXPECT_EQ(p.received(), 0u);
}

TEST(Pinger, DuplicateIsReportedNotCounted) {
  const sessions::time_point t0{std::chrono::seconds(100)};
  pinger p(kSrc, kDst, 1, 1000ms, 99, t0);
  const auto req = p.due(t0);
  const auto reply = *answer_echo_request(req[0]);
  EXPECT_TRUE(p.on_packet(reply, t0));
  const auto dup = p.on_packet(reply, t0);
  ASSERT_TRUE(dup);
  EXPECT_NE(dup->find("DUP!"), std::string::npos);
  EXPECT_EQ(p.received(), 1u);
  EXPECT_TRUE(p.all_replied());
  EXPECT_TRUE(p.done(t0));
  EXPECT_EQ(p.next_deadline(), sessions::kNoDeadline);
}

}  // namespace
}  // namespace sstpgw::client
