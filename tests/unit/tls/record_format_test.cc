// The pure record helpers against the RFC text (values worked out by hand).
#include "dataplane/tls/record_format.hh"

#include <gtest/gtest.h>

#include "tests/support/hex.hh"

namespace sstpgw::tls {
namespace {

using sstpgw::testing::from_hex;

TEST(RecordFormat, HeaderRoundTrip) {
  uint8_t h[kHeaderLen];
  write_header(h, content_type::application_data, 0x1234);
  EXPECT_EQ(to_hex(h, 5), "1703031234");
  const record_header r = parse_header(h);
  EXPECT_EQ(r.type, 23);
  EXPECT_EQ(r.version, 0x0303);
  EXPECT_EQ(r.length, 0x1234);
}

TEST(RecordFormat, RoomAndLengths) {
  EXPECT_EQ(header_room(protocol_version::tls12), 13u);
  EXPECT_EQ(header_room(protocol_version::tls13), 5u);
  EXPECT_EQ(tail_room(protocol_version::tls12), 16u);
  EXPECT_EQ(tail_room(protocol_version::tls13), 17u);
  // 1.2: explicit nonce + content + tag; 1.3: content + type + tag.
  EXPECT_EQ(ciphertext_length(protocol_version::tls12, 100), 124u);
  EXPECT_EQ(ciphertext_length(protocol_version::tls13, 100), 117u);
  EXPECT_EQ(ciphertext_length(protocol_version::tls13, kMaxPlaintext), kMaxPlaintext + 17);
  EXPECT_LE(ciphertext_length(protocol_version::tls13, kMaxPlaintext), kMaxTls13Ciphertext);
  EXPECT_LE(ciphertext_length(protocol_version::tls12, kMaxPlaintext), kMaxTls12Ciphertext);
  EXPECT_EQ(aead_payload_length(protocol_version::tls13, 0), 1u);
  EXPECT_EQ(aead_payload_length(protocol_version::tls12, 0), 0u);
}

TEST(RecordFormat, Tls13NonceIsIvXorPaddedSequence) {
  const auto iv = from_hex("5b78923dee08579033e523d9");
  uint8_t n[kIvLen];
  tls13_nonce(iv.data(), 0, n);
  EXPECT_EQ(to_hex(n, kIvLen), "5b78923dee08579033e523d9");
  tls13_nonce(iv.data(), 1, n);
  EXPECT_EQ(to_hex(n, kIvLen), "5b78923dee08579033e523d8");
  tls13_nonce(iv.data(), 0x0102030405060708ULL, n);
  EXPECT_EQ(to_hex(n, kIvLen), "5b78923def0a549436e324d1");
}

TEST(RecordFormat, Tls12NonceAndAad) {
  const auto salt = from_hex("a1a2a3a4");
  const auto expl = from_hex("0000000000000007");
  uint8_t n[kIvLen];
  tls12_nonce(salt.data(), expl.data(), n);
  EXPECT_EQ(to_hex(n, kIvLen), "a1a2a3a40000000000000007");
  uint8_t aad[kTls12AadLen];
  tls12_aad(7, 23, 0x0303, 0x0100, aad);
  EXPECT_EQ(to_hex(aad, kTls12AadLen), "00000000000000071703030100");
}

record_header hdr(uint8_t type, uint16_t version, uint16_t length) { return {type, version, length}; }

TEST(RecordFormat, Tls13HeaderChecks) {
  const auto v = protocol_version::tls13;
  EXPECT_FALSE(check_header(v, hdr(23, 0x0303, 17)));
  EXPECT_FALSE(check_header(v, hdr(23, 0x0301, 100)));  // legacy_record_version is ignored
  EXPECT_FALSE(check_header(v, hdr(23, 0x0303, kMaxTls13Ciphertext)));
  EXPECT_EQ(check_header(v, hdr(23, 0x0303, kMaxTls13Ciphertext + 1)), alert_description::record_overflow);
  EXPECT_EQ(check_header(v, hdr(21, 0x0303, 20)), alert_description::unexpected_message);
  EXPECT_EQ(check_header(v, hdr(20, 0x0303, 1)), alert_description::unexpected_message);
  EXPECT_EQ(check_header(v, hdr(99, 0x0303, 20)), alert_description::unexpected_message);
  EXPECT_EQ(check_header(v, hdr(23, 0x0303, 0)), alert_description::bad_record_mac);
  EXPECT_EQ(check_header(v, hdr(23, 0x0303, 15)), alert_description::bad_record_mac);
  EXPECT_FALSE(check_header(v, hdr(23, 0x0303, 16)));  // authenticates, then has no type
}

TEST(RecordFormat, Tls12HeaderChecks) {
  const auto v = protocol_version::tls12;
  EXPECT_FALSE(check_header(v, hdr(23, 0x0303, 24)));
  EXPECT_FALSE(check_header(v, hdr(21, 0x0303, 26)));
  EXPECT_FALSE(check_header(v, hdr(22, 0x0303, 100)));
  EXPECT_FALSE(check_header(v, hdr(23, 0x0303, kMaxTls12Ciphertext)));
  EXPECT_EQ(check_header(v, hdr(23, 0x0303, kMaxTls12Ciphertext + 1)), alert_description::record_overflow);
  EXPECT_EQ(check_header(v, hdr(20, 0x0303, 1)), alert_description::unexpected_message);
  EXPECT_EQ(check_header(v, hdr(24, 0x0303, 30)), alert_description::unexpected_message);  // heartbeat
  EXPECT_EQ(check_header(v, hdr(23, 0x0302, 30)), alert_description::protocol_version);
  EXPECT_EQ(check_header(v, hdr(23, 0x0303, 23)), alert_description::bad_record_mac);
}

TEST(RecordFormat, Tls13ContentLengthStripsPadding) {
  const uint8_t a[] = {'h', 'i', 23};
  EXPECT_EQ(tls13_content_length(a, 3), 2u);
  const uint8_t b[] = {'h', 'i', 22, 0, 0, 0};
  EXPECT_EQ(tls13_content_length(b, 6), 2u);
  const uint8_t c[] = {0, 0, 23, 0};  // zeros inside the content are content
  EXPECT_EQ(tls13_content_length(c, 4), 2u);
  const uint8_t d[] = {0, 0, 0};
  EXPECT_FALSE(tls13_content_length(d, 3));
  EXPECT_FALSE(tls13_content_length(d, 0));
}

TEST(RecordFormat, SequenceNumberNeverWraps) {
  sequence_number s{UINT64_MAX - 1, false};
  uint64_t n = 0;
  ASSERT_TRUE(s.take(n));
  EXPECT_EQ(n, UINT64_MAX - 1);
  ASSERT_TRUE(s.take(n));
  EXPECT_EQ(n, UINT64_MAX);
  EXPECT_TRUE(s.exhausted);
  EXPECT_FALSE(s.take(n));
  EXPECT_FALSE(s.take(n));
}

}  // namespace
}  // namespace sstpgw::tls
