#include "tests/support/evp_records.hh"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace sstpgw::handshake::testing {
namespace {

const EVP_CIPHER* cipher_of(const tls::traffic_keys& k) {
  return k.aead == tls::aead_algorithm::aes_128_gcm ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

void make_tls13_nonce(const tls::traffic_keys& k, uint8_t nonce[12]) {
  std::memcpy(nonce, k.iv, 12);
  uint8_t seq[8];
  put_be64(seq, k.sequence);
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seq[i];
}

// One AES-GCM operation; returns false if the tag fails (decrypt).
bool gcm(bool encrypt, const tls::traffic_keys& k, const uint8_t nonce[12], std::span<const uint8_t> aad,
         std::span<const uint8_t> in, uint8_t* out, uint8_t tag[16]) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int n = 0;
  bool ok = EVP_CipherInit_ex(c, cipher_of(k), nullptr, nullptr, nullptr, encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_CipherInit_ex(c, nullptr, nullptr, k.key, nonce, -1) == 1 &&
            EVP_CipherUpdate(c, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
            (in.empty() || EVP_CipherUpdate(c, out, &n, in.data(), static_cast<int>(in.size())) == 1);
  if (ok && !encrypt) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
  ok = ok && EVP_CipherFinal_ex(c, out + in.size(), &n) == 1;
  if (ok && encrypt) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
  EVP_CIPHER_CTX_free(c);
  return ok;
}

}  // namespace

std::vector<uint8_t> seal_record(tls::traffic_keys& k, uint8_t content_type,
                                 std::span<const uint8_t> plaintext) {
  std::vector<uint8_t> rec;
  uint8_t nonce[12];
  uint8_t tag[16];
  if (k.version == tls::protocol_version::tls12) {
    const size_t frag_len = 8 + plaintext.size() + 16;
    rec.resize(5 + frag_len);
    rec[0] = content_type;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = static_cast<uint8_t>(frag_len >> 8);
    rec[4] = static_cast<uint8_t>(frag_len);
    // The explicit nonce: the sequence number (unique per key, as required).
    std::memcpy(nonce, k.iv, 4);
    put_be64(nonce + 4, k.sequence);
    std::memcpy(&rec[5], nonce + 4, 8);
    uint8_t aad[13];
    put_be64(aad, k.sequence);
    aad[8] = content_type;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = static_cast<uint8_t>(plaintext.size() >> 8);
    aad[12] = static_cast<uint8_t>(plaintext.size());
    if (!gcm(true, k, nonce, aad, plaintext, &rec[13], tag)) throw std::runtime_error("seal 1.2");
    std::memcpy(&rec[13 + plaintext.size()], tag, 16);
  } else {
    std::vector<uint8_t> inner(plaintext.begin(), plaintext.end());
    inner.push_back(content_type);
    const size_t frag_len = inner.size() + 16;
    rec.resize(5 + frag_len);
    rec[0] = kApplicationData;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = static_cast<uint8_t>(frag_len >> 8);
    rec[4] = static_cast<uint8_t>(frag_len);
    make_tls13_nonce(k, nonce);
    if (!gcm(true, k, nonce, {rec.data(), 5}, inner, &rec[5], tag)) throw std::runtime_error("seal 1.3");
    std::memcpy(&rec[5 + inner.size()], tag, 16);
  }
  ++k.sequence;
  return rec;
}

std::optional<opened_record> open_record(tls::traffic_keys& k, std::span<const uint8_t> bytes) {
  if (bytes.size() < 5) return std::nullopt;
  const size_t frag_len = static_cast<size_t>(bytes[3]) << 8 | bytes[4];
  if (bytes.size() < 5 + frag_len) return std::nullopt;
  opened_record out;
  out.consumed = 5 + frag_len;
  uint8_t nonce[12];
  uint8_t tag[16];
  if (k.version == tls::protocol_version::tls12) {
    if (frag_len < 8 + 16) return std::nullopt;
    const size_t pt_len = frag_len - 8 - 16;
    std::memcpy(nonce, k.iv, 4);
    std::memcpy(nonce + 4, &bytes[5], 8);
    uint8_t aad[13];
    put_be64(aad, k.sequence);
    aad[8] = bytes[0];
    aad[9] = bytes[1];
    aad[10] = bytes[2];
    aad[11] = static_cast<uint8_t>(pt_len >> 8);
    aad[12] = static_cast<uint8_t>(pt_len);
    std::memcpy(tag, &bytes[13 + pt_len], 16);
    out.plaintext.resize(pt_len + 16);
    if (!gcm(false, k, nonce, aad, bytes.subspan(13, pt_len), out.plaintext.data(), tag)) return std::nullopt;
    out.plaintext.resize(pt_len);
    out.content_type = bytes[0];
  } else {
    if (frag_len < 17) return std::nullopt;
    const size_t ct_len = frag_len - 16;
    make_tls13_nonce(k, nonce);
    std::memcpy(tag, &bytes[5 + ct_len], 16);
    std::vector<uint8_t> inner(ct_len + 16);
    if (!gcm(false, k, nonce, bytes.first(5), bytes.subspan(5, ct_len), inner.data(), tag))
      return std::nullopt;
    inner.resize(ct_len);
    while (!inner.empty() && inner.back() == 0) inner.pop_back();
    if (inner.empty()) return std::nullopt;
    out.content_type = inner.back();
    inner.pop_back();
    out.plaintext = std::move(inner);
  }
  ++k.sequence;
  return out;
}

std::optional<std::vector<opened_record>> open_all(tls::traffic_keys& k, std::span<const uint8_t> bytes) {
  std::vector<opened_record> out;
  while (!bytes.empty()) {
    auto r = open_record(k, bytes);
    if (!r) return std::nullopt;
    bytes = bytes.subspan(r->consumed);
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace sstpgw::handshake::testing
