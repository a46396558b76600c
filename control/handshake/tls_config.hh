// What the operator (or a test, or the load generator) says about a TLS context:
// protocol versions, cipher suites, credentials, client certificates, key log.
// Plain data; ssl_context.hh turns it into an SSL_CTX or a clear config_error.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sstpgw::handshake {

// Thrown by the context builder (start-up / reconfiguration only, never per peer).
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class tls_version : uint16_t {
  tls1_0 = 0x0301,
  tls1_1 = 0x0302,
  tls1_2 = 0x0303,
  tls1_3 = 0x0304,
};

// "1.0" .. "1.3", also "TLSv1.2" / "tls1.2"; nullopt if unknown.
std::optional<tls_version> parse_tls_version(std::string_view text);
std::string_view name_of(tls_version v);  // "TLSv1.2"

// Who protects the records once the handshake is done.
enum class record_protection {
  // The worker's record engine (SSTP outer TLS): keys are exported and OpenSSL
  // sees no more records. Only TLS 1.2/1.3 with AES-GCM can be offloaded.
  offload,
  // OpenSSL keeps protecting records over the same memory BIOs (EAP-TLS inside PPP).
  keep,
};

enum class client_certificate_mode { none, request, require };

struct protocol_settings {
  tls_version min_version = tls_version::tls1_2;
  tls_version max_version = tls_version::tls1_3;
  // TLS 1.0/1.1 are refused unless this is set, and even then only with
  // record_protection::keep: the record engine cannot carry them (no AES-GCM).
  bool allow_legacy_versions = false;
  record_protection records = record_protection::offload;
  // Subsets of the suites the record engine supports (cipher_suites.hh), in
  // server preference order. Empty list = all supported, default order.
  std::vector<std::string> tls13_ciphersuites;
  std::vector<std::string> tls12_ciphers;
  // NSS key log file (SSLKEYLOGFILE format), appended, mode 0600. Empty: none.
  // Secrets on disk: only when the operator asks for it, for debugging.
  std::string keylog_file;
};

// PEM from a file, or PEM text given directly (tests, the certificate store).
// The file wins when both are set.
struct pem_source {
  std::string file;
  std::string pem;
  bool empty() const { return file.empty() && pem.empty(); }
};

struct server_tls_config {
  protocol_settings protocol;
  // Leaf first, then the intermediates; all of them are sent (no automatic chain
  // building from the trust store).
  pem_source certificate_chain;
  pem_source private_key;  // unencrypted PEM (PKCS#8 or traditional), EC or RSA
  client_certificate_mode client_certificates = client_certificate_mode::none;
  // Roots client certificates are verified against; their subject names are sent
  // in the CertificateRequest (Windows picks a client certificate by them).
  pem_source client_ca;
};

struct client_tls_config {
  protocol_settings protocol;
  pem_source trust_roots;  // required when verify_server is set
  bool verify_server = true;
  // SNI and, with verify_server, the name the server certificate must match.
  std::string server_name;
  pem_source certificate_chain;  // optional client certificate (+ chain)
  pem_source private_key;
};

}  // namespace sstpgw::handshake
