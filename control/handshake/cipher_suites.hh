// The cipher suites the worker's record engine can carry (AES-GCM, TLS 1.2 and
// 1.3), how configuration names map onto them, and which one a finished
// handshake negotiated. Nothing outside this table is ever offered for an
// offloaded connection.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "control/handshake/tls_config.hh"
#include "dataplane/tls/keys.hh"

struct ssl_cipher_st;  // SSL_CIPHER

namespace sstpgw::handshake {

// TLS 1.2 suites authenticate with one kind of server key; TLS 1.3 suites with any.
enum class suite_auth { any, ecdsa, rsa };

struct offload_suite {
  std::string_view openssl_name;  // "ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"
  std::string_view iana_name;     // "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
  uint16_t id;                    // IANA code point
  tls_version version;            // tls1_2 or tls1_3
  tls::aead_algorithm aead;
  suite_auth auth;
};

// All supported suites, in the default server preference order.
std::span<const offload_suite> offload_suites();

// By OpenSSL or IANA name (case-sensitive), or by code point; nullptr if unsupported.
const offload_suite* find_offload_suite(std::string_view name);
const offload_suite* find_offload_suite(uint16_t id);
// The suite a handshake negotiated; nullptr if the record engine cannot carry it.
const offload_suite* find_offload_suite(const ssl_cipher_st* cipher);

// OpenSSL's SSL_CTX_set_ciphersuites / SSL_CTX_set_cipher_list strings for a
// configured subset (empty = all, default order). Throws config_error naming the
// offending entry when a name is unknown or belongs to the other version.
std::string tls13_ciphersuites_string(const std::vector<std::string>& names);
std::string tls12_cipher_list_string(const std::vector<std::string>& names);

// The configured TLS 1.2 suites usable with a server key of this kind.
std::vector<const offload_suite*> tls12_suites_for(const std::vector<std::string>& names, suite_auth key);

}  // namespace sstpgw::handshake
