// Builds OpenSSL contexts from configuration: the server context for SSTP's
// outer TLS (keys offloaded to the worker) or EAP-TLS (records kept in
// OpenSSL), and the client context for the test client and load generator.
// Every configuration mistake is a config_error with one line that names it.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "control/handshake/tls_config.hh"

namespace sstpgw::handshake {

enum class tls_role { server, client };

class keylog_file;

// A built context; cheap to copy (shared). Endpoints keep a copy, so the
// context outlives every connection made from it.
//
// What every context enforces: TLS 1.2/1.3 (older only for keep contexts that
// explicitly allow them), only the AES-GCM suites the record engine supports,
// no session tickets (SSL_OP_NO_TICKET, num_tickets 0: a ticket would consume
// a server record sequence number the worker does not know about), no session
// cache, no renegotiation, no compression, no read-ahead (OpenSSL must not
// swallow the records that follow the handshake).
class tls_context {
 public:
  static tls_context make_server(const server_tls_config& config);  // throws config_error
  static tls_context make_client(const client_tls_config& config);  // throws config_error

  tls_role role() const;
  record_protection records() const;
  const std::string& server_name() const;  // client contexts: SNI / expected name
  bool verifies_peer() const;              // client certificates requested / server verified
  // The OpenSSL context, for tests and for settings this class does not model.
  SSL_CTX* native() const;

  struct state;  // opaque: defined in ssl_context.cc

 private:
  explicit tls_context(std::shared_ptr<const state> s) : s_(std::move(s)) {}
  std::shared_ptr<const state> s_;
};

}  // namespace sstpgw::handshake
