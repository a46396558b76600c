// sstpgw::tcp::stack — one worker's TCP (RFC 9293) over DPDK mbufs.
//
// Run to completion, shared nothing: one stack per worker lcore, driven by that
// lcore only; no locks, no heap allocation after construction, time passed in.
//
//   stack s(cfg, events);           // fixed tables sized by cfg (throws at init only)
//   s.listen(443);
//   loop:
//     s.input(pkts, n, now);        // IPv4 packets from the IPv4 layer (contract:
//                                   // dataplane/net/packet_io.hh); events fire inside
//     s.poll(now);                  // timers, pending output, flush to cfg.tx
//
// Packets out: IPv4+TCP packets built per packet_io.hh, handed to cfg.tx in
// bursts; what the sink refuses is kept (bounded) and offered again next flush.
//
// Mbuf ownership, both directions:
//   - input(): the stack owns every packet passed in. Payload is handed to the
//     application by events.data as a chain of the received mbufs (headers
//     removed, in sequence order, never copied); the application owns that
//     chain from then on and frees it with rte_pktmbuf_free.
//   - send(bytes): copied into mbufs from cfg.pool; the caller keeps its buffer.
//   - send_mbuf(chain): all or nothing. true: the stack owns the chain (it frees
//     each segment when acknowledged, and the NIC may read it through indirect
//     mbufs until then, so the caller must not write to it); false: the caller
//     still owns it (not enough send space, or the connection cannot send).
//
// Connection ids are 32-bit indices into the table. An id is valid from
// `accepted`/`connected`/connect() until `closed` fires or abort() returns;
// afterwards it may name another connection.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/net/mbuf_stash.hh"
#include "dataplane/net/packet_io.hh"
#include "dataplane/net/tcp/counters.hh"
#include "dataplane/net/tcp/reassembly.hh"
#include "dataplane/net/tcp/tcb.hh"
#include "dataplane/net/tcp/timer_wheel.hh"

namespace sstpgw::tcp {

using conn_id = uint32_t;
inline constexpr conn_id kNoConn = UINT32_MAX;
inline constexpr uint16_t kBurst = 32;

// Application events. Plain function pointers and one context: no virtual
// call per packet. Every pointer may be null except data.
struct stack_events {
  void* ctx = nullptr;
  // A connection on a listening port is ESTABLISHED. Return false to refuse it
  // (the stack resets it; no further events for it).
  bool (*accepted)(void* ctx, conn_id c) = nullptr;
  // connect() completed the handshake.
  void (*connected)(void* ctx, conn_id c) = nullptr;
  // In-order payload: `chain` (pkt_len bytes) now belongs to the application.
  // Return how many of those bytes it has consumed; the rest stays counted in
  // the receive window until released with recv_consumed().
  uint32_t (*data)(void* ctx, conn_id c, rte_mbuf* chain) = nullptr;
  // The peer sent FIN: no more data will arrive (the send side stays open).
  void (*peer_closed)(void* ctx, conn_id c) = nullptr;
  // Send space has freed after a send that did not fit (or send_space() was 0).
  void (*writable)(void* ctx, conn_id c) = nullptr;
  // Last event for c (except after abort()): the connection is gone for the
  // application (it may linger in TIME-WAIT inside the stack).
  void (*closed)(void* ctx, conn_id c, close_reason r) = nullptr;
};

struct stack_config {
  // Sizing, fixed at construction (memory: ~600 B per connection + the rest).
  uint32_t max_connections = 1024;  // table entries: established, half-open, TIME-WAIT
  uint32_t max_half_open = 256;     // SYN-RECEIVED entries; beyond: SYN cookies, or without
                                    // cookies the oldest entry older than the age below goes
  uint64_t half_open_evict_age_ns = 200'000'000;
  uint32_t max_time_wait = 256;  // TIME-WAIT entries; beyond: the oldest is reclaimed
  uint32_t max_listeners = 16;
  uint32_t reassembly_nodes = 8192;        // out-of-order segments, all connections
  uint32_t reassembly_max_segments = 128;  // per connection
  uint32_t rcv_buf = 256 * 1024;           // per connection: unconsumed + out-of-order bytes
  uint32_t snd_buf = 256 * 1024;           // per connection: unacknowledged + unsent bytes
  uint32_t tx_queue = 1024;                // packets held when the sink refuses
  // Protocol.
  uint16_t mss_clamp = 1460;  // our MSS option and the largest segment we send
  bool window_scaling = true;
  bool timestamps = true;
  bool sack = true;
  bool syn_cookies = true;
  bool nodelay = true;  // no Nagle: send small segments at the end of each burst
  uint8_t ttl = 64;
  bool tx_checksum_offload = false;  // see packet_io.hh
  uint64_t delayed_ack_ns = 40'000'000;
  rto_config rto;
  uint8_t max_syn_retries = 5;
  uint8_t max_retries = 12;                 // data retransmissions before giving up (RFC 9293 R2)
  uint64_t time_wait_ns = 60'000'000'000;   // 2 MSL, MSL = 30 s
  uint64_t fin_wait_2_ns = 60'000'000'000;  // after close(): peer's FIN awaited this long
  bool keepalive = false;
  uint64_t keepalive_idle_ns = 7200'000'000'000;
  uint64_t keepalive_interval_ns = 75'000'000'000;
  uint8_t keepalive_probes = 9;
  uint16_t ephemeral_first = 32768;
  uint16_t ephemeral_last = 60999;
  // Timer wheel.
  uint64_t tick_ns = 1'000'000;
  uint32_t wheel_slots = 4096;
  // Secret for ISNs, timestamps offsets and cookies; zero: taken from rte_rand().
  hash_key secret;
  // Where packets come from and go.
  rte_mempool* pool = nullptr;           // headers and send() copies (direct mbufs)
  rte_mempool* indirect_pool = nullptr;  // references to queued payload; null: pool
  net::burst_sink tx;
};

struct conn_info {
  four_tuple tuple;
  tcp_state state = tcp_state::closed;
  uint16_t mss = 0;
  bool sack = false;
  bool timestamps = false;
  bool window_scaling = false;
  uint8_t snd_wscale = 0;
  uint8_t rcv_wscale = 0;
  uint32_t snd_wnd = 0;
  uint32_t cwnd = 0;
  uint32_t ssthresh = 0;
  uint32_t send_queued = 0;  // unacknowledged + unsent bytes
  uint32_t rcv_unconsumed = 0;
  uint32_t reassembly_bytes = 0;
  uint64_t srtt_ns = 0;
  uint64_t rto_ns = 0;
  uint32_t snd_una = 0;  // raw sequence numbers, for diagnostics and tests
  uint32_t snd_max = 0;
  uint32_t rcv_nxt = 0;
};

class stack {
 public:
  stack(const stack_config& cfg, const stack_events& events, uint64_t now_ns);
  ~stack();
  stack(const stack&) = delete;
  stack& operator=(const stack&) = delete;

