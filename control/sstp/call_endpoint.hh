// What the SSTP server and client call state machines share (MS-SSTP 3.1):
// framing of the received stream, the abort and disconnect procedures with
// their timers, echo and the hello timer, PPP frame gating, and the output the
// owner drains. Sans-I/O: bytes and time in; bytes, PPP frames and events out.
//
// Owner's loop: feed receive_bytes()/receive_packet(), send_ppp(), events from
// outside; call on_timer(now) at next_deadline(); after every call, send
// take_output() and handle next_event() until it returns false. After a
// `closed` event, send what was taken and close the connection (abortively if
// the reason is invalid_framing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/sstp/call_counters.hh"
#include "control/sstp/call_types.hh"
#include "dataplane/sstp/control_message.hh"
#include "dataplane/sstp/messages.hh"
#include "dataplane/sstp/stream_framer.hh"

namespace sstpgw::sstp {

class call_endpoint {
 public:
  call_endpoint(const call_endpoint&) = delete;
  call_endpoint& operator=(const call_endpoint&) = delete;
  virtual ~call_endpoint() = default;

  // ---- input ----
  // The SSTP stream after the HTTP exchange, in pieces of any size.
  void receive_bytes(std::span<const uint8_t> bytes, time_point now);
  // One whole SSTP packet, for an owner that frames the stream itself (the
  // worker). Use either this or receive_bytes on one call, not both.
  void receive_packet(std::span<const uint8_t> packet, time_point now);
  // A PPP frame from the local PPP layer. False if dropped (and counted): data
  // frames before the call is connected, anything before setup or in teardown.
  bool send_ppp(std::span<const uint8_t> frame, time_point now);
  // Packets the owner saw elsewhere (the worker's data path) restart the hello timer.
  void note_activity(time_point now);
  // Runs the timers that are due.
  void on_timer(time_point now);
  // Disconnect SSTP Tunnel event (3.2.4.2 / 3.3.4.2): PPP is down or the operator asked.
  void disconnect(time_point now);
  // Aborts the call with a status (operator action, fatal local error).
  void abort(status code, time_point now);
  // The HTTPS layer went away: the call ends without further messages.
  void transport_closed(time_point now);

  // ---- output ----
  // Bytes to send, in order (appended since the last take).
  std::vector<uint8_t> take_output();
  bool has_output() const { return !out_.empty(); }
  bool next_event(call_event& out);
  // When on_timer must next run; empty once closed.
  std::optional<time_point> next_deadline() const;

  call_state state() const { return state_; }
  bool is_closed() const { return state_ == call_state::disconnected; }

 protected:
  call_endpoint(call_state initial, const call_timers& timers, counter_set<call_counter>& counters,
                std::string name);

  // A well-formed control message the shared part does not handle (setup
  // messages), in a state that is not a teardown state.
  virtual void on_setup_message(const control_message& m, std::span<const uint8_t> packet, time_point now) = 0;

  // For the derived state machines.
  void set_state(call_state s) { state_ = s; }
  void send_packet(std::span<const uint8_t> packet);
  void send_empty(message_type type);
  void emit(call_event e) { events_.push_back(std::move(e)); }
  void start_abort(status code, uint8_t attrib_id, time_point now);
  void close(close_reason reason);
  void start_negotiation_timer(time_point now) { negotiation_deadline_ = now + timers_.negotiation; }
  void stop_negotiation_timer() { negotiation_deadline_.reset(); }
  void start_hello_timer(time_point now);
  bool in_teardown() const;
  // Control frames only (setup), everything (connected), or nothing.
  bool setup_pending() const;
  bool connected() const;

  call_timers timers_;
  counter_set<call_counter>& counters_;
  std::string name_;  // log prefix: which connection

 private:
  void dispatch(std::span<const uint8_t> packet, time_point now);
  void on_data(std::span<const uint8_t> ppp, time_point now);
  void on_abort(const control_message& m, time_point now);
  void on_disconnect(const control_message& m, time_point now);

  call_state state_;
  stream_framer framer_;
  std::vector<uint8_t> out_;
  std::deque<call_event> events_;
  std::optional<time_point> negotiation_deadline_;
  std::optional<time_point> hello_deadline_;
  std::optional<time_point> teardown_deadline_;
  bool echo_outstanding_ = false;
};

}  // namespace sstpgw::sstp
