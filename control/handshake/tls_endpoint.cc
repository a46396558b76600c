#include "control/handshake/tls_endpoint.hh"

#include <openssl/crypto.h>

#include <cstring>

#include "control/handshake/cipher_suites.hh"
#include "control/handshake/connection_hooks.hh"
#include "control/handshake/keylog.hh"
#include "dataplane/common/log.hh"

namespace sstpgw::handshake {

std::string handshake_failure::describe() const {
  if (!alert) return reason;
  return reason + (alert_from_peer ? " (received " : " (sent ") + alert_label(*alert) + ")";
}

namespace {

constexpr uint8_t kNewSessionTicket = 4;
constexpr uint8_t kKeyUpdate = 24;

// The secret of one TLS 1.3 application traffic direction, from the keylog.
struct captured_secret {
  uint8_t bytes[tls::kMaxSecretLen] = {};
  size_t len = 0;
  void wipe() {
    OPENSSL_cleanse(bytes, sizeof bytes);
    len = 0;
  }
};

// The earliest error on OpenSSL's queue as a short phrase; empties the queue so
// nothing leaks into the next connection's report.
std::string openssl_reason(int ssl_error) {
  std::string out;
  if (const unsigned long e = ERR_peek_error()) {
    if (const char* r = ERR_reason_error_string(e)) {
      out = r;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      out = buf;
    }
  } else if (ssl_error == SSL_ERROR_ZERO_RETURN) {
    out = "peer closed the connection";
  } else {
    out = "TLS error " + std::to_string(ssl_error);
  }
  ERR_clear_error();
  return out;
}

}  // namespace

struct tls_endpoint::impl final : connection_hooks {
  enum class mode { undecided, keep, offloaded };

  tls_context context;
  endpoint_options options;
  tls_role role;
  ossl::ssl_ptr ssl;  // owns rbio/wbio; declared after context (freed first)
  BIO* rbio = nullptr;
  BIO* wbio = nullptr;

  handshake_state state = handshake_state::in_progress;
  handshake_failure failure_info;
  mode current_mode = mode::undecided;
  bool peer_closed = false;

  captured_secret client_secret, server_secret;
  std::optional<tls_alert> alert_sent, alert_received;
  std::string verify_rejection;
  std::string post_handshake_message;  // first post-handshake message OpenSSL handled

  tls_version version = tls_version::tls1_2;
  std::string cipher_name;
  uint16_t cipher_id = 0;
  std::vector<ossl::x509_ptr> peer_chain;
  std::vector<uint8_t> own_der;

  impl(const tls_context& ctx, endpoint_options opts)
      : context(ctx), options(std::move(opts)), role(ctx.role()) {
    ERR_clear_error();
    ssl.reset(SSL_new(context.native()));
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    if (!ssl || !rbio || !wbio) {
      BIO_free(rbio);
      BIO_free(wbio);
      rbio = wbio = nullptr;
      fail("cannot create the TLS connection: " + openssl_reason(SSL_ERROR_SSL));
      return;
    }
    // An empty memory BIO means "wait for more", not end of stream.
    BIO_set_mem_eof_return(rbio, -1);
    BIO_set_mem_eof_return(wbio, -1);
    SSL_set_bio(ssl.get(), rbio, wbio);
    attach_connection_hooks(ssl.get(), this);
    SSL_set_msg_callback(ssl.get(), &impl::on_message);
    SSL_set_msg_callback_arg(ssl.get(), this);
    if (role == tls_role::server) {
      SSL_set_accept_state(ssl.get());
      return;
    }
    SSL_set_connect_state(ssl.get());
    const std::string& name = options.server_name.empty() ? context.server_name() : options.server_name;
    if (!name.empty()) {
      SSL_set_tlsext_host_name(ssl.get(), name.c_str());
      if (context.verifies_peer()) SSL_set1_host(ssl.get(), name.c_str());
    }
    drive();
  }

  ~impl() {
    wipe_secrets();
    if (ssl) attach_connection_hooks(ssl.get(), nullptr);
  }

  void wipe_secrets() {
    client_secret.wipe();
    server_secret.wipe();
  }

  // ---- OpenSSL callbacks ----

  void on_keylog_line(std::string_view line) override {
    keylog_entry e;
    if (!parse_keylog_line(line, e)) return;
    captured_secret* target = nullptr;
    if (e.label == "CLIENT_TRAFFIC_SECRET_0") target = &client_secret;
    if (e.label == "SERVER_TRAFFIC_SECRET_0") target = &server_secret;
    uint8_t cr[kClientRandomLen];
    if (target != nullptr && SSL_get_client_random(ssl.get(), cr, sizeof cr) == sizeof cr &&
        std::memcmp(cr, e.client_random, sizeof cr) == 0) {
      std::memcpy(target->bytes, e.secret, e.secret_len);
      target->len = e.secret_len;
    }
    wipe(e);
  }

