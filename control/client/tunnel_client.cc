#include "control/client/tunnel_client.hh"

#include <openssl/x509.h>

#include <algorithm>

namespace sstpgw::client {

namespace {

using sessions::client_state;

handshake::endpoint_options make_options(const std::string& server_name,
                                         const std::shared_ptr<int>& verify_result) {
  handshake::endpoint_options o;
  o.server_name = server_name;
  // OpenSSL's verdict stands; we only keep its reason so an untrusted
  // certificate and a name mismatch get different exit statuses.
  o.verify_peer = [verify_result](const handshake::peer_certificates& p) {
    *verify_result = p.openssl_result;
    return handshake::default_peer_verify(p);
  };
  return o;
}

std::vector<uint8_t> leaf_der(const handshake::tls_endpoint& tls) {
  if (tls.peer_chain().empty()) return {};
  X509* leaf = tls.peer_chain().front().get();
  const int n = i2d_X509(leaf, nullptr);
  if (n <= 0) return {};
  std::vector<uint8_t> der(static_cast<size_t>(n));
  uint8_t* p = der.data();
  i2d_X509(leaf, &p);
  return der;
}

std::string version_label(handshake::tls_version v) {
  switch (v) {
    case handshake::tls_version::tls1_2:
      return "TLS 1.2";
    case handshake::tls_version::tls1_3:
      return "TLS 1.3";
    default:
      return std::string(handshake::name_of(v));
  }
}

}  // namespace

std::string_view describe(tunnel_stage s) {
  switch (s) {
    case tunnel_stage::tls:
      return "the TLS handshake";
    case tunnel_stage::http:
      return "the HTTP exchange";
    case tunnel_stage::sstp_setup:
      return "SSTP call setup / LCP";
    case tunnel_stage::authenticating:
      return "EAP-TLS authentication";
    case tunnel_stage::network:
      return "IPCP / crypto binding";
    case tunnel_stage::up:
      return "up";
    case tunnel_stage::closing:
      return "disconnect";
    case tunnel_stage::finished:
      return "finished";
  }
  return "?";
}

tunnel_client::tunnel_client(const tunnel_client_config& config, time_point now)
    : config_(config),
      verify_result_(std::make_shared<int>(X509_V_OK)),
      tls_(config_.outer_tls, make_options(config_.server_name, verify_result_)),
      setup_deadline_(config.started.value_or(now) + config_.setup_timeout) {
  tcp_out_ = tls_.take_output();  // ClientHello
  if (tls_.state() == handshake::handshake_state::failed) finish(now);
}

tunnel_client::~tunnel_client() = default;

void tunnel_client::on_tcp_bytes(std::span<const uint8_t> bytes, time_point now) {
  if (finished_) return;
  tls_.feed(bytes);
  std::vector<uint8_t> out = tls_.take_output();
  tcp_out_.insert(tcp_out_.end(), out.begin(), out.end());
  if (!session_) {
    if (tls_.state() == handshake::handshake_state::failed) return finish(now);
    if (tls_.state() != handshake::handshake_state::complete) return;
    session_.emplace(config_.session, leaf_der(tls_), now);
  }
  std::vector<uint8_t> plaintext;
  tls_.read_app(plaintext);
  if (!plaintext.empty()) session_->on_stream_bytes(plaintext, now);
  if (tls_.state() == handshake::handshake_state::failed && transport_reason_.empty()) {
    transport_reason_ = "TLS: " + tls_.failure().describe();
    session_->on_closed(transport_reason_, now);
  } else if (tls_.peer_closed() && !peer_closed_) {
    peer_closed_ = true;
    if (transport_reason_.empty()) transport_reason_ = "the server closed the TLS connection (close_notify)";
    session_->on_closed(transport_reason_, now);
  }
  after_input(now);
}

void tunnel_client::on_tcp_closed(std::string_view why, time_point now) {
  if (finished_) return;
  if (transport_reason_.empty()) transport_reason_ = std::string(why);
  if (session_) session_->on_closed(why, now);
  finish(now);
}

std::vector<uint8_t> tunnel_client::take_tcp_output() {
  flush_session();
  return std::exchange(tcp_out_, {});
}

bool tunnel_client::has_tcp_output() const {
  return !tcp_out_.empty() || (!finished_ && session_ && session_->has_output());
}

void tunnel_client::flush_session() {
  if (!session_ || !session_->has_output()) return;
  std::vector<uint8_t> plaintext = session_->take_output();
  if (tls_.state() != handshake::handshake_state::complete || peer_closed_) return;
  tls_.write_app(plaintext);
  std::vector<uint8_t> out = tls_.take_output();
  tcp_out_.insert(tcp_out_.end(), out.begin(), out.end());
}

void tunnel_client::after_input(time_point now) {
  if (session_ && session_->up()) ever_up_ = true;
  if (session_ && session_->ended()) finish(now);
}

time_point tunnel_client::next_deadline() const {
  if (finished_) return sessions::kNoDeadline;
  time_point t = session_ ? session_->next_deadline() : sessions::kNoDeadline;
  if (!ever_up_ && !local_disconnect_) t = std::min(t, setup_deadline_);
  if (disconnect_deadline_) t = std::min(t, *disconnect_deadline_);
  return t;
}

void tunnel_client::on_timer(time_point now) {
  if (finished_) return;
  if (session_ && session_->next_deadline() <= now) session_->on_timer(now);
  after_input(now);
  if (finished_) return;
  if (!ever_up_ && !local_disconnect_ && now >= setup_deadline_) {
    timed_out_ = true;
    timeout_stage_ = std::string(describe(stage()));
    return finish(now);
  }
  if (disconnect_deadline_ && now >= *disconnect_deadline_) finish(now);
}

void tunnel_client::disconnect(time_point now) {
  if (finished_) return;
  local_disconnect_ = true;
  if (!session_ || session_->ended() || session_->state() == client_state::http) return finish(now);
  disconnect_deadline_ = now + config_.disconnect_grace;
  session_->disconnect(now);
  after_input(now);
}

bool tunnel_client::send_ipv4(std::span<const uint8_t> packet, time_point now) {
  if (!up()) return false;
  return session_->send_ipv4(packet, now);
}

std::vector<std::vector<uint8_t>> tunnel_client::take_ipv4() {
  if (!session_) return {};
  return session_->take_ipv4();
}

tunnel_stage tunnel_client::stage() const {
  if (finished_) return tunnel_stage::finished;
  if (!session_) return tunnel_stage::tls;
  switch (session_->state()) {
    case client_state::http:
      return tunnel_stage::http;
    case client_state::sstp_setup:
      return tunnel_stage::sstp_setup;
    case client_state::authenticating:
      return tunnel_stage::authenticating;
    case client_state::network:
      return tunnel_stage::network;
    case client_state::up:
      return tunnel_stage::up;
    case client_state::closing:
    case client_state::closed:
      break;
  }
  return tunnel_stage::closing;
}

void tunnel_client::finish(time_point) {
  if (finished_) return;
  flush_session();
  finished_ = true;
  if (tls_.state() == handshake::handshake_state::complete && !peer_closed_) {
    tls_.close();
    std::vector<uint8_t> out = tls_.take_output();
    tcp_out_.insert(tcp_out_.end(), out.begin(), out.end());
  }
  result_ = judge(facts());
}

ending_facts tunnel_client::facts() const {
  ending_facts f;
  f.local_disconnect = local_disconnect_;
  f.timed_out = timed_out_;
  f.timeout_stage = timeout_stage_;
  f.timeout_seconds =
      static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(config_.setup_timeout).count());
  f.was_up = ever_up_;
  f.tls_complete = session_.has_value();
  f.tls_failed = !session_ && tls_.state() == handshake::handshake_state::failed;
  if (f.tls_failed) f.tls_failure = tls_.failure().describe();
  f.verify_error = *verify_result_;
  f.server_name = config_.server_name;
  f.transport_reason = transport_reason_;
  if (!session_) return f;
  const sessions::client_session& s = *session_;
  f.http_status = s.http_status();
  const auto& c = s.call_counters();
  f.connect_naks = c.get(sstp::call_counter::connect_request_nak);
  f.calls_connected = c.get(sstp::call_counter::calls_connected);
  f.peer_aborts = c.get(sstp::call_counter::peer_abort);
  f.peer_disconnects = c.get(sstp::call_counter::peer_disconnect);
  if (s.eap() && s.eap()->status() == ppp::auth_phase::result::failed) {
    f.eap_failed = true;
    f.eap_reason = s.eap()->reason();
  }
  if (s.link()) {
    f.ipcp_reason = s.link()->ipcp_layer().reason();
    f.link_reason = s.link()->reason();
  }
  f.session_reason = s.end_reason();
  return f;
}

tunnel_summary tunnel_client::summary() const {
  tunnel_summary out;
  if (tls_.state() == handshake::handshake_state::complete || session_) {
    out.tls_version = version_label(tls_.version());
    out.tls_cipher = std::string(tls_.cipher_name());
  }
  if (!session_) return out;
  if (const ppp::ppp_link* link = session_->link()) {
    const ppp::ipcp_result& r = link->ipcp_layer().result();
    out.address = r.local;
    out.peer = r.peer;
    out.dns_primary = r.dns_primary;
    out.dns_secondary = r.dns_secondary;
    out.mtu = link->lcp_layer().max_send_size();
  }
  if (const sstp::client_call* call = session_->call()) {
    out.binding = std::string(call->chosen_hash() == sstp::hash_protocol::sha1 ? "SHA1" : "SHA256") + "/" +
                  (config_.session.hlak == sstp::hlak_form::eap_tls_legacy ? "legacy" : "msk");
  }
  return out;
}

}  // namespace sstpgw::client
