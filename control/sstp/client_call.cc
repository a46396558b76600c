#include "control/sstp/client_call.hh"

#include <openssl/crypto.h>

#include "dataplane/common/log.hh"

namespace sstpgw::sstp {

namespace {
constexpr uint8_t kNoAttrib = static_cast<uint8_t>(attribute_id::no_error);
}

client_call::client_call(const client_call_config& config, counter_set<call_counter>& counters, time_point now)
    : call_endpoint(call_state::client_connect_request_sent, config.timers, counters, config.name), config_(config) {
  send_connect_request();
  start_negotiation_timer(now);
}

void client_call::send_connect_request() {
  uint8_t buf[kCallConnectRequestSize];
  send_packet({buf, build_call_connect_request(buf)});
}

void client_call::on_setup_message(const control_message& m, std::span<const uint8_t>, time_point now) {
  const bool waiting_ack = state() == call_state::client_connect_request_sent;
  if (waiting_ack && m.known_type() == message_type::call_connect_ack) {
    crypto_binding_req req;
    if (!parse_call_connect_ack(m, req)) {
      counters_.add(call_counter::malformed_message);
      return start_abort(status::invalid_frame_received, kNoAttrib, now);
    }
    if (!choose_hash_protocol(req.hash_bitmask, config_.supported_hashes, hash_)) {
      counters_.add(call_counter::no_common_hash);
      return start_abort(status::value_not_supported, static_cast<uint8_t>(attribute_id::crypto_binding_req), now);
    }
    nonce_ = req.nonce;
    set_state(call_state::client_connect_ack_received);
    start_negotiation_timer(now);
    call_event e;
    e.kind = call_event_kind::link_up;
    emit(std::move(e));
    if (auth_) send_call_connected(now);
    return;
  }
  if (waiting_ack && m.known_type() == message_type::call_connect_nak) {
    // Counted on the client too: its owner tells a refused call from an aborted one by it.
    counters_.add(call_counter::connect_request_nak);
    status_info_list list;
    if (!parse_call_connect_nak(m, list)) {
      counters_.add(call_counter::malformed_message);
      return start_abort(status::invalid_frame_received, kNoAttrib, now);
    }
    if (retries_ >= config_.max_retries) {
      counters_.add(call_counter::nak_retries_exceeded);
      return start_abort(status::retry_count_exceeded, kNoAttrib, now);
    }
    ++retries_;
    log(log_level::info, "sstp", "{}: CALL_CONNECT_NAK ({}), retry {} of {}", name_,
        status_name(list.items[0].code), retries_, config_.max_retries);
    send_connect_request();
    start_negotiation_timer(now);
    return;
  }
  counters_.add(call_counter::unexpected_message);
  log(log_level::info, "sstp", "{}: {} unexpected in {}", name_, message_type_name(m.known_type()),
      call_state_name(state()));
  start_abort(status::unaccepted_frame_received, kNoAttrib, now);
}

void client_call::authenticated(const hlak_bytes& hlak, const cert_hashes& server_cert, time_point now) {
  if (is_closed() || in_teardown() || auth_) return;
  auth_ = pending_auth{hlak, server_cert};
  if (state() == call_state::client_connect_ack_received) send_call_connected(now);
}

void client_call::send_call_connected(time_point now) {
  uint8_t buf[kCallConnectedSize];
  const size_t n = build_bound_call_connected(buf, hash_, nonce_, auth_->server_cert.get(hash_), auth_->hlak);
  OPENSSL_cleanse(auth_->hlak.data(), auth_->hlak.size());
  send_packet({buf, n});
  set_state(call_state::client_call_connected);
  stop_negotiation_timer();
  start_hello_timer(now);
  counters_.add(call_counter::calls_connected);
  call_event e;
  e.kind = call_event_kind::connected;
  e.hash = hash_;
  emit(std::move(e));
}

}  // namespace sstpgw::sstp
