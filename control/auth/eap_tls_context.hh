// The TLS contexts of EAP-TLS inside PPP, on the handshake engine with records
// kept in OpenSSL:
//  - server: our certificate, a client certificate required, and the
//    certificate store as the only judge of the client's chain (roots, dates,
//    clientAuth EKU, revoked thumbprints) at the time the session passes in.
//    The CertificateRequest names the store's current roots, so Windows offers
//    a certificate that chains to one of them. TLS 1.2 by default (what pppd
//    and Windows Server interoperate with), TLS 1.3 (RFC 9190) on request.
//  - client (test client, load generator): a client certificate and the trust
//    roots the server's certificate must chain to.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "control/auth/tls_session.hh"
#include "control/certs/cert_store.hh"
#include "control/handshake/ssl_context.hh"
#include "control/handshake/tls_alert.hh"
#include "control/handshake/tls_config.hh"

namespace sstpgw::auth {

struct eap_tls_server_settings {
  handshake::pem_source certificate_chain;  // leaf first (Azure uses the SSTP server certificate)
  handshake::pem_source private_key;
  handshake::tls_version min_version = handshake::tls_version::tls1_2;
  handshake::tls_version max_version = handshake::tls_version::tls1_2;  // tls1_3: RFC 9190
  std::string keylog_file;  // NSS key log for debugging; empty: none
};

// What the store said about a client's chain, whether accepted or not.
using verify_observer = std::function<void(const certs::verify_result&)>;

class eap_tls_server_factory {
 public:
  // Throws handshake::config_error for an unusable certificate or key. The
  // store must outlive the factory and every session made from it.
  eap_tls_server_factory(const eap_tls_server_settings& settings, const certs::cert_store& store);

  // A server session for one EAP-TLS authentication. `now` gives the Unix time
  // the chain is verified at (the session's clock, passed in); `observer`
  // hears the verdict (the session keeps the credentials for later store events).
  std::unique_ptr<tls_session> make(std::function<int64_t()> now, verify_observer observer = {});

  const handshake::tls_context& context() const { return context_; }

 private:
  handshake::tls_context context_;
  const certs::cert_store& store_;
  uint64_t names_generation_ = UINT64_MAX;  // store generation the CA name list was built from
};

// The TLS alert a refused chain is answered with.
handshake::tls_alert alert_for(certs::verify_status s);

struct eap_tls_client_settings {
  handshake::pem_source certificate_chain;  // both empty: no client certificate (negative tests)
  handshake::pem_source private_key;
  handshake::pem_source trust_roots;
  bool verify_server = true;
  std::string server_name;  // checked against the server certificate when verifying
  handshake::tls_version min_version = handshake::tls_version::tls1_2;
  handshake::tls_version max_version = handshake::tls_version::tls1_3;
  std::string keylog_file;
};

// Throws handshake::config_error.
handshake::tls_context make_eap_tls_client_context(const eap_tls_client_settings& settings);
std::unique_ptr<tls_session> make_eap_tls_client_session(const handshake::tls_context& context);

}  // namespace sstpgw::auth
