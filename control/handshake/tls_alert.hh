// TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2) as the handshake engine
// reports them: what we sent or received when a handshake or a kept connection fails.
#pragma once

#include <cstdint>
#include <string>

namespace sstpgw::handshake {

enum class tls_alert : uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,
  user_canceled = 90,
  missing_extension = 109,
  unsupported_extension = 110,
  unrecognized_name = 112,
  certificate_required = 116,
  no_application_protocol = 120,
};

// "handshake_failure(40)"; unknown codes as "alert(N)".
std::string name_of(tls_alert a);

}  // namespace sstpgw::handshake
