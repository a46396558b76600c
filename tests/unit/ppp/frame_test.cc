// PPP frame codec against hand-written frames: every ACFC/PFC combination, both
// directions, byte for byte.
#include "dataplane/ppp/frame.hh"

#include <gtest/gtest.h>

#include <vector>

namespace sstpgw::ppp {
namespace {

using bytes = std::vector<uint8_t>;

bytes frame(header_form f, uint16_t proto, const bytes& info) {
  bytes out(kMaxHeaderLength + info.size());
  out.resize(build_frame(out, f, proto, info));
  return out;
}

const bytes kIpv4Start = {0x45, 0x00, 0x00, 0x54};

TEST(PppFrameBuild, FullHeader) {
  EXPECT_EQ(frame({}, kProtoIpv4, kIpv4Start), (bytes{0xFF, 0x03, 0x00, 0x21, 0x45, 0x00, 0x00, 0x54}));
}

TEST(PppFrameBuild, AcfcOnly) {
  EXPECT_EQ(frame({.compress_address_control = true}, kProtoIpv4, kIpv4Start),
            (bytes{0x00, 0x21, 0x45, 0x00, 0x00, 0x54}));
}

TEST(PppFrameBuild, PfcOnly) {
  EXPECT_EQ(frame({.compress_protocol = true}, kProtoIpv4, kIpv4Start),
            (bytes{0xFF, 0x03, 0x21, 0x45, 0x00, 0x00, 0x54}));
}

TEST(PppFrameBuild, AcfcAndPfc) {
  EXPECT_EQ(frame({true, true}, kProtoIpv4, kIpv4Start), (bytes{0x21, 0x45, 0x00, 0x00, 0x54}));
  EXPECT_EQ(frame({true, true}, kProtoIpv6, {0x60}), (bytes{0x57, 0x60}));
}

TEST(PppFrameBuild, HighProtocolsNeverUseOneOctet) {
  EXPECT_EQ(frame({true, true}, kProtoIpcp, {0x01}), (bytes{0x80, 0x21, 0x01}));
  EXPECT_EQ(frame({true, true}, kProtoEap, {0x01}), (bytes{0xC2, 0x27, 0x01}));
}

TEST(PppFrameBuild, ProtocolFfIsNeverCompressed) {
  // One octet FF would be read back as the start of FF 03 (found by the fuzzer).
  const bytes wire = frame({true, true}, 0x00FF, {0x01});
  EXPECT_EQ(wire, (bytes{0x00, 0xFF, 0x01}));
  frame_view v;
  ASSERT_EQ(parse_frame(wire, v), parse_status::ok);
  EXPECT_EQ(v.header.protocol, 0x00FF);
}

TEST(PppFrameBuild, LcpAlwaysKeepsAddressAndControl) {
  // RFC 1661 §6.6: LCP packets are never sent with compressed address/control.
  EXPECT_EQ(frame({true, true}, kProtoLcp, {0x01, 0x01, 0x00, 0x04}),
            (bytes{0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04}));
  EXPECT_EQ(header_length({true, true}, kProtoLcp), 4u);
}

TEST(PppFrameBuild, HeaderLengthMatchesWrittenLength) {
  for (bool a : {false, true})
    for (bool p : {false, true})
      for (uint16_t proto : {kProtoIpv4, kProtoIpv6, kProtoLcp, kProtoIpcp, kProtoEap}) {
        header_form f{a, p};
        uint8_t buf[kMaxHeaderLength];
        EXPECT_EQ(write_header(buf, f, proto), header_length(f, proto));
      }
}

TEST(PppFrameBuild, PrependIntoHeadroom) {
  uint8_t buf[16] = {};
  uint8_t* payload = buf + 8;
  payload[0] = 0x45;
  uint8_t* start = prepend_header(payload, {}, kProtoIpv4);
  EXPECT_EQ(start, buf + 4);
  EXPECT_EQ(bytes(start, payload + 1), (bytes{0xFF, 0x03, 0x00, 0x21, 0x45}));
  start = prepend_header(payload, {true, true}, kProtoIpv4);
  EXPECT_EQ(start, buf + 7);
  EXPECT_EQ(bytes(start, payload + 1), (bytes{0x21, 0x45}));
}

TEST(PppFrameBuild, RefusesSmallBuffer) {
  uint8_t out[5];
  EXPECT_EQ(build_frame(out, {}, kProtoIpv4, kIpv4Start), 0u);
}

struct parse_case {
  bytes wire;
  uint16_t protocol;
  uint8_t header_length;
  bool had_ac;
  bool compressed;
};

TEST(PppFrameParse, AllHeaderForms) {
  const parse_case cases[] = {
      {{0xFF, 0x03, 0x00, 0x21, 0x45, 0x00}, kProtoIpv4, 4, true, false},
      {{0x00, 0x21, 0x45, 0x00}, kProtoIpv4, 2, false, false},
      {{0xFF, 0x03, 0x21, 0x45, 0x00}, kProtoIpv4, 3, true, true},
      {{0x21, 0x45, 0x00}, kProtoIpv4, 1, false, true},
      {{0xFF, 0x03, 0x00, 0x57, 0x60}, kProtoIpv6, 4, true, false},
      {{0x57, 0x60}, kProtoIpv6, 1, false, true},
      {{0xFF, 0x03, 0xC0, 0x21, 0x01}, kProtoLcp, 4, true, false},
      {{0xC0, 0x21, 0x01}, kProtoLcp, 2, false, false},
      {{0x80, 0x21, 0x01}, kProtoIpcp, 2, false, false},
      {{0xFF, 0x03, 0xC2, 0x27, 0x01}, kProtoEap, 4, true, false},
  };
  for (const auto& c : cases) {
    frame_view v;
    ASSERT_EQ(parse_frame(c.wire, v), parse_status::ok);
    EXPECT_EQ(v.header.protocol, c.protocol);
    EXPECT_EQ(v.header.length, c.header_length);
    EXPECT_EQ(v.header.had_address_control, c.had_ac);
    EXPECT_EQ(v.header.protocol_compressed, c.compressed);
    EXPECT_EQ(v.information.data(), c.wire.data() + c.header_length);
    EXPECT_EQ(v.information.size(), c.wire.size() - c.header_length);
  }
}

TEST(PppFrameParse, RoundTripsEveryForm) {
  const bytes info = {1, 2, 3, 4, 5};
  for (bool a : {false, true})
    for (bool p : {false, true})
      for (uint16_t proto :
           {kProtoIpv4, kProtoIpv6, kProtoLcp, kProtoIpcp, kProtoIpv6cp, kProtoEap, kProtoCcp}) {
        const bytes wire = frame({a, p}, proto, info);
        frame_view v;
        ASSERT_EQ(parse_frame(wire, v), parse_status::ok);
        EXPECT_EQ(v.header.protocol, proto);
        EXPECT_EQ(bytes(v.information.begin(), v.information.end()), info);
      }
}

TEST(PppFrameParse, EmptyInformationIsAllowed) {
  const bytes wire = {0xFF, 0x03, 0x00, 0x21};
  frame_view v;
  ASSERT_EQ(parse_frame(wire, v), parse_status::ok);
  EXPECT_TRUE(v.information.empty());
}

TEST(PppFrameParse, Truncated) {
  frame_view v;
  for (const bytes& wire :
       {bytes{}, bytes{0xFF}, bytes{0xFF, 0x03}, bytes{0xFF, 0x03, 0x00}, bytes{0x00}, bytes{0xC0}}) {
    EXPECT_EQ(parse_frame(wire, v), parse_status::truncated) << wire.size();
  }
}

TEST(PppFrameParse, BadAddressControl) {
  frame_view v;
  EXPECT_EQ(parse_frame(bytes{0xFF, 0x01, 0x00, 0x21}, v), parse_status::bad_address_control);
  EXPECT_EQ(parse_frame(bytes{0xFF, 0xFF}, v), parse_status::bad_address_control);
}

TEST(PppFrameParse, BadProtocolField) {
  frame_view v;
  EXPECT_EQ(parse_frame(bytes{0x00, 0x20, 0x00}, v), parse_status::bad_protocol);  // even low octet
  EXPECT_EQ(parse_frame(bytes{0x00, 0x00}, v), parse_status::bad_protocol);
  EXPECT_EQ(parse_frame(bytes{0xFF, 0x03, 0x01, 0x21}, v), parse_status::ok);  // 0x01 odd: PFC octet
  EXPECT_EQ(v.header.protocol, 0x0001);
  EXPECT_EQ(parse_frame(bytes{0x02, 0x21}, v), parse_status::ok);  // 0x0221: valid two-octet form
  EXPECT_EQ(parse_frame(bytes{0x02, 0x20}, v), parse_status::bad_protocol);
  EXPECT_EQ(counter_for(parse_status::bad_protocol), ppp_rx_counter::bad_protocol);
}

TEST(PppProtocol, Classify) {
  EXPECT_EQ(classify(kProtoIpv4), frame_class::ipv4);
  EXPECT_EQ(classify(kProtoIpv6), frame_class::ipv6);
  EXPECT_EQ(classify(kProtoLcp), frame_class::lcp);
  EXPECT_EQ(classify(kProtoIpcp), frame_class::ipcp);
  EXPECT_EQ(classify(kProtoIpv6cp), frame_class::ipv6cp);
  EXPECT_EQ(classify(kProtoEap), frame_class::eap);
  EXPECT_EQ(classify(kProtoCcp), frame_class::ccp);
  EXPECT_EQ(classify(0x002B), frame_class::other_network);  // IPX
  EXPECT_EQ(classify(0xC223), frame_class::other_control);  // CHAP
  EXPECT_FALSE(is_control(frame_class::ipv4));
  EXPECT_TRUE(is_control(frame_class::ipv6));
  EXPECT_TRUE(is_valid_protocol(kProtoLcp));
  EXPECT_FALSE(is_valid_protocol(0x0100 | 0x21));
}

}  // namespace
}  // namespace sstpgw::ppp
