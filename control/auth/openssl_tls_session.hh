// tls_session over plain OpenSSL with memory BIOs: the stand-in until the
// handshake helper's tls_endpoint lands. Also builds the SSL_CTX for either
// side of EAP-TLS: TLS 1.2 by default, 1.3 on request; the server demands a
// client certificate chaining to the trusted roots (SSL_VERIFY_PEER |
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT) and then runs the certificate store's hook.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "control/auth/tls_session.hh"
#include "control/common/ossl.hh"

namespace sstpgw::auth {

// Checks after OpenSSL verified the chain to a trusted root (EKU, revocation
// by thumbprint, ...): "" accepts; anything else is the reason to refuse.
using certificate_check = std::function<std::string(X509* leaf, STACK_OF(X509) * verified_chain)>;

struct eap_tls_server_settings {
  X509* certificate = nullptr;
  EVP_PKEY* key = nullptr;
  std::vector<X509*> chain;             // intermediates sent after the leaf
  X509_STORE* trusted_roots = nullptr;  // client certificates must chain to these
  uint16_t min_version = kTls12;
  uint16_t max_version = kTls12;  // kTls13 to offer TLS 1.3 (RFC 9190)
};

struct eap_tls_client_settings {
  X509* certificate = nullptr;  // nullptr: no client certificate (negative tests)
  EVP_PKEY* key = nullptr;
  std::vector<X509*> chain;
  X509_STORE* trusted_roots = nullptr;  // the server certificate must chain to these
  uint16_t min_version = kTls12;
  uint16_t max_version = kTls13;
};

// Throw std::runtime_error on bad configuration (init time only).
ossl::ssl_ctx_ptr make_eap_tls_server_ctx(const eap_tls_server_settings& s);
ossl::ssl_ctx_ptr make_eap_tls_client_ctx(const eap_tls_client_settings& s);

class openssl_tls_session final : public tls_session {
 public:
  static std::unique_ptr<openssl_tls_session> server(SSL_CTX* ctx, certificate_check check = {});
  // expected_server_name: checked against the server certificate when not empty.
  static std::unique_ptr<openssl_tls_session> client(SSL_CTX* ctx,
                                                     const std::string& expected_server_name = {});
  ~openssl_tls_session() override;

  void start() override;
  void feed(std::span<const uint8_t> records) override;
  std::vector<uint8_t> take_output() override;
  tls_state state() const override { return state_; }
  std::string failure_reason() const override { return reason_; }
  uint16_t version() const override;
  bool export_keying_material(std::span<uint8_t> out, std::string_view label,
                              std::span<const uint8_t> context, bool use_context) override;
  void write_app(std::span<const uint8_t> data) override;
  std::vector<uint8_t> read_app() override { return std::exchange(app_in_, {}); }
  std::string peer_subject() const override;

  // For tests that compare against OpenSSL's own view of the session.
  SSL* native_handle() const { return ssl_.get(); }

  // Installed on both contexts: records which check failed, runs check_ at depth 0.
  static int verify_callback(int ok, X509_STORE_CTX* store_ctx);

 private:
  openssl_tls_session(SSL_CTX* ctx, bool is_server);
  void advance();
  void fail(int ssl_error);

  ossl::ssl_ptr ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;
  bool is_server_;
  tls_state state_ = tls_state::handshaking;
  certificate_check check_;
  std::string verify_reason_;
  std::string reason_;
  std::vector<uint8_t> app_in_;
};

}  // namespace sstpgw::auth
