// SSTP crypto binding (MS-SSTP 3.2.5.2, 3.3.5.2.3; worked example in 4.7): the
// compound MAC in CALL_CONNECTED proves that the PPP authentication (its HLAK)
// and this TLS connection (the server certificate hash) belong together.
//
//   CMK = HMAC-H(HLAK, "SSTP inner method derived CMK" || LEN (16-bit LE) || 0x01)
//   MAC = HMAC-H(CMK, the 112-byte CALL_CONNECTED with its MAC field zeroed)
//
// H is SHA-1 (20-byte values zero-padded to 32) or SHA-256. The server accepts
// several HLAK candidates (EAP-TLS has two forms in the wild, see hlak_form)
// and reports which one matched. Every comparison is constant-time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/sstp/messages.hh"

namespace sstpgw::sstp {

enum class hash_protocol : uint8_t { sha1 = kHashSha1, sha256 = kHashSha256 };
size_t digest_size(hash_protocol h);  // 20 or 32
const char* hash_protocol_name(hash_protocol h);

inline constexpr size_t kHlakSize = 32;
using hlak_bytes = std::array<uint8_t, kHlakSize>;

// Where an HLAK came from (logged when a binding verifies).
enum class hlak_form : uint8_t {
  zero,            // no key material (PAP, CHAP-MD5, authentication bypassed): 32 zero bytes
  mppe_keys,       // MS-CHAPv2: client MasterSendKey || MasterReceiveKey (RFC 3079)
  eap_tls_msk,     // EAP-TLS, current MS-SSTP wording: MSK[0..31] (RFC 5216 Enc-RECV-Key)
  eap_tls_legacy,  // EAP-TLS, RFC 2716 wording as pppd 2.4.9 builds it: MSK[0..15] || MSK[32..47]
  msk,             // another EAP method: MSK truncated or zero-padded to 32 bytes
};
const char* hlak_form_name(hlak_form f);

struct hlak_candidate {
  hlak_form form = hlak_form::zero;
  hlak_bytes key{};
};

// Up to three candidate HLAKs; key bytes are wiped on destruction.
class hlak_candidates {
 public:
  static constexpr size_t kCapacity = 3;

  hlak_candidates() = default;
  hlak_candidates(const hlak_candidates& o);
  hlak_candidates& operator=(const hlak_candidates& o);
  ~hlak_candidates();

  // A zero HLAK (no-key methods, or authentication bypassed).
  static hlak_candidates zero();
  // EAP-TLS: both forms from one MSK (at least 48 bytes; RFC 5216's is 64).
  static hlak_candidates eap_tls(std::span<const uint8_t> msk);
  // MS-CHAPv2 on the server: server MasterReceiveKey || MasterSendKey, which
  // equals the client's MasterSendKey || MasterReceiveKey.
  static hlak_candidates mschapv2_server(std::span<const uint8_t, 16> server_master_send,
                                         std::span<const uint8_t, 16> server_master_recv);
  // Another EAP method: the MSK truncated or zero-padded to 32 bytes.
  static hlak_candidates from_msk(std::span<const uint8_t> msk);

  void add(hlak_form form, std::span<const uint8_t> key);  // truncated / zero-padded to 32
  std::span<const hlak_candidate> view() const { return {items_.data(), count_}; }
  bool empty() const { return count_ == 0; }

 private:
  std::array<hlak_candidate, kCapacity> items_{};
  size_t count_ = 0;
};

// The client's HLAK for each form (test client, load generator).
hlak_bytes client_hlak_mschapv2(std::span<const uint8_t, 16> master_send, std::span<const uint8_t, 16> master_recv);
hlak_bytes client_hlak_eap_tls(std::span<const uint8_t> msk, hlak_form form);

// The hashes of the server's leaf certificate as presented on this connection.
struct cert_hashes {
  hash_field sha1{};    // 20 bytes + 12 zero
  hash_field sha256{};
  static cert_hashes of_der(std::span<const uint8_t> cert_der);
  const hash_field& get(hash_protocol h) const { return h == hash_protocol::sha1 ? sha1 : sha256; }
};

// The building blocks, exposed for known-answer tests. Results are zero-padded to 32.
hash_field derive_cmk(hash_protocol h, const hlak_bytes& hlak);
// `call_connected` is a whole 112-byte CALL_CONNECTED; its MAC field is treated as zero.
hash_field compute_compound_mac(hash_protocol h, const hlak_bytes& hlak, std::span<const uint8_t> call_connected);

enum class binding_result : uint8_t {
  ok,
  malformed,           // not a 112-byte CALL_CONNECTED with one CRYPTO_BINDING
  hash_not_offered,    // not exactly one hash bit, or one the server did not offer
  nonce_mismatch,      // not the nonce of this connection's CONNECT_ACK
  cert_hash_mismatch,  // not the certificate this connection presented (a TLS MITM)
  mac_mismatch,        // no candidate HLAK gives this compound MAC
};
const char* binding_result_name(binding_result r);

struct binding_verdict {
  binding_result result = binding_result::malformed;
  hash_protocol hash = hash_protocol::sha256;
  hlak_form form = hlak_form::zero;  // which candidate matched (result == ok)
};

// The server's check of a received CALL_CONNECTED (the exact bytes received).
binding_verdict verify_call_connected(std::span<const uint8_t> call_connected, uint8_t offered_hash_bitmask,
                                      const nonce_bytes& nonce, const cert_hashes& server_cert,
                                      const hlak_candidates& hlaks);

// The client's CALL_CONNECTED: CRYPTO_BINDING with the MAC computed. Returns
// the size written (112) or 0 if `out` is too small.
size_t build_bound_call_connected(std::span<uint8_t> out, hash_protocol h, const nonce_bytes& nonce,
                                  const hash_field& cert_hash, const hlak_bytes& hlak);

// The client's choice from a CONNECT_ACK bitmask (3.2.5.3.2: the stronger one
// it supports); false if none is acceptable.
bool choose_hash_protocol(uint8_t offered_bitmask, uint8_t supported_bitmask, hash_protocol& out);

}  // namespace sstpgw::sstp
