// The gateway's workers, assembled from one plain config: per worker an iface
// on the client port and one on the VNet port (with their TX buffers), the TCP
// stack listening on 443 of the client port, the session engine (connection
// table + data path), its end of the control channel, its end of the handoff
// mesh, an ipsec-mb manager, and the poll loop with its stages in order:
//
//   port-rx / net-input (client: Ethernet, ARP, IPv4, TCP -> events;
//                        VNet: Ethernet, ARP, ICMP, forwarding -> engine stash)
//   handoff-rx          packets other workers handed over (TCP flows, VNet
//                        packets for sessions owned here)
//   session-control     control messages (bounded budget), closed reports
//   session-rx          open records of all connections, SSTP, client IPv4 out
//   session-tx          VNet packets + control output sealed, sent to TCP
//   tcp-output          TCP timers and segments, flushed to the client iface
//   timers / tx-flush   ARP, reassembly, TX drain
//
// Built and destroyed on the main thread; worker w's objects are touched only
// by the lcore that runs run(w). Counters are plain per-worker blocks that the
// control thread may read at any time (torn reads acceptable): counters()
// sums them for `sstpctl stats`, runtime() gives `show runtime`.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/eal/port.hh"
#include "dataplane/net/iface.hh"
#include "dataplane/net/tcp/stack.hh"
#include "dataplane/rings/handoff.hh"
#include "dataplane/session/channel.hh"
#include "dataplane/session/engine.hh"
#include "dataplane/session/owner_table.hh"
#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/worker/poll_loop.hh"
#include "dataplane/worker/port_workers.hh"

namespace sstpgw::worker {

struct gateway_config {
  // Started ports with one queue pair per worker (queue w = worker w).
  const eal::port* client_port = nullptr;
  const eal::port* vnet_port = nullptr;
  net::ipv4_subnet client_address;  // the gateway's address on the client side
  uint32_t client_gateway = 0;      // next hop toward clients off that subnet
  net::ipv4_subnet vnet_address;    // the gateway's address on the VNet side
  uint32_t vnet_gateway = 0;        // next hop toward VNet prefixes off the subnet
  std::vector<net::ipv4_subnet> vnet_prefixes;  // client traffic routed to the VNet; empty: all
  uint16_t listen_port = 443;
  uint32_t max_sessions = 1024;      // per worker: connection slots = TCP connections
  const session::owner_table* owners = nullptr;  // pool address -> owner (shared, read-mostly)
  session::channel_set* channels = nullptr;      // one channel per worker
  rings::handoff_mesh* mesh = nullptr;           // required with more than one worker
  rte_mempool* coalesce_pool = nullptr;          // optional large buffers (engine_config)
  tcp::stack_config tcp;                         // template: pool, tx, offload filled per worker
  poll_config poll;
};

class gateway_workers {
 public:
  // Throws std::invalid_argument / std::runtime_error on a config that cannot work.
  explicit gateway_workers(const gateway_config& cfg);
  ~gateway_workers();

  uint16_t n_workers() const { return static_cast<uint16_t>(w_.size()); }
  // Runs worker w's loop until stop is set (call on the worker's lcore), then
  // resets its connections and reports them closed (`shutdown`).
  void run(uint16_t w, const std::atomic<bool>& stop);
  // Tests and benchmarks: starts worker w (gratuitous ARP) / one iteration.
  void start(uint16_t w);
  bool run_once(uint16_t w);

  session::engine& engine(uint16_t w) { return *w_.at(w)->engine; }
  tcp::stack& tcp(uint16_t w) { return *w_.at(w)->tcp; }
  net::iface& client_iface(uint16_t w) { return client_->iface(w); }
  net::iface& vnet_iface(uint16_t w) { return vnet_->iface(w); }
  poll_loop& loop(uint16_t w) { return *w_.at(w)->loop; }

  // Every counter of every layer summed over the workers, as "layer.name".
  std::vector<std::pair<std::string, uint64_t>> counters() const;
  // `show runtime` of each worker.
  std::string runtime() const;

 private:
  struct worker_state {
    tls::aead_engine aead;
    std::unique_ptr<session::engine> engine;
    std::unique_ptr<tcp::stack> tcp;
    std::unique_ptr<rings::handoff_port> handoff;
    std::unique_ptr<poll_loop> loop;
  };
  static uint16_t tcp_input(void* ctx, rte_mbuf** pkts, uint16_t n);
  static uint32_t stage_control(void* ctx, uint64_t now_us);
  static uint32_t stage_rx(void* ctx, uint64_t now_us);
  static uint32_t stage_tx(void* ctx, uint64_t now_us);
  static uint32_t stage_tcp(void* ctx, uint64_t now_us);

  gateway_config cfg_;
  std::vector<std::unique_ptr<worker_state>> w_;
  std::unique_ptr<port_workers> client_;
  std::unique_ptr<port_workers> vnet_;
};

}  // namespace sstpgw::worker
