// TLS alert protocol values (RFC 5246 §7.2, RFC 8446 §6), shared by the record
// layer and the handshake engine, and the handshake message types the record
// layer meets after the handshake.
#pragma once

#include <cstdint>
#include <string_view>

namespace sstpgw::tls {

enum class alert_level : uint8_t { warning = 1, fatal = 2 };

enum class alert_description : uint8_t {
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
  no_renegotiation = 100,
  missing_extension = 109,
  unsupported_extension = 110,
  unrecognized_name = 112,
  certificate_required = 116,
  no_application_protocol = 120,
};

constexpr std::string_view name_of(alert_description d) {
  switch (d) {
    case alert_description::close_notify: return "close_notify";
    case alert_description::unexpected_message: return "unexpected_message";
    case alert_description::bad_record_mac: return "bad_record_mac";
    case alert_description::record_overflow: return "record_overflow";
    case alert_description::handshake_failure: return "handshake_failure";
    case alert_description::bad_certificate: return "bad_certificate";
    case alert_description::unsupported_certificate: return "unsupported_certificate";
    case alert_description::certificate_revoked: return "certificate_revoked";
    case alert_description::certificate_expired: return "certificate_expired";
    case alert_description::certificate_unknown: return "certificate_unknown";
    case alert_description::illegal_parameter: return "illegal_parameter";
    case alert_description::unknown_ca: return "unknown_ca";
    case alert_description::access_denied: return "access_denied";
    case alert_description::decode_error: return "decode_error";
    case alert_description::decrypt_error: return "decrypt_error";
    case alert_description::protocol_version: return "protocol_version";
    case alert_description::insufficient_security: return "insufficient_security";
    case alert_description::internal_error: return "internal_error";
    case alert_description::inappropriate_fallback: return "inappropriate_fallback";
    case alert_description::user_canceled: return "user_canceled";
    case alert_description::no_renegotiation: return "no_renegotiation";
    case alert_description::missing_extension: return "missing_extension";
    case alert_description::unsupported_extension: return "unsupported_extension";
    case alert_description::unrecognized_name: return "unrecognized_name";
    case alert_description::certificate_required: return "certificate_required";
    case alert_description::no_application_protocol: return "no_application_protocol";
  }
  return "unknown_alert";
}

// Handshake message types (RFC 5246 §7.4, RFC 8446 §4) seen post-handshake.
enum class handshake_type : uint8_t {
  hello_request = 0,
  client_hello = 1,
  new_session_ticket = 4,
  key_update = 24,
};

// KeyUpdate.request_update (RFC 8446 §4.6.3).
enum class key_update_request : uint8_t { update_not_requested = 0, update_requested = 1 };

}  // namespace sstpgw::tls
