// The transmission control block: everything the stack knows about one
// connection (RFC 9293 3.3.1 variables plus what RFC 7323, 2018, 5681, 6582 and
// 6298 add). Plain data; input.cc, output.cc and timers.cc act on it.
#pragma once

#include <cstdint>

#include "dataplane/net/tcp/keyed_hash.hh"
#include "dataplane/net/tcp/options.hh"
#include "dataplane/net/tcp/reassembly.hh"
#include "dataplane/net/tcp/rtt.hh"
#include "dataplane/net/tcp/send_queue.hh"
#include "dataplane/net/tcp/types.hh"

namespace sstpgw::tcp {

inline constexpr uint32_t kNoIndex = UINT32_MAX;
inline constexpr uint64_t kNever = UINT64_MAX;

// SACK scoreboard (RFC 2018 / 6675): blocks the peer reported above SND.UNA,
// sorted and merged. A bounded array: when full, the highest blocks are lost,
// which only makes retransmission more conservative.
struct sack_scoreboard {
  static constexpr unsigned kMax = 16;
  sack_block b[kMax];
  uint8_t count = 0;

  void clear() { count = 0; }
  void add(tcp_seq left, tcp_seq right);
  void drop_below(tcp_seq una);
  uint32_t bytes() const;
  uint32_t bytes_below(tcp_seq s) const;
  tcp_seq highest(tcp_seq una) const { return count ? b[count - 1].right : una; }
  // If s is inside a block, the block's end; otherwise s.
  tcp_seq skip(tcp_seq s) const;
  // The first block starting after s (its left edge), or `limit`.
  tcp_seq next_block_after(tcp_seq s, tcp_seq limit) const;
};

enum class close_reason : uint8_t {
  normal,     // both FINs exchanged (or our FIN acked after the peer's)
  reset,      // the peer reset the connection
  refused,    // active open answered with RST
  timeout,    // retransmissions exhausted or SYN unanswered
  keepalive,  // keepalive probes unanswered
  aborted,    // the stack reset it (e.g. data after close); not for abort() calls
};
const char* to_string(close_reason r);

struct tcb {
  // Identity and bookkeeping.
  four_tuple tuple;
  tcp_state state = tcp_state::closed;
  bool in_use = false;
  bool passive = false;      // created by a listener
  bool app_visible = false;  // the application knows this connection
  bool app_closed = false;   // close(): no more reads wanted
  bool closed_notified = false;
  bool peer_fin_seen = false;
  bool in_pending = false;
  bool want_writable = false;
  bool ack_now = false;      // send an ACK at the next flush
  bool ack_delayed = false;  // an ACK is owed, within the delayed-ACK time
  bool fin_queued = false;   // send FIN after the send queue
  bool fin_sent = false;
  bool syn_cookie = false;  // made from a cookie ACK
  bool in_recovery = false;
  bool rtt_timing = false;  // Karn: timing rtt_seq (no timestamps)
  close_reason reason = close_reason::normal;
  uint32_t hash_next = kNoIndex;
  uint32_t pending_next = kNoIndex;
  uint32_t tw_prev = kNoIndex;  // TIME-WAIT FIFO / free list / half-open
  uint32_t tw_next = kNoIndex;
  uint64_t user = 0;

  // Send side (RFC 9293 3.3.1).
  tcp_seq iss;
  tcp_seq snd_una;
  tcp_seq snd_nxt;
  tcp_seq snd_max;  // highest sequence sent + 1
  tcp_seq snd_wl1;
  tcp_seq snd_wl2;
  tcp_seq sq_seq;  // sequence number of send_q's first byte
  uint32_t snd_wnd = 0;
  uint32_t max_snd_wnd = 0;
  uint16_t mss = kDefaultMss;  // effective send MSS (payload bytes, options excluded)
  uint8_t snd_wscale = 0;
  uint8_t rcv_wscale = 0;
  send_queue send_q;

  // Options agreed in the handshake.
  bool ws_ok = false;
  bool ts_ok = false;
  bool sack_ok = false;
  uint16_t peer_mss = kDefaultMss;
  uint32_t ts_offset = 0;
  uint32_t ts_recent = 0;
  uint64_t ts_recent_time = 0;
  tcp_seq last_ack_sent;

  // Receive side.
  tcp_seq irs;
  tcp_seq rcv_nxt;
  tcp_seq rcv_adv;              // right edge of the window we advertised
  uint32_t rcv_unconsumed = 0;  // delivered, not yet released by the application
  uint32_t segs_unacked = 0;
  reassembly_queue reass;
  bool fin_pending = false;  // FIN seen beyond a gap
  tcp_seq fin_seq;

  // Retransmission and congestion control (RFC 6298, 5681, 6582).
  rtt_estimator rtt;
  tcp_seq rtt_seq;
  uint64_t rtt_start = 0;
  uint32_t cwnd = 0;
  uint32_t ssthresh = UINT32_MAX;
  uint32_t dupacks = 0;
  uint32_t bytes_acked_ca = 0;  // congestion avoidance byte counting (RFC 3465)
  tcp_seq recover;
  tcp_seq rtx_next;       // next hole to retransmit in recovery
  uint8_t rtx_count = 0;  // consecutive timeouts
  sack_scoreboard sacks;

  // Timers: absolute deadlines (kNever when idle).
  uint64_t rtx_deadline = kNever;      // retransmission, also SYN / SYN-ACK
  uint64_t persist_deadline = kNever;  // zero-window probe
  uint8_t persist_count = 0;
  uint64_t delack_deadline = kNever;
  uint64_t keepalive_deadline = kNever;
  uint8_t keepalive_count = 0;
  uint64_t linger_deadline = kNever;  // TIME-WAIT 2MSL, FIN-WAIT-2 orphan timeout
  uint64_t last_rx = 0;
  uint64_t born = 0;  // SYN arrival, for half-open eviction
};

}  // namespace sstpgw::tcp
