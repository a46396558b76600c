// Events and drops of one worker's session engine (X-macro, counters.hh). Every
// packet or message the engine drops increments exactly one "drop:" entry;
// every session it closes on its own increments one "closed:" entry.
#pragma once

#include "dataplane/common/counters.hh"

namespace sstpgw::session {

#define SSTPGW_SESSION_COUNTERS(X)                                                            \
  X(accepted, "TCP connections accepted into the table")                                     \
  X(refused_table_full, "drop: connection refused, no free slot")                            \
  X(closed_reported, "closed reports delivered to control")                                  \
  X(closed_report_deferred, "closed reports retried because the ring was full")              \
  X(stale_message, "drop: control message for a gone session (old generation, free slot)")   \
  X(bad_message, "closed: control message not valid in the session's phase")                 \
  X(handback_violation, "closed: hand-back counts from control did not add up")              \
  X(held_chains, "TCP data held until returned bytes caught up")                             \
  X(raw_bytes, "handshake bytes forwarded to control")                                      \
  X(http_bytes, "HTTP plaintext bytes forwarded to control")                                 \
  X(sstp_control_packets, "SSTP control packets forwarded to control")                       \
  X(ppp_control_frames, "SSTP data packets with non-IPv4 PPP forwarded to control")          \
  X(ppp_malformed, "drop: SSTP data packet with an invalid PPP header")                      \
  X(ipv4_before_data_path, "drop: client IPv4 while the data path is down")                  \
  X(spoofed_source, "drop: client IPv4 from a source other than its own address")            \
  X(client_bad_ipv4, "drop: client IPv4 packet with a bad header")                           \
  X(client_ttl_expired, "drop: client IPv4 packet whose TTL ran out here")                   \
  X(client_not_routed, "drop: client IPv4 to a destination outside the VNet prefixes")       \
  X(client_to_gateway, "drop: client IPv4 to the gateway's VNet address (not answered)")     \
  X(client_to_client, "drop: client IPv4 to another client address (no hairpin)")            \
  X(client_to_vnet, "client IPv4 packets forwarded to the VNet")                             \
  X(vnet_no_mbuf, "drop: no mbuf to copy a client packet for the VNet")                      \
  X(vnet_tx_full, "drop: the VNet port's TX buffer was full")                                \
  X(vnet_rx, "VNet packets not for the gateway (forwarding candidates)")                     \
  X(vnet_stash_full, "drop: more VNet packets in one loop iteration than the stash holds")   \
  X(vnet_unknown_destination, "drop: VNet packet for an address with no live session")      \
  X(vnet_handoff, "VNet packets handed to the worker owning the destination")                \
  X(vnet_ttl_expired, "drop: VNet packet whose TTL ran out here")                            \
  X(vnet_too_big, "drop: VNet packet larger than the client's PPP MRU")                      \
  X(vnet_no_room, "drop: VNet packet chained or without head/tail room for the headers")     \
  X(vnet_client_busy, "drop: the client's TCP send space or record writer was not ready")    \
  X(vnet_to_client, "VNet packets sealed and sent to clients")                               \
  X(records_sent, "TLS records (all kinds) handed to TCP")                                   \
  X(key_update_replies, "KeyUpdate records sealed in answer to the peer or at the limit")    \
  X(tls_alert_received, "closed: the peer sent a fatal alert")                               \
  X(tls_close_notify, "sessions closing after the peer's close_notify")                      \
  X(tls_failed, "sessions failing with a record-layer error (alert sent)")                   \
  X(tls_install_failed, "closed: keys from control could not be installed")                  \
  X(invalid_sstp, "closed: SSTP framing failed (aborted, nothing sent)")                     \
  X(send_queue_full, "closed: a session's pending send queue bound was exceeded")            \
  X(send_failed, "closed: TCP refused a record it had space for, or a seal failed")          \
  X(no_mbuf, "closed: no mbuf for a record, a copy to control or a coalesce buffer")         \
  X(ring_full, "closed: a message to control did not fit the ring")                          \
  X(message_pool_empty, "closed: no free message to control")                                \
  X(closed_on_request, "sessions closed by control's close message")
SSTPGW_DEFINE_COUNTERS(session_counter, SSTPGW_SESSION_COUNTERS)

// Per-session statistics written by the owner worker as plain counters and
// read by control (sstpctl session list, SSTP hello timer); torn reads are
// acceptable (gateway-protocol.md).
struct session_stats {
  uint64_t rx_packets = 0;  // client IPv4 packets forwarded to the VNet
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;  // VNet packets sent to the client
  uint64_t tx_bytes = 0;
  uint64_t last_rx_us = 0;  // last TCP data from the client (worker clock)
  uint64_t generation = 0;  // whose numbers these are
};

}  // namespace sstpgw::session
