#include "tests/support/openssl_peer.hh"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sstpgw::handshake::testing {

openssl_peer::openssl_peer(const peer_config& c) {
  ctx_.reset(SSL_CTX_new(c.server ? TLS_server_method() : TLS_client_method()));
  if (!ctx_) throw std::runtime_error("SSL_CTX_new");
  SSL_CTX* ctx = ctx_.get();
  SSL_CTX_set_min_proto_version(ctx, c.min_version);
  SSL_CTX_set_max_proto_version(ctx, c.max_version);
  if (c.min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx, 0);
  if (!c.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, c.ciphersuites.c_str()) != 1)
    throw std::runtime_error("peer ciphersuites");
  if (!c.cipher_list.empty() && SSL_CTX_set_cipher_list(ctx, c.cipher_list.c_str()) != 1)
    throw std::runtime_error("peer cipher list");
  if (c.cert != nullptr) {
    if (SSL_CTX_use_certificate(ctx, c.cert) != 1 || SSL_CTX_use_PrivateKey(ctx, c.key) != 1)
      throw std::runtime_error("peer credentials");
    for (X509* x : c.chain) SSL_CTX_add1_chain_cert(ctx, x);
    // Send exactly cert + chain, never a chain built from the trust store.
    SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
  }
  if (c.trust_root != nullptr) X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), c.trust_root);
  if (c.verify_peer) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (c.server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nullptr);
  }
  if (c.server && c.num_tickets >= 0) SSL_CTX_set_num_tickets(ctx, static_cast<size_t>(c.num_tickets));
  SSL_CTX_set_keylog_callback(ctx, keylog_cb);
  SSL_CTX_set_info_callback(ctx, info_cb);

  ssl_.reset(SSL_new(ctx));
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(rbio_, -1);
  BIO_set_mem_eof_return(wbio_, -1);
  SSL_set_bio(ssl_.get(), rbio_, wbio_);
  SSL_set_app_data(ssl_.get(), this);
  if (c.server) {
    SSL_set_accept_state(ssl_.get());
  } else {
    SSL_set_connect_state(ssl_.get());
    if (!c.server_name.empty()) {
      SSL_set_tlsext_host_name(ssl_.get(), c.server_name.c_str());
      if (c.verify_peer) SSL_set1_host(ssl_.get(), c.server_name.c_str());
    }
  }
}

void openssl_peer::keylog_cb(const SSL* ssl, const char* line) {
  static_cast<openssl_peer*>(SSL_get_app_data(ssl))->keylog_.emplace_back(line);
}

void openssl_peer::info_cb(const SSL* ssl, int where, int ret) {
  if ((where & SSL_CB_ALERT) && (where & SSL_CB_READ)) {
    static_cast<openssl_peer*>(SSL_get_app_data(ssl))->alert_received_ = ret & 0xff;
  }
}

int openssl_peer::step() {
  if (failed_) return -1;
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_.get());
  if (r == 1) return 1;
  last_error_ = SSL_get_error(ssl_.get(), r);
  if (last_error_ == SSL_ERROR_WANT_READ || last_error_ == SSL_ERROR_WANT_WRITE) return 0;
  failed_ = true;
  ERR_clear_error();
  return -1;
}

void openssl_peer::put(std::span<const uint8_t> bytes) {
  if (!bytes.empty()) BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size()));
}

std::vector<uint8_t> openssl_peer::take() {
  std::vector<uint8_t> out(BIO_ctrl_pending(wbio_));
  if (!out.empty()) BIO_read(wbio_, out.data(), static_cast<int>(out.size()));
  return out;
}

void openssl_peer::write(std::span<const uint8_t> data) {
  size_t done = 0;
  while (done < data.size()) {
    size_t n = 0;
    if (SSL_write_ex(ssl_.get(), data.data() + done, data.size() - done, &n) != 1)
      throw std::runtime_error("peer SSL_write failed");
    done += n;
  }
}

std::vector<uint8_t> openssl_peer::read_all() {
  std::vector<uint8_t> out;
  uint8_t buf[16384];
  for (;;) {
    size_t n = 0;
    ERR_clear_error();
    if (SSL_read_ex(ssl_.get(), buf, sizeof buf, &n) == 1) {
      out.insert(out.end(), buf, buf + n);
      continue;
    }
    last_error_ = SSL_get_error(ssl_.get(), 0);
    if (last_error_ != SSL_ERROR_WANT_READ && last_error_ != SSL_ERROR_ZERO_RETURN) failed_ = true;
    ERR_clear_error();
    return out;
  }
}

bool run_handshake(tls_endpoint& ours, openssl_peer& peer) {
  for (int round = 0; round < 32; ++round) {
    peer.step();
    const auto to_ours = peer.take();
    if (!to_ours.empty()) ours.feed(to_ours);
    const auto to_peer = ours.take_output();
    if (!to_peer.empty()) peer.put(to_peer);
    if (!to_ours.empty() || !to_peer.empty()) continue;
    // A quiet round: everything sent has been delivered.
    if (ours.state() == handshake_state::complete && peer.done()) return true;
    if (ours.state() == handshake_state::failed || peer.failed()) return false;
  }
  return false;
}

}  // namespace sstpgw::handshake::testing
