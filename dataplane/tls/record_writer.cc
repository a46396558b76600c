#include "dataplane/tls/record_writer.hh"

#include <openssl/crypto.h>

#include <cstring>

namespace sstpgw::tls {

bool record_writer::install(const aead_engine& engine, const traffic_keys& keys, size_t max_fragment) {
  if (keys.version != protocol_version::tls12 && keys.version != protocol_version::tls13) return false;
  if (keys.aead != aead_algorithm::aes_128_gcm && keys.aead != aead_algorithm::aes_256_gcm) return false;
  keys_ = keys;
  engine.expand_key(keys.aead, keys.key, key_);
  std::memcpy(h_.iv, keys.iv, kIvLen);
  h_.seq = {keys.sequence, false};
  h_.version = keys.version;
  set_max_fragment(max_fragment);
  h_.state = stage::open;
  h_.rekey_pending = false;
  h_.failed = false;
  return true;
}

void record_writer::wipe() {
  tls::wipe(key_);
  tls::wipe(keys_);
  OPENSSL_cleanse(h_.iv, sizeof h_.iv);
  h_.seq = {};
  h_.state = stage::closed;
  h_.rekey_pending = false;
}

}  // namespace sstpgw::tls
