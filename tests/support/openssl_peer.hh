// A plain OpenSSL TLS peer over memory BIOs, configured directly with the
// OpenSSL API (not through control/handshake), so handshake tests judge our
// endpoint against OpenSSL as a real, independent peer.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "control/common/ossl.hh"
#include "control/handshake/tls_endpoint.hh"

namespace sstpgw::handshake::testing {

struct peer_config {
  bool server = false;
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string ciphersuites;  // TLS 1.3, empty = OpenSSL default
  std::string cipher_list;   // TLS 1.2, empty = OpenSSL default
  X509* cert = nullptr;      // our certificate (server: required)
  EVP_PKEY* key = nullptr;
  std::vector<X509*> chain;  // intermediates sent after cert
  X509* trust_root = nullptr;
  bool verify_peer = false;  // client: verify the server; server: require a client certificate
  std::string server_name;   // client: SNI (and verified host with verify_peer)
  int num_tickets = -1;      // server: -1 = OpenSSL default
};

class openssl_peer {
 public:
  explicit openssl_peer(const peer_config& config);

  // Drives the handshake once: 1 done, 0 wants more input, -1 failed.
  int step();
  bool done() const { return SSL_is_init_finished(ssl_.get()) == 1; }
  void put(std::span<const uint8_t> bytes);
  std::vector<uint8_t> take();
  // SSL_write of the whole buffer (one call: up to 16 KiB per record).
  void write(std::span<const uint8_t> data);
  // SSL_read until no more data; sets closed()/alert on the way.
  std::vector<uint8_t> read_all();
  bool failed() const { return failed_; }
  int last_ssl_error() const { return last_error_; }
  int alert_received() const { return alert_received_; }  // -1 if none
  SSL* ssl() { return ssl_.get(); }
  SSL_CTX* ctx() { return ctx_.get(); }
  const std::vector<std::string>& keylog_lines() const { return keylog_; }

 private:
  static void keylog_cb(const SSL* ssl, const char* line);
  static void info_cb(const SSL* ssl, int where, int ret);

  ossl::ssl_ctx_ptr ctx_;
  ossl::ssl_ptr ssl_;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  bool failed_ = false;
  int last_error_ = 0;
  int alert_received_ = -1;
  std::vector<std::string> keylog_;
};

// Moves bytes between the two until neither makes progress. True if both
// completed their handshakes.
bool run_handshake(tls_endpoint& ours, openssl_peer& peer);

}  // namespace sstpgw::handshake::testing
