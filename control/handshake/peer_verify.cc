#include "control/handshake/peer_verify.hh"

#include <fmt/format.h>

namespace sstpgw::handshake {

verify_decision default_peer_verify(const peer_certificates& peer) {
  if (peer.openssl_ok()) return verify_decision::accepted();
  // Keep OpenSSL's own alert for its own error (the caller sees accept=false
  // with alert left to OpenSSL: see tls_endpoint.cc).
  return verify_decision::rejected(
      tls_alert::certificate_unknown,
      fmt::format("certificate verification failed at depth {}: {}", peer.openssl_error_depth,
                  X509_verify_cert_error_string(peer.openssl_result)));
}

int x509_error_for_alert(tls_alert alert) {
  switch (alert) {
    case tls_alert::handshake_failure:
      return X509_V_ERR_APPLICATION_VERIFICATION;
    case tls_alert::bad_certificate:
      return X509_V_ERR_CERT_REJECTED;
    case tls_alert::unsupported_certificate:
      return X509_V_ERR_INVALID_PURPOSE;
    case tls_alert::certificate_revoked:
      return X509_V_ERR_CERT_REVOKED;
    case tls_alert::certificate_expired:
      return X509_V_ERR_CERT_HAS_EXPIRED;
    case tls_alert::unknown_ca:
      return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    case tls_alert::decrypt_error:
      return X509_V_ERR_CERT_SIGNATURE_FAILURE;
    case tls_alert::internal_error:
      return X509_V_ERR_UNSPECIFIED;
    default:
      // Not in OpenSSL's table: sent as certificate_unknown.
      return X509_V_ERR_SUBJECT_ISSUER_MISMATCH;
  }
}

}  // namespace sstpgw::handshake
