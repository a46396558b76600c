// Vocabulary shared by the SSTP server and client call state machines
// (MS-SSTP 3.1 - 3.3): time, timer values, states, and the events a call
// reports to its owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "control/sstp/crypto_binding.hh"
#include "dataplane/sstp/constants.hh"

namespace sstpgw::sstp {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
using duration = std::chrono::milliseconds;

// MS-SSTP 3.1.2 / 3.2.2 / 3.3.2 values; configurable so tests can shorten them.
struct call_timers {
  duration negotiation{std::chrono::seconds(60)};
  duration hello{std::chrono::seconds(60)};
  duration abort_1{std::chrono::seconds(3)};       // TIMER_VAL_ABORT_STATE_TIMER_1
  duration abort_2{std::chrono::seconds(1)};       // TIMER_VAL_ABORT_STATE_TIMER_2
  duration disconnect_1{std::chrono::seconds(5)};  // TIMER_VAL_DISCONNECT_STATE_TIMER_1
  duration disconnect_2{std::chrono::seconds(1)};  // TIMER_VAL_DISCONNECT_STATE_TIMER_2
};

// CurrentState. Call_Abort_In_Progress_1/2 and Call_Disconnect_In_Progress_1/2
// are passed through within one step (send, start timer, move on), so a call is
// never observed in them.
enum class call_state : uint8_t {
  server_connect_request_pending,
  server_call_connected_pending,
  server_call_connected,
  client_connect_request_sent,
  client_connect_ack_received,
  client_call_connected,
  call_abort_pending,
  call_abort_timeout_pending,
  call_disconnect_ack_pending,
  call_disconnect_timeout_pending,
  disconnected,  // Server/Client_Call_Disconnected: the connection is closed or to be closed
};
const char* call_state_name(call_state s);

enum class close_reason : uint8_t {
  disconnect_acked,    // our CALL_DISCONNECT was acknowledged
  disconnect_done,     // we acknowledged the peer's CALL_DISCONNECT and waited DISCONNECT_TIMER_2
  disconnect_timeout,  // no CALL_DISCONNECT_ACK within DISCONNECT_TIMER_1
  abort_done,          // the abort exchange ended (ABORT timers)
  hello_timeout,       // nothing received after an ECHO_REQUEST: closed without CALL_ABORT
  invalid_framing,     // the stream could not be delineated: closed, nothing sent (3.1.5.1)
  transport_closed,    // the owner reported the HTTPS layer gone
};
const char* close_reason_name(close_reason r);

enum class call_event_kind : uint8_t {
  link_up,       // PPP may start ("Lower Link Up", 3.1.7.1)
  ppp_frame,     // `frame` is a PPP frame for the local PPP layer
  connected,     // server: crypto binding verified (`hash`, `form`); client: CALL_CONNECTED sent
  aborted,       // the call is being aborted: `code` sent (by_peer false) or received (true)
  disconnected,  // the call is being disconnected, by us or `by_peer`
  closed,        // close the connection now, after sending the output already taken; `reason`
};

struct call_event {
  call_event_kind kind = call_event_kind::closed;
  bool by_peer = false;
  status code = status::no_error;
  hash_protocol hash = hash_protocol::sha256;
  hlak_form form = hlak_form::zero;
  close_reason reason = close_reason::abort_done;
  std::vector<uint8_t> frame;
};

}  // namespace sstpgw::sstp