  int on_verify_peer(X509_STORE_CTX* store_ctx) override {
    const bool openssl_ok = X509_verify_cert(store_ctx) == 1;
    peer_certificates peer;
    peer.peer_role = role == tls_role::server ? tls_role::client : tls_role::server;
    X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
    if (leaf != nullptr) peer.presented.push_back(leaf);
    if (STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(store_ctx)) {
      for (int i = 0; i < sk_X509_num(sent); ++i)
        if (X509* c = sk_X509_value(sent, i); c != leaf) peer.presented.push_back(c);
    }
    if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store_ctx)) {
      for (int i = 0; i < sk_X509_num(chain); ++i) peer.verified.push_back(sk_X509_value(chain, i));
    }
    peer.openssl_result = openssl_ok ? X509_V_OK : X509_STORE_CTX_get_error(store_ctx);
    if (!openssl_ok && peer.openssl_result == X509_V_OK) peer.openssl_result = X509_V_ERR_UNSPECIFIED;
    peer.openssl_error_depth = X509_STORE_CTX_get_error_depth(store_ctx);

    verify_decision d;
    const bool by_hook = static_cast<bool>(options.verify_peer);
    if (by_hook) {
      try {
        d = options.verify_peer(peer);
      } catch (const std::exception& ex) {
        d = verify_decision::rejected(tls_alert::internal_error,
                                      std::string("verify hook failed: ") + ex.what());
      }
    } else {
      d = default_peer_verify(peer);
    }
    if (d.accept) {
      X509_STORE_CTX_set_error(store_ctx, X509_V_OK);
      return 1;
    }
    verify_rejection = "peer certificate rejected" + (d.reason.empty() ? std::string() : ": " + d.reason);
    // OpenSSL's own failure keeps OpenSSL's alert unless a hook chose one.
    if (by_hook || openssl_ok) X509_STORE_CTX_set_error(store_ctx, x509_error_for_alert(d.alert));
    return 0;
  }

  static void on_message(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void* arg) {
    auto* self = static_cast<impl*>(arg);
    const auto* b = static_cast<const uint8_t*>(buf);
    if (content_type == SSL3_RT_ALERT && len == 2) {
      (write_p ? self->alert_sent : self->alert_received) = static_cast<tls_alert>(b[1]);
      return;
    }
    if (content_type != SSL3_RT_HANDSHAKE || len == 0 || !self->post_handshake_message.empty()) return;
    // In TLS 1.3 these only ever come after the handshake; anything handled
    // after completion counts too. Either would have used record sequence
    // numbers the record engine does not know about.
    const bool tls13_post =
        SSL_version(self->ssl.get()) == TLS1_3_VERSION && (b[0] == kNewSessionTicket || b[0] == kKeyUpdate);
    if (tls13_post || self->state == handshake_state::complete) {
      self->post_handshake_message =
          std::string(write_p ? "sent" : "received") + " handshake message type " + std::to_string(b[0]);
    }
  }

  // ---- state changes ----

  void fail(std::string reason) {
    state = handshake_state::failed;
    failure_info.reason = std::move(reason);
    if (alert_sent) {
      failure_info.alert = alert_sent;
      failure_info.alert_from_peer = false;
    } else if (alert_received) {
      failure_info.alert = alert_received;
      failure_info.alert_from_peer = true;
    }
    wipe_secrets();
    log(log_level::debug, "handshake", "TLS {} failed: {}", role == tls_role::server ? "server" : "client",
        failure_info.describe());
  }

  void fail_from_ssl(int ret) {
    const int e = SSL_get_error(ssl.get(), ret);
    std::string reason = openssl_reason(e);
    if (!verify_rejection.empty()) {
      reason = verify_rejection;
    } else if (alert_received && !alert_sent) {
      reason = "the peer ended the handshake";
    }
    fail(std::move(reason));
  }

  void drive() {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl.get());
    if (r == 1) {
      complete();
      return;
    }
    const int e = SSL_get_error(ssl.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      return;
    }
    fail_from_ssl(r);
  }

  void complete() {
    state = handshake_state::complete;
    SSL* s = ssl.get();
    version = static_cast<tls_version>(SSL_version(s));
    const SSL_CIPHER* c = SSL_get_current_cipher(s);
    cipher_name = c ? SSL_CIPHER_get_name(c) : "";
    cipher_id = c ? SSL_CIPHER_get_protocol_id(c) : 0;
    if (X509* own = SSL_get_certificate(s)) {
      const int n = i2d_X509(own, nullptr);
      if (n > 0) {
        own_der.resize(static_cast<size_t>(n));
        uint8_t* p = own_der.data();
        i2d_X509(own, &p);
      }
    }
    // The server side's stack lacks the leaf; the client side's starts with it.
    X509* peer_leaf = SSL_get0_peer_certificate(s);
    if (peer_leaf != nullptr) {
      X509_up_ref(peer_leaf);
      peer_chain.emplace_back(peer_leaf);
    }
    if (STACK_OF(X509)* sent = SSL_get_peer_cert_chain(s)) {
      for (int i = 0; i < sk_X509_num(sent); ++i) {
        X509* x = sk_X509_value(sent, i);
        if (i == 0 && x == peer_leaf) continue;
        X509_up_ref(x);
        peer_chain.emplace_back(x);
      }
    }
    log(log_level::debug, "handshake", "TLS {} complete: {} {}",
        role == tls_role::server ? "server" : "client", name_of(version), cipher_name);
  }

  std::vector<uint8_t> drain(BIO* b) {
    std::vector<uint8_t> out;
    if (b == nullptr) return out;
    const size_t n = BIO_ctrl_pending(b);
    out.resize(n);
    size_t got = 0;
    if (n > 0 && BIO_read_ex(b, out.data(), n, &got) != 1) got = 0;
    out.resize(got);
    return out;
  }

  bool write_to(BIO* b, std::span<const uint8_t> bytes) {
    size_t written = 0;
    return bytes.empty() ||
           (BIO_write_ex(b, bytes.data(), bytes.size(), &written) == 1 && written == bytes.size());
  }

  // ---- offload ----

  std::string offload_into(offload_handoff& out) {
    if (state != handshake_state::complete) return "handshake not complete";
    if (current_mode == mode::keep) return "records already handled by OpenSSL (write_app/read_app used)";
    if (current_mode == mode::offloaded) return "already offloaded";
    if (context.records() != record_protection::offload)
      return "context is configured to keep records in OpenSSL";
    SSL* s = ssl.get();
    const offload_suite* suite = find_offload_suite(SSL_get_current_cipher(s));
    if (suite == nullptr || suite->version != version) {
      return "negotiated " + std::string(name_of(version)) + " " + cipher_name +
             " cannot be carried by the record engine";
    }
    // OpenSSL must not have consumed (or buffered) any record beyond the
    // handshake: those bytes would be lost to the record engine and its
    // sequence numbers would be off.
    if (SSL_pending(s) > 0 || SSL_has_pending(s) == 1) {
      return "OpenSSL buffered records beyond the handshake (read-ahead enabled?); the connection cannot be "
             "handed to the record engine";
    }
    if (!post_handshake_message.empty()) {
      return "OpenSSL " + post_handshake_message + " after the handshake; record sequence numbers unknown";
    }
    if (role == tls_role::server && SSL_get_num_tickets(s) != 0) return "session tickets are enabled";

    std::string error;
    bool ok = false;
    if (version == tls_version::tls1_3) {
      ok = keys_from_tls13_secrets(suite->aead, role, {client_secret.bytes, client_secret.len},
                                   {server_secret.bytes, server_secret.len}, out.keys, error);
    } else {
      uint8_t master[SSL_MAX_MASTER_KEY_LENGTH];
      uint8_t client_random[SSL3_RANDOM_SIZE], server_random[SSL3_RANDOM_SIZE];
      const size_t master_len = SSL_SESSION_get_master_key(SSL_get_session(s), master, sizeof master);
      const size_t cr = SSL_get_client_random(s, client_random, sizeof client_random);
      const size_t sr = SSL_get_server_random(s, server_random, sizeof server_random);
      ok = keys_from_tls12_master(suite->aead, role, {master, master_len}, {client_random, cr},
                                  {server_random, sr}, out.keys, error);
      OPENSSL_cleanse(master, sizeof master);
    }
    if (!ok) return "key export failed: " + error;
    out.leftover = drain(rbio);
    return {};
  }

  void release_openssl() {
    wipe_secrets();
    if (ssl) attach_connection_hooks(ssl.get(), nullptr);
    ssl.reset();  // SSL_free cleanses OpenSSL's copies of the keys
    rbio = wbio = nullptr;
  }

  bool choose_keep() {
    if (state != handshake_state::complete || current_mode == mode::offloaded || !ssl) return false;
    if (current_mode == mode::undecided) {
      current_mode = mode::keep;
      wipe_secrets();
    }
    return true;
  }
};

