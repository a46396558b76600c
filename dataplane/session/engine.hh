// One worker's session engine: the connection table and the data path of
// gateway-protocol.md between the worker's TCP stack, its two ifaces (client
// port and VNet port), the control channel and the worker->worker handoff.
//
//   TCP events (accepted, data, writable, peer_closed, closed) -> slots
//   control_stage: control messages (bounded budget), closed reports retried
//   rx_stage:      per connection with input: returned bytes first, then TCP
//                  data unless held by the hand-back rule; raw bytes to
//                  control; records from all connections opened in one
//                  open_batch; plaintext to control (http) or cut into SSTP
//                  packets (sstp): control / non-IPv4 PPP to control, IPv4 to
//                  the VNet port (data path up, source = the client's address)
//   tx_stage:      VNet packets for client addresses -> PPP + SSTP headers in
//                  headroom, sealed in place in one seal_batch with the
//                  control plaintext, KeyUpdate replies and alerts of all
//                  connections -> tcp::stack::send_mbuf; packets for addresses
//                  another worker owns -> handoff
//
// Per packet: no heap allocation, no lock, no exception, no virtual call; all
// tables are sized at construction. Every drop is a counter (counters.hh).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/common/counters.hh"
#include "dataplane/net/ipv4.hh"
#include "dataplane/net/mbuf_stash.hh"
#include "dataplane/net/packet_io.hh"
#include "dataplane/net/tcp/stack.hh"
#include "dataplane/session/address_map.hh"
#include "dataplane/session/channel.hh"
#include "dataplane/session/connection.hh"
#include "dataplane/session/counters.hh"
#include "dataplane/session/owner_table.hh"
#include "dataplane/sstp/rx_counters.hh"
#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/seal_batch.hh"

namespace sstpgw::session {

// Client IPv4 packets gathered for the VNet port before one output call.
inline constexpr uint16_t kVnetOutBatch = 64;

struct engine_config {
  uint16_t worker = 0;
  uint32_t max_sessions = 1024;  // slots; should equal the TCP stack's max_connections
  rte_mempool* record_pool = nullptr;    // sealed records of control plaintext (client port pool)
  rte_mempool* vnet_pool = nullptr;      // client IPv4 packets copied for the VNet (VNet port pool)
  rte_mempool* coalesce_pool = nullptr;  // large buffers for a record spread over tiny segments; null: none
  const owner_table* owners = nullptr;   // client address -> owner worker; null: this worker owns all
  std::vector<net::ipv4_subnet> vnet_prefixes;  // client traffic routed to the VNet; empty: everything
  uint32_t vnet_address = 0;                    // the gateway's own VNet address
  uint32_t message_budget = 64;                 // control messages per loop iteration
  uint32_t max_pending_bytes = 256 * 1024;      // per session, unsealed output
  uint32_t vnet_stash = 4 * 32;                 // VNet packets per loop iteration
};

class engine {
 public:
  engine(const engine_config& cfg, worker_end& channel, tls::aead_engine& aead);
  ~engine();  // frees everything held (after the loop stopped)
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Wiring, before the loop runs. The stack is built with events() and then
  // attached; vnet_out is the VNet iface's output; handoff the worker's
  // handoff sink (may be empty with one worker).
  tcp::stack_events events();
  void attach(tcp::stack& s) { tcp_ = &s; }
  void set_vnet_output(net::burst_sink s) { vnet_out_ = s; }
  void set_handoff(net::handoff_sink s) { handoff_ = s; }
  // The VNet iface hands IPv4 packets not addressed to the gateway here
  // (data at the IPv4 header, validated). Takes all n.
  net::forward_sink vnet_sink() { return {&vnet_thunk, this}; }
  void vnet_input(rte_mbuf** pkts, uint16_t n, bool from_handoff);

  // Poll-loop stages; each returns the items it handled (0: idle).
  uint32_t control_stage(uint64_t now_us);
  uint32_t rx_stage(uint64_t now_us);
  uint32_t tx_stage(uint64_t now_us);
  // Closes every connection (RST) and reports `shutdown`, as far as the ring takes.
  void shutdown();

  // ---- observation (any thread; plain counters, torn reads acceptable) ----
  const counter_set<session_counter>& counters() const { return counters_; }
  const counter_set<sstp::rx_counter>& sstp_counters() const { return sstp_rx_; }
  const counter_set<tls::tls_open_counter>& open_counters() const { return open_.counters; }
  const counter_set<tls::tls_seal_counter>& seal_counters() const { return seal_.counters; }
  const session_stats& stats(uint32_t slot) const { return stats_[slot]; }
  uint32_t sessions_in_use() const { return in_use_; }
  uint32_t data_paths_up() const { return addresses_.size(); }
  // Tests: the id of the connection in a slot, the slot of a TCP connection.
  session_id id_of(uint32_t slot) const { return session_id::make(cfg_.worker, slot, slots_[slot].generation); }
  uint32_t slot_of(tcp::conn_id c) const { return static_cast<uint32_t>(tcp_->user(c)); }
  const connection& slot(uint32_t i) const { return slots_[i]; }

