#include "dataplane/sstp/messages.hh"

#include <gtest/gtest.h>

#include <vector>

#include "dataplane/sstp/control_message.hh"
#include "tests/support/hex.hh"

namespace sstpgw::sstp {
namespace {

using testing::from_hex;

// The SHA-256 CALL_CONNECTED of MS-SSTP 4.7 (sstp-cmac-vectors.txt), MAC included.
const char* kSpecCallConnected =
    "10010070 00040001 00030068 00000002"
    "412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435"
    "7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D"
    "52A68EFD8CFFBF52770B8F0FE8EC73716583AF6D611EB6D179B3B20840985449";
const char* kSpecNonce = "412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435";

template <size_t N>
std::array<uint8_t, N> arr(const char* hex) {
  auto v = from_hex(hex);
  std::array<uint8_t, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

control_message must_parse(const std::vector<uint8_t>& pkt) {
  control_message m;
  EXPECT_EQ(parse_control_message(pkt, m), control_error::ok);
  return m;
}

std::vector<uint8_t> built(size_t n, std::vector<uint8_t>& buf) {
  buf.resize(n);
  return buf;
}

TEST(SstpMessages, CallConnectRequestIsSpecBytes) {
  std::vector<uint8_t> buf(64);
  size_t n = build_call_connect_request(buf);
  ASSERT_EQ(n, kCallConnectRequestSize);
  EXPECT_EQ(built(n, buf), from_hex("10 01 00 0E 00 01 00 01 00 01 00 06 00 01"));
  auto m = must_parse(buf);
  auto v = check_call_connect_request(m);
  EXPECT_TRUE(v.acceptable);
  EXPECT_EQ(v.protocol_id, kEncapsulatedProtocolPpp);
  EXPECT_EQ(v.problems.count, 0u);
}

TEST(SstpMessages, CallConnectAckLayout) {
  crypto_binding_req req{.hash_bitmask = kHashSha256, .nonce = arr<32>(kSpecNonce)};
  std::vector<uint8_t> buf(64);
  size_t n = build_call_connect_ack(buf, req);
  ASSERT_EQ(n, kCallConnectAckSize);
  EXPECT_EQ(built(n, buf), from_hex(std::string("10 01 00 30 00 02 00 01 00 04 00 28 00 00 00 02") + kSpecNonce));
  crypto_binding_req back;
  ASSERT_TRUE(parse_call_connect_ack(must_parse(buf), back));
  EXPECT_EQ(back.hash_bitmask, kHashSha256);
  EXPECT_EQ(back.nonce, req.nonce);
}

TEST(SstpMessages, CallConnectedIsSpecBytes) {
  crypto_binding b{
      .hash_protocol = kHashSha256,
      .nonce = arr<32>(kSpecNonce),
      .cert_hash = arr<32>("7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D"),
      .compound_mac = arr<32>("52A68EFD8CFFBF52770B8F0FE8EC73716583AF6D611EB6D179B3B20840985449"),
  };
  std::vector<uint8_t> buf(200);
  size_t n = build_call_connected(buf, b);
  ASSERT_EQ(n, kCallConnectedSize);
  EXPECT_EQ(built(n, buf), from_hex(kSpecCallConnected));
  crypto_binding back;
  ASSERT_TRUE(parse_call_connected(must_parse(buf), back));
  EXPECT_EQ(back.hash_protocol, kHashSha256);
  EXPECT_EQ(back.nonce, b.nonce);
  EXPECT_EQ(back.cert_hash, b.cert_hash);
  EXPECT_EQ(back.compound_mac, b.compound_mac);
  // The MAC field sits where the crypto binding code zeroes it.
  EXPECT_EQ(buf[kCallConnectedMacOffset], 0x52);
  EXPECT_EQ(buf[kCallConnectedHashProtocolOffset], kHashSha256);
}

TEST(SstpMessages, CallConnectedSha1VectorParses) {
  auto pkt = from_hex(
      "10010070 00040001 00030068 00000001"
      "0F1A2D58D4A3E3000FAD3CE4906E07B707AA9E441CCEAC5CBD7B2CC1C9D86CDF"
      "5826B629BDA59B8E6FD8DCD2622FD34C534805A5 000000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000");
  crypto_binding b;
  ASSERT_TRUE(parse_call_connected(must_parse(pkt), b));
  EXPECT_EQ(b.hash_protocol, kHashSha1);
  EXPECT_EQ(b.cert_hash[19], 0xA5);
  EXPECT_EQ(b.cert_hash[20], 0x00);
}

TEST(SstpMessages, NakWithStatusInfo) {
  const uint8_t bad_value[] = {0x00, 0x02};
  status_info s{static_cast<uint8_t>(attribute_id::encapsulated_protocol_id), status::value_not_supported,
                bad_value};
  std::vector<uint8_t> buf(64);
  size_t n = build_call_connect_nak(buf, {&s, 1});
  EXPECT_EQ(built(n, buf), from_hex("10 01 00 16 00 03 00 01 00 02 00 0E 00 00 00 01 00 00 00 04 00 02"));
  status_info_list list;
  ASSERT_TRUE(parse_call_connect_nak(must_parse(buf), list));
  ASSERT_EQ(list.count, 1u);
  EXPECT_EQ(list.items[0].attrib_id, 0x01);
  EXPECT_EQ(list.items[0].code, status::value_not_supported);
  EXPECT_EQ(std::vector<uint8_t>(list.items[0].value.begin(), list.items[0].value.end()), from_hex("0002"));
}

TEST(SstpMessages, NakNeedsAtLeastOneStatus) {
  std::vector<uint8_t> buf(64);
  EXPECT_EQ(build_call_connect_nak(buf, {}), 0u);
  auto pkt = from_hex("10 01 00 08 00 03 00 00");
  status_info_list list;
  EXPECT_FALSE(parse_call_connect_nak(must_parse(pkt), list));
}

TEST(SstpMessages, AbortWithAndWithoutStatus) {
  status_info s{0, status::negotiation_timeout, {}};
  std::vector<uint8_t> buf(64);
  size_t n = build_call_abort(buf, &s);
  EXPECT_EQ(built(n, buf), from_hex("10 01 00 14 00 05 00 01 00 02 00 0C 00 00 00 00 00 00 00 08"));
  status_info back;
  bool has = false;
  ASSERT_TRUE(parse_call_abort(must_parse(buf), back, has));
  EXPECT_TRUE(has);
  EXPECT_EQ(back.code, status::negotiation_timeout);

  buf.assign(64, 0);
  n = build_call_abort(buf, nullptr);
  EXPECT_EQ(built(n, buf), from_hex("10 01 00 08 00 05 00 00"));
  ASSERT_TRUE(parse_call_abort(must_parse(buf), back, has));
  EXPECT_FALSE(has);
}

TEST(SstpMessages, DisconnectRoundTrip) {
  status_info s{0, status::no_error, {}};
  std::vector<uint8_t> buf(64);
  size_t n = build_call_disconnect(buf, &s);
  EXPECT_EQ(built(n, buf), from_hex("10 01 00 14 00 06 00 01 00 02 00 0C 00 00 00 00 00 00 00 00"));
  status_info back;
  bool has = false;
  ASSERT_TRUE(parse_call_disconnect(must_parse(buf), back, has));
  EXPECT_TRUE(has);
  EXPECT_FALSE(parse_call_abort(must_parse(buf), back, has));  // wrong type
}

TEST(SstpMessages, EmptyMessages) {
  struct {
    message_type t;
    const char* hex;
  } cases[] = {
      {message_type::call_disconnect_ack, "10 01 00 08 00 07 00 00"},
      {message_type::echo_request, "10 01 00 08 00 08 00 00"},
      {message_type::echo_response, "10 01 00 08 00 09 00 00"},
  };
  for (auto& c : cases) {
    std::vector<uint8_t> buf(8);
    size_t n = build_empty_message(buf, c.t);
    ASSERT_EQ(n, kEmptyControlSize);
    EXPECT_EQ(buf, from_hex(c.hex));
    EXPECT_TRUE(parse_empty_message(must_parse(buf), c.t));
  }
  std::vector<uint8_t> small(7);
  EXPECT_EQ(build_empty_message(small, message_type::echo_request), 0u);
}

TEST(SstpMessages, StatusValueCappedWhenBuilt) {
  std::vector<uint8_t> big(200, 0x77);
  status_info s{2, status::invalid_frame_received, big};
  std::vector<uint8_t> buf(512);
  size_t n = build_call_abort(buf, &s);
  EXPECT_EQ(n, kControlHeaderSize + kStatusInfoAttrMinSize + kMaxStatusValueSize);
}

TEST(SstpMessages, BuildersFailOnSmallBuffers) {
  std::vector<uint8_t> buf(13);
  EXPECT_EQ(build_call_connect_request(buf), 0u);
  buf.resize(47);
  EXPECT_EQ(build_call_connect_ack(buf, {}), 0u);
  buf.resize(111);
  EXPECT_EQ(build_call_connected(buf, {}), 0u);
}

// ---- generic control parsing ----

TEST(SstpControl, RejectsDataPacket) {
  control_message m;
  EXPECT_EQ(parse_control_message(from_hex("10 00 00 08 00 08 00 00"), m), control_error::not_control);
}

TEST(SstpControl, RejectsShortControl) {
  control_message m;
  EXPECT_EQ(parse_control_message(from_hex("10 01 00 06 00 08"), m), control_error::too_short);
}

TEST(SstpControl, RejectsLengthMismatch) {
  control_message m;
  EXPECT_EQ(parse_control_message(from_hex("10 01 00 09 00 08 00 00"), m), control_error::not_control);
}

TEST(SstpControl, RejectsTruncatedAttributeHeader) {
  control_message m;
  EXPECT_EQ(parse_control_message(from_hex("10 01 00 0A 00 01 00 01 00 01"), m),
            control_error::attribute_truncated);
}

TEST(SstpControl, RejectsAttributeRunningPastEnd) {
  control_message m;
  EXPECT_EQ(parse_control_message(from_hex("10 01 00 0E 00 01 00 01 00 01 00 07 00 01"), m),
            control_error::attribute_truncated);
}

TEST(SstpControl, RejectsAttributeShorterThanItsHeader) {
  control_message m;
  EXPECT_EQ(parse_control_message(from_hex("10 01 00 0E 00 01 00 01 00 01 00 03 00 01"), m),
            control_error::attribute_too_short);
}

TEST(SstpControl, RejectsCountMismatch) {
  control_message m;
  EXPECT_EQ(parse_control_message(from_hex("10 01 00 0E 00 01 00 02 00 01 00 06 00 01"), m),
            control_error::attribute_count);
  EXPECT_EQ(parse_control_message(from_hex("10 01 00 0E 00 01 00 00 00 01 00 06 00 01"), m),
            control_error::attribute_count);
}

TEST(SstpControl, AttributeLengthReservedBitsIgnored) {
  auto pkt = from_hex("10 01 00 0E 00 01 00 01 FF 01 F0 06 00 01");
  control_message m;
  ASSERT_EQ(parse_control_message(pkt, m), control_error::ok);
  EXPECT_TRUE(check_call_connect_request(m).acceptable);
}

TEST(SstpControl, UnknownMessageTypeStillWalks) {
  auto pkt = from_hex("10 01 00 08 00 42 00 00");
  control_message m;
  ASSERT_EQ(parse_control_message(pkt, m), control_error::ok);
  EXPECT_FALSE(is_known_message_type(m.type));
}

// ---- CALL_CONNECT_REQUEST judgement (3.3.5.2.2) ----

connect_request_verdict judge(const char* hex) {
  auto pkt = from_hex(hex);
  control_message m;
  EXPECT_EQ(parse_control_message(pkt, m), control_error::ok);
  return check_call_connect_request(m);
}

TEST(SstpConnectRequest, WrongProtocolIsValueNotSupported) {
  auto v = judge("10 01 00 0E 00 01 00 01 00 01 00 06 00 02");
  EXPECT_FALSE(v.acceptable);
  ASSERT_EQ(v.problems.count, 1u);
  EXPECT_EQ(v.problems.items[0].code, status::value_not_supported);
  EXPECT_EQ(v.problems.items[0].attrib_id, 0x01);
}

TEST(SstpConnectRequest, MissingProtocolIsRequiredAttributeMissing) {
  auto v = judge("10 01 00 08 00 01 00 00");
  EXPECT_FALSE(v.acceptable);
  ASSERT_EQ(v.problems.count, 1u);
  EXPECT_EQ(v.problems.items[0].code, status::required_attribute_missing);
}

TEST(SstpConnectRequest, DuplicateProtocol) {
  auto v = judge("10 01 00 14 00 01 00 02 00 01 00 06 00 01 00 01 00 06 00 01");
  EXPECT_FALSE(v.acceptable);
  ASSERT_EQ(v.problems.count, 1u);
  EXPECT_EQ(v.problems.items[0].code, status::duplicate_attribute);
}

TEST(SstpConnectRequest, WrongValueLength) {
  auto v = judge("10 01 00 0F 00 01 00 01 00 01 00 07 00 01 00");
  EXPECT_FALSE(v.acceptable);
  ASSERT_GE(v.problems.count, 1u);
  EXPECT_EQ(v.problems.items[0].code, status::invalid_attrib_value_length);
}

TEST(SstpConnectRequest, ErrorStatusInfoNotSupported) {
  auto v = judge("10 01 00 1A 00 01 00 02 00 01 00 06 00 01  00 02 00 0C 00 00 00 00 00 00 00 07");
  EXPECT_FALSE(v.acceptable);
  ASSERT_EQ(v.problems.count, 1u);
  EXPECT_EQ(v.problems.items[0].attrib_id, 0x02);
  EXPECT_EQ(v.problems.items[0].code, status::status_info_not_supported_in_msg);
}

TEST(SstpConnectRequest, NoErrorStatusInfoAccepted) {
  auto v = judge("10 01 00 1A 00 01 00 02 00 01 00 06 00 01  00 02 00 0C 00 00 00 00 00 00 00 00");
  EXPECT_TRUE(v.acceptable);
}

TEST(SstpConnectRequest, UnknownAndMisplacedAttributes) {
  auto v = judge("10 01 00 16 00 01 00 03 00 01 00 06 00 01  00 09 00 04  00 04 00 04");
  EXPECT_FALSE(v.acceptable);
  ASSERT_EQ(v.problems.count, 2u);
  EXPECT_EQ(v.problems.items[0].code, status::unrecognized_attribute);
  EXPECT_EQ(v.problems.items[0].attrib_id, 0x09);
  EXPECT_EQ(v.problems.items[1].code, status::attrib_not_supported_in_msg);
  EXPECT_EQ(v.problems.items[1].attrib_id, 0x04);
}

TEST(SstpConnectRequest, ProblemListIsBounded) {
  std::vector<uint8_t> pkt = from_hex("10 01 00 00 00 01 00 00");
  const size_t n = 40;
  for (size_t i = 0; i < n; ++i) {
    auto a = from_hex("00 77 00 04");
    pkt.insert(pkt.end(), a.begin(), a.end());
  }
  pkt[2] = static_cast<uint8_t>(pkt.size() >> 8);
  pkt[3] = static_cast<uint8_t>(pkt.size());
  pkt[7] = static_cast<uint8_t>(n);
  auto v = check_call_connect_request(must_parse(pkt));
  EXPECT_FALSE(v.acceptable);
  EXPECT_EQ(v.problems.count, status_info_list::kCapacity);
  EXPECT_EQ(v.problems.dropped, n + 1 - status_info_list::kCapacity);  // + missing protocol
}

TEST(SstpMessages, StrictSizesOnParse) {
  // A CRYPTO_BINDING one byte short inside an otherwise valid CALL_CONNECTED.
  auto pkt = from_hex(kSpecCallConnected);
  pkt.pop_back();
  pkt[3] = 0x6F;
  pkt[11] = 0x67;
  crypto_binding b;
  EXPECT_FALSE(parse_call_connected(must_parse(pkt), b));
  // An ACK with two attributes.
  auto ack = from_hex(std::string("10 01 00 34 00 02 00 02 00 04 00 28 00 00 00 03") + kSpecNonce + "00 01 00 04");
  crypto_binding_req r;
  EXPECT_FALSE(parse_call_connect_ack(must_parse(ack), r));
  // An echo with an attribute.
  auto echo = from_hex("10 01 00 0C 00 08 00 01 00 01 00 04");
  EXPECT_FALSE(parse_empty_message(must_parse(echo), message_type::echo_request));
}

}  // namespace
}  // namespace sstpgw::sstp
