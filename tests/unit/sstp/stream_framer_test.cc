#include "dataplane/sstp/stream_framer.hh"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tests/support/hex.hh"

namespace sstpgw::sstp {
namespace {

using testing::from_hex;
using packets = std::vector<std::vector<uint8_t>>;

// A stream of packets of varied sizes: the 14-byte CONNECT_REQUEST, an echo, a
// 4-byte empty data packet, a data packet, and one of the maximum 4095 bytes.
std::vector<uint8_t> sample_stream(packets& expect) {
  expect.clear();
  expect.push_back(from_hex("10 01 00 0E 00 01 00 01 00 01 00 06 00 01"));
  expect.push_back(from_hex("10 01 00 08 00 08 00 00"));
  expect.push_back(from_hex("10 00 00 04"));
  expect.push_back(from_hex("10 00 00 0C FF 03 C0 21 01 01 00 04"));
  std::vector<uint8_t> big(4095, 0x5A);
  big[0] = 0x10;
  big[1] = 0x00;
  big[2] = 0x0F;
  big[3] = 0xFF;
  expect.push_back(big);
  std::vector<uint8_t> stream;
  for (auto& p : expect) stream.insert(stream.end(), p.begin(), p.end());
  return stream;
}

// Feeds `stream` cut at `cuts` (sorted offsets) and collects the packets.
frame_status run(stream_framer& f, const std::vector<uint8_t>& stream, const std::vector<size_t>& cuts,
                 packets& got) {
  size_t prev = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  for (size_t end : ends) {
    std::span<const uint8_t> in(stream.data() + prev, end - prev);
    prev = end;
    for (;;) {
      std::span<const uint8_t> pkt;
      auto st = f.next(in, pkt);
      if (st == frame_status::invalid) return st;
      if (st == frame_status::need_more) {
        EXPECT_TRUE(in.empty());
        break;
      }
      got.emplace_back(pkt.begin(), pkt.end());
    }
  }
  return frame_status::need_more;
}

TEST(StreamFramer, WholeStreamInOnePiece) {
  packets expect, got;
  auto stream = sample_stream(expect);
  stream_framer f;
  EXPECT_EQ(run(f, stream, {}, got), frame_status::need_more);
  EXPECT_EQ(got, expect);
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(StreamFramer, ZeroCopyWhenWhole) {
  auto pkt = from_hex("10 01 00 08 00 08 00 00");
  stream_framer f;
  std::span<const uint8_t> in(pkt);
  std::span<const uint8_t> out;
  ASSERT_EQ(f.next(in, out), frame_status::packet);
  EXPECT_EQ(out.data(), pkt.data());
  EXPECT_TRUE(in.empty());
}

TEST(StreamFramer, EverySingleSplitPoint) {
  packets expect;
  auto stream = sample_stream(expect);
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    stream_framer f;
    packets got;
    ASSERT_EQ(run(f, stream, {cut}, got), frame_status::need_more);
    ASSERT_EQ(got, expect) << "cut at " << cut;
  }
}

TEST(StreamFramer, ByteAtATime) {
  packets expect, got;
  auto stream = sample_stream(expect);
  std::vector<size_t> cuts;
  for (size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  stream_framer f;
  EXPECT_EQ(run(f, stream, cuts, got), frame_status::need_more);
  EXPECT_EQ(got, expect);
}

TEST(StreamFramer, RandomSplits) {
  packets expect;
  auto stream = sample_stream(expect);
  std::mt19937 rng(1234);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> cuts;
    for (size_t at = 0;;) {
      at += 1 + rng() % 40;
      if (at >= stream.size()) break;
      cuts.push_back(at);
    }
    stream_framer f;
    packets got;
    ASSERT_EQ(run(f, stream, cuts, got), frame_status::need_more);
    ASSERT_EQ(got, expect) << "round " << round;
  }
}

TEST(StreamFramer, BadVersionFailsAtFirstByte) {
  stream_framer f;
  auto bytes = from_hex("20");
  std::span<const uint8_t> in(bytes), pkt;
  EXPECT_EQ(f.next(in, pkt), frame_status::invalid);
  EXPECT_EQ(f.error(), header_error::bad_version);
  // Sticky: a later valid packet is not accepted.
  auto good = from_hex("10 01 00 08 00 08 00 00");
  std::span<const uint8_t> in2(good);
  EXPECT_EQ(f.next(in2, pkt), frame_status::invalid);
}

TEST(StreamFramer, BadVersionAfterGoodPacket) {
  auto bytes = from_hex("10 01 00 08 00 08 00 00  11 01 00 08 00 08 00 00");
  stream_framer f;
  packets got;
  EXPECT_EQ(run(f, bytes, {5, 9}, got), frame_status::invalid);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(f.error(), header_error::bad_version);
}

TEST(StreamFramer, LengthBelowFourIsInvalidEvenWhenSplit) {
  auto bytes = from_hex("10 01 00 03");
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    stream_framer f;
    packets got;
    std::vector<size_t> cuts;
    if (cut) cuts.push_back(cut);
    EXPECT_EQ(run(f, bytes, cuts, got), frame_status::invalid) << cut;
    EXPECT_EQ(f.error(), header_error::bad_length);
  }
}

TEST(StreamFramer, ReservedLengthBitsDoNotBreakFraming) {
  // Upper 4 bits of the length word set: masked to 8.
  auto bytes = from_hex("10 01 F0 08 00 08 00 00  10 00 00 04");
  stream_framer f;
  packets got;
  EXPECT_EQ(run(f, bytes, {3}, got), frame_status::need_more);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].size(), 8u);
}

TEST(StreamFramer, HoldsIncompletePacket) {
  auto bytes = from_hex("10 01 00 0E 00 01");
  stream_framer f;
  std::span<const uint8_t> in(bytes), pkt;
  EXPECT_EQ(f.next(in, pkt), frame_status::need_more);
  EXPECT_EQ(f.buffered(), 6u);
}

}  // namespace
}  // namespace sstpgw::sstp
