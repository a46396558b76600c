#include "dataplane/tls/record_writer.hh"

namespace sstpgw::tls {

bool record_writer::install(const aead_engine& engine, const traffic_keys& keys, size_t max_fragment) {
  if (keys.version != protocol_version::tls12 && keys.version != protocol_version::tls13) return false;
  if (keys.aead != aead_algorithm::aes_128_gcm && keys.aead != aead_algorithm::aes_256_gcm) return false;
  keys_ = keys;
  seq_ = {keys.sequence, false};
  engine.expand_key(keys.aead, keys.key, key_);
  set_max_fragment(max_fragment);
  state_ = state::open;
  rekey_pending_ = false;
  failed_ = false;
  return true;
}

void record_writer::wipe() {
  tls::wipe(key_);
  tls::wipe(keys_);
  seq_ = {};
  state_ = state::closed;
  rekey_pending_ = false;
}

}  // namespace sstpgw::tls
