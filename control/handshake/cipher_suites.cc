#include "control/handshake/cipher_suites.hh"

#include <openssl/ssl.h>

#include <array>

namespace sstpgw::handshake {
namespace {

using tls::aead_algorithm;

constexpr std::array<offload_suite, 6> kSuites = {{
    {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", 0x1302, tls_version::tls1_3,
     aead_algorithm::aes_256_gcm, suite_auth::any},
    {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", 0x1301, tls_version::tls1_3,
     aead_algorithm::aes_128_gcm, suite_auth::any},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, tls_version::tls1_2,
     aead_algorithm::aes_256_gcm, suite_auth::ecdsa},
    {"ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, tls_version::tls1_2,
     aead_algorithm::aes_256_gcm, suite_auth::rsa},
    {"ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, tls_version::tls1_2,
     aead_algorithm::aes_128_gcm, suite_auth::ecdsa},
    {"ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, tls_version::tls1_2,
     aead_algorithm::aes_128_gcm, suite_auth::rsa},
}};

std::string supported_names(tls_version v) {
  std::string out;
  for (const auto& s : kSuites) {
    if (s.version != v) continue;
    if (!out.empty()) out += ", ";
    out += s.openssl_name;
  }
  return out;
}

std::vector<const offload_suite*> resolve(const std::vector<std::string>& names, tls_version v) {
  std::vector<const offload_suite*> out;
  if (names.empty()) {
    for (const auto& s : kSuites)
      if (s.version == v) out.push_back(&s);
    return out;
  }
  for (const auto& n : names) {
    const offload_suite* s = find_offload_suite(n);
    if (s == nullptr || s->version != v) {
      throw config_error("cipher suite '" + n + "' is not a " + std::string(name_of(v)) +
                         " suite the record engine supports (supported: " + supported_names(v) + ")");
    }
    for (const auto* seen : out)
      if (seen == s) throw config_error("cipher suite '" + n + "' is listed twice");
    out.push_back(s);
  }
  return out;
}

std::string join(const std::vector<const offload_suite*>& suites) {
  std::string out;
  for (const auto* s : suites) {
    if (!out.empty()) out += ':';
    out += s->openssl_name;
  }
  return out;
}

}  // namespace

std::span<const offload_suite> offload_suites() { return kSuites; }

const offload_suite* find_offload_suite(std::string_view name) {
  for (const auto& s : kSuites)
    if (s.openssl_name == name || s.iana_name == name) return &s;
  return nullptr;
}

const offload_suite* find_offload_suite(uint16_t id) {
  for (const auto& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

const offload_suite* find_offload_suite(const SSL_CIPHER* cipher) {
  if (cipher == nullptr) return nullptr;
  return find_offload_suite(SSL_CIPHER_get_protocol_id(cipher));
}

std::string tls13_ciphersuites_string(const std::vector<std::string>& names) {
  return join(resolve(names, tls_version::tls1_3));
}

std::string tls12_cipher_list_string(const std::vector<std::string>& names) {
  return join(resolve(names, tls_version::tls1_2));
}

std::vector<const offload_suite*> tls12_suites_for(const std::vector<std::string>& names, suite_auth key) {
  std::vector<const offload_suite*> out;
  for (const auto* s : resolve(names, tls_version::tls1_2))
    if (s->auth == key) out.push_back(s);
  return out;
}

}  // namespace sstpgw::handshake
