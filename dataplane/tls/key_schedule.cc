#include "dataplane/tls/key_schedule.hh"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstring>

namespace sstpgw::tls {

void wipe(traffic_keys& k) { OPENSSL_cleanse(&k, sizeof k); }

bool hkdf_expand_label(suite_hash hash, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out) {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; }
  static constexpr std::string_view kPrefix = "tls13 ";
  uint8_t info[2 + 1 + 255 + 1 + 255];
  const size_t label_len = kPrefix.size() + label.size();
  if (label_len > 255 || context.size() > 255 || out.size() > 0xffff) return false;
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(out.size() >> 8);
  info[n++] = static_cast<uint8_t>(out.size());
  info[n++] = static_cast<uint8_t>(label_len);
  std::memcpy(info + n, kPrefix.data(), kPrefix.size());
  n += kPrefix.size();
  std::memcpy(info + n, label.data(), label.size());
  n += label.size();
  info[n++] = static_cast<uint8_t>(context.size());
  if (!context.empty()) std::memcpy(info + n, context.data(), context.size());
  n += context.size();

  bool ok = false;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  if (ctx) {
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    char digest[8];
    std::strcpy(digest, hash == suite_hash::sha256 ? "SHA256" : "SHA384");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()),
                                          secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  }
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  OPENSSL_cleanse(info, sizeof info);
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok;
}

bool install_tls13_secret(traffic_keys& k, std::span<const uint8_t> secret) {
  const suite_hash h = hash_of(k.aead);
  if (secret.size() != hash_length(h)) return false;
  if (secret.data() != k.secret) std::memcpy(k.secret, secret.data(), secret.size());
  k.version = protocol_version::tls13;
  k.sequence = 0;
  return hkdf_expand_label(h, secret, "key", {}, {k.key, key_length(k.aead)}) &&
         hkdf_expand_label(h, secret, "iv", {}, {k.iv, kIvLen});
}

bool advance_tls13_generation(traffic_keys& k) {
  const suite_hash h = hash_of(k.aead);
  const size_t len = hash_length(h);
  uint8_t next[kMaxSecretLen];
  bool ok = hkdf_expand_label(h, {k.secret, len}, "traffic upd", {}, {next, len}) &&
            install_tls13_secret(k, {next, len});
  OPENSSL_cleanse(next, sizeof next);
  return ok;
}

}  // namespace sstpgw::tls
