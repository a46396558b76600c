// From the command line to what a tunnel needs: credentials and trust read
// from files, the outer TLS client context (keep mode, server name verified),
// the EAP-TLS client context, and the session configuration. Every problem is
// a client_error with exit_status::local_config and one line.
#pragma once

#include <memory>

#include "control/client/client_credentials.hh"
#include "control/client/client_options.hh"
#include "control/client/tunnel_client.hh"
#include "control/handshake/ssl_context.hh"

namespace sstpgw::client {

class client_setup {
 public:
  explicit client_setup(const client_options& o);
  client_setup(const client_setup&) = delete;
  client_setup& operator=(const client_setup&) = delete;

  const client_credentials& credentials() const { return credentials_; }
  const std::string& identity() const { return identity_; }
  // The tunnel's configuration; its session points at this object's EAP context.
  const tunnel_client_config& tunnel() const { return tunnel_; }

 private:
  client_credentials credentials_;
  std::string trust_roots_;
  std::string identity_;
  handshake::tls_context eap_;
  tunnel_client_config tunnel_;
};

}  // namespace sstpgw::client
