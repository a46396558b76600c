#include "control/control_thread/tls_identity.hh"

#include "control/certs/cert_input.hh"
#include "control/handshake/credentials.hh"

namespace sstpgw::control_thread {

std::string tls_identity::ca_pem() const { return ca ? certs::to_pem(ca.get()) : std::string(); }

tls_identity load_tls_identity(const config::gateway_config& cfg) {
  using handshake::pem_source;
  tls_identity id;
  const pem_source chain_src{.file = cfg.certificate};
  const pem_source key_src{.file = cfg.private_key};
  id.chain = handshake::load_certificates(chain_src, "[tls] certificate");
  id.key = handshake::load_private_key(key_src, "[tls] private_key");
  handshake::check_key_matches(id.chain.front().get(), id.key.get(), chain_src, key_src);
  id.leaf = certs::summarize(id.chain.front().get());

  X509* last = id.chain.back().get();
  if (!cfg.ca_certificate.empty()) {
    auto cas = handshake::load_certificates(pem_source{.file = cfg.ca_certificate}, "[tls] ca_certificate");
    if (cas.size() > 1)
      id.warnings.push_back("[tls] ca_certificate " + cfg.ca_certificate + " holds " +
                            std::to_string(cas.size()) + " certificates; client packages use the first");
    id.ca = std::move(cas.front());
    id.ca_source = "[tls] ca_certificate " + cfg.ca_certificate;
    // The CA must be the chain's last certificate or its issuer, or clients that
    // trust it will still refuse the server.
    if (X509_cmp(id.ca.get(), last) != 0 && X509_check_issued(id.ca.get(), last) != X509_V_OK)
      id.warnings.push_back(id.ca_source + " (" + certs::short_name(id.ca.get()) +
                            ") did not issue the last certificate of " + cfg.certificate + " (" +
                            certs::short_name(last) + "); clients given it will not trust the server");
  } else {
    id.ca.reset(X509_dup(last));
    if (!id.ca) throw handshake::config_error("out of memory copying the server chain");
    id.ca_source = "the last certificate of [tls] certificate " + cfg.certificate;
  }
  if (X509_check_ca(id.ca.get()) == 0)
    id.ca_problem =
        id.ca_source + " (" + certs::short_name(id.ca.get()) +
        ") is not a CA certificate, so a client package cannot carry it; set [tls] ca_certificate "
        "to the CA that issued the server certificate";
  return id;
}

}  // namespace sstpgw::control_thread
