#include "control/sstp/server_call.hh"

#include <openssl/rand.h>

#include <algorithm>

#include "dataplane/common/log.hh"

namespace sstpgw::sstp {

namespace {

call_counter counter_for(binding_result r) {
  switch (r) {
    case binding_result::hash_not_offered: return call_counter::binding_hash_not_offered;
    case binding_result::nonce_mismatch: return call_counter::binding_nonce_mismatch;
    case binding_result::cert_hash_mismatch: return call_counter::binding_cert_hash_mismatch;
    case binding_result::mac_mismatch: return call_counter::binding_mac_mismatch;
    default: return call_counter::binding_malformed;
  }
}

constexpr uint8_t kNoAttrib = static_cast<uint8_t>(attribute_id::no_error);
constexpr uint8_t kBindingAttrib = static_cast<uint8_t>(attribute_id::crypto_binding);

}  // namespace

server_call::server_call(const server_call_config& config, const cert_hashes& server_cert,
                         counter_set<call_counter>& counters, time_point now)
    : call_endpoint(call_state::server_connect_request_pending, config.timers, counters, config.name),
      config_(config),
      server_cert_(server_cert) {
  start_negotiation_timer(now);
}

void server_call::on_setup_message(const control_message& m, std::span<const uint8_t> packet, time_point now) {
  switch (m.known_type()) {
    case message_type::call_connect_request:
      if (state() == call_state::server_connect_request_pending) return on_connect_request(m, now);
      break;
    case message_type::call_connected:
      if (state() == call_state::server_call_connected_pending) return on_call_connected(m, packet, now);
      break;
    default:
      break;
  }
  // CONNECT_ACK / NAK from a client, or a setup message out of order (3.3.5.2.x: abort).
  counters_.add(call_counter::unexpected_message);
  log(log_level::info, "sstp", "{}: {} unexpected in {}", name_, message_type_name(m.known_type()),
      call_state_name(state()));
  start_abort(status::unaccepted_frame_received, kNoAttrib, now);
}

void server_call::on_connect_request(const control_message& m, time_point now) {
  const auto verdict = check_call_connect_request(m);
  if (!verdict.acceptable) {
    if (naks_sent_ >= config_.max_naks) {
      counters_.add(call_counter::nak_retries_exceeded);
      return start_abort(status::retry_count_exceeded, kNoAttrib, now);
    }
    ++naks_sent_;
    counters_.add(call_counter::connect_request_nak);
    log(log_level::info, "sstp", "{}: CALL_CONNECT_REQUEST refused ({}), NAK {} of {}", name_,
        status_name(verdict.problems.items[0].code), naks_sent_, config_.max_naks);
    uint8_t buf[kMaxPacketSize];
    return send_packet({buf, build_call_connect_nak(buf, verdict.problems.view())});
  }
  if (RAND_bytes(nonce_.data(), static_cast<int>(nonce_.size())) != 1) {
    log(log_level::error, "sstp", "{}: no random bytes for the nonce; aborting the call", name_);
    return start_abort(status::no_error, kNoAttrib, now);
  }
  uint8_t buf[kCallConnectAckSize];
  send_packet({buf, build_call_connect_ack(buf, {config_.offered_hashes, nonce_})});
  set_state(call_state::server_call_connected_pending);
  start_negotiation_timer(now);
  call_event e;
  e.kind = call_event_kind::link_up;
  emit(std::move(e));
}

void server_call::on_call_connected(const control_message& m, std::span<const uint8_t> packet, time_point now) {
  if (have_queued_) {
    // A second CALL_CONNECTED while the first waits for authentication.
    counters_.add(call_counter::unexpected_message);
    return start_abort(status::unaccepted_frame_received, kNoAttrib, now);
  }
  crypto_binding b;
  if (packet.size() != kCallConnectedSize || !parse_call_connected(m, b)) {
    counters_.add(call_counter::binding_malformed);
    return start_abort(status::invalid_frame_received, kBindingAttrib, now);
  }
  if (!hlaks_) {
    // 3.3.5.2.3 / reference 1.4 point 7: hold until the HLAK is known.
    std::copy(packet.begin(), packet.end(), queued_call_connected_.begin());
    have_queued_ = true;
    counters_.add(call_counter::call_connected_queued);
    return;
  }
  verify_binding(packet, now);
}

void server_call::authenticated(const hlak_candidates& hlaks, time_point now) {
  if (is_closed() || in_teardown() || hlaks_) return;
  hlaks_ = hlaks;
  if (have_queued_ && state() == call_state::server_call_connected_pending) {
    have_queued_ = false;
    verify_binding(queued_call_connected_, now);
  }
}

void server_call::verify_binding(std::span<const uint8_t> packet, time_point now) {
  const auto v = verify_call_connected(packet, config_.offered_hashes, nonce_, server_cert_, *hlaks_);
  if (v.result != binding_result::ok) {
    counters_.add(counter_for(v.result));
    log(log_level::warn, "sstp", "{}: crypto binding failed: {}", name_, binding_result_name(v.result));
    const status code =
        v.result == binding_result::malformed ? status::invalid_frame_received : status::value_not_supported;
    return start_abort(code, kBindingAttrib, now);
  }
  binding_ = v;
  set_state(call_state::server_call_connected);
  stop_negotiation_timer();
  start_hello_timer(now);
  counters_.add(call_counter::calls_connected);
  log(log_level::info, "sstp", "{}: call connected, crypto binding {} with HLAK {}", name_,
      hash_protocol_name(v.hash), hlak_form_name(v.form));
  call_event e;
  e.kind = call_event_kind::connected;
  e.hash = v.hash;
  e.form = v.form;
  emit(std::move(e));
}

}  // namespace sstpgw::sstp
