#include "control/auth/eap_keys.hh"

#include <openssl/crypto.h>

#include <algorithm>

namespace sstpgw::auth {

eap_keys::~eap_keys() {
  OPENSSL_cleanse(msk.data(), msk.size());
  OPENSSL_cleanse(emsk.data(), emsk.size());
}

sstp_hlak_candidates::~sstp_hlak_candidates() {
  OPENSSL_cleanse(msk_prefix.data(), msk_prefix.size());
  OPENSSL_cleanse(mppe_16_16.data(), mppe_16_16.size());
}

sstp_hlak_candidates sstp_hlaks(const eap_keys& keys) {
  sstp_hlak_candidates c;
  std::copy_n(keys.msk.begin(), 32, c.msk_prefix.begin());
  std::copy_n(keys.msk.begin(), 16, c.mppe_16_16.begin());
  std::copy_n(keys.msk.begin() + 32, 16, c.mppe_16_16.begin() + 16);
  return c;
}

}  // namespace sstpgw::auth
