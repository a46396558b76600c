#include "control/sstp/call_types.hh"

namespace sstpgw::sstp {

const char* call_state_name(call_state s) {
  switch (s) {
    case call_state::server_connect_request_pending: return "Server_Connect_Request_Pending";
    case call_state::server_call_connected_pending: return "Server_Call_Connected_Pending";
    case call_state::server_call_connected: return "Server_Call_Connected";
    case call_state::client_connect_request_sent: return "Client_Connect_Request_Sent";
    case call_state::client_connect_ack_received: return "Client_Connect_Ack_Received";
    case call_state::client_call_connected: return "Client_Call_Connected";
    case call_state::call_abort_pending: return "Call_Abort_Pending";
    case call_state::call_abort_timeout_pending: return "Call_Abort_Timeout_Pending";
    case call_state::call_disconnect_ack_pending: return "Call_Disconnect_Ack_Pending";
    case call_state::call_disconnect_timeout_pending: return "Call_Disconnect_Timeout_Pending";
    case call_state::disconnected: return "Call_Disconnected";
  }
  return "?";
}

const char* close_reason_name(close_reason r) {
  switch (r) {
    case close_reason::disconnect_acked: return "disconnect acknowledged";
    case close_reason::disconnect_done: return "disconnected by peer";
    case close_reason::disconnect_timeout: return "no disconnect acknowledgement";
    case close_reason::abort_done: return "aborted";
    case close_reason::hello_timeout: return "hello timeout";
    case close_reason::invalid_framing: return "invalid framing";
    case close_reason::transport_closed: return "transport closed";
  }
  return "?";
}

}  // namespace sstpgw::sstp
