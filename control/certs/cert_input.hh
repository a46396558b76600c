// Certificates as operators hand them over. Azure's portal takes a root as the
// Base64 of its DER without PEM armour; Windows exports ".cer" as DER or as
// "Base-64 encoded X.509" (PEM); OpenSSL users have PEM files and bundles.
// All of them are accepted here and give the same X509 objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "control/common/ossl.hh"

namespace sstpgw::certs {

inline constexpr size_t kMaxCertInputBytes = 1u << 20;
inline constexpr size_t kMaxCertsPerInput = 32;

enum class cert_encoding { pem, der, base64 };
std::string_view to_string(cert_encoding e);

struct parsed_certs {
  std::vector<ossl::x509_ptr> certs;  // in input order
  cert_encoding encoding = cert_encoding::der;
  std::string error;  // one line; empty on success

  bool ok() const { return error.empty(); }
};

// Parses one certificate or several from PEM (any number of CERTIFICATE blocks,
// text around them ignored), binary DER (exactly one certificate, no trailing
// bytes) or Base64 of DER without armour (whitespace and line breaks allowed,
// padding optional). A UTF-8 byte-order mark is skipped. Private keys, encrypted
// PEM, PKCS#7 bundles and anything else are refused with a reason.
parsed_certs parse_certificates(std::span<const uint8_t> input);
parsed_certs parse_certificates(std::string_view input);


// DER of a certificate.
std::vector<uint8_t> to_der(X509* cert);
// PEM of a certificate.
std::string to_pem(X509* cert);

}  // namespace sstpgw::certs
