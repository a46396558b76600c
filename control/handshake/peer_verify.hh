// The decision point for a peer's certificate chain. OpenSSL verifies the chain
// against the context's trust roots first; a hook (the certificate store, later)
// sees the chain as presented plus OpenSSL's verdict and decides. Called once per
// handshake, only when the peer sent a non-empty chain.
#pragma once

#include <openssl/x509.h>

#include <functional>
#include <string>
#include <vector>

#include "control/handshake/ssl_context.hh"
#include "control/handshake/tls_alert.hh"

namespace sstpgw::handshake {

struct peer_certificates {
  tls_role peer_role = tls_role::client;  // who presented the chain
  std::vector<X509*> presented;           // as sent, leaf first (borrowed for the call)
  std::vector<X509*> verified;            // OpenSSL's path leaf..root; partial when it failed
  int openssl_result = X509_V_OK;         // X509_V_OK or X509_V_ERR_*
  int openssl_error_depth = 0;
  bool openssl_ok() const { return openssl_result == X509_V_OK; }
};

struct verify_decision {
  bool accept = false;
  // The alert sent on rejection. OpenSSL can send these: handshake_failure,
  // bad_certificate, unsupported_certificate, certificate_revoked,
  // certificate_expired, unknown_ca, decrypt_error, internal_error; any other
  // value is sent as certificate_unknown.
  tls_alert alert = tls_alert::bad_certificate;
  std::string reason;  // one line, ends up in the handshake failure

  static verify_decision accepted() {
    verify_decision d;
    d.accept = true;
    return d;
  }
  static verify_decision rejected(tls_alert alert, std::string reason) {
    verify_decision d;
    d.alert = alert;
    d.reason = std::move(reason);
    return d;
  }
};

using peer_verify_hook = std::function<verify_decision(const peer_certificates&)>;

// Without a hook: accept exactly when OpenSSL's verification succeeded.
verify_decision default_peer_verify(const peer_certificates& peer);

// The X509_V_ERR_* code that makes OpenSSL send `alert` (see ssl_x509err2alert).
int x509_error_for_alert(tls_alert alert);

}  // namespace sstpgw::handshake
