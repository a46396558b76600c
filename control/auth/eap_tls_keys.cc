#include "control/auth/eap_tls_keys.hh"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

namespace sstpgw::auth {

std::optional<eap_keys> derive_eap_tls_keys(tls_session& tls) {
  if (tls.state() != tls_state::established) return std::nullopt;
  std::array<uint8_t, 128> km{};
  bool ok;
  if (tls.version() >= kTls13) {
    const uint8_t context[] = {kEapTls13Context};
    ok = tls.export_keying_material(km, kEapTls13Label, context, true);
  } else {
    ok = tls.export_keying_material(km, kEapTls12Label, {}, false);
  }
  std::optional<eap_keys> keys;
  if (ok) {
    keys.emplace();
    std::copy_n(km.begin(), 64, keys->msk.begin());
    std::copy_n(km.begin() + 64, 64, keys->emsk.begin());
  }
  OPENSSL_cleanse(km.data(), km.size());
  return keys;
}

}  // namespace sstpgw::auth
