// The per-session configuration every server session shares, from the
// gateway's configuration file: the outer TLS context (handshake offloaded to
// the workers, the configured chain sent in full), the EAP-TLS server with the
// same server certificate (as Azure's gateway does) judged by the certificate
// store, SSTP timers and hashes, LCP's MRU, the pool, our end of the PPP link
// and the DNS servers IPCP hands out.
#pragma once

#include "control/auth/eap_tls_context.hh"
#include "control/config/gateway_config.hh"
#include "control/handshake/ssl_context.hh"
#include "control/pool/ip_pool.hh"
#include "control/sessions/server_session.hh"

namespace sstpgw::gateway {

// Throws handshake::config_error (unreadable file, key mismatch, ...).
handshake::tls_context make_outer_tls(const config::gateway_config& cfg);
auth::eap_tls_server_settings eap_tls_settings(const config::gateway_config& cfg);

// Our end of the PPP link (IPCP's local address): the gateway's VNet address,
// the next hop the client's routes point at. Throws config::config_error.
ipv4_address ppp_local_address(const config::gateway_config& cfg);

sessions::server_session_config make_session_config(const config::gateway_config& cfg,
                                                    handshake::tls_context outer_tls,
                                                    auth::eap_tls_server_factory* eap_tls,
                                                    pool::ip_pool* pool);

}  // namespace sstpgw::gateway
