#include "control/sessions/server_session.hh"

#include <fmt/format.h>

#include <algorithm>

#include "control/http/reply_writer.hh"
#include "dataplane/common/log.hh"

namespace sstpgw::sessions {

namespace {

std::vector<uint8_t> to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

time_point earliest(time_point a, time_point b) { return a < b ? a : b; }

// The counters server_call increments when it aborts a call, with why.
constexpr sstp::call_counter kAbortCauses[] = {
    sstp::call_counter::binding_malformed,      sstp::call_counter::binding_hash_not_offered,
    sstp::call_counter::binding_nonce_mismatch, sstp::call_counter::binding_cert_hash_mismatch,
    sstp::call_counter::binding_mac_mismatch,   sstp::call_counter::negotiation_timeout,
    sstp::call_counter::nak_retries_exceeded,   sstp::call_counter::malformed_message,
    sstp::call_counter::unknown_message,        sstp::call_counter::unexpected_message,
};

}  // namespace

server_session::server_session(const server_session_config& config, session_id id, time_point now,
                               wall_time wall_now)
    : config_(config),
      id_(id),
      name_("session " + id.to_string()),
      steady_start_(now),
      wall_start_(wall_now),
      handshake_deadline_(now + config.handshake_timeout),
      tls_(std::in_place, config.outer_tls) {
  info_.id = id;
  info_.times.started = wall_now;
  config_.call.name = name_;
  touch(now);
}

server_session::~server_session() = default;

void server_session::touch(time_point now) {
  wall_seconds_ = std::chrono::duration_cast<std::chrono::seconds>(wall(now).time_since_epoch()).count();
}

void server_session::set_reason(std::string reason) {
  if (info_.end_reason.empty()) info_.end_reason = std::move(reason);
}

// ---- inputs ------------------------------------------------------------------

void server_session::on_stream_bytes(stream_phase phase, std::span<const uint8_t> bytes, time_point now) {
  if (ended_ || bytes.empty()) return;
  touch(now);
  if (phase < phase_) {
    // In flight when the phase ended: back to the worker, in order.
    emit(returned_bytes{{bytes.begin(), bytes.end()}});
    return;
  }
  if (phase > phase_ || phase == stream_phase::sstp) {
    log(log_level::error, "session",
        "{}: {} bytes of phase {} while in phase {} (worker out of step); dropped", name_, bytes.size(),
        to_string(phase), to_string(phase_));
    return;
  }
  if (phase == stream_phase::raw)
    handle_raw(bytes, now);
  else
    handle_http(bytes, now);
}

void server_session::handle_raw(std::span<const uint8_t> bytes, time_point now) {
  raw_received_ += bytes.size();
  const handshake::handshake_state st = tls_->feed(bytes);
  if (std::vector<uint8_t> out = tls_->take_output(); !out.empty()) emit(send_raw{std::move(out)});
  if (st == handshake::handshake_state::failed) {
    // Graceful: the alert just queued must reach the client before the FIN.
    return finish("TLS handshake failed: " + tls_->failure().describe(), true, now);
  }
  if (st != handshake::handshake_state::complete) return;

  info_.tls_version = std::string(handshake::name_of(tls_->version()));
  info_.tls_cipher = std::string(tls_->cipher_name());
  server_cert_ = sstp::cert_hashes::of_der(tls_->own_certificate_der());
  handshake::offload_result r = tls_->offload();
  if (!r.ok()) return finish("TLS handshake could not be handed to the worker: " + r.error, false, now);

  install_keys k;
  k.keys = r.handoff.keys;
  handshake::wipe(r.handoff.keys);
  k.consumed = raw_received_ - r.handoff.leftover.size();
  k.returned = std::move(r.handoff.leftover);
  emit(std::move(k));
  tls_.reset();  // OpenSSL already released its connection; nothing more to hold
  phase_ = stream_phase::http;
  http_.emplace(config_.http, now);
  info_.times.tls_established = wall(now);
  event(session_event_kind::tls_established, info_.tls_version + " " + info_.tls_cipher);
  log(log_level::debug, "session", "{}: TLS established ({} {}), keys to the worker", name_,
      info_.tls_version, info_.tls_cipher);
}

void server_session::handle_http(std::span<const uint8_t> bytes, time_point now) {
  http_received_ += bytes.size();
  const http::request_parser::result r = http_->feed(bytes, now);
  switch (r.outcome) {
    case http::request_outcome::need_more:
      return;
    case http::request_outcome::rejected:
      emit(send_plaintext{
          to_bytes(http::build_error_reply(http_->status_code(), config_.http_server, wall(now)))});
      return finish(fmt::format("HTTP request refused with {}: {}", http_->status_code(), http_->reason()),
                    true, now);
    case http::request_outcome::accepted:
      break;
  }
  emit(send_plaintext{to_bytes(http::build_sstp_ok_reply(config_.http_server, wall(now)))});
  start_sstp s;
  s.consumed = http_received_ - (bytes.size() - r.consumed);
  s.returned.assign(bytes.begin() + static_cast<std::ptrdiff_t>(r.consumed), bytes.end());
  emit(std::move(s));
  phase_ = stream_phase::sstp;
  info_.http_host = http_->request().host;
  info_.correlation_id = http_->request().correlation_id;
  info_.times.http_accepted = wall(now);
  event(session_event_kind::http_accepted,
        "Host " + info_.http_host +
            (info_.correlation_id.empty() ? "" : ", correlation id " + info_.correlation_id));
  http_.reset();
  call_.emplace(config_.call, server_cert_, call_counters_, now);
  pump(now);
}

void server_session::on_sstp_packet(std::span<const uint8_t> packet, time_point now) {
  if (ended_) return;
  touch(now);
  if (phase_ != stream_phase::sstp || !call_) {
    log(log_level::error, "session", "{}: SSTP packet before start_sstp (worker out of step); dropped",
        name_);
    return;
  }
  call_->receive_packet(packet, now);
  pump(now);
}

void server_session::on_closed(std::string_view reason, time_point now) {
  if (ended_) return;
  touch(now);
  if (call_) call_->transport_closed(now);
  finish("connection closed: " + std::string(reason), false, now);
}

void server_session::note_activity(time_point now) {
  if (!ended_ && call_) call_->note_activity(now);
}

void server_session::kill(std::string_view reason, time_point now) {
  if (ended_) return;
  touch(now);
  disconnect_now("disconnected by the operator: " + std::string(reason), now);
}

bool server_session::on_store_event(const certs::store_event& e, time_point now) {
  if (ended_ || !info_.credentials || !certs::invalidates(e, *info_.credentials)) return false;
  touch(now);
  std::string why;
  if (e.what == certs::store_event::kind::root_removed) {
    why = "trusted root '" + e.name + "' (" + e.sha1.hex() + ") was removed";
  } else {
    why = "certificate " + e.sha1.hex() +
          (e.sha1 == info_.credentials->leaf ? "" : " in the client's chain") + " was revoked";
  }
  log(log_level::info, "session", "{}: {}: disconnecting", name_, why);
  disconnect_now(why, now);
  return true;
}

// ---- timers ------------------------------------------------------------------

time_point server_session::next_deadline() const {
  if (ended_) return kNoDeadline;
  time_point t = kNoDeadline;
  if (phase_ == stream_phase::raw) t = handshake_deadline_;
  if (http_) t = earliest(t, http_->deadline());
  if (call_) {
    if (auto d = call_->next_deadline()) t = earliest(t, *d);
  }
  if (link_) t = earliest(t, link_->next_deadline());
  if (creds_expire_) {
    // Seconds from the session's start; chains valid for decades set no timer.
    const int64_t start_s =
        std::chrono::duration_cast<std::chrono::seconds>(wall_start_.time_since_epoch()).count();
    const int64_t left = *creds_expire_ - start_s;
    if (left < int64_t{100} * 365 * 24 * 3600) t = earliest(t, steady_start_ + std::chrono::seconds(left));
  }
  return t;
}

void server_session::on_timer(time_point now) {
  if (ended_) return;
  touch(now);
  if (phase_ == stream_phase::raw && now >= handshake_deadline_) {
    return finish(
        "TLS handshake not finished within " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::seconds>(config_.handshake_timeout).count()) +
            " s",
        false, now);
  }
  if (http_ && http_->check_timeout(now) == http::request_outcome::rejected) {
    emit(send_plaintext{
        to_bytes(http::build_error_reply(http_->status_code(), config_.http_server, wall(now)))});
    return finish("HTTP request not received in time (" + http_->reason() + ")", true, now);
  }
  if (creds_expire_ && wall_seconds_ >= *creds_expire_) {
    creds_expire_.reset();
    return disconnect_now("the client's certificate chain expired", now);
  }
  if (call_) call_->on_timer(now);
  if (link_) link_->on_timer(now);
  pump(now);
}

