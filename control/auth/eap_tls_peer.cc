#include "control/auth/eap_tls_peer.hh"

#include <algorithm>

#include "control/auth/eap_tls_keys.hh"

namespace sstpgw::auth {

eap_tls_peer::eap_tls_peer(std::unique_ptr<tls_session> tls, eap_tls_config config)
    : tls_(std::move(tls)), config_(config), in_(config.limits) {}

peer_step eap_tls_peer::send(std::vector<uint8_t> message) {
  if (message.empty()) return {true, eap_tls_flags_only(0), {}};
  out_.set_message(std::move(message));
  return {true, out_.next(eap_tls_fragment_size(config_.max_packet)), {}};
}

peer_step eap_tls_peer::fail(std::string why, std::vector<uint8_t> alert) {
  peer_step s;
  s.ok = false;
  s.reason = std::move(why);
  if (!alert.empty()) {
    // One fragment is enough for an alert; anything longer is cut, never looped on.
    out_.set_message(std::move(alert));
    s.type_data = out_.next(eap_tls_fragment_size(config_.max_packet));
    out_.set_message({});
  } else {
    s.type_data = eap_tls_flags_only(0);
  }
  return s;
}

bool eap_tls_peer::may_accept_success() const {
  if (tls_->state() != tls_state::established || out_.pending() || !keys_) return false;
  return tls_->version() < kTls13 || success_indication_;
}

peer_step eap_tls_peer::on_request(std::span<const uint8_t> type_data) {
  eap_tls_header h;
  if (!parse_eap_tls(type_data, h)) return fail("malformed EAP-TLS request");
  if (h.start()) {
    if (started_) return fail("EAP-TLS Start in the middle of a handshake");
    started_ = true;
    tls_->start();
    return send(tls_->take_output());
  }
  if (!started_) return fail("EAP-TLS request before Start");
  if (out_.pending()) {
    if (!h.is_ack()) return fail("server sent data instead of acknowledging our fragment");
    return {true, out_.next(eap_tls_fragment_size(config_.max_packet)), {}};
  }
  if (h.is_ack() && !in_.in_progress()) return fail("unexpected empty EAP-TLS request");

  switch (in_.add(h)) {
    case tls_reassembler::result::error:
      return fail("EAP-TLS reassembly: " + in_.error());
    case tls_reassembler::result::need_more:
      return {true, eap_tls_flags_only(0), {}};
    case tls_reassembler::result::complete:
      break;
  }
  tls_->feed(in_.take_message());
  const std::vector<uint8_t> app = tls_->read_app();
  std::vector<uint8_t> output = tls_->take_output();
  if (tls_->state() == tls_state::failed) return fail(tls_->failure_reason(), std::move(output));
  if (!app.empty()) {
    // RFC 9190 §2.5: the only application data is the one-byte 0x00.
    if (tls_->version() < kTls13 || app.size() != 1 || app[0] != 0x00)
      return fail("unexpected application data in EAP-TLS", std::move(output));
    success_indication_ = true;
  }
  if (tls_->state() == tls_state::established && !keys_) {
    keys_ = derive_eap_tls_keys(*tls_);
    if (!keys_) return fail("TLS exporter failed: no EAP-TLS keying material");
  }
  return send(std::move(output));
}

}  // namespace sstpgw::auth
