#include "control/auth/openssl_tls_session.hh"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

#include "dataplane/common/log.hh"

namespace sstpgw::auth {

namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("EAP-TLS context: ") + what + ": " + ossl::error_string());
}

int session_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string one_line(X509_NAME* name) {
  if (!name) return {};
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

void use_identity(SSL_CTX* ctx, X509* cert, EVP_PKEY* key, const std::vector<X509*>& chain) {
  if (!cert) return;
  require(SSL_CTX_use_certificate(ctx, cert) == 1, "certificate");
  require(key && SSL_CTX_use_PrivateKey(ctx, key) == 1, "private key");
  require(SSL_CTX_check_private_key(ctx) == 1, "key does not match certificate");
  for (X509* c : chain) require(SSL_CTX_add1_chain_cert(ctx, c) == 1, "chain certificate");
}

void common_settings(SSL_CTX* ctx, uint16_t min_version, uint16_t max_version, X509_STORE* roots) {
  require(SSL_CTX_set_min_proto_version(ctx, min_version) == 1, "minimum version");
  require(SSL_CTX_set_max_proto_version(ctx, max_version) == 1, "maximum version");
  require(roots != nullptr, "no trusted roots");
  require(SSL_CTX_set1_verify_cert_store(ctx, roots) == 1, "trusted roots");
  // No resumption: no tickets, no cache, so nothing is sent after the
  // handshake that EAP-TLS does not expect (RFC 9190 §2.1.2 makes it optional).
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

}  // namespace

ossl::ssl_ctx_ptr make_eap_tls_server_ctx(const eap_tls_server_settings& s) {
  ossl::ssl_ctx_ptr ctx(SSL_CTX_new(TLS_server_method()));
  require(ctx != nullptr, "SSL_CTX_new");
  require(s.certificate != nullptr, "no server certificate");
  use_identity(ctx.get(), s.certificate, s.key, s.chain);
  common_settings(ctx.get(), s.min_version, s.max_version, s.trusted_roots);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     &openssl_tls_session::verify_callback);
  // Name the acceptable roots in the CertificateRequest so clients (Windows
  // among them) offer a certificate that chains to one of them.
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  require(names != nullptr, "CA name list");
  STACK_OF(X509_OBJECT)* objs = X509_STORE_get0_objects(s.trusted_roots);
  for (int i = 0; i < sk_X509_OBJECT_num(objs); ++i) {
    X509* root = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
    if (root) sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(root)));
  }
  SSL_CTX_set_client_CA_list(ctx.get(), names);
  return ctx;
}

ossl::ssl_ctx_ptr make_eap_tls_client_ctx(const eap_tls_client_settings& s) {
  ossl::ssl_ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
  require(ctx != nullptr, "SSL_CTX_new");
  use_identity(ctx.get(), s.certificate, s.key, s.chain);
  common_settings(ctx.get(), s.min_version, s.max_version, s.trusted_roots);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, &openssl_tls_session::verify_callback);
  return ctx;
}

openssl_tls_session::openssl_tls_session(SSL_CTX* ctx, bool is_server) : is_server_(is_server) {
  ssl_.reset(SSL_new(ctx));
  if (!ssl_) throw std::runtime_error("SSL_new: " + ossl::error_string());
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  if (!rbio_ || !wbio_) {
    BIO_free(rbio_);
    BIO_free(wbio_);
    throw std::runtime_error("BIO_new: " + ossl::error_string());
  }
  SSL_set_bio(ssl_.get(), rbio_, wbio_);
  SSL_set_ex_data(ssl_.get(), session_index(), this);
  if (is_server)
    SSL_set_accept_state(ssl_.get());
  else
    SSL_set_connect_state(ssl_.get());
}

openssl_tls_session::~openssl_tls_session() = default;

std::unique_ptr<openssl_tls_session> openssl_tls_session::server(SSL_CTX* ctx, certificate_check check) {
  std::unique_ptr<openssl_tls_session> s(new openssl_tls_session(ctx, true));
  s->check_ = std::move(check);
  return s;
}

std::unique_ptr<openssl_tls_session> openssl_tls_session::client(SSL_CTX* ctx,
                                                                 const std::string& expected_server_name) {
  std::unique_ptr<openssl_tls_session> s(new openssl_tls_session(ctx, false));
  if (!expected_server_name.empty() && SSL_set1_host(s->ssl_.get(), expected_server_name.c_str()) != 1)
    throw std::runtime_error("SSL_set1_host: " + ossl::error_string());
  return s;
}

