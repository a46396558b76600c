// The gateway's own TLS identity as the control thread holds it: the server
// chain and key the handshakes present, and the CA certificate a client must
// trust to accept that chain (it goes into the client package).
#pragma once

#include <string>
#include <vector>

#include "control/certs/cert_summary.hh"
#include "control/common/ossl.hh"
#include "control/config/gateway_config.hh"

namespace sstpgw::control_thread {

struct tls_identity {
  std::vector<ossl::x509_ptr> chain;  // leaf first, as configured
  ossl::evp_pkey_ptr key;             // matches chain.front()
  certs::cert_summary leaf;           // for `status`
  // The CA for client packages: [tls] ca_certificate, or else the chain's last
  // certificate.
  ossl::x509_ptr ca;
  std::string ca_source;  // where `ca` came from, for messages
  // "" if `ca` can go into a client package; else why not (the package command
  // refuses with this line, the gateway still serves).
  std::string ca_problem;
  std::vector<std::string> warnings;  // logged at start

  std::string ca_pem() const;
};

// Loads [tls] certificate, private_key and ca_certificate; throws
// handshake::config_error naming the file and the problem (unreadable, no
// certificate, key does not match the leaf, encrypted key).
tls_identity load_tls_identity(const config::gateway_config& cfg);

}  // namespace sstpgw::control_thread