  // Passive open on a local port (any local address). False if the listener
  // table is full or the port is already listening.
  bool listen(uint16_t port);
  void unlisten(uint16_t port);

  // Active open. local_port 0 picks an ephemeral port. Returns kNoConn when
  // the table is full or no port is free. The SYN goes out at the next flush.
  conn_id connect(uint32_t local_ip, uint32_t remote_ip, uint16_t remote_port, uint64_t now_ns,
                  uint16_t local_port = 0);

  // Takes ownership of all n packets (IPv4 packets per packet_io.hh).
  void input(rte_mbuf** pkts, uint16_t n, uint64_t now_ns);
  // Runs due timers, builds output for connections with something to send and
  // flushes to cfg.tx. Call once per loop iteration (and after sends from
  // outside event callbacks).
  void poll(uint64_t now_ns);

  // Application side. All are no-ops on an id that is not open.
  uint32_t send(conn_id c, const void* data, uint32_t len);
  bool send_mbuf(conn_id c, rte_mbuf* chain);
  uint32_t send_space(conn_id c) const;
  void recv_consumed(conn_id c, uint32_t bytes);
  void shutdown_write(conn_id c);  // FIN after queued data; reading continues
  void close(conn_id c);           // FIN after queued data; data arriving later resets
  void abort(conn_id c);           // RST now; no closed event; id invalid on return
  void set_user(conn_id c, uint64_t v);
  uint64_t user(conn_id c) const;
  conn_info info(conn_id c) const;

  const counter_set<tcp_counter>& counters() const { return counters_; }
  uint32_t connections_in_use() const { return in_use_; }
  uint32_t half_open() const { return half_open_; }
  uint32_t time_wait() const { return time_wait_; }
  uint32_t tx_backlog() const { return tx_count_; }
  uint32_t reassembly_nodes_in_use() const { return reass_.in_use(); }
  uint64_t next_deadline() const { return wheel_.next_deadline(); }
  const stack_config& config() const { return cfg_; }

 private:
  friend struct stack_test_access;
  struct segment;  // a parsed incoming segment (input.cc)

