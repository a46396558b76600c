#include "dataplane/sstp/packet.hh"

#include <gtest/gtest.h>

#include <vector>

#include "dataplane/sstp/ppp_frame_kind.hh"
#include "dataplane/sstp/rx_counters.hh"
#include "tests/support/hex.hh"

namespace sstpgw::sstp {
namespace {

using testing::from_hex;

TEST(SstpPacket, ParsesControlHeader) {
  auto b = from_hex("10 01 00 0E");
  packet_header h;
  ASSERT_EQ(parse_header(b, h), header_error::ok);
  EXPECT_TRUE(h.control);
  EXPECT_EQ(h.length, 14);
}

TEST(SstpPacket, ReservedBitsIgnoredOnReceive) {
  // 7 reserved bits of byte 1 and 4 above the length all set.
  auto b = from_hex("10 FE F0 5C");
  packet_header h;
  ASSERT_EQ(parse_header(b, h), header_error::ok);
  EXPECT_FALSE(h.control);
  EXPECT_EQ(h.length, 0x5C);
}

TEST(SstpPacket, RejectsOtherVersions) {
  for (uint8_t v : {0x00, 0x11, 0x20, 0x01, 0xFF}) {
    uint8_t b[] = {v, 0x01, 0x00, 0x08};
    packet_header h;
    EXPECT_EQ(parse_header(b, h), header_error::bad_version) << int(v);
  }
}

TEST(SstpPacket, RejectsLengthBelowHeader) {
  for (uint16_t len : {0, 1, 3, 0xF000, 0xF003}) {
    uint8_t b[] = {0x10, 0x00, uint8_t(len >> 8), uint8_t(len)};
    packet_header h;
    EXPECT_EQ(parse_header(b, h), header_error::bad_length) << len;
  }
}

TEST(SstpPacket, ShortInput) {
  auto b = from_hex("10 01 00");
  packet_header h;
  EXPECT_EQ(parse_header(b, h), header_error::short_input);
}

TEST(SstpPacket, WriteHeaderZeroesReservedBits) {
  uint8_t b[4] = {0xff, 0xff, 0xff, 0xff};
  write_header(b, true, 4095);
  EXPECT_EQ(std::vector<uint8_t>(b, b + 4), from_hex("10 01 0F FF"));
  write_header(b, false, 0x5C);
  EXPECT_EQ(std::vector<uint8_t>(b, b + 4), from_hex("10 00 00 5C"));
}

TEST(SstpPacket, ParsePacketNeedsExactLength) {
  auto b = from_hex("10 01 00 08 00 08 00 00");
  packet_view v;
  ASSERT_EQ(parse_packet(b, v), header_error::ok);
  EXPECT_TRUE(v.control);
  EXPECT_EQ(v.payload().size(), 4u);
  b.push_back(0);
  EXPECT_EQ(parse_packet(b, v), header_error::bad_length);
}

TEST(SstpPacket, PrependDataHeaderInPlace) {
  // The sstp-client issue #9 trace starts "10 00 00 5C FF 03 00 21 45".
  std::vector<uint8_t> buf(4 + 0x58, 0xAA);  // 4 bytes of headroom, then the PPP frame
  buf[4] = 0xFF;
  buf[5] = 0x03;
  buf[6] = 0x00;
  buf[7] = 0x21;
  buf[8] = 0x45;
  uint8_t* start = prepend_data_header(buf.data() + 4, 0x58);
  ASSERT_EQ(start, buf.data());
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + 9), from_hex("10 00 00 5C FF 03 00 21 45"));
  packet_view v;
  ASSERT_EQ(parse_packet(buf, v), header_error::ok);
  EXPECT_FALSE(v.control);
  EXPECT_EQ(v.payload().data(), buf.data() + 4);
}

TEST(SstpPacket, PrependRefusesFramesOverTheLengthField) {
  std::vector<uint8_t> buf(4 + 4092, 0xAA);
  EXPECT_EQ(prepend_data_header(buf.data() + 4, 4092), nullptr);
  EXPECT_EQ(buf[0], 0xAA);  // nothing written
  EXPECT_NE(prepend_data_header(buf.data() + 4, 4091), nullptr);
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + 4), from_hex("10 00 0F FF"));
}

