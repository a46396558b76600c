#include "dataplane/sstp/constants.hh"

namespace sstpgw::sstp {

const char* message_type_name(message_type t) {
  switch (t) {
    case message_type::call_connect_request: return "CALL_CONNECT_REQUEST";
    case message_type::call_connect_ack: return "CALL_CONNECT_ACK";
    case message_type::call_connect_nak: return "CALL_CONNECT_NAK";
    case message_type::call_connected: return "CALL_CONNECTED";
    case message_type::call_abort: return "CALL_ABORT";
    case message_type::call_disconnect: return "CALL_DISCONNECT";
    case message_type::call_disconnect_ack: return "CALL_DISCONNECT_ACK";
    case message_type::echo_request: return "ECHO_REQUEST";
    case message_type::echo_response: return "ECHO_RESPONSE";
  }
  return "UNKNOWN";
}

const char* status_name(status s) {
  switch (s) {
    case status::no_error: return "NO_ERROR";
    case status::duplicate_attribute: return "DUPLICATE_ATTRIBUTE";
    case status::unrecognized_attribute: return "UNRECOGNIZED_ATTRIBUTE";
    case status::invalid_attrib_value_length: return "INVALID_ATTRIB_VALUE_LENGTH";
    case status::value_not_supported: return "VALUE_NOT_SUPPORTED";
    case status::unaccepted_frame_received: return "UNACCEPTED_FRAME_RECEIVED";
    case status::retry_count_exceeded: return "RETRY_COUNT_EXCEEDED";
    case status::invalid_frame_received: return "INVALID_FRAME_RECEIVED";
    case status::negotiation_timeout: return "NEGOTIATION_TIMEOUT";
    case status::attrib_not_supported_in_msg: return "ATTRIB_NOT_SUPPORTED_IN_MSG";
    case status::required_attribute_missing: return "REQUIRED_ATTRIBUTE_MISSING";
    case status::status_info_not_supported_in_msg: return "STATUS_INFO_NOT_SUPPORTED_IN_MSG";
  }
  return "UNKNOWN";
}

}  // namespace sstpgw::sstp