  // table.cc
  uint32_t lookup(const four_tuple& t) const;
  uint32_t bucket_of(const four_tuple& t) const;
  uint32_t alloc_tcb(const four_tuple& t);
  void hash_insert(uint32_t i);
  void hash_remove(uint32_t i);
  void free_tcb(uint32_t i);
  bool reclaim_time_wait();
  void time_wait_unlink(uint32_t i);
  void time_wait_end(uint32_t i);
  void enter_time_wait(uint32_t i);
  void half_open_add(uint32_t i);
  void half_open_remove(uint32_t i);
  bool is_listening(uint16_t port) const;
  void init_tcb(tcb& t, const four_tuple& tu);
  // input.cc
  void input_one(rte_mbuf* m);
  void input_listen(segment& s);
  void input_syn_sent(uint32_t i, segment& s);
  void input_synchronized(uint32_t i, segment& s);
  bool process_ack(uint32_t i, segment& s);
  void process_data(uint32_t i, segment& s);
  void process_fin(uint32_t i);
  void apply_syn_options(tcb& t, const tcp_options& o, uint16_t peer_mss);
  void update_ts_recent(tcb& t, const segment& s);
  void deliver(uint32_t i, rte_mbuf* chain, uint32_t len);
  void sack_update(tcb& t, const tcp_options& o);
  void enter_recovery(tcb& t);
  uint32_t accept_cookie(segment& s);
  void send_cookie_synack(segment& s);
  void reset_connection(uint32_t i, close_reason r);
  void app_close_event(uint32_t i, close_reason r);
  // output.cc
  void mark_pending(uint32_t i);
  void flush_pending();
  void output(uint32_t i);
  bool send_segment(tcb& t, tcp_seq seq, uint8_t flags, uint32_t data_off, uint32_t len);
  // Pure ACKs and RSTs carry SND.MAX: after a timeout SND.NXT is rewound, and
  // a sequence number below the peer's RCV.NXT would make it drop the ACK.
  void send_ack(tcb& t) { send_segment(t, t.snd_max, flag::ack, 0, 0); }
  void send_challenge_ack(tcb& t);
  void send_rst_for(const segment& s);
  void send_rst(const tcb& t);
  void emit(rte_mbuf* m);
  void flush_tx();
  uint32_t rcv_window(tcb& t);
  uint32_t pipe(const tcb& t) const;
  bool wants_window_update(tcb& t);
  uint32_t ts_now(const tcb& t) const;
  // timers.cc
  void arm(uint32_t i);
  void on_timer(uint32_t i);
  void on_rto(uint32_t i);
  void on_persist(uint32_t i);
  void on_keepalive(uint32_t i);
  void start_rtx_timer(tcb& t);
  void maybe_writable(uint32_t i);

  stack_config cfg_;
  stack_events ev_;
  uint64_t now_ = 0;
  counter_set<tcp_counter> counters_;
  std::vector<tcb> tcbs_;
  std::vector<uint32_t> buckets_;
  uint32_t bucket_mask_ = 0;
  uint32_t free_head_ = kNoIndex;
  uint32_t in_use_ = 0;
  uint32_t half_open_ = 0;
  uint32_t time_wait_ = 0;
  uint32_t tw_head_ = kNoIndex;  // oldest TIME-WAIT
  uint32_t tw_tail_ = kNoIndex;
  uint32_t ho_head_ = kNoIndex;  // oldest half-open
  uint32_t ho_tail_ = kNoIndex;
  std::vector<uint16_t> listeners_;
  uint64_t last_cookie_ns_ = 0;
  bool cookies_used_ = false;
  uint16_t next_ephemeral_ = 0;
  uint16_t ip_id_ = 0;
  uint32_t pending_head_ = kNoIndex;
  uint32_t pending_tail_ = kNoIndex;
  reassembly_pool reass_;
  timer_wheel wheel_;
  std::vector<rte_mbuf*> tx_;  // ring of cfg.tx_queue packets awaiting the sink
  uint32_t tx_first_ = 0;
  uint32_t tx_count_ = 0;
  tcb scratch_;  // builds segments that belong to no connection (RST, cookie SYN-ACK)
  // Segment headers and payload references, taken a burst at a time with
  // their mbuf headers prefetched (mbuf_stash.hh); one stash when both come
  // from one pool.
  net::mbuf_stash header_stash_;
  net::mbuf_stash indirect_stash_;
  rte_mbuf* alloc_header() { return header_stash_.alloc(); }
  rte_mbuf* alloc_indirect() {
    return indirect_stash_.pool() ? indirect_stash_.alloc() : header_stash_.alloc();
  }
};

}  // namespace sstpgw::tcp
