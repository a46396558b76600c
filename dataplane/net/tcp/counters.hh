// Everything the TCP stack drops, retransmits, resets, challenges or answers
// with a cookie: one X-macro list, one counter block per worker.
#pragma once

#include "dataplane/common/counters.hh"

namespace sstpgw::tcp {

#define SSTPGW_TCP_COUNTERS(X)                                                             \
  X(rx_segments, "segments received")                                                      \
  X(rx_bad_checksum, "dropped: TCP checksum wrong")                                        \
  X(rx_malformed, "dropped: header too short or data offset out of bounds")                \
  X(rx_bad_options, "dropped: malformed TCP options")                                      \
  X(rx_bad_flags, "dropped: impossible flag combination")                                  \
  X(rx_no_connection, "segments for no connection or listener (answered with RST)")        \
  X(rx_out_of_window, "dropped: sequence number outside the receive window")               \
  X(rx_paws_rejected, "dropped: timestamp older than TS.Recent (PAWS)")                    \
  X(rx_ack_too_new, "dropped: acknowledges data never sent")                               \
  X(rx_duplicate_data, "payload bytes already received (trimmed)")                         \
  X(rx_ooo_queued, "out-of-order segments queued for reassembly")                          \
  X(rx_ooo_dropped, "dropped: out-of-order segment over the reassembly bound")             \
  X(rx_data_after_close, "data arrived after the application closed (RST sent)")           \
  X(rx_beyond_window_trimmed, "segments trimmed at the right edge of the window")          \
  X(rx_rst, "resets received and accepted")                                                \
  X(rx_rst_ignored, "resets ignored (out of window or bad ACK)")                           \
  X(rx_dup_acks, "duplicate ACKs received")                                                \
  X(rx_sack_blocks, "SACK blocks received")                                                \
  X(tx_segments, "segments sent")                                                          \
  X(tx_data_segments, "segments sent carrying data")                                       \
  X(tx_acks, "pure ACKs sent")                                                             \
  X(tx_delayed_acks, "ACKs sent by the delayed-ACK timer")                                 \
  X(tx_rst, "resets sent")                                                                 \
  X(tx_challenge_acks, "challenge ACKs sent (RFC 5961) for in-window RST or SYN")          \
  X(tx_alloc_failed, "segments not sent: mbuf pool empty")                                 \
  X(tx_queue_overflow, "segments dropped: the output sink refused and the queue was full") \
  X(rto_fired, "retransmission timeouts")                                                  \
  X(retransmit_timeout, "segments retransmitted after a timeout")                          \
  X(retransmit_fast, "segments retransmitted by fast retransmit / SACK recovery")          \
  X(retransmit_syn, "SYN or SYN-ACK retransmitted")                                        \
  X(recovery_entered, "fast recovery episodes")                                            \
  X(persist_probes, "zero-window probes sent")                                             \
  X(keepalive_probes, "keepalive probes sent")                                             \
  X(keepalive_timeouts, "connections dropped: keepalive unanswered")                       \
  X(retransmit_timeouts, "connections dropped: too many retransmissions")                  \
  X(syn_received, "SYNs received on a listener")                                           \
  X(syn_cookies_sent, "SYN-ACKs sent with a SYN cookie")                                   \
  X(syn_cookies_accepted, "connections created from a valid cookie ACK")                   \
  X(syn_cookies_rejected, "ACKs to a listener whose cookie did not verify")                \
  X(syn_dropped_table_full, "SYNs dropped: connection table full and no cookies")          \
  X(half_open_evicted, "half-open connections given up (SYN-ACK unanswered)")              \
  X(conn_table_full, "connections refused: table full")                                    \
  X(time_wait_recycled, "TIME-WAIT entries reclaimed early to respect the bound")          \
  X(time_wait_reopened, "TIME-WAIT entries reused by a new SYN (RFC 6191)")                \
  X(conn_opened_passive, "connections accepted")                                           \
  X(conn_opened_active, "connections established by connect")                              \
  X(conn_reset, "connections ended by a reset")                                            \
  X(conn_closed, "connections closed normally")                                            \
  X(app_refused, "accepted connections the application refused")
SSTPGW_DEFINE_COUNTERS(tcp_counter, SSTPGW_TCP_COUNTERS)

}  // namespace sstpgw::tcp