tls_endpoint::tls_endpoint(const tls_context& context, endpoint_options options)
    : p_(std::make_unique<impl>(context, std::move(options))) {}
tls_endpoint::~tls_endpoint() = default;
tls_endpoint::tls_endpoint(tls_endpoint&&) noexcept = default;
tls_endpoint& tls_endpoint::operator=(tls_endpoint&&) noexcept = default;

handshake_state tls_endpoint::feed(std::span<const uint8_t> bytes) {
  impl& p = *p_;
  if (p.current_mode == impl::mode::offloaded) {
    // The record engine owns the connection now; bytes sent here are a bug in
    // the caller, and they are lost.
    if (!bytes.empty()) {
      log(log_level::error, "handshake", "{} bytes fed to an offloaded TLS endpoint were dropped",
          bytes.size());
    }
    return p.state;
  }
  if (p.state == handshake_state::failed) return p.state;
  if (!p.write_to(p.rbio, bytes)) {
    p.fail("out of memory buffering received bytes");
    return p.state;
  }
  if (p.state == handshake_state::in_progress) p.drive();
  return p.state;
}

std::vector<uint8_t> tls_endpoint::take_output() { return p_->drain(p_->wbio); }
bool tls_endpoint::has_output() const { return p_->wbio != nullptr && BIO_ctrl_pending(p_->wbio) > 0; }
handshake_state tls_endpoint::state() const { return p_->state; }
const handshake_failure& tls_endpoint::failure() const { return p_->failure_info; }
tls_role tls_endpoint::role() const { return p_->role; }
tls_version tls_endpoint::version() const { return p_->version; }
std::string_view tls_endpoint::cipher_name() const { return p_->cipher_name; }
uint16_t tls_endpoint::cipher_id() const { return p_->cipher_id; }
const std::vector<ossl::x509_ptr>& tls_endpoint::peer_chain() const { return p_->peer_chain; }
std::span<const uint8_t> tls_endpoint::own_certificate_der() const { return p_->own_der; }
bool tls_endpoint::offloaded() const { return p_->current_mode == impl::mode::offloaded; }
bool tls_endpoint::peer_closed() const { return p_->peer_closed; }

