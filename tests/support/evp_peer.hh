// An independent TLS record protection for cross-checks: OpenSSL EVP AES-GCM
// with the nonce and AAD rules written out again here from the RFCs, sharing
// no code with dataplane/tls (RFC 5246 §6.2.3.3 + RFC 5288 §3 for TLS 1.2,
// RFC 8446 §5.2-5.3 for TLS 1.3).
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/tls/keys.hh"

namespace sstpgw::tls::test {

struct evp_ctx_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

class evp_peer {
 public:
  // One direction: the same keys a record_reader/record_writer would get.
  explicit evp_peer(const traffic_keys& k)
      : tls13_(k.version == protocol_version::tls13), seq_(k.sequence), ctx_(EVP_CIPHER_CTX_new()) {
    const EVP_CIPHER* c = k.aead == aead_algorithm::aes_128_gcm ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    std::memcpy(iv_, k.iv, 12);
    // Key set once per direction; each record only sets its nonce.
    EVP_CipherInit_ex(ctx_.get(), c, nullptr, k.key, nullptr, -1);
  }

  uint64_t sequence() const { return seq_; }
  void set_sequence(uint64_t s) { seq_ = s; }

  // A whole record. TLS 1.3: `padding` zero bytes after the type. TLS 1.2: a
  // random explicit nonce (receivers must use the one in the record).
  std::vector<uint8_t> seal(uint8_t type, const uint8_t* p, size_t n, size_t padding, std::mt19937_64& rng) {
    std::vector<uint8_t> body(p, p + n);
    if (tls13_) {
      body.push_back(type);
      body.resize(body.size() + padding, 0);
      return seal_raw(23, body, rng);
    }
    return seal_raw(type, body, rng);
  }

  // The record around `body` exactly: TLS 1.3 body = the inner plaintext
  // (content ‖ type ‖ zeros, or anything a test wants), header type as given.
  std::vector<uint8_t> seal_raw(uint8_t outer_type, const std::vector<uint8_t>& body, std::mt19937_64& rng) {
    std::vector<uint8_t> rec;
    uint8_t nonce[12];
    uint8_t aad[13];
    size_t aad_len;
    const size_t n = body.size();
    if (tls13_) {
      const size_t len = n + 16;
      rec = {outer_type, 3, 3, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
      std::memcpy(nonce, iv_, 12);
      for (int i = 0; i < 8; ++i) nonce[4 + i] ^= static_cast<uint8_t>(seq_ >> (56 - 8 * i));
      std::memcpy(aad, rec.data(), 5);
      aad_len = 5;
    } else {
      const size_t len = 8 + n + 16;
      rec = {outer_type, 3, 3, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
      uint8_t explicit_nonce[8];
      const uint64_t r = rng();
      for (int i = 0; i < 8; ++i) explicit_nonce[i] = static_cast<uint8_t>(r >> (8 * i));
      rec.insert(rec.end(), explicit_nonce, explicit_nonce + 8);
      std::memcpy(nonce, iv_, 4);
      std::memcpy(nonce + 4, explicit_nonce, 8);
      for (int i = 0; i < 8; ++i) aad[i] = static_cast<uint8_t>(seq_ >> (56 - 8 * i));
      aad[8] = outer_type;
      aad[9] = 3;
      aad[10] = 3;
      aad[11] = static_cast<uint8_t>(n >> 8);
      aad[12] = static_cast<uint8_t>(n);
      aad_len = 13;
    }
    ++seq_;
    EVP_CIPHER_CTX* c = ctx_.get();
    int outl = 0;
    EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce, 1);
    EVP_CipherUpdate(c, nullptr, &outl, aad, static_cast<int>(aad_len));
    const size_t at = rec.size();
    rec.resize(at + n + 16);
    if (n) EVP_CipherUpdate(c, rec.data() + at, &outl, body.data(), static_cast<int>(n));
    EVP_CipherFinal_ex(c, rec.data() + at + n, &outl);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, rec.data() + at + n);
    return rec;
  }

  // Opens one whole record; false if it does not authenticate (or is not a
  // well-formed record for this version).
  bool open(const uint8_t* rec, size_t n, uint8_t& type, std::vector<uint8_t>& content) {
    if (n < 5 || static_cast<size_t>(rec[3] << 8 | rec[4]) != n - 5) return false;
    uint8_t nonce[12];
    uint8_t aad[13];
    size_t aad_len;
    const uint8_t* body;
    size_t body_len;
    if (tls13_) {
      if (n < 5 + 16 || rec[0] != 23) return false;
      std::memcpy(nonce, iv_, 12);
      for (int i = 0; i < 8; ++i) nonce[4 + i] ^= static_cast<uint8_t>(seq_ >> (56 - 8 * i));
      std::memcpy(aad, rec, 5);
      aad_len = 5;
      body = rec + 5;
      body_len = n - 5 - 16;
    } else {
      if (n < 5 + 8 + 16) return false;
      std::memcpy(nonce, iv_, 4);
      std::memcpy(nonce + 4, rec + 5, 8);
      body = rec + 13;
      body_len = n - 13 - 16;
      for (int i = 0; i < 8; ++i) aad[i] = static_cast<uint8_t>(seq_ >> (56 - 8 * i));
      aad[8] = rec[0];
      aad[9] = rec[1];
      aad[10] = rec[2];
      aad[11] = static_cast<uint8_t>(body_len >> 8);
      aad[12] = static_cast<uint8_t>(body_len);
      aad_len = 13;
    }
    EVP_CIPHER_CTX* c = ctx_.get();
    int outl = 0;
    std::vector<uint8_t> plain(body_len + 1);
    EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce, 0);
    EVP_CipherUpdate(c, nullptr, &outl, aad, static_cast<int>(aad_len));
    if (body_len) EVP_CipherUpdate(c, plain.data(), &outl, body, static_cast<int>(body_len));
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, const_cast<uint8_t*>(body + body_len));
    if (EVP_CipherFinal_ex(c, plain.data() + body_len, &outl) != 1) return false;
    plain.resize(body_len);
    ++seq_;
    if (tls13_) {
      while (!plain.empty() && plain.back() == 0) plain.pop_back();
      if (plain.empty()) return false;
      type = plain.back();
      plain.pop_back();
    } else {
      type = rec[0];
    }
    content = std::move(plain);
    return true;
  }

 private:
  bool tls13_;
  uint8_t iv_[12];
  uint64_t seq_;
  std::unique_ptr<EVP_CIPHER_CTX, evp_ctx_free> ctx_;
};

// Random keys for one direction.
inline traffic_keys random_keys(protocol_version v, aead_algorithm a, std::mt19937_64& rng, uint64_t seq = 0) {
  traffic_keys k;
  k.version = v;
  k.aead = a;
  for (auto& b : k.key) b = static_cast<uint8_t>(rng());
  for (auto& b : k.iv) b = static_cast<uint8_t>(rng());
  for (auto& b : k.secret) b = static_cast<uint8_t>(rng());
  k.sequence = seq;
  return k;
}

}  // namespace sstpgw::tls::test
