#include "control/handshake/ssl_context.hh"

#include "control/common/ossl.hh"
#include "control/handshake/cipher_suites.hh"
#include "control/handshake/connection_hooks.hh"
#include "control/handshake/credentials.hh"
#include "control/handshake/keylog.hh"

namespace sstpgw::handshake {

struct tls_context::state {
  tls_role role = tls_role::server;
  record_protection records = record_protection::offload;
  std::string server_name;
  bool verifies_peer = false;
  // Declared before ctx: destroyed after it.
  std::unique_ptr<keylog_file> keylog;
  ossl::ssl_ctx_ptr ctx;
};

namespace {

// CBC suites for TLS 1.0/1.1, only in keep contexts that allow legacy versions.
constexpr const char* kLegacyCiphers =
    "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA";

bool has_tls12(const protocol_settings& p) {
  return p.min_version <= tls_version::tls1_2 && p.max_version >= tls_version::tls1_2;
}

void check_versions(const protocol_settings& p) {
  if (p.min_version > p.max_version) {
    throw config_error("min_version " + std::string(name_of(p.min_version)) + " is above max_version " +
                       std::string(name_of(p.max_version)));
  }
  if (p.min_version >= tls_version::tls1_2) return;
  if (p.records == record_protection::offload) {
    throw config_error("min_version " + std::string(name_of(p.min_version)) +
                       " cannot be used here: this connection's records are offloaded to the record engine, "
                       "which carries only TLS 1.2/1.3 with AES-GCM; set min_version to 1.2");
  }
  if (!p.allow_legacy_versions) {
    throw config_error("min_version " + std::string(name_of(p.min_version)) +
                       " is refused: TLS below 1.2 needs allow_legacy_versions = true (and is only "
                       "possible where OpenSSL keeps the records, e.g. EAP-TLS)");
  }
}

void check(bool ok, const std::string& what) {
  if (!ok) throw config_error(what + ": " + ossl::error_string());
}

std::shared_ptr<tls_context::state> make_state(const protocol_settings& p, tls_role role) {
  check_versions(p);
  // Validates the names even where a version is out of range, so a typo never
  // waits for the day the range changes.
  const std::string tls13 = tls13_ciphersuites_string(p.tls13_ciphersuites);
  std::string tls12 = tls12_cipher_list_string(p.tls12_ciphers);

  auto s = std::make_shared<tls_context::state>();
  s->role = role;
  s->records = p.records;
  ERR_clear_error();
  s->ctx.reset(SSL_CTX_new(role == tls_role::server ? TLS_server_method() : TLS_client_method()));
  SSL_CTX* ctx = s->ctx.get();
  check(ctx != nullptr, "SSL_CTX_new");

  check(SSL_CTX_set_min_proto_version(ctx, static_cast<int>(p.min_version)) == 1, "min_version");
  check(SSL_CTX_set_max_proto_version(ctx, static_cast<int>(p.max_version)) == 1, "max_version");
  uint64_t options = SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
  if (role == tls_role::server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, options);
  SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION | SSL_OP_LEGACY_SERVER_CONNECT |
                                 SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION);
  check(SSL_CTX_set_num_tickets(ctx, 0) == 1, "num_tickets");
  SSL_CTX_set_read_ahead(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // Send exactly the configured chain; never complete it from a trust store.
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);

  check(SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) == 1, "TLS 1.3 cipher suites '" + tls13 + "'");
  if (p.min_version < tls_version::tls1_2) tls12 += std::string(":") + kLegacyCiphers + ":@SECLEVEL=0";
  check(SSL_CTX_set_cipher_list(ctx, tls12.c_str()) == 1, "TLS 1.2 ciphers '" + tls12 + "'");

  if (!p.keylog_file.empty()) s->keylog = std::make_unique<keylog_file>(p.keylog_file);
  install_connection_hooks(ctx, s->keylog.get());
  return s;
}