 private:
  // TCP events (engine_control.cc)
  static bool on_accepted(void* ctx, tcp::conn_id c);
  static uint32_t on_data(void* ctx, tcp::conn_id c, rte_mbuf* chain);
  static void on_writable(void* ctx, tcp::conn_id c);
  static void on_peer_closed(void* ctx, tcp::conn_id c);
  static void on_closed(void* ctx, tcp::conn_id c, tcp::close_reason r);
  static void vnet_thunk(void* ctx, rte_mbuf** pkts, uint16_t n, bool from_handoff) {
    static_cast<engine*>(ctx)->vnet_input(pkts, n, from_handoff);
  }

  // lifecycle and control messages (engine_control.cc)
  uint32_t lookup(session_id s) const;  // slot, or UINT32_MAX if stale
  void handle(message* m, uint32_t slot);
  void handle_install_keys(message* m, uint32_t slot);
  void handle_switch_bytes(uint32_t slot, rte_mbuf* chain);
  void violation(uint32_t slot, session_counter c);
  bool to_control(uint32_t slot, message_type t, rte_mbuf* chain);
  void abort_session(uint32_t slot, close_reason r, session_counter c);
  void finish(uint32_t slot, close_reason r);
  bool report_closed(uint32_t slot);
  void free_slot(uint32_t slot);
  void release_resources(uint32_t slot);
  void set_reason(uint32_t slot, close_reason r);
  void data_path_down(uint32_t slot);
  void list_rx(uint32_t slot);
  void list_tx(uint32_t slot);
  bool queue_pending(uint32_t slot, rte_mbuf* chain, bool raw);

  // receive side (engine_rx.cc)
  bool feed_reader(uint32_t slot, chain_queue& q, bool from_tcp);
  void collect(uint32_t slot);
  void run_open();
  void deliver(const tls::opened_record& r);
  void plaintext(uint32_t slot, const uint8_t* p, uint32_t len);
  void sstp_packet(uint32_t slot, std::span<const uint8_t> pkt);
  void client_ipv4(uint32_t slot, std::span<const uint8_t> ip);
  void flush_vnet_out();

  // send side (engine_tx.cc)
  void encap_vnet();
  bool encap_one(rte_mbuf* m, uint32_t slot);
  void seal_connection(uint32_t slot);
  bool seal_pending(uint32_t slot);
  rte_mbuf* record_buffer(std::span<uint8_t>& out);
  bool add_record(uint32_t slot, rte_mbuf* m, bool in_place, uint32_t record_len);
  void run_seal();
  uint32_t send_space(uint32_t slot) const;

  engine_config cfg_;
  worker_end& ch_;
  tls::aead_engine& aead_;
  tcp::stack* tcp_ = nullptr;
  net::burst_sink vnet_out_{};
  net::handoff_sink handoff_{};
  uint64_t now_us_ = 0;

  std::vector<connection> slots_;
  std::vector<session_stats> stats_;
  std::vector<uint32_t> free_list_;
  uint32_t in_use_ = 0;
  address_map addresses_;
  // Work lists of slot indices (each slot at most once, flags in the slot).
  std::vector<uint32_t> rx_list_, tx_list_, zombies_;
  uint32_t max_fragment_ = tls::kMaxPlaintext;

  // open side
  tls::open_batch open_;
  // plaintext for control gathered while one record is delivered (http)
  // client IPv4 packets for the VNet, sent at the end of rx_stage
  rte_mbuf* vnet_out_pkts_[kVnetOutBatch];
  uint16_t n_vnet_out_ = 0;
  net::mbuf_stash vnet_mbufs_;  // copies of client packets, taken a burst at a time

  // seal side
  tls::seal_batch seal_;
  rte_mbuf* seal_mbuf_[tls::kBurst];   // per record in the batch: the mbuf to send
  bool seal_in_place_[tls::kBurst];    // per record: a VNet packet sealed in its own mbuf
  std::vector<rte_mbuf*> after_seal_free_;  // pending chains whose bytes are in the batch
  std::vector<uint32_t> reserved_;     // per slot: send space promised to records in the batch
  std::vector<uint32_t> sealed_slots_; // slots with records in the current batch
  // VNet packets for client addresses, waiting for tx_stage
  std::vector<rte_mbuf*> stash_;
  std::vector<uint8_t> stash_handoff_;  // arrived from another worker (never handed on again)

  counter_set<session_counter> counters_;
  counter_set<sstp::rx_counter> sstp_rx_;
};

}  // namespace sstpgw::session
