// TLS 1.3 key schedule pieces the record layer needs after the handshake
// (RFC 8446 §7.1-7.3): traffic keys from a traffic secret, and the next
// generation of a secret on KeyUpdate. Not per packet: KeyUpdate is rare.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/tls/keys.hh"

namespace sstpgw::tls {

// HKDF-Expand-Label(secret, label, context, out.size()); label without "tls13 ".
// Returns false only if OpenSSL fails (out is then zeroed).
bool hkdf_expand_label(suite_hash hash, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out);

// Fills key/iv of a TLS 1.3 direction from its traffic secret (kept in k.secret);
// k.aead must be set. Sequence is reset to 0, as a new key generation requires.
bool install_tls13_secret(traffic_keys& k, std::span<const uint8_t> secret);

// KeyUpdate: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N,
// "traffic upd", "", Hash.length), then new key/iv and sequence 0.
bool advance_tls13_generation(traffic_keys& k);

}  // namespace sstpgw::tls
