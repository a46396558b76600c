#include "control/auth/eap_tls_server.hh"

#include "control/auth/eap_tls_keys.hh"

namespace sstpgw::auth {

eap_tls_server::eap_tls_server(std::unique_ptr<tls_session> tls, eap_tls_config config)
    : tls_(std::move(tls)), config_(config), in_(config.limits) {}

server_step eap_tls_server::start() {
  phase_ = phase::handshake;
  return server_step::request(eap_tls_flags_only(kEapTlsFlagStart));
}

server_step eap_tls_server::fail(std::string why) {
  phase_ = phase::done;
  return server_step::failure(std::move(why));
}

server_step eap_tls_server::send(std::vector<uint8_t> message) {
  out_.set_message(std::move(message));
  return server_step::request(out_.next(eap_tls_fragment_size(config_.max_packet)));
}

server_step eap_tls_server::on_response(std::span<const uint8_t> type_data) {
  if (phase_ == phase::idle || phase_ == phase::done) return fail("EAP-TLS response out of sequence");
  eap_tls_header h;
  if (!parse_eap_tls(type_data, h)) return fail("malformed EAP-TLS response (truncated TLS Message Length)");

  // Mid-way through sending a flight: the peer must acknowledge each fragment.
  if (out_.pending()) {
    if (!h.is_ack()) return fail("peer sent data instead of acknowledging our fragment");
    return server_step::request(out_.next(eap_tls_fragment_size(config_.max_packet)));
  }
  if (phase_ == phase::failing) return fail(failure_);
  if (h.is_ack() && !in_.in_progress()) {
    // The peer acknowledged our last flight.
    if (phase_ == phase::finishing) {
      phase_ = phase::done;
      return server_step::success();
    }
    return fail("unexpected empty EAP-TLS response during the handshake");
  }
  if (h.start()) return fail("EAP-TLS response with the Start flag");

  switch (in_.add(h)) {
    case tls_reassembler::result::error:
      return fail("EAP-TLS reassembly: " + in_.error());
    case tls_reassembler::result::need_more:
      return server_step::request(eap_tls_flags_only(0));
    case tls_reassembler::result::complete:
      break;
  }
  if (phase_ == phase::finishing) {
    // Data after our last flight: typically the peer's alert about our certificate.
    tls_->feed(in_.take_message());
    return fail(tls_->state() == tls_state::failed ? "peer: " + tls_->failure_reason()
                                                   : "unexpected TLS data after the handshake");
  }
  tls_->feed(in_.take_message());
  std::vector<uint8_t> output = tls_->take_output();

  if (tls_->state() == tls_state::failed) {
    failure_ = tls_->failure_reason();
    if (output.empty()) return fail(failure_);
    // Tell the peer why (the TLS alert); its acknowledgement ends in Failure (RFC 5216 §2.1.3).
    phase_ = phase::failing;
    return send(std::move(output));
  }
  if (tls_->state() == tls_state::established) {
    if (tls_->version() >= kTls13) {
      const uint8_t success_indication[] = {0x00};
      tls_->write_app(success_indication);
      const std::vector<uint8_t> more = tls_->take_output();
      output.insert(output.end(), more.begin(), more.end());
    }
    keys_ = derive_eap_tls_keys(*tls_);
    if (!keys_) return fail("TLS exporter failed: no EAP-TLS keying material");
    phase_ = phase::finishing;
    if (output.empty()) {
      phase_ = phase::done;
      return server_step::success();
    }
    return send(std::move(output));
  }
  if (output.empty()) return fail("TLS handshake stalled: peer message produced no reply");
  return send(std::move(output));
}

}  // namespace sstpgw::auth