// Loads leaf + chain + key into ctx; returns the key kind.
suite_auth use_credentials(SSL_CTX* ctx, const pem_source& chain_src, const pem_source& key_src,
                           std::string_view who) {
  const std::string chain_what = std::string(who) + " certificate chain";
  const std::string key_what = std::string(who) + " private key";
  auto certs = load_certificates(chain_src, chain_what);
  auto key = load_private_key(key_src, key_what);
  const suite_auth kind = key_kind_of(key.get(), key_what);
  check_key_matches(certs[0].get(), key.get(), chain_src, key_src);
  check(SSL_CTX_use_certificate(ctx, certs[0].get()) == 1,
        chain_what + ": leaf '" + subject_of(certs[0].get()) + "'");
  for (size_t i = 1; i < certs.size(); ++i) {
    check(SSL_CTX_add1_chain_cert(ctx, certs[i].get()) == 1,
          chain_what + ": certificate " + std::to_string(i + 1) + " '" + subject_of(certs[i].get()) + "'");
  }
  check(SSL_CTX_use_PrivateKey(ctx, key.get()) == 1, key_what);
  check(SSL_CTX_check_private_key(ctx) == 1, key_what + " does not match the certificate");
  return kind;
}

// Loads trust roots into ctx's store; with names_to_client, also into the
// CertificateRequest's certificate_authorities list.
void use_trust_roots(SSL_CTX* ctx, const pem_source& src, std::string_view what, bool names_to_client) {
  auto roots = load_certificates(src, what);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (auto& r : roots) {
    check(X509_STORE_add_cert(store, r.get()) == 1, std::string(what) + ": '" + subject_of(r.get()) + "'");
    if (names_to_client) {
      check(SSL_CTX_add_client_CA(ctx, r.get()) == 1, std::string(what) + ": CA name");
    }
  }
}

}  // namespace

tls_context tls_context::make_server(const server_tls_config& config) {
  auto s = make_state(config.protocol, tls_role::server);
  SSL_CTX* ctx = s->ctx.get();
  if (config.certificate_chain.empty()) throw config_error("server certificate chain: not configured");
  if (config.private_key.empty()) throw config_error("server private key: not configured");
  const suite_auth kind = use_credentials(ctx, config.certificate_chain, config.private_key, "server");
  if (has_tls12(config.protocol) && tls12_suites_for(config.protocol.tls12_ciphers, kind).empty()) {
    throw config_error(std::string("no configured TLS 1.2 cipher can be used with the server's ") +
                       (kind == suite_auth::rsa ? "RSA" : "EC") + " key (ECDHE-" +
                       (kind == suite_auth::rsa ? "RSA" : "ECDSA") + "-* suites are needed)");
  }
  if (config.client_certificates != client_certificate_mode::none) {
    if (!config.client_ca.empty()) use_trust_roots(ctx, config.client_ca, "client CA roots", true);
    int mode = SSL_VERIFY_PEER;
    if (config.client_certificates == client_certificate_mode::require)
      mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
    s->verifies_peer = true;
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return tls_context(std::move(s));
}

tls_context tls_context::make_client(const client_tls_config& config) {
  auto s = make_state(config.protocol, tls_role::client);
  SSL_CTX* ctx = s->ctx.get();
  s->server_name = config.server_name;
  if (config.certificate_chain.empty() != config.private_key.empty()) {
    throw config_error("client certificate and private key must be configured together");
  }
  if (!config.certificate_chain.empty()) {
    use_credentials(ctx, config.certificate_chain, config.private_key, "client");
  }
  if (config.verify_server) {
    if (config.trust_roots.empty()) {
      throw config_error(
          "trust roots: not configured (needed to verify the server; or set verify_server = false)");
    }
    use_trust_roots(ctx, config.trust_roots, "trust roots", false);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    s->verifies_peer = true;
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return tls_context(std::move(s));
}

tls_role tls_context::role() const { return s_->role; }
record_protection tls_context::records() const { return s_->records; }
const std::string& tls_context::server_name() const { return s_->server_name; }
bool tls_context::verifies_peer() const { return s_->verifies_peer; }
SSL_CTX* tls_context::native() const { return s_->ctx.get(); }

}  // namespace sstpgw::handshake
