#include "control/sstp/call_endpoint.hh"

#include <algorithm>

#include "dataplane/common/log.hh"
#include "dataplane/sstp/packet.hh"
#include "dataplane/sstp/ppp_frame_kind.hh"

namespace sstpgw::sstp {

call_endpoint::call_endpoint(call_state initial, const call_timers& timers, counter_set<call_counter>& counters,
                             std::string name)
    : timers_(timers), counters_(counters), name_(std::move(name)), state_(initial) {}

bool call_endpoint::in_teardown() const {
  return state_ == call_state::call_abort_pending || state_ == call_state::call_abort_timeout_pending ||
         state_ == call_state::call_disconnect_ack_pending || state_ == call_state::call_disconnect_timeout_pending;
}

bool call_endpoint::setup_pending() const {
  return state_ == call_state::server_call_connected_pending || state_ == call_state::client_connect_ack_received;
}

bool call_endpoint::connected() const {
  return state_ == call_state::server_call_connected || state_ == call_state::client_call_connected;
}

std::vector<uint8_t> call_endpoint::take_output() {
  std::vector<uint8_t> o;
  o.swap(out_);
  return o;
}

bool call_endpoint::next_event(call_event& out) {
  if (events_.empty()) return false;
  out = std::move(events_.front());
  events_.pop_front();
  return true;
}

std::optional<time_point> call_endpoint::next_deadline() const {
  std::optional<time_point> d;
  for (const auto& t : {negotiation_deadline_, hello_deadline_, teardown_deadline_})
    if (t && (!d || *t < *d)) d = t;
  return d;
}

void call_endpoint::send_packet(std::span<const uint8_t> packet) { out_.insert(out_.end(), packet.begin(), packet.end()); }

void call_endpoint::send_empty(message_type type) {
  uint8_t buf[kEmptyControlSize];
  send_packet({buf, build_empty_message(buf, type)});
}

void call_endpoint::start_hello_timer(time_point now) {
  hello_deadline_ = now + timers_.hello;
  echo_outstanding_ = false;
}

void call_endpoint::close(close_reason reason) {
  if (state_ == call_state::disconnected) return;
  state_ = call_state::disconnected;
  negotiation_deadline_.reset();
  hello_deadline_.reset();
  teardown_deadline_.reset();
  log(log_level::info, "sstp", "{}: closing: {}", name_, close_reason_name(reason));
  call_event e;
  e.kind = call_event_kind::closed;
  e.reason = reason;
  emit(std::move(e));
}

// Call_Abort_In_Progress_1: send CALL_ABORT, start ABORT_TIMER_1, Call_Abort_Pending.
void call_endpoint::start_abort(status code, uint8_t attrib_id, time_point now) {
  if (state_ == call_state::disconnected || state_ == call_state::call_abort_pending ||
      state_ == call_state::call_abort_timeout_pending)
    return;
  status_info info{attrib_id, code, {}};
  uint8_t buf[kControlHeaderSize + kStatusInfoAttrMinSize];
  send_packet({buf, build_call_abort(buf, &info)});
  state_ = call_state::call_abort_pending;
  negotiation_deadline_.reset();
  hello_deadline_.reset();
  teardown_deadline_ = now + timers_.abort_1;
  counters_.add(call_counter::local_abort);
  log(log_level::info, "sstp", "{}: aborting the call: {}", name_, status_name(code));
  call_event e;
  e.kind = call_event_kind::aborted;
  e.code = code;
  emit(std::move(e));
}

void call_endpoint::abort(status code, time_point now) {
  start_abort(code, static_cast<uint8_t>(attribute_id::no_error), now);
}

void call_endpoint::disconnect(time_point now) {
  // Irrespective of the state, except one already ending (3.2.4.2).
  if (state_ == call_state::disconnected || in_teardown()) return;
  uint8_t buf[kEmptyControlSize];
  send_packet({buf, build_call_disconnect(buf, nullptr)});
  state_ = call_state::call_disconnect_ack_pending;
  negotiation_deadline_.reset();
  hello_deadline_.reset();
  teardown_deadline_ = now + timers_.disconnect_1;
  counters_.add(call_counter::local_disconnect);
  call_event e;
  e.kind = call_event_kind::disconnected;
  emit(std::move(e));
}

void call_endpoint::transport_closed(time_point) { close(close_reason::transport_closed); }

void call_endpoint::note_activity(time_point now) {
  if (hello_deadline_) start_hello_timer(now);
}

void call_endpoint::on_timer(time_point now) {
  if (state_ == call_state::disconnected) return;
  if (teardown_deadline_ && now >= *teardown_deadline_) {
    teardown_deadline_.reset();
    switch (state_) {
      case call_state::call_disconnect_ack_pending:
        counters_.add(call_counter::disconnect_ack_timeout);
        close(close_reason::disconnect_timeout);
        break;
      case call_state::call_disconnect_timeout_pending:
        close(close_reason::disconnect_done);
        break;
      default:
        close(close_reason::abort_done);
        break;
    }
    return;
  }
  if (negotiation_deadline_ && now >= *negotiation_deadline_) {
    negotiation_deadline_.reset();
    counters_.add(call_counter::negotiation_timeout);
    start_abort(status::negotiation_timeout, static_cast<uint8_t>(attribute_id::no_error), now);
    return;
  }
  if (hello_deadline_ && now >= *hello_deadline_) {
    if (echo_outstanding_) {
      // 3.1.2.3: silent for a whole interval after the echo: close without CALL_ABORT.
      counters_.add(call_counter::hello_timeout);
      close(close_reason::hello_timeout);
      return;
    }
    send_empty(message_type::echo_request);
    counters_.add(call_counter::echo_request_sent);
    hello_deadline_ = now + timers_.hello;
    echo_outstanding_ = true;
  }
}

void call_endpoint::receive_bytes(std::span<const uint8_t> bytes, time_point now) {
  while (state_ != call_state::disconnected) {
    std::span<const uint8_t> packet;
    const auto st = framer_.next(bytes, packet);
    if (st == frame_status::need_more) return;
    if (st == frame_status::invalid) {
      counters_.add(call_counter::invalid_framing);
      close(close_reason::invalid_framing);
      return;
    }
    dispatch(packet, now);
  }
}

void call_endpoint::receive_packet(std::span<const uint8_t> packet, time_point now) {
  if (state_ == call_state::disconnected) return;
  packet_view pv;
  if (parse_packet(packet, pv) != header_error::ok) {
    counters_.add(call_counter::invalid_framing);
    close(close_reason::invalid_framing);
    return;
  }
  dispatch(packet, now);
}

void call_endpoint::dispatch(std::span<const uint8_t> packet, time_point now) {
  if (state_ == call_state::disconnected) return;
  // Any packet, control or data, restarts the hello timer (3.1.2.3).
  if (hello_deadline_) start_hello_timer(now);
  if (!(packet[1] & kControlBit)) return on_data(packet.subspan(kHeaderSize), now);

  control_message m;
  const auto err = parse_control_message(packet, m);
  if (err != control_error::ok || !is_known_message_type(m.type)) {
    if (in_teardown()) return;  // all but CALL_ABORT is ignored there, and this is none
    if (err != control_error::ok) {
      counters_.add(call_counter::malformed_message);
      log(log_level::info, "sstp", "{}: malformed control message: {}", name_, control_error_name(err));
    } else {
      counters_.add(call_counter::unknown_message);
      log(log_level::info, "sstp", "{}: unknown control message type {:#06x}", name_, m.type);
    }
    return start_abort(status::invalid_frame_received, static_cast<uint8_t>(attribute_id::no_error), now);
  }
  switch (m.known_type()) {
    case message_type::call_abort:
      return on_abort(m, now);
    case message_type::call_disconnect:
      return on_disconnect(m, now);
    default:
      break;
  }
  if (in_teardown()) {
    // DISCONNECT_ACK ends a disconnect we started; everything else is ignored.
    if (m.known_type() == message_type::call_disconnect_ack &&
        state_ == call_state::call_disconnect_ack_pending && parse_empty_message(m, m.known_type()))
      close(close_reason::disconnect_acked);
    return;
  }
  switch (m.known_type()) {
    case message_type::echo_request:
      if (!parse_empty_message(m, message_type::echo_request)) {
        counters_.add(call_counter::malformed_message);
        return start_abort(status::invalid_frame_received, 0, now);
      }
      // 3.x.5.x: answered when connected. Also answered during setup: the hello
      // timer of a peer may fire while PPP authenticates, and aborting a call
      // for a keepalive helps no one.
      if (!connected() && !setup_pending()) {
        counters_.add(call_counter::unexpected_message);
        return start_abort(status::unaccepted_frame_received, 0, now);
      }
      counters_.add(call_counter::echo_request_received);
      return send_empty(message_type::echo_response);
    case message_type::echo_response:
      // Any packet already cleared the outstanding echo; nothing else to do.
      return;
    case message_type::call_disconnect_ack:
      // Not in Call_Disconnect_Ack_Pending (handled above): 3.3.5.2.6 aborts.
      counters_.add(call_counter::unexpected_message);
      return start_abort(status::unaccepted_frame_received, 0, now);
    default:
      return on_setup_message(m, packet, now);
  }
}

void call_endpoint::on_abort(const control_message& m, time_point now) {
  status_info info;
  bool has_status = false;
  const bool well_formed = parse_call_abort(m, info, has_status);
  switch (state_) {
    case call_state::call_abort_pending:
      // Our abort was answered: ABORT_TIMER_2, then done.
      state_ = call_state::call_abort_timeout_pending;
      teardown_deadline_ = now + timers_.abort_2;
      return;
    case call_state::call_abort_timeout_pending:
    case call_state::call_disconnect_timeout_pending:
      return;
    default:
      break;
  }
  // Call_Abort_In_Progress_2: answer with CALL_ABORT, ABORT_TIMER_2, Call_Abort_Timeout_Pending.
  uint8_t buf[kEmptyControlSize];
  send_packet({buf, build_call_abort(buf, nullptr)});
  state_ = call_state::call_abort_timeout_pending;
  negotiation_deadline_.reset();
  hello_deadline_.reset();
  teardown_deadline_ = now + timers_.abort_2;
  counters_.add(call_counter::peer_abort);
  const status code = well_formed && has_status ? info.code : status::no_error;
  log(log_level::info, "sstp", "{}: call aborted by the peer: {}", name_, status_name(code));
  call_event e;
  e.kind = call_event_kind::aborted;
  e.by_peer = true;
  e.code = code;
  emit(std::move(e));
}

void call_endpoint::on_disconnect(const control_message&, time_point now) {
  if (state_ == call_state::call_abort_pending || state_ == call_state::call_abort_timeout_pending ||
      state_ == call_state::call_disconnect_timeout_pending)
    return;
  // Acknowledged in any other state, also crossing our own CALL_DISCONNECT (3.2.4.2).
  send_empty(message_type::call_disconnect_ack);
  const bool ours_pending = state_ == call_state::call_disconnect_ack_pending;
  state_ = call_state::call_disconnect_timeout_pending;
  negotiation_deadline_.reset();
  hello_deadline_.reset();
  teardown_deadline_ = now + timers_.disconnect_2;
  if (ours_pending) return;  // already reported as disconnected
  counters_.add(call_counter::peer_disconnect);
  call_event e;
  e.kind = call_event_kind::disconnected;
  e.by_peer = true;
  emit(std::move(e));
}

void call_endpoint::on_data(std::span<const uint8_t> ppp, time_point) {
  const auto info = classify_ppp_frame(ppp);
  if (info.kind == ppp_frame_kind::malformed) {
    counters_.add(call_counter::rx_ppp_malformed);
    return;
  }
  if (connected() || (setup_pending() && info.kind == ppp_frame_kind::control)) {
    call_event e;
    e.kind = call_event_kind::ppp_frame;
    e.frame.assign(ppp.begin(), ppp.end());
    emit(std::move(e));
    return;
  }
  // Before the binding is verified only control frames pass (3.3.5.2.3, 5.1).
  counters_.add(setup_pending() ? call_counter::rx_data_before_binding : call_counter::rx_frame_not_accepted);
}

bool call_endpoint::send_ppp(std::span<const uint8_t> frame, time_point) {
  const auto info = classify_ppp_frame(frame);
  if (info.kind == ppp_frame_kind::malformed) {
    counters_.add(call_counter::tx_ppp_malformed);
    return false;
  }
  if (frame.size() > kMaxPppFrameSize) {
    counters_.add(call_counter::tx_frame_too_long);
    return false;
  }
  if (!(connected() || (setup_pending() && info.kind == ppp_frame_kind::control))) {
    counters_.add(setup_pending() ? call_counter::tx_data_before_binding : call_counter::tx_frame_not_accepted);
    return false;
  }
  const size_t at = out_.size();
  out_.resize(at + kHeaderSize + frame.size());
  build_data_packet({out_.data() + at, kHeaderSize + frame.size()}, frame);
  return true;
}

}  // namespace sstpgw::sstp
