// The handshake→record-layer contract: one small struct per direction, shaped
// like Linux kTLS's tls12_crypto_info_aes_gcm_*. The control thread fills it when
// a handshake completes (control/handshake); the worker's record engine owns it
// from then on and OpenSSL never sees another record of that connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sstpgw::tls {

enum class protocol_version : uint16_t {
  tls12 = 0x0303,
  tls13 = 0x0304,
};

enum class aead_algorithm : uint8_t {
  aes_128_gcm,
  aes_256_gcm,
};

// The hash of the cipher suite: TLS 1.3 key schedule (KeyUpdate) and TLS 1.2 PRF.
enum class suite_hash : uint8_t { sha256, sha384 };

inline constexpr size_t kMaxKeyLen = 32;
inline constexpr size_t kIvLen = 12;          // GCM nonce length (RFC 5288, RFC 8446 §5.3)
inline constexpr size_t kTls12SaltLen = 4;    // GCM implicit nonce part in TLS 1.2
inline constexpr size_t kTls12ExplicitNonceLen = 8;
inline constexpr size_t kTagLen = 16;
inline constexpr size_t kMaxSecretLen = 48;   // SHA-384

constexpr size_t key_length(aead_algorithm a) { return a == aead_algorithm::aes_128_gcm ? 16 : 32; }
// TLS_AES_128_GCM_SHA256 / TLS_AES_256_GCM_SHA384 and the TLS 1.2 ECDHE suites
// share these hashes.
constexpr suite_hash hash_of(aead_algorithm a) {
  return a == aead_algorithm::aes_128_gcm ? suite_hash::sha256 : suite_hash::sha384;
}
constexpr size_t hash_length(suite_hash h) { return h == suite_hash::sha256 ? 32 : 48; }
constexpr std::string_view name_of(aead_algorithm a) {
  return a == aead_algorithm::aes_128_gcm ? "AES-128-GCM" : "AES-256-GCM";
}

// Record protection state of one direction of one connection.
struct traffic_keys {
  protocol_version version = protocol_version::tls13;
  aead_algorithm aead = aead_algorithm::aes_128_gcm;
  uint8_t key[kMaxKeyLen] = {};  // key_length(aead) bytes used
  // TLS 1.3: the 12-byte write IV (nonce = iv XOR seq).
  // TLS 1.2: iv[0..3] is the implicit salt; the 8-byte explicit nonce travels in
  // each record (we send the sequence number there, as OpenSSL does).
  uint8_t iv[kIvLen] = {};
  uint64_t sequence = 0;  // sequence number of the next record in this direction
  // TLS 1.3 only: the current application traffic secret, from which KeyUpdate
  // derives the next generation (RFC 8446 §7.2).
  uint8_t secret[kMaxSecretLen] = {};
};

// Overwrites key material so that freed session memory holds no keys.
void wipe(traffic_keys& k);

}  // namespace sstpgw::tls