// ---- the SSTP call and the PPP link ------------------------------------------

void server_session::start_link(time_point now) {
  if (link_) return;
  auth::eap_server_phase_config ec;
  ec.make_tls = [this](const std::string&) {
    return config_.eap_tls->make([this] { return wall_seconds_; },
                                 [this](const certs::verify_result& r) { on_verdict(r); });
  };
  ec.retransmit_interval = config_.eap_retransmit;
  ec.max_retransmits = config_.eap_max_retransmits;
  ec.limits = config_.eap_limits;
  ec.name = name_ + " EAP";
  auto eap = std::make_unique<auth::eap_server_phase>(std::move(ec));
  eap_ = eap.get();
  pool_ = std::make_unique<session_pool>(*config_.pool, id_.worker(), id_);
  ppp::link_config lc;
  lc.lcp = config_.lcp;
  lc.ipcp = ppp::ipcp_server_config{.local = config_.gateway_address,
                                    .dns_primary = config_.dns_primary,
                                    .dns_secondary = config_.dns_secondary,
                                    .pool = pool_.get(),
                                    .preferred_worker = id_.worker(),
                                    .fsm = config_.ipcp_fsm};
  lc.name = name_ + " PPP";
  link_ = std::make_unique<ppp::ppp_link>(std::move(lc), std::move(eap));
  link_->start(now);
}

