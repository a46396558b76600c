#include "control/auth/eap_tls_context.hh"

#include <utility>

#include "control/auth/endpoint_tls_session.hh"
#include "control/handshake/tls_endpoint.hh"

namespace sstpgw::auth {

namespace {

handshake::tls_context make_server_context(const eap_tls_server_settings& s) {
  handshake::server_tls_config c;
  c.protocol.min_version = s.min_version;
  c.protocol.max_version = s.max_version;
  c.protocol.records = handshake::record_protection::keep;
  c.protocol.keylog_file = s.keylog_file;
  c.certificate_chain = s.certificate_chain;
  c.private_key = s.private_key;
  // No roots in the context: the store's verdict is the only one that counts
  // (OpenSSL's own, against an empty store, is ignored by the hook).
  c.client_certificates = handshake::client_certificate_mode::require;
  return handshake::tls_context::make_server(c);
}

}  // namespace

handshake::tls_alert alert_for(certs::verify_status s) {
  using certs::verify_status;
  switch (s) {
    case verify_status::untrusted_root:
      return handshake::tls_alert::unknown_ca;
    case verify_status::expired:
      return handshake::tls_alert::certificate_expired;
    case verify_status::revoked:
      return handshake::tls_alert::certificate_revoked;
    case verify_status::no_eku:
    case verify_status::missing_client_auth:
    case verify_status::issuer_eku:
      return handshake::tls_alert::unsupported_certificate;
    case verify_status::bad_signature:
      return handshake::tls_alert::decrypt_error;
    case verify_status::no_certificate:
      return handshake::tls_alert::handshake_failure;
    default:  // not_yet_valid, leaf_is_root, invalid_chain
      return handshake::tls_alert::bad_certificate;
  }
}

eap_tls_server_factory::eap_tls_server_factory(const eap_tls_server_settings& settings,
                                               const certs::cert_store& store)
    : context_(make_server_context(settings)), store_(store) {}

std::unique_ptr<tls_session> eap_tls_server_factory::make(std::function<int64_t()> now,
                                                          verify_observer observer) {
  // The CertificateRequest's names: SSL_new copies the context's list, so a
  // refresh here concerns handshakes that start from now on.
  if (names_generation_ != store_.generation()) {
    SSL_CTX_set_client_CA_list(context_.native(), store_.make_client_ca_list());
    names_generation_ = store_.generation();
  }
  handshake::endpoint_options options;
  options.verify_peer = [store = &store_, now = std::move(now),
                         observer = std::move(observer)](const handshake::peer_certificates& peer) {
    certs::verify_result r = store->verify(std::span<X509* const>(peer.presented), now ? now() : 0);
    if (observer) observer(r);
    if (r.ok()) return handshake::verify_decision::accepted();
    return handshake::verify_decision::rejected(alert_for(r.status),
                                                std::string(certs::to_string(r.status)) + ": " + r.reason);
  };
  return std::make_unique<endpoint_tls_session>(context_, std::move(options));
}

handshake::tls_context make_eap_tls_client_context(const eap_tls_client_settings& s) {
  handshake::client_tls_config c;
  c.protocol.min_version = s.min_version;
  c.protocol.max_version = s.max_version;
  c.protocol.records = handshake::record_protection::keep;
  c.protocol.keylog_file = s.keylog_file;
  c.trust_roots = s.trust_roots;
  c.verify_server = s.verify_server;
  c.server_name = s.server_name;
  c.certificate_chain = s.certificate_chain;
  c.private_key = s.private_key;
  return handshake::tls_context::make_client(c);
}

std::unique_ptr<tls_session> make_eap_tls_client_session(const handshake::tls_context& context) {
  return std::make_unique<endpoint_tls_session>(context);
}

}  // namespace sstpgw::auth
