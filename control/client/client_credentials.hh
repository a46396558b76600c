// The client's own credentials and trust, read once at start: a certificate
// chain + key from PEM files or a PKCS#12 file (password from an environment
// variable, never the command line), and the roots the server must chain to.
// Every problem is a handshake::config_error with one line naming the file.
#pragma once

#include <string>

namespace sstpgw::client {

struct client_credentials {
  std::string certificate_chain_pem;  // leaf first, then any intermediates
  std::string private_key_pem;        // unencrypted PKCS#8
  std::string common_name;            // the leaf's subject CN ("" if none)
};

// PEM certificate (chain) file + unencrypted PEM key file; checks they match.
client_credentials load_pem_credentials(const std::string& cert_file, const std::string& key_file);
// A PKCS#12 file: its certificate, key and any CA certificates as the chain.
client_credentials load_pkcs12(const std::string& p12_file, const std::string& password);
// The value of environment variable `name` (set but possibly empty).
std::string password_from_env(const std::string& name);
// PEM text of the trust roots file, checked to hold at least one certificate.
std::string load_trust_roots(const std::string& ca_file);

}  // namespace sstpgw::client