int openssl_tls_session::verify_callback(int ok, X509_STORE_CTX* store_ctx) {
  SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = ssl ? static_cast<openssl_tls_session*>(SSL_get_ex_data(ssl, session_index())) : nullptr;
  if (!self) return ok;
  const int depth = X509_STORE_CTX_get_error_depth(store_ctx);
  X509* cert = X509_STORE_CTX_get_current_cert(store_ctx);
  if (!ok) {
    if (self->verify_reason_.empty()) {
      const int err = X509_STORE_CTX_get_error(store_ctx);
      self->verify_reason_ = fmt::format("certificate verification failed at depth {} ({}): {}", depth,
                                         cert ? one_line(X509_get_subject_name(cert)) : "no certificate",
                                         X509_verify_cert_error_string(err));
    }
    return 0;
  }
  if (depth == 0 && self->check_) {
    std::string why = self->check_(cert, X509_STORE_CTX_get0_chain(store_ctx));
    if (!why.empty()) {
      self->verify_reason_ =
          fmt::format("certificate refused ({}): {}", one_line(X509_get_subject_name(cert)), why);
      X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
      return 0;
    }
  }
  return 1;
}

void openssl_tls_session::start() {
  if (is_server_ || state_ != tls_state::handshaking) return;
  advance();
}

void openssl_tls_session::feed(std::span<const uint8_t> records) {
  if (state_ == tls_state::failed) return;
  if (!records.empty() && BIO_write(rbio_, records.data(), static_cast<int>(records.size())) <= 0) {
    reason_ = "cannot buffer TLS input";
    state_ = tls_state::failed;
    return;
  }
  advance();
}

void openssl_tls_session::fail(int ssl_error) {
  state_ = tls_state::failed;
  std::string queue = ossl::error_string();
  if (!verify_reason_.empty())
    reason_ = verify_reason_;
  else if (!queue.empty())
    reason_ = "TLS handshake failed: " + queue;
  else
    reason_ = fmt::format("TLS failed (SSL error {})", ssl_error);
}

void openssl_tls_session::advance() {
  ERR_clear_error();
  if (state_ == tls_state::handshaking) {
    const int r = SSL_do_handshake(ssl_.get());
    if (r == 1) {
      state_ = tls_state::established;
      log(log_level::debug, "EAP-TLS", "TLS handshake complete: {} {}", SSL_get_version(ssl_.get()),
          SSL_get_cipher_name(ssl_.get()));
    } else {
      const int e = SSL_get_error(ssl_.get(), r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        fail(e);
        return;
      }
    }
  }
  if (state_ != tls_state::established) return;
  // After the handshake: application data (the 0x00 success indication) and
  // whatever else the peer sends; an alert here fails the session.
  uint8_t buf[4096];
  for (;;) {
    const int n = SSL_read(ssl_.get(), buf, sizeof buf);
    if (n > 0) {
      app_in_.insert(app_in_.end(), buf, buf + n);
      continue;
    }
    const int e = SSL_get_error(ssl_.get(), n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
    if (e == SSL_ERROR_ZERO_RETURN) break;  // close_notify: nothing more will come
    fail(e);
    break;
  }
}

std::vector<uint8_t> openssl_tls_session::take_output() {
  std::vector<uint8_t> out(BIO_ctrl_pending(wbio_));
  if (!out.empty()) {
    const int n = BIO_read(wbio_, out.data(), static_cast<int>(out.size()));
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  return out;
}

uint16_t openssl_tls_session::version() const {
  if (state_ != tls_state::established) return 0;
  return static_cast<uint16_t>(SSL_version(ssl_.get()));
}

bool openssl_tls_session::export_keying_material(std::span<uint8_t> out, std::string_view label,
                                                 std::span<const uint8_t> context, bool use_context) {
  if (state_ != tls_state::established) return false;
  return SSL_export_keying_material(ssl_.get(), out.data(), out.size(), label.data(), label.size(),
                                    context.data(), context.size(), use_context ? 1 : 0) == 1;
}

void openssl_tls_session::write_app(std::span<const uint8_t> data) {
  if (state_ != tls_state::established || data.empty()) return;
  ERR_clear_error();
  const int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
  if (n <= 0) fail(SSL_get_error(ssl_.get(), n));
}

std::string openssl_tls_session::peer_subject() const {
  ossl::x509_ptr peer(SSL_get1_peer_certificate(ssl_.get()));
  return peer ? one_line(X509_get_subject_name(peer.get())) : std::string();
}

}  // namespace sstpgw::auth
