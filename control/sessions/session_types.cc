#include "control/sessions/session_types.hh"

#include <fmt/format.h>

#include "control/sessions/session_info.hh"

namespace sstpgw::sessions {

std::string_view to_string(stream_phase p) {
  switch (p) {
    case stream_phase::raw:
      return "raw";
    case stream_phase::http:
      return "http";
    case stream_phase::sstp:
      return "sstp";
  }
  return "?";
}

std::string_view action_name(const session_action& a) {
  static constexpr std::string_view kNames[] = {"send_raw",       "install_keys",   "send_plaintext",
                                                "start_sstp",     "returned_bytes", "data_path_up",
                                                "data_path_down", "close"};
  return kNames[a.index()];
}

std::string_view to_string(session_event_kind k) {
  switch (k) {
    case session_event_kind::tls_established:
      return "tls_established";
    case session_event_kind::http_accepted:
      return "http_accepted";
    case session_event_kind::authenticated:
      return "authenticated";
    case session_event_kind::address_assigned:
      return "address_assigned";
    case session_event_kind::address_released:
      return "address_released";
    case session_event_kind::data_path_up:
      return "data_path_up";
    case session_event_kind::data_path_down:
      return "data_path_down";
    case session_event_kind::closed:
      return "closed";
  }
  return "?";
}

std::string_view to_string(session_state s) {
  switch (s) {
    case session_state::tls_handshake:
      return "tls_handshake";
    case session_state::http_request:
      return "http_request";
    case session_state::sstp_setup:
      return "sstp_setup";
    case session_state::authenticating:
      return "authenticating";
    case session_state::network:
      return "network";
    case session_state::up:
      return "up";
    case session_state::closing:
      return "closing";
    case session_state::closed:
      return "closed";
  }
  return "?";
}

}  // namespace sstpgw::sessions
