#include "control/auth/eap_keys.hh"

#include <openssl/crypto.h>

namespace sstpgw::auth {

eap_keys::~eap_keys() {
  OPENSSL_cleanse(msk.data(), msk.size());
  OPENSSL_cleanse(emsk.data(), emsk.size());
}

}  // namespace sstpgw::auth