std::optional<std::vector<uint8_t>> tls_endpoint::export_keying_material(
    std::string_view label, std::optional<std::span<const uint8_t>> context, size_t length) const {
  const impl& p = *p_;
  if (p.state != handshake_state::complete || !p.ssl) return std::nullopt;
  std::vector<uint8_t> out(length);
  ERR_clear_error();
  const int ok = SSL_export_keying_material(p.ssl.get(), out.data(), out.size(), label.data(), label.size(),
                                            context ? context->data() : nullptr,
                                            context ? context->size() : 0, context ? 1 : 0);
  ERR_clear_error();
  if (ok != 1) return std::nullopt;
  return out;
}

offload_result tls_endpoint::offload() {
  impl& p = *p_;
  offload_result r;
  r.error = p.offload_into(r.handoff);
  if (!r.ok()) {
    wipe(r.handoff.keys);
    r.handoff.leftover.clear();
    log(log_level::error, "handshake", "TLS offload refused: {}", r.error);
    if (p.state == handshake_state::complete && p.current_mode == impl::mode::undecided) {
      p.fail("offload refused: " + r.error);
    }
    return r;
  }
  p.current_mode = impl::mode::offloaded;
  p.release_openssl();
  return r;
}

bool tls_endpoint::write_app(std::span<const uint8_t> data) {
  impl& p = *p_;
  if (!p.choose_keep()) return false;
  while (!data.empty()) {
    size_t written = 0;
    ERR_clear_error();
    const int r = SSL_write_ex(p.ssl.get(), data.data(), data.size(), &written);
    if (r != 1) {
      p.fail_from_ssl(r);
      return false;
    }
    data = data.subspan(written);
  }
  return true;
}

size_t tls_endpoint::read_app(std::vector<uint8_t>& out) {
  impl& p = *p_;
  if (!p.choose_keep() || p.peer_closed) return 0;
  uint8_t buf[16384];
  size_t total = 0;
  for (;;) {
    size_t n = 0;
    ERR_clear_error();
    const int r = SSL_read_ex(p.ssl.get(), buf, sizeof buf, &n);
    if (r == 1) {
      out.insert(out.end(), buf, buf + n);
      total += n;
      continue;
    }
    const int e = SSL_get_error(p.ssl.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
    } else if (e == SSL_ERROR_ZERO_RETURN) {
      ERR_clear_error();
      p.peer_closed = true;
    } else {
      p.fail_from_ssl(r);
    }
    break;
  }
  OPENSSL_cleanse(buf, sizeof buf);
  return total;
}

void tls_endpoint::close() {
  impl& p = *p_;
  if (!p.choose_keep()) return;
  ERR_clear_error();
  SSL_shutdown(p.ssl.get());
  ERR_clear_error();
}

}  // namespace sstpgw::handshake
