#include "tests/support/handshake_pki.hh"

#include <map>
#include <memory>

namespace sstpgw::handshake::testing {
namespace {

handshake_pki make(key_kind kind) {
  using sstpgw::testing::issue_cert;
  using sstpgw::testing::make_root;
  handshake_pki p;
  p.root = make_root({.common_name = "handshake test root", .key = kind});
  p.intermediate =
      issue_cert(p.root, {.common_name = "handshake test intermediate", .key = kind, .is_ca = true});
  p.server = issue_cert(
      p.intermediate,
      {.common_name = kServerName, .key = kind, .eku = {"serverAuth"}, .dns_names = {kServerName}});
  p.client = issue_cert(p.root, {.common_name = "client1", .key = kind, .eku = {"clientAuth"}});
  p.stranger_root = make_root({.common_name = "stranger root", .key = key_kind::ec_p256});
  p.stranger_client = issue_cert(
      p.stranger_root, {.common_name = "stranger", .key = key_kind::ec_p256, .eku = {"clientAuth"}});
  return p;
}

}  // namespace

const handshake_pki& pki_for(key_kind server_key) {
  static std::map<key_kind, std::unique_ptr<handshake_pki>> cache;
  auto& slot = cache[server_key];
  if (!slot) slot = std::make_unique<handshake_pki>(make(server_key));
  return *slot;
}

server_tls_config server_config(const handshake_pki& pki) {
  server_tls_config c;
  c.certificate_chain.pem = pki.server_chain_pem();
  c.private_key.pem = pki.server.key_pem();
  return c;
}

client_tls_config client_config(const handshake_pki& pki) {
  client_tls_config c;
  c.trust_roots.pem = pki.root.cert_pem();
  c.server_name = kServerName;
  return c;
}

}  // namespace sstpgw::handshake::testing