TEST(SstpPacket, BuildDataPacketCopies) {
  auto ppp = from_hex("FF 03 C0 21 01 01 00 04");
  std::vector<uint8_t> out(64);
  size_t n = build_data_packet(out, ppp);
  ASSERT_EQ(n, 12u);
  out.resize(n);
  EXPECT_EQ(out, from_hex("10 00 00 0C FF 03 C0 21 01 01 00 04"));
  std::vector<uint8_t> small(11);
  EXPECT_EQ(build_data_packet(small, ppp), 0u);
}

TEST(PppFrameKind, UncompressedForms) {
  auto lcp = classify_ppp_frame(from_hex("FF 03 C0 21 01"));
  EXPECT_EQ(lcp.kind, ppp_frame_kind::control);
  EXPECT_EQ(lcp.protocol, kPppLcp);
  EXPECT_EQ(lcp.header_size, 4u);
  auto ip = classify_ppp_frame(from_hex("FF 03 00 21 45 00"));
  EXPECT_EQ(ip.kind, ppp_frame_kind::data);
  EXPECT_EQ(ip.protocol, kPppIpv4);
  auto ip6 = classify_ppp_frame(from_hex("FF 03 00 57 60"));
  EXPECT_EQ(ip6.kind, ppp_frame_kind::data);
  auto ipcp = classify_ppp_frame(from_hex("FF 03 80 21 01"));
  EXPECT_EQ(ipcp.kind, ppp_frame_kind::control);
  auto eap = classify_ppp_frame(from_hex("FF 03 C2 27 01"));
  EXPECT_EQ(eap.kind, ppp_frame_kind::control);
}

TEST(PppFrameKind, AcfcAndPfcForms) {
  auto acfc = classify_ppp_frame(from_hex("00 21 45"));  // no FF 03
  EXPECT_EQ(acfc.kind, ppp_frame_kind::data);
  EXPECT_EQ(acfc.header_size, 2u);
  auto pfc = classify_ppp_frame(from_hex("21 45"));  // 1-byte protocol
  EXPECT_EQ(pfc.kind, ppp_frame_kind::data);
  EXPECT_EQ(pfc.protocol, kPppIpv4);
  EXPECT_EQ(pfc.header_size, 1u);
  auto both = classify_ppp_frame(from_hex("FF 03 21 45"));
  EXPECT_EQ(both.kind, ppp_frame_kind::data);
  EXPECT_EQ(both.header_size, 3u);
  auto ctl = classify_ppp_frame(from_hex("C0 21 01"));
  EXPECT_EQ(ctl.kind, ppp_frame_kind::control);
}

TEST(PppFrameKind, Malformed) {
  EXPECT_EQ(classify_ppp_frame({}).kind, ppp_frame_kind::malformed);
  EXPECT_EQ(classify_ppp_frame(from_hex("FF")).kind, ppp_frame_kind::malformed);
  EXPECT_EQ(classify_ppp_frame(from_hex("FF 04 00 21")).kind, ppp_frame_kind::malformed);
  EXPECT_EQ(classify_ppp_frame(from_hex("FF 03")).kind, ppp_frame_kind::malformed);
  EXPECT_EQ(classify_ppp_frame(from_hex("00 20")).kind, ppp_frame_kind::malformed);  // low octet even
  EXPECT_EQ(classify_ppp_frame(from_hex("C0")).kind, ppp_frame_kind::malformed);
}

TEST(SstpRxCounters, FramingErrorsCounted) {
  counter_set<rx_counter> c;
  count_header_error(c, header_error::bad_version);
  count_header_error(c, header_error::bad_length);
  count_header_error(c, header_error::short_input);
  EXPECT_EQ(c.get(rx_counter::bad_version), 1u);
  EXPECT_EQ(c.get(rx_counter::bad_length), 1u);
  EXPECT_STREQ(c.infos()[0].name, "bad_version");
}

}  // namespace
}  // namespace sstpgw::sstp
