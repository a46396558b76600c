// Why SSTP calls drop frames, abort or close (X-macro, see
// dataplane/common/counters.hh). One counter_set per owning thread, passed to
// each call; `sstpctl stats` sums them.
#pragma once

#include "dataplane/common/counters.hh"

namespace sstpgw::sstp {

#define SSTPGW_SSTP_CALL_COUNTERS(X)                                                                      \
  X(calls_connected, "calls whose crypto binding verified (server) or CALL_CONNECTED sent (client)")     \
  X(connect_request_nak, "CALL_CONNECT_REQUEST refused with CALL_CONNECT_NAK")                            \
  X(nak_retries_exceeded, "call aborted: unacceptable CALL_CONNECT_REQUEST after the last NAK retry")     \
  X(negotiation_timeout, "call aborted: call setup not finished within the negotiation timer")           \
  X(hello_timeout, "connection closed without CALL_ABORT: nothing received after ECHO_REQUEST")          \
  X(call_connected_queued, "CALL_CONNECTED held until the higher-layer authentication finished")         \
  X(binding_malformed, "call aborted: CALL_CONNECTED without a well-formed CRYPTO_BINDING")               \
  X(binding_hash_not_offered, "call aborted: crypto binding with a hash protocol not offered")            \
  X(binding_nonce_mismatch, "call aborted: crypto binding nonce is not this call's")                     \
  X(binding_cert_hash_mismatch, "call aborted: crypto binding names another server certificate")         \
  X(binding_mac_mismatch, "call aborted: compound MAC matches no HLAK candidate")                         \
  X(no_common_hash, "call aborted (client): CALL_CONNECT_ACK offers no supported hash protocol")         \
  X(malformed_message, "call aborted: control message that does not parse")                              \
  X(unknown_message, "call aborted: control message of an unknown type")                                 \
  X(unexpected_message, "call aborted: control message not acceptable in the call's state")              \
  X(invalid_framing, "connection closed without a message: the SSTP stream could not be delineated")     \
  X(local_abort, "calls aborted by this side")                                                            \
  X(peer_abort, "calls aborted by the peer")                                                              \
  X(local_disconnect, "calls disconnected by this side")                                                  \
  X(peer_disconnect, "calls disconnected by the peer")                                                    \
  X(disconnect_ack_timeout, "no CALL_DISCONNECT_ACK before the disconnect timer")                         \
  X(rx_data_before_binding, "PPP data frame received before the crypto binding verified: dropped")       \
  X(rx_frame_not_accepted, "PPP frame received before call setup or during teardown: dropped")          \
  X(rx_ppp_malformed, "PPP frame with an invalid address/protocol field: dropped")                       \
  X(tx_data_before_binding, "PPP data frame to send before the crypto binding verified: dropped")       \
  X(tx_frame_not_accepted, "PPP frame to send before call setup or during teardown: dropped")           \
  X(tx_ppp_malformed, "PPP frame to send with an invalid address/protocol field: dropped")               \
  X(tx_frame_too_long, "PPP frame to send over 4091 bytes: dropped")                                      \
  X(echo_request_sent, "ECHO_REQUESTs sent by the hello timer")                                           \
  X(echo_request_received, "ECHO_REQUESTs answered")
SSTPGW_DEFINE_COUNTERS(call_counter, SSTPGW_SSTP_CALL_COUNTERS)

}  // namespace sstpgw::sstp
