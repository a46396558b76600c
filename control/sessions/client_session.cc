#include "control/sessions/client_session.hh"

#include <algorithm>

#include "control/auth/eap_tls_context.hh"
#include "control/http/client_request.hh"
#include "dataplane/common/log.hh"
#include "dataplane/ppp/frame.hh"

namespace sstpgw::sessions {

namespace {
time_point earliest(time_point a, time_point b) { return a < b ? a : b; }
}  // namespace

ppp::lcp_config client_session_config::windows_like_lcp() {
  ppp::lcp_config c = ppp::lcp_config::client();
  c.request_pfc = c.request_acfc = true;
  return c;
}

std::string_view to_string(client_state s) {
  switch (s) {
    case client_state::http:
      return "http";
    case client_state::sstp_setup:
      return "sstp_setup";
    case client_state::authenticating:
      return "authenticating";
    case client_state::network:
      return "network";
    case client_state::up:
      return "up";
    case client_state::closing:
      return "closing";
    case client_state::closed:
      return "closed";
  }
  return "?";
}

client_session::client_session(const client_session_config& config, std::span<const uint8_t> server_leaf_der,
                               time_point now)
    : config_(config), server_cert_(sstp::cert_hashes::of_der(server_leaf_der)) {
  if (config_.call.name.empty()) config_.call.name = "client";
  const std::string request = http::build_sstp_request(config_.host, config_.correlation_id);
  output_.assign(request.begin(), request.end());
  http_.emplace(config_.http, now);
  if (config_.pipeline_connect_request) start_call(now);
}

client_session::~client_session() = default;

void client_session::end(std::string reason) {
  if (ended_) return;
  ended_ = true;
  up_ = false;
  end_reason_ = std::move(reason);
  log(log_level::info, "session", "{}: ended: {}", config_.call.name, end_reason_);
}

void client_session::start_call(time_point now) {
  if (call_) return;
  call_.emplace(config_.call, call_counters_, now);
  pump(now);
}

void client_session::on_stream_bytes(std::span<const uint8_t> bytes, time_point now) {
  if (ended_) return;
  if (http_) {
    const http::response_parser::result r = http_->feed(bytes, now);
    if (r.outcome == http::request_outcome::need_more) return;
    http_status_ = http_->status_code();
    if (r.outcome == http::request_outcome::rejected) {
      end("HTTP: " + http_->reason());
      http_.reset();
      return;
    }
    http_.reset();
    bytes = bytes.subspan(r.consumed);
    start_call(now);
  }
  if (call_ && !bytes.empty()) call_->receive_bytes(bytes, now);
  pump(now);
}

void client_session::on_closed(std::string_view reason, time_point now) {
  if (ended_) return;
  if (link_) link_->lower_down(now);
  if (call_) call_->transport_closed(now);
  pump(now);
  end("connection closed: " + std::string(reason));
}

time_point client_session::next_deadline() const {
  if (ended_) return kNoDeadline;
  time_point t = kNoDeadline;
  if (http_) t = http_->deadline();
  if (call_) {
    if (auto d = call_->next_deadline()) t = earliest(t, *d);
  }
  if (link_) t = earliest(t, link_->next_deadline());
  return t;
}

void client_session::on_timer(time_point now) {
  if (ended_) return;
  if (http_ && http_->check_timeout(now) == http::request_outcome::rejected) {
    end("HTTP: " + http_->reason());
    http_.reset();
    return;
  }
  if (call_) call_->on_timer(now);
  if (link_) link_->on_timer(now);
  pump(now);
}

void client_session::disconnect(time_point now) {
  if (ended_ || !call_) return;
  if (link_ && link_->phase() != ppp::link_phase::dead) link_->close(now, "user disconnected");
  pump(now);
  call_->disconnect(now);
  pump(now);
}

bool client_session::send_ipv4(std::span<const uint8_t> packet, time_point now) {
  if (!up_ || !call_) return false;
  const ppp::header_form form = link_->tx_header_form();
  std::vector<uint8_t> frame(ppp::header_length(form, ppp::kProtoIpv4) + packet.size());
  frame.resize(ppp::build_frame(frame, form, ppp::kProtoIpv4, packet));
  const bool ok = call_->send_ppp(frame, now);
  pump(now);
  return ok;
}

void client_session::start_link(time_point now) {
  if (link_) return;
  auth::eap_peer_phase_config ec;
  ec.identity = config_.eap_identity;
  const handshake::tls_context* ctx = config_.eap_tls;
  ec.make_tls = [ctx]() -> std::unique_ptr<auth::tls_session> {
    return ctx ? auth::make_eap_tls_client_session(*ctx) : nullptr;
  };
  ec.limits = config_.eap_limits;
  ec.name = config_.call.name + " EAP";
  auto eap = std::make_unique<auth::eap_peer_phase>(std::move(ec));
  eap_ = eap.get();
  ppp::link_config lc;
  lc.lcp = config_.lcp;
  lc.ipcp = ppp::ipcp_client_config{.fsm = config_.ipcp_fsm};
  lc.name = config_.call.name + " PPP";
  link_ = std::make_unique<ppp::ppp_link>(std::move(lc), std::move(eap));
  link_->start(now);
}

void client_session::bind(const auth::eap_keys& keys, time_point now) {
  if (bound_ || !call_) return;
  bound_ = true;
  call_->authenticated(sstp::client_hlak_eap_tls(keys.msk, config_.hlak), server_cert_, now);
}

void client_session::pump(time_point now) {
  if (pumping_) return;
  pumping_ = true;
  for (int round = 0; round < 16; ++round) {
    bool changed = false;
    if (link_) {
      // Early binding goes out ahead of the EAP response that completes the
      // method, so the server meets CALL_CONNECTED before it can send Success.
      if (config_.call_connected_before_eap_success && !bound_ && eap_) {
        if (auto keys = eap_->method_keys()) {
          bind(*keys, now);
          changed = true;
        }
      }
      for (auto& f : link_->take_frames())
        if (call_) call_->send_ppp(f, now);
      for (ppp::link_event e : link_->take_events()) {
        on_link_event(e, now);
        changed = true;
      }
    }
    if (call_) {
      std::vector<uint8_t> out = call_->take_output();
      output_.insert(output_.end(), out.begin(), out.end());
      sstp::call_event e;
      while (call_->next_event(e)) {
        on_call_event(e, now);
        changed = true;
      }
    }
    const bool now_up = !ended_ && call_connected_ && network_up_;
    if (now_up != up_) {
      up_ = now_up;
      changed = true;
    }
    if (!changed) break;
  }
  pumping_ = false;
}

void client_session::on_call_event(const sstp::call_event& e, time_point now) {
  switch (e.kind) {
    case sstp::call_event_kind::link_up:
      start_link(now);
      return;
    case sstp::call_event_kind::ppp_frame: {
      ppp::frame_view v;
      if (ppp::parse_frame(e.frame, v) == ppp::parse_status::ok && v.header.protocol == ppp::kProtoIpv4) {
        ipv4_in_.emplace_back(v.information.begin(), v.information.end());
        return;
      }
      if (link_) link_->receive_frame(e.frame, now);
      return;
    }
    case sstp::call_event_kind::connected:
      call_connected_ = true;
      return;
    case sstp::call_event_kind::aborted:
      if (end_reason_.empty())
        end_reason_ = std::string(e.by_peer ? "the server aborted the call (" : "call aborted (") +
                      sstp::status_name(e.code) + ")";
      if (link_) link_->lower_down(now);
      return;
    case sstp::call_event_kind::disconnected:
      if (end_reason_.empty()) end_reason_ = e.by_peer ? "the server disconnected" : "disconnected";
      if (link_) link_->lower_down(now);
      return;
    case sstp::call_event_kind::closed: {
      std::string why =
          end_reason_.empty() ? std::string("SSTP: ") + sstp::close_reason_name(e.reason) : end_reason_;
      end_reason_.clear();
      end(std::move(why));
      return;
    }
  }
}

void client_session::on_link_event(ppp::link_event e, time_point now) {
  switch (e) {
    case ppp::link_event::authenticated:
      if (eap_ && eap_->keys()) bind(*eap_->keys(), now);
      return;
    case ppp::link_event::network_up:
      network_up_ = true;
      return;
    case ppp::link_event::network_down:
      network_up_ = false;
      return;
    case ppp::link_event::finished:
      network_up_ = false;
      if (end_reason_.empty()) end_reason_ = "PPP: " + link_->reason();
      if (call_) call_->disconnect(now);
      return;
  }
}

client_state client_session::state() const {
  if (ended_) return client_state::closed;
  if (!call_ || http_) return client_state::http;
  if (up_) return client_state::up;
  switch (call_->state()) {
    case sstp::call_state::client_connect_request_sent:
      return client_state::sstp_setup;
    case sstp::call_state::client_connect_ack_received:
    case sstp::call_state::client_call_connected:
      break;
    default:
      return client_state::closing;
  }
  if (!link_) return client_state::sstp_setup;
  switch (link_->phase()) {
    case ppp::link_phase::establish:
      return client_state::sstp_setup;
    case ppp::link_phase::authenticate:
      return client_state::authenticating;
    case ppp::link_phase::network:
      return client_state::network;
    default:
      return client_state::closing;
  }
}

std::optional<ipv4_address> client_session::address() const {
  if (!link_ || !link_->ipcp_layer().opened()) return std::nullopt;
  return link_->ipcp_layer().result().local;
}

std::optional<ipv4_address> client_session::dns_primary() const {
  if (!link_ || !link_->ipcp_layer().opened()) return std::nullopt;
  return link_->ipcp_layer().result().dns_primary;
}

std::optional<ipv4_address> client_session::dns_secondary() const {
  if (!link_ || !link_->ipcp_layer().opened()) return std::nullopt;
  return link_->ipcp_layer().result().dns_secondary;
}

}  // namespace sstpgw::sessions
