// EAP-TLS key derivation through the TLS exporter:
//   TLS <= 1.2 (RFC 5216 §2.3): PRF(master_secret, "client EAP encryption",
//                                   client.random || server.random), no context;
//   TLS 1.3  (RFC 9190 §2.3):   TLS-Exporter("EXPORTER_EAP_TLS_Key_Material",
//                                   context 0x0D, 128), the context *used*.
// MSK = Key_Material[0..63], EMSK = Key_Material[64..127].
#pragma once

#include <optional>
#include <string_view>

#include "control/auth/eap_keys.hh"
#include "control/auth/tls_session.hh"

namespace sstpgw::auth {

inline constexpr std::string_view kEapTls12Label = "client EAP encryption";
inline constexpr std::string_view kEapTls13Label = "EXPORTER_EAP_TLS_Key_Material";
inline constexpr uint8_t kEapTls13Context = 0x0D;  // the EAP-TLS Type code

std::optional<eap_keys> derive_eap_tls_keys(tls_session& tls);

}  // namespace sstpgw::auth