void server_session::on_verdict(const certs::verify_result& r) {
  info_.certificate_subject = r.credentials.leaf_subject;
  if (!r.ok()) {
    log(log_level::info, "session", "{}: client certificate refused: {}", name_, r.reason);
    return;
  }
  info_.credentials = r.credentials;
  creds_expire_ = r.credentials.not_after;
  log(log_level::debug, "session", "{}: {}", name_, r.reason);
}

void server_session::pump(time_point now) {
  if (pumping_) return;  // re-entered from a teardown step: the outer loop continues
  pumping_ = true;
  for (int round = 0; round < 16; ++round) {
    bool changed = false;
    if (link_) {
      for (auto& f : link_->take_frames()) {
        if (call_) call_->send_ppp(f, now);  // refusals are counted by the call
      }
      for (ppp::link_event e : link_->take_events()) {
        on_link_event(e, now);
        changed = true;
      }
    }
    if (pool_) {
      for (session_event& e : pool_->take_events()) {
        info_.address = pool_->held();
        events_.push_back(std::move(e));
        changed = true;
      }
    }
    if (call_) {
      if (std::vector<uint8_t> out = call_->take_output(); !out.empty() && !ended_)
        emit(send_plaintext{std::move(out)});
      sstp::call_event e;
      while (call_->next_event(e)) {
        on_call_event(e, now);
        changed = true;
      }
    }
    check_data_path(now);
    if (!changed) break;
  }
  pumping_ = false;
}

std::string server_session::call_abort_cause() const {
  for (sstp::call_counter c : kAbortCauses) {
    if (call_counters_.get(c) == 0) continue;
    return call_counters_.infos()[static_cast<size_t>(c)].description;
  }
  return "call aborted";
}

void server_session::on_call_event(const sstp::call_event& e, time_point now) {
  switch (e.kind) {
    case sstp::call_event_kind::link_up:
      start_link(now);
      return;
    case sstp::call_event_kind::ppp_frame:
      if (link_) link_->receive_frame(e.frame, now);
      return;
    case sstp::call_event_kind::connected:
      binding_ok_ = true;
      info_.binding_hash = e.hash;
      info_.hlak_form = e.form;
      log(log_level::info, "session", "{}: crypto binding verified ({}), HLAK form {}", name_,
          sstp::hash_protocol_name(e.hash), sstp::hlak_form_name(e.form));
      return;
    case sstp::call_event_kind::aborted:
      set_reason(e.by_peer
                     ? std::string("SSTP: the client aborted the call (") + sstp::status_name(e.code) + ")"
                     : "SSTP: " + call_abort_cause());
      teardown_data(now);
      return;
    case sstp::call_event_kind::disconnected:
      set_reason(e.by_peer ? "SSTP: the client disconnected" : "SSTP: call disconnected");
      teardown_data(now);
      return;
    case sstp::call_event_kind::closed:
      if (e.reason == sstp::close_reason::hello_timeout)
        set_reason("SSTP: the client went silent (no answer to ECHO_REQUEST)");
      else if (e.reason == sstp::close_reason::invalid_framing)
        set_reason("SSTP: the stream could not be framed");
      else
        set_reason(std::string("SSTP: ") + sstp::close_reason_name(e.reason));
      finish(info_.end_reason, e.reason != sstp::close_reason::invalid_framing, now);
      return;
  }
}

