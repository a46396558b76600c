#include "control/handshake/connection_hooks.hh"

#include <cstring>

#include "control/handshake/keylog.hh"

namespace sstpgw::handshake {
namespace {

int ssl_index() {
  static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

int ctx_index() {
  static const int idx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

connection_hooks* hooks_of(const SSL* ssl) {
  return static_cast<connection_hooks*>(SSL_get_ex_data(ssl, ssl_index()));
}

void keylog_callback(const SSL* ssl, const char* line) {
  if (auto* file = static_cast<keylog_file*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index()))) {
    file->append(line);
  }
  if (auto* h = hooks_of(ssl)) h->on_keylog_line(std::string_view(line, std::strlen(line)));
}

int verify_callback(X509_STORE_CTX* store_ctx, void*) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  connection_hooks* h = ssl ? hooks_of(ssl) : nullptr;
  if (h == nullptr) {
    // An SSL made from our context without an endpoint: OpenSSL's own verdict.
    return X509_verify_cert(store_ctx) == 1 ? 1 : 0;
  }
  return h->on_verify_peer(store_ctx);
}

}  // namespace

void install_connection_hooks(SSL_CTX* ctx, keylog_file* keylog) {
  SSL_CTX_set_ex_data(ctx, ctx_index(), keylog);
  SSL_CTX_set_keylog_callback(ctx, keylog_callback);
  SSL_CTX_set_cert_verify_callback(ctx, verify_callback, nullptr);
}

void attach_connection_hooks(SSL* ssl, connection_hooks* hooks) { SSL_set_ex_data(ssl, ssl_index(), hooks); }

}  // namespace sstpgw::handshake
