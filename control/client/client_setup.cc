#include "control/client/client_setup.hh"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/auth/eap_tls_context.hh"
#include "control/client/client_error.hh"

namespace sstpgw::client {

namespace {

client_credentials read_credentials(const client_options& o) {
  try {
    if (!o.p12_file.empty()) return load_pkcs12(o.p12_file, password_from_env(o.password_env));
    return load_pem_credentials(o.cert_file, o.key_file);
  } catch (const handshake::config_error& e) {
    throw client_error(exit_status::local_config, e.what());
  }
}

std::string read_roots(const client_options& o) {
  try {
    return load_trust_roots(o.ca_file);
  } catch (const handshake::config_error& e) {
    throw client_error(exit_status::local_config, e.what());
  }
}

handshake::tls_context make_outer(const client_options& o, const std::string& roots) {
  handshake::client_tls_config c;
  c.protocol.max_version = o.tls_max;
  c.protocol.records = handshake::record_protection::keep;
  c.protocol.keylog_file = o.keylog_file;
  c.trust_roots.pem = roots;
  c.verify_server = true;
  c.server_name = o.server_name();
  try {
    return handshake::tls_context::make_client(c);
  } catch (const handshake::config_error& e) {
    throw client_error(exit_status::local_config, std::string("outer TLS: ") + e.what());
  }
}

// Both TLS contexts append to the key log; say which option is wrong before either opens it.
void check_keylog(const std::string& path) {
  if (path.empty()) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    throw client_error(exit_status::local_config,
                       "--keylog " + path + ": cannot open: " + std::strerror(errno));
  ::close(fd);
}

handshake::tls_context make_eap(const client_options& o, const client_credentials& cred,
                                const std::string& roots) {
  check_keylog(o.keylog_file);
  auth::eap_tls_client_settings s;
  s.certificate_chain.pem = cred.certificate_chain_pem;
  s.private_key.pem = cred.private_key_pem;
  s.trust_roots.pem = roots;
  s.verify_server = true;
  s.server_name = o.server_name();
  s.max_version = o.eap_tls_max;
  s.keylog_file = o.keylog_file;
  try {
    return auth::make_eap_tls_client_context(s);
  } catch (const handshake::config_error& e) {
    throw client_error(exit_status::local_config, std::string("EAP-TLS: ") + e.what());
  }
}

}  // namespace

client_setup::client_setup(const client_options& o)
    : credentials_(read_credentials(o)),
      trust_roots_(read_roots(o)),
      identity_(!o.identity.empty()                 ? o.identity
                : !credentials_.common_name.empty() ? credentials_.common_name
                                                    : std::string("client")),
      eap_(make_eap(o, credentials_, trust_roots_)),
      tunnel_{.outer_tls = make_outer(o, trust_roots_), .server_name = o.server_name()} {
  sessions::client_session_config& s = tunnel_.session;
  s.host = o.server_name();
  s.eap_identity = identity_;
  s.eap_tls = &eap_;
  s.hlak = o.hlak;
  s.call.name = "sstp-client";
  tunnel_.setup_timeout = o.timeout;
}

}  // namespace sstpgw::client
