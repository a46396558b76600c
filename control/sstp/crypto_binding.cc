#include "control/sstp/crypto_binding.hh"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "dataplane/sstp/control_message.hh"

namespace sstpgw::sstp {

namespace {

constexpr std::string_view kCmkSeed = "SSTP inner method derived CMK";

const EVP_MD* md_of(hash_protocol h) { return h == hash_protocol::sha1 ? EVP_sha1() : EVP_sha256(); }

hash_field hmac(hash_protocol h, std::span<const uint8_t> key, std::span<const uint8_t> data) {
  hash_field out{};
  unsigned int len = 0;
  if (!HMAC(md_of(h), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len) ||
      len != digest_size(h)) {
    out.fill(0);  // cannot happen with OpenSSL's built-in digests; fails every compare
  }
  return out;
}

bool equal_ct(const uint8_t* a, const uint8_t* b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

}  // namespace

size_t digest_size(hash_protocol h) { return h == hash_protocol::sha1 ? 20 : 32; }

const char* hash_protocol_name(hash_protocol h) { return h == hash_protocol::sha1 ? "SHA-1" : "SHA-256"; }

const char* hlak_form_name(hlak_form f) {
  switch (f) {
    case hlak_form::zero: return "zero";
    case hlak_form::mppe_keys: return "MPPE send||recv";
    case hlak_form::eap_tls_msk: return "EAP-TLS MSK[0..31]";
    case hlak_form::eap_tls_legacy: return "EAP-TLS MSK[0..15]||MSK[32..47]";
    case hlak_form::msk: return "MSK";
  }
  return "?";
}

const char* binding_result_name(binding_result r) {
  switch (r) {
    case binding_result::ok: return "ok";
    case binding_result::malformed: return "malformed CALL_CONNECTED";
    case binding_result::hash_not_offered: return "hash protocol not offered";
    case binding_result::nonce_mismatch: return "nonce mismatch";
    case binding_result::cert_hash_mismatch: return "certificate hash mismatch";
    case binding_result::mac_mismatch: return "compound MAC mismatch";
  }
  return "?";
}

hlak_candidates::hlak_candidates(const hlak_candidates& o) : items_(o.items_), count_(o.count_) {}

hlak_candidates& hlak_candidates::operator=(const hlak_candidates& o) {
  if (this != &o) {
    OPENSSL_cleanse(items_.data(), sizeof items_);
    items_ = o.items_;
    count_ = o.count_;
  }
  return *this;
}

hlak_candidates::~hlak_candidates() { OPENSSL_cleanse(items_.data(), sizeof items_); }

void hlak_candidates::add(hlak_form form, std::span<const uint8_t> key) {
  if (count_ == kCapacity) return;
  auto& c = items_[count_++];
  c.form = form;
  c.key.fill(0);
  if (!key.empty()) std::memcpy(c.key.data(), key.data(), std::min(key.size(), kHlakSize));
}

hlak_candidates hlak_candidates::zero() {
  hlak_candidates c;
  c.add(hlak_form::zero, {});
  return c;
}

hlak_candidates hlak_candidates::eap_tls(std::span<const uint8_t> msk) {
  hlak_candidates c;
  if (msk.size() < 48) return c;  // an RFC 5216 MSK is 64 bytes; nothing sensible below 48
  c.add(hlak_form::eap_tls_msk, msk.first(32));
  const hlak_bytes legacy = client_hlak_eap_tls(msk, hlak_form::eap_tls_legacy);
  c.add(hlak_form::eap_tls_legacy, legacy);
  return c;
}

hlak_candidates hlak_candidates::mschapv2_server(std::span<const uint8_t, 16> server_master_send,
                                                 std::span<const uint8_t, 16> server_master_recv) {
  hlak_candidates c;
  c.add(hlak_form::mppe_keys, client_hlak_mschapv2(server_master_recv, server_master_send));
  return c;
}

hlak_candidates hlak_candidates::from_msk(std::span<const uint8_t> msk) {
  hlak_candidates c;
  c.add(hlak_form::msk, msk);
  return c;
}

hlak_bytes client_hlak_mschapv2(std::span<const uint8_t, 16> master_send, std::span<const uint8_t, 16> master_recv) {
  hlak_bytes h{};
  std::memcpy(h.data(), master_send.data(), 16);
  std::memcpy(h.data() + 16, master_recv.data(), 16);
  return h;
}

hlak_bytes client_hlak_eap_tls(std::span<const uint8_t> msk, hlak_form form) {
  hlak_bytes h{};
  if (form == hlak_form::eap_tls_legacy) {
    if (msk.size() >= 48) {
      std::memcpy(h.data(), msk.data(), 16);
      std::memcpy(h.data() + 16, msk.data() + 32, 16);
    }
  } else if (!msk.empty()) {
    std::memcpy(h.data(), msk.data(), std::min(msk.size(), kHlakSize));
  }
  return h;
}

cert_hashes cert_hashes::of_der(std::span<const uint8_t> cert_der) {
  cert_hashes c;
  unsigned int len = 0;
  EVP_Digest(cert_der.data(), cert_der.size(), c.sha1.data(), &len, EVP_sha1(), nullptr);
  EVP_Digest(cert_der.data(), cert_der.size(), c.sha256.data(), &len, EVP_sha256(), nullptr);
  return c;
}

hash_field derive_cmk(hash_protocol h, const hlak_bytes& hlak) {
  uint8_t seed[kCmkSeed.size() + 3];
  std::memcpy(seed, kCmkSeed.data(), kCmkSeed.size());
  const size_t len = digest_size(h);
  seed[kCmkSeed.size()] = static_cast<uint8_t>(len);  // 16-bit little-endian output length
  seed[kCmkSeed.size() + 1] = static_cast<uint8_t>(len >> 8);
  seed[kCmkSeed.size() + 2] = 0x01;                   // T1 of the PRF+: one block is enough
  return hmac(h, hlak, seed);
}

hash_field compute_compound_mac(hash_protocol h, const hlak_bytes& hlak, std::span<const uint8_t> call_connected) {
  std::array<uint8_t, kCallConnectedSize> msg{};
  std::memcpy(msg.data(), call_connected.data(), std::min(call_connected.size(), msg.size()));
  std::fill_n(msg.begin() + kCallConnectedMacOffset, kHashFieldSize, 0);
  hash_field cmk = derive_cmk(h, hlak);
  const hash_field mac = hmac(h, std::span<const uint8_t>(cmk.data(), digest_size(h)), msg);
  OPENSSL_cleanse(cmk.data(), cmk.size());
  return mac;
}

binding_verdict verify_call_connected(std::span<const uint8_t> call_connected, uint8_t offered_hash_bitmask,
                                      const nonce_bytes& nonce, const cert_hashes& server_cert,
                                      const hlak_candidates& hlaks) {
  binding_verdict v;
  control_message m;
  crypto_binding b;
  if (call_connected.size() != kCallConnectedSize ||
      parse_control_message(call_connected, m) != control_error::ok || !parse_call_connected(m, b)) {
    v.result = binding_result::malformed;
    return v;
  }
  if ((b.hash_protocol != kHashSha1 && b.hash_protocol != kHashSha256) ||
      !(b.hash_protocol & offered_hash_bitmask)) {
    v.result = binding_result::hash_not_offered;
    return v;
  }
  v.hash = static_cast<hash_protocol>(b.hash_protocol);
  if (!equal_ct(b.nonce.data(), nonce.data(), kNonceSize)) {
    v.result = binding_result::nonce_mismatch;
    return v;
  }
  // SHA-1 values: the 20 hash bytes decide; the padding is covered by the MAC.
  const size_t n = digest_size(v.hash);
  if (!equal_ct(b.cert_hash.data(), server_cert.get(v.hash).data(), n)) {
    v.result = binding_result::cert_hash_mismatch;
    return v;
  }
  v.result = binding_result::mac_mismatch;
  for (const auto& c : hlaks.view()) {
    const hash_field mac = compute_compound_mac(v.hash, c.key, call_connected);
    if (equal_ct(mac.data(), b.compound_mac.data(), n)) {
      v.result = binding_result::ok;
      v.form = c.form;
      break;
    }
  }
  return v;
}

size_t build_bound_call_connected(std::span<uint8_t> out, hash_protocol h, const nonce_bytes& nonce,
                                  const hash_field& cert_hash, const hlak_bytes& hlak) {
  crypto_binding b;
  b.hash_protocol = static_cast<uint8_t>(h);
  b.nonce = nonce;
  b.cert_hash = cert_hash;
  // Zero padding past a SHA-1 value, whatever the caller passed.
  std::fill(b.cert_hash.begin() + static_cast<std::ptrdiff_t>(digest_size(h)), b.cert_hash.end(), 0);
  const size_t n = build_call_connected(out, b);
  if (n != kCallConnectedSize) return 0;
  const hash_field mac = compute_compound_mac(h, hlak, out.first(n));
  std::memcpy(out.data() + kCallConnectedMacOffset, mac.data(), mac.size());
  return n;
}

bool choose_hash_protocol(uint8_t offered_bitmask, uint8_t supported_bitmask, hash_protocol& out) {
  const uint8_t both = offered_bitmask & supported_bitmask;
  if (both & kHashSha256) out = hash_protocol::sha256;
  else if (both & kHashSha1) out = hash_protocol::sha1;
  else return false;
  return true;
}

}  // namespace sstpgw::sstp
