#include "control/handshake/key_export.hh"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include <cstring>

#include "dataplane/tls/key_schedule.hh"

namespace sstpgw::handshake {

void wipe(offload_keys& k) {
  tls::wipe(k.read);
  tls::wipe(k.write);
}

bool tls12_prf(tls::suite_hash hash, std::span<const uint8_t> secret, std::string_view label,
               std::span<const uint8_t> seed, std::span<uint8_t> out) {
  // The KDF takes label and seed as one seed parameter: label || seed.
  uint8_t full_seed[64 + 2 * 32 + 16];
  if (label.size() + seed.size() > sizeof full_seed) return false;
  std::memcpy(full_seed, label.data(), label.size());
  if (!seed.empty()) std::memcpy(full_seed + label.size(), seed.data(), seed.size());
  const size_t seed_len = label.size() + seed.size();

  bool ok = false;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_TLS1_PRF, nullptr);
  EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  if (ctx) {
    char sha256[] = "SHA256";
    char sha384[] = "SHA384";
    char* digest = hash == tls::suite_hash::sha256 ? sha256 : sha384;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(secret.data()),
                                          secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full_seed, seed_len),
        OSSL_PARAM_construct_end(),
    };
    ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  }
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  OPENSSL_cleanse(full_seed, sizeof full_seed);
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok;
}

bool keys_from_tls13_secrets(tls::aead_algorithm aead, tls_role us, std::span<const uint8_t> client_secret,
                             std::span<const uint8_t> server_secret, offload_keys& out, std::string& error) {
  out = {};
  const size_t need = tls::hash_length(tls::hash_of(aead));
  if (client_secret.size() != need || server_secret.size() != need) {
    error =
        "TLS 1.3 application traffic secrets missing or of the wrong length (keylog callback not called?)";
    return false;
  }
  tls::traffic_keys client{.version = tls::protocol_version::tls13, .aead = aead};
  tls::traffic_keys server{.version = tls::protocol_version::tls13, .aead = aead};
  const bool ok =
      tls::install_tls13_secret(client, client_secret) && tls::install_tls13_secret(server, server_secret);
  if (ok) {
    out.read = us == tls_role::server ? client : server;
    out.write = us == tls_role::server ? server : client;
  } else {
    error = "HKDF-Expand-Label failed";
  }
  tls::wipe(client);
  tls::wipe(server);
  return ok;
}

bool keys_from_tls12_master(tls::aead_algorithm aead, tls_role us, std::span<const uint8_t> master_secret,
                            std::span<const uint8_t> client_random, std::span<const uint8_t> server_random,
                            offload_keys& out, std::string& error) {
  out = {};
  if (master_secret.size() != 48 || client_random.size() != 32 || server_random.size() != 32) {
    error = "TLS 1.2 master secret or hello randoms of the wrong length";
    return false;
  }
  uint8_t seed[64];
  std::memcpy(seed, server_random.data(), 32);
  std::memcpy(seed + 32, client_random.data(), 32);
  const size_t key_len = tls::key_length(aead);
  uint8_t block[2 * tls::kMaxKeyLen + 2 * tls::kTls12SaltLen];
  const size_t block_len = 2 * key_len + 2 * tls::kTls12SaltLen;
  if (!tls12_prf(tls::hash_of(aead), master_secret, "key expansion", seed, {block, block_len})) {
    error = "TLS 1.2 PRF (key expansion) failed";
    return false;
  }
  tls::traffic_keys client{.version = tls::protocol_version::tls12, .aead = aead, .sequence = 1};
  tls::traffic_keys server{.version = tls::protocol_version::tls12, .aead = aead, .sequence = 1};
  const uint8_t* p = block;
  std::memcpy(client.key, p, key_len);
  p += key_len;
  std::memcpy(server.key, p, key_len);
  p += key_len;
  std::memcpy(client.iv, p, tls::kTls12SaltLen);
  p += tls::kTls12SaltLen;
  std::memcpy(server.iv, p, tls::kTls12SaltLen);
  out.read = us == tls_role::server ? client : server;
  out.write = us == tls_role::server ? server : client;
  OPENSSL_cleanse(block, sizeof block);
  tls::wipe(client);
  tls::wipe(server);
  return true;
}

}  // namespace sstpgw::handshake