void server_session::on_link_event(ppp::link_event e, time_point now) {
  switch (e) {
    case ppp::link_event::authenticated: {
      const auto& keys = eap_->keys();
      info_.eap_identity = eap_->identity();
      if (info_.certificate_subject.empty()) info_.certificate_subject = eap_->peer_name();
      info_.times.authenticated = wall(now);
      event(session_event_kind::authenticated,
            "identity '" + info_.eap_identity + "', certificate " + info_.certificate_subject);
      log(log_level::debug, "session", "{}: EAP-TLS authenticated identity '{}' with {}", name_,
          info_.eap_identity, info_.certificate_subject);
      if (!keys) {
        // eap_server_phase reports success only with keys; never bind to nothing.
        disconnect_now("EAP succeeded without keying material", now);
        return;
      }
      if (call_) call_->authenticated(sstp::hlak_candidates::eap_tls(keys->msk), now);
      return;
    }
    case ppp::link_event::network_up:
      network_up_ = true;
      return;
    case ppp::link_event::network_down:
      network_up_ = false;
      if (data_path_up_) {
        data_path_up_ = false;
        emit(data_path_down{});
        event(session_event_kind::data_path_down);
      }
      return;
    case ppp::link_event::finished: {
      std::string why = link_->reason();
      if (pool_ && !pool_->refusal().empty() && why.find("pool") != std::string::npos)
        why += " (" + pool_->refusal() + ")";
      set_reason("PPP: " + why);
      teardown_data(now);
      // Disconnect SSTP Tunnel (3.3.4.2): PPP is down.
      if (call_) call_->disconnect(now);
      return;
    }
  }
}

void server_session::check_data_path(time_point now) {
  if (data_path_up_ || ended_ || !binding_ok_ || !network_up_ || !link_) return;
  if (link_->phase() != ppp::link_phase::network || !link_->ipcp_layer().opened()) return;
  const ipv4_address client = link_->ipcp_layer().result().peer;
  data_path_up_ = true;
  emit(data_path_up{client, link_->tx_header_form(),
                    static_cast<uint16_t>(link_->lcp_layer().max_send_size())});
  info_.times.data_path_up = wall(now);
  event(session_event_kind::data_path_up, {}, client);
  log(log_level::info, "session", "{}: data path up for {} ({} {})", name_, client.to_string(),
      info_.tls_version, info_.hlak_form ? sstp::hlak_form_name(*info_.hlak_form) : "");
}

void server_session::teardown_data(time_point now) {
  if (data_path_up_) {
    data_path_up_ = false;
    emit(data_path_down{});
    event(session_event_kind::data_path_down);
  }
  network_up_ = false;
  if (link_ && link_->phase() != ppp::link_phase::dead) link_->lower_down(now);
  if (pool_) {
    for (session_event& e : pool_->take_events()) events_.push_back(std::move(e));
    info_.address = pool_->held();
  }
}

void server_session::disconnect_now(std::string reason, time_point now) {
  set_reason(std::move(reason));
  if (phase_ == stream_phase::sstp && call_) {
    if (link_ && link_->phase() != ppp::link_phase::dead) link_->close(now, info_.end_reason);
    pump(now);  // the LCP Terminate-Request goes out first
    call_->disconnect(now);
    pump(now);
  }
  // Raw phase: nothing to say without keys; HTTP phase: close_notify says it.
  finish(info_.end_reason, phase_ != stream_phase::raw, now);
}

void server_session::finish(std::string reason, bool graceful, time_point now) {
  if (ended_) return;
  set_reason(std::move(reason));
  teardown_data(now);
  if (call_) {
    if (std::vector<uint8_t> out = call_->take_output(); !out.empty()) emit(send_plaintext{std::move(out)});
  }
  ended_ = true;
  emit(close_connection{graceful});
  info_.times.ended = wall(now);
  event(session_event_kind::closed, info_.end_reason);
  log(log_level::info, "session", "{}: ended: {}", name_, info_.end_reason);
}

session_state server_session::state() const {
  if (ended_) return session_state::closed;
  switch (phase_) {
    case stream_phase::raw:
      return session_state::tls_handshake;
    case stream_phase::http:
      return session_state::http_request;
    case stream_phase::sstp:
      break;
  }
  if (call_) {
    switch (call_->state()) {
      case sstp::call_state::call_abort_pending:
      case sstp::call_state::call_abort_timeout_pending:
      case sstp::call_state::call_disconnect_ack_pending:
      case sstp::call_state::call_disconnect_timeout_pending:
      case sstp::call_state::disconnected:
        return session_state::closing;
      default:
        break;
    }
  }
  if (data_path_up_) return session_state::up;
  if (!link_) return session_state::sstp_setup;
  switch (link_->phase()) {
    case ppp::link_phase::dead:
    case ppp::link_phase::terminate:
      return session_state::closing;
    case ppp::link_phase::establish:
      return session_state::sstp_setup;
    case ppp::link_phase::authenticate:
      return session_state::authenticating;
    case ppp::link_phase::network:
      break;
  }
  return session_state::network;
}

}  // namespace sstpgw::sessions
