// TLS application records sealed and opened with OpenSSL's EVP AES-GCM, written
// from the RFCs in the test (independent of the worker's record engine), to
// check exported keys against a real OpenSSL peer.
//
// TLS 1.2 (RFC 5246 §6.2.3.3, RFC 5288 §3):
//   fragment = explicit_nonce(8) || ciphertext || tag(16)
//   nonce    = salt(4, client/server_write_IV) || explicit_nonce
//   aad      = seq_num(8) || type(1) || version(2) || plaintext length(2)
// TLS 1.3 (RFC 8446 §5.2, §5.3):
//   inner    = content || content_type(1) || zero padding
//   nonce    = write_iv XOR (seq_num left-padded to 12 bytes)
//   aad      = the record header: 23 || 0x0303 || length of ciphertext+tag
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/tls/keys.hh"

namespace sstpgw::handshake::testing {

inline constexpr uint8_t kApplicationData = 23;

// Seals one record at k.sequence and advances it.
std::vector<uint8_t> seal_record(tls::traffic_keys& k, uint8_t content_type,
                                 std::span<const uint8_t> plaintext);

struct opened_record {
  uint8_t content_type = 0;
  std::vector<uint8_t> plaintext;
  size_t consumed = 0;  // bytes of input used (header + fragment)
};
// Opens the record at the start of bytes with k.sequence and advances it;
// nullopt if incomplete or the tag does not verify.
std::optional<opened_record> open_record(tls::traffic_keys& k, std::span<const uint8_t> bytes);

// Opens all complete records in bytes; nullopt if any fails.
std::optional<std::vector<opened_record>> open_all(tls::traffic_keys& k, std::span<const uint8_t> bytes);

}  // namespace sstpgw::handshake::testing
