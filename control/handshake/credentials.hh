// Certificates and private keys from PEM (a file or text), with the errors an
// operator can act on: which file, what is wrong with it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/common/ossl.hh"
#include "control/handshake/cipher_suites.hh"
#include "control/handshake/tls_config.hh"

namespace sstpgw::handshake {

// The PEM text of a source; `what` names it in errors ("server certificate chain").
// Throws config_error if the file cannot be read or the source is empty.
std::string read_pem(const pem_source& src, std::string_view what);
// "file /etc/x.pem" or "inline PEM": where a source came from, for messages.
std::string describe(const pem_source& src);

// Every certificate in the PEM, in order. Throws config_error if there is none
// or one does not parse.
std::vector<ossl::x509_ptr> load_certificates(const pem_source& src, std::string_view what);

// One unencrypted private key. Throws config_error (encrypted keys included:
// there is no one to type a passphrase).
ossl::evp_pkey_ptr load_private_key(const pem_source& src, std::string_view what);

// ecdsa or rsa; throws config_error for other key types (the record engine's
// TLS 1.2 suites are ECDHE-ECDSA and ECDHE-RSA only).
suite_auth key_kind_of(EVP_PKEY* key, std::string_view what);

// Throws config_error unless key is the private half of cert's public key.
void check_key_matches(X509* cert, EVP_PKEY* key, const pem_source& cert_src, const pem_source& key_src);

// "CN=vpn.example.test,O=..." (one line).
std::string subject_of(X509* cert);

}  // namespace sstpgw::handshake
