// Record mechanics as tiny pure functions, kTLS-style: header, AAD, nonce,
// length limits, TLS 1.3 padding, sequence numbers. No state, no crypto.
//
//   TLS 1.2 AES-GCM (RFC 5246 §6.2.3.3, RFC 5288 §3):
//     record  = header(5) ‖ explicit_nonce(8) ‖ ciphertext ‖ tag(16)
//     nonce   = salt(4, from the key block) ‖ explicit_nonce(8); we send seq there
//     aad     = seq(8) ‖ type(1) ‖ version(2) ‖ plaintext length(2)
//   TLS 1.3 (RFC 8446 §5.2-5.3):
//     record  = header(5: 23, 0x0303, length) ‖ AEAD(content ‖ type ‖ zeros) ‖ tag(16)
//     nonce   = iv XOR (seq as 64-bit big endian, left-padded to 12 bytes)
//     aad     = the 5-byte header
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "dataplane/common/byte_order.hh"
#include "dataplane/tls/alerts.hh"
#include "dataplane/tls/keys.hh"

namespace sstpgw::tls {

enum class content_type : uint8_t {
  invalid = 0,
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

inline constexpr uint16_t kLegacyRecordVersion = 0x0303;  // every TLS 1.2/1.3 protected record
inline constexpr size_t kHeaderLen = 5;
inline constexpr size_t kMaxPlaintext = size_t{1} << 14;              // RFC 8446 §5.1, RFC 5246 §6.2.1
inline constexpr size_t kMaxTls13Ciphertext = kMaxPlaintext + 256;    // RFC 8446 §5.2
inline constexpr size_t kMaxTls12Ciphertext = kMaxPlaintext + 2048;   // RFC 5246 §6.2.3
inline constexpr size_t kMaxTls13InnerPlaintext = kMaxPlaintext + 1;  // content ‖ type (+ padding)
// The largest record either version accepts: what a reader may have to buffer.
inline constexpr size_t kMaxRecordLen = kHeaderLen + kMaxTls12Ciphertext;
inline constexpr size_t kTls12AadLen = 13;
inline constexpr size_t kTls13AadLen = kHeaderLen;
inline constexpr size_t kAlertLen = 2;
static_assert(kTls12SaltLen + kTls12ExplicitNonceLen == kIvLen);

struct record_header {
  uint8_t type = 0;  // raw: may be a value we do not know
  uint16_t version = 0;
  uint16_t length = 0;  // of what follows the header
};

inline record_header parse_header(const uint8_t* p) {
  return {p[0], load_be16(p + 1), load_be16(p + 3)};
}

inline void write_header(uint8_t* p, content_type type, uint16_t length) {
  p[0] = static_cast<uint8_t>(type);
  store_be16(p + 1, kLegacyRecordVersion);
  store_be16(p + 3, length);
}

// Bytes before the plaintext (header, TLS 1.2 explicit nonce) and after it
// (TLS 1.3 inner type, tag) that a sealed record adds.
constexpr size_t header_room(protocol_version v) {
  return kHeaderLen + (v == protocol_version::tls12 ? kTls12ExplicitNonceLen : 0);
}
constexpr size_t tail_room(protocol_version v) {
  return kTagLen + (v == protocol_version::tls13 ? 1 : 0);
}
constexpr size_t record_overhead(protocol_version v) { return header_room(v) + tail_room(v); }
// The header's length field for a record carrying plaintext_len bytes (no padding).
constexpr size_t ciphertext_length(protocol_version v, size_t plaintext_len) {
  return plaintext_len + record_overhead(v) - kHeaderLen;
}
// Length of the AEAD input (what is encrypted): content, plus the type in 1.3.
constexpr size_t aead_payload_length(protocol_version v, size_t plaintext_len) {
  return plaintext_len + (v == protocol_version::tls13 ? 1 : 0);
}

// Checks a received header of a protected record after the handshake, before
// any decryption. Returns the fatal alert to send, or nothing if acceptable.
//  - TLS 1.3: outer type must be application_data (RFC 8446 §5: post-handshake
//    CCS or an unprotected record is an unexpected record type); the version is
//    ignored (§5.1) but authenticated as part of the AAD.
//  - TLS 1.2: alert, handshake or application_data (a post-handshake CCS or a
//    heartbeat we never negotiated is unexpected); version must be 0x0303.
//  - Too long: record_overflow. Too short to hold the explicit nonce and the
//    tag: the AEAD cannot succeed, so bad_record_mac (RFC 8446 §5.2 "If the
//    decryption fails"; RFC 5246 §7.2.2 bad_record_mac), as OpenSSL answers.
inline std::optional<alert_description> check_header(protocol_version v, const record_header& h) {
  if (v == protocol_version::tls13) {
    if (h.type != static_cast<uint8_t>(content_type::application_data))
      return alert_description::unexpected_message;
    if (h.length > kMaxTls13Ciphertext) return alert_description::record_overflow;
    if (h.length < kTagLen) return alert_description::bad_record_mac;
    return std::nullopt;
  }
  if (h.type != static_cast<uint8_t>(content_type::alert) &&
      h.type != static_cast<uint8_t>(content_type::handshake) &&
      h.type != static_cast<uint8_t>(content_type::application_data))
    return alert_description::unexpected_message;
  if (h.version != kLegacyRecordVersion) return alert_description::protocol_version;
  if (h.length > kMaxTls12Ciphertext) return alert_description::record_overflow;
  if (h.length < kTls12ExplicitNonceLen + kTagLen) return alert_description::bad_record_mac;
  return std::nullopt;
}

// nonce = iv XOR padded seq (RFC 8446 §5.3).
inline void tls13_nonce(const uint8_t* iv, uint64_t seq, uint8_t* out) {
  std::memcpy(out, iv, kIvLen);
  const uint64_t x = load_be64(iv + 4) ^ seq;
  store_be64(out + 4, x);
}

// nonce = salt ‖ explicit nonce (RFC 5288 §3).
inline void tls12_nonce(const uint8_t* salt, const uint8_t* explicit_nonce, uint8_t* out) {
  std::memcpy(out, salt, kTls12SaltLen);
  std::memcpy(out + kTls12SaltLen, explicit_nonce, kTls12ExplicitNonceLen);
}

// additional_data = seq_num ‖ type ‖ version ‖ length (RFC 5246 §6.2.3.3).
inline void tls12_aad(uint64_t seq, uint8_t type, uint16_t version, uint16_t plaintext_len,
                      uint8_t* out) {
  store_be64(out, seq);
  out[8] = type;
  store_be16(out + 9, version);
  store_be16(out + 11, plaintext_len);
}

// Tag check in constant time: no branch or early exit depends on which bytes
// differ, only the final yes/no (which the peer learns anyway). Inline, so the
// check costs a few instructions instead of a call into libcrypto per record;
// the empty asm keeps the compiler from turning the OR into per-half branches.
inline bool tags_equal(const uint8_t* a, const uint8_t* b) {
  static_assert(kTagLen == 16);
  uint64_t a0, a1, b0, b1;
  std::memcpy(&a0, a, 8);
  std::memcpy(&a1, a + 8, 8);
  std::memcpy(&b0, b, 8);
  std::memcpy(&b1, b + 8, 8);
  uint64_t diff = (a0 ^ b0) | (a1 ^ b1);
  __asm__("" : "+r"(diff));
  return diff == 0;
}

// TLS 1.3 inner plaintext: the content type is the last non-zero byte; what
// follows is padding. Returns the content length, or nothing if all bytes are
// zero (the caller then sends unexpected_message, RFC 8446 §5.4).
inline std::optional<size_t> tls13_content_length(const uint8_t* p, size_t n) {
  while (n > 0 && p[n - 1] == 0) --n;
  if (n == 0) return std::nullopt;
  return n - 1;
}

// Per-direction sequence number. `next` is traffic_keys::sequence; a number is
// used once, and after 2^64-1 the direction is exhausted (never wrap and reuse
// a nonce, RFC 8446 §5.3, RFC 5246 §6.1): the connection must close or rekey.
struct sequence_number {
  uint64_t next = 0;
  bool exhausted = false;

  bool take(uint64_t& out) {
    if (exhausted) return false;
    out = next;
    if (next == UINT64_MAX) exhausted = true;
    else ++next;
    return true;
  }
};

}  // namespace sstpgw::tls
