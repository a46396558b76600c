// Certificates the handshake tests share: root -> intermediate -> server leaf
// (so "the full chain is sent" is visible), a client leaf under the same root,
// and a client leaf under an unrelated root. Made once per key kind per process.
#pragma once

#include <string>

#include "control/handshake/tls_config.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::handshake::testing {

using sstpgw::testing::issued_cert;
using sstpgw::testing::key_kind;

inline constexpr const char* kServerName = "vpn.example.test";

struct handshake_pki {
  issued_cert root;
  issued_cert intermediate;
  issued_cert server;  // issued by intermediate, DNS vpn.example.test
  issued_cert client;  // issued by root, clientAuth
  issued_cert stranger_root;
  issued_cert stranger_client;  // issued by stranger_root

  std::string server_chain_pem() const { return server.cert_pem() + intermediate.cert_pem(); }
};

const handshake_pki& pki_for(key_kind server_key);

// Server config with inline PEM credentials, TLS 1.2-1.3, offload.
server_tls_config server_config(const handshake_pki& pki);
// Client config trusting pki.root, server name vpn.example.test.
client_tls_config client_config(const handshake_pki& pki);

}  // namespace sstpgw::handshake::testing
