// Certificates for tests, made in memory with OpenSSL: a root CA, intermediates,
// server and client leaves with the EKUs, validity windows and key types a test
// asks for. Tests never depend on checked-in certificates that expire.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/common/ossl.hh"

namespace sstpgw::testing {

enum class key_kind { ec_p256, rsa2048 };

struct cert_spec {
  std::string common_name = "test";
  key_kind key = key_kind::ec_p256;
  bool is_ca = false;
  // Extended key usages by OpenSSL short name: "serverAuth", "clientAuth". Empty: no EKU extension.
  std::vector<std::string> eku;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  // Validity relative to now, in seconds.
  long not_before = -3600;
  long not_after = 365L * 24 * 3600;
};

struct issued_cert {
  ossl::x509_ptr cert;
  ossl::evp_pkey_ptr key;

  std::string cert_pem() const;
  std::string key_pem() const;
  std::vector<uint8_t> cert_der() const;
  // SHA-1 over the DER certificate, uppercase hex: what Windows calls the thumbprint.
  std::string sha1_thumbprint() const;
};

// A self-signed CA certificate.
issued_cert make_root(const cert_spec& spec);
// A certificate for spec.common_name signed by issuer.
issued_cert issue_cert(const issued_cert& issuer, const cert_spec& spec);

// A ready-made PKI: root -> server leaf (serverAuth, DNS "vpn.example.test") and
// root -> client leaf (clientAuth), both EC P-256 unless asked otherwise.
struct test_pki {
  issued_cert root;
  issued_cert server;
  issued_cert client;
};
test_pki make_test_pki(key_kind kind = key_kind::ec_p256);

// Writes text to a file (tests that hand PEM paths to the code under test).
void write_file(const std::string& path, const std::string& text);

}  // namespace sstpgw::testing
