// What an operator sees of a certificate: names, fingerprints, validity, kind.
#pragma once

#include <cstdint>
#include <string>

#include "control/certs/thumbprint.hh"
#include "control/common/ossl.hh"

namespace sstpgw::certs {

struct cert_summary {
  std::string subject;  // "CN=client1, O=Example" (most specific first, as Windows shows it)
  std::string issuer;
  std::string common_name;  // CN if present, else the subject; for short messages
  thumbprint sha1;
  std::string sha256;      // 64 uppercase hex digits
  std::string serial;      // uppercase hex
  std::string key;         // "EC P-256", "RSA 2048", ...
  int64_t not_before = 0;  // Unix seconds, UTC
  int64_t not_after = 0;
  bool is_ca = false;        // usable as an issuer (OpenSSL's X509_check_ca)
  bool self_signed = false;  // issuer == subject and the signature verifies with its own key
};

cert_summary summarize(X509* cert);

// "CN=client1, O=Example".
std::string name_line(const X509_NAME* name);
// The CN of the subject, or the whole subject if it has none.
std::string short_name(X509* cert);
// Unix seconds of an ASN1_TIME; false if it cannot be read.
bool asn1_time_to_unix(const ASN1_TIME* t, int64_t& out);
// "2030-01-31T12:00:00Z".
std::string format_time(int64_t unix_seconds);

}  // namespace sstpgw::certs
