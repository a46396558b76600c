#include "control/handshake/tls_alert.hh"

#include <fmt/format.h>

namespace sstpgw::handshake {

std::string name_of(tls_alert a) {
  const char* n = nullptr;
  switch (a) {
    case tls_alert::close_notify:
      n = "close_notify";
      break;
    case tls_alert::unexpected_message:
      n = "unexpected_message";
      break;
    case tls_alert::bad_record_mac:
      n = "bad_record_mac";
      break;
    case tls_alert::record_overflow:
      n = "record_overflow";
      break;
    case tls_alert::handshake_failure:
      n = "handshake_failure";
      break;
    case tls_alert::bad_certificate:
      n = "bad_certificate";
      break;
    case tls_alert::unsupported_certificate:
      n = "unsupported_certificate";
      break;
    case tls_alert::certificate_revoked:
      n = "certificate_revoked";
      break;
    case tls_alert::certificate_expired:
      n = "certificate_expired";
      break;
    case tls_alert::certificate_unknown:
      n = "certificate_unknown";
      break;
    case tls_alert::illegal_parameter:
      n = "illegal_parameter";
      break;
    case tls_alert::unknown_ca:
      n = "unknown_ca";
      break;
    case tls_alert::access_denied:
      n = "access_denied";
      break;
    case tls_alert::decode_error:
      n = "decode_error";
      break;
    case tls_alert::decrypt_error:
      n = "decrypt_error";
      break;
    case tls_alert::protocol_version:
      n = "protocol_version";
      break;
    case tls_alert::insufficient_security:
      n = "insufficient_security";
      break;
    case tls_alert::internal_error:
      n = "internal_error";
      break;
    case tls_alert::inappropriate_fallback:
      n = "inappropriate_fallback";
      break;
    case tls_alert::user_canceled:
      n = "user_canceled";
      break;
    case tls_alert::missing_extension:
      n = "missing_extension";
      break;
    case tls_alert::unsupported_extension:
      n = "unsupported_extension";
      break;
    case tls_alert::unrecognized_name:
      n = "unrecognized_name";
      break;
    case tls_alert::certificate_required:
      n = "certificate_required";
      break;
    case tls_alert::no_application_protocol:
      n = "no_application_protocol";
      break;
  }
  if (n == nullptr) return fmt::format("alert({})", static_cast<unsigned>(a));
  return fmt::format("{}({})", n, static_cast<unsigned>(a));
}

}  // namespace sstpgw::handshake
