// The gateway under test for perf_worker: one worker (gateway_workers with one
// queue pair per port) on two net_ring ports made from rings the benchmark
// owns (rte_eth_from_rings), so the scripted peers write what the ports
// receive and read what they send; the control channel driven from the
// benchmark's thread in place of the control thread (no TLS handshake, no
// PPP negotiation: install_keys with fixed keys, the HTTP reply, start_sstp,
// data_path_up); and the worker's loop run and timed iteration by iteration.
#pragma once

#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/eal/port.hh"
#include "dataplane/session/channel.hh"
#include "dataplane/session/owner_table.hh"
#include "dataplane/worker/gateway_workers.hh"
#include "perf/worker/scripted_client.hh"

namespace sstpgw::perf {

struct rig_config {
  uint32_t max_sessions = 256;
  uint32_t ring_size = 16384;    // per direction per port
  uint32_t peer_mbufs = 131071;  // frames the peers send (and VNet packets the gateway seals in place)
  uint32_t tcp_buffer = 1 << 20; // the gateway's TCP send and receive buffer per connection
};

// Addresses of the benchmark network.
inline constexpr uint32_t kGwClientIp = 0xc0000201;  // 192.0.2.1/24
inline constexpr uint32_t kFirstClient = 0xc000020a;  // 192.0.2.10 + k
inline constexpr uint32_t kGwVnetIp = 0x0a010001;    // 10.1.0.1/16
inline constexpr uint32_t kVnetHost = 0x0a010009;    // 10.1.0.9
inline constexpr uint32_t kPoolPrefix = 0xac10c800;  // 172.16.200.0/22
inline constexpr uint32_t kFirstPoolIp = 0xac10c80a; // 172.16.200.10 + k

// Cycles the worker spent in one run_until_idle.
struct spent {
  uint64_t tsc = 0;     // rdtsc around the loop iterations
  uint64_t cpu_ns = 0;  // this thread's CPU time over the same span
  uint64_t iterations = 0;
  spent& operator+=(const spent& o) {
    tsc += o.tsc;
    cpu_ns += o.cpu_ns;
    iterations += o.iterations;
    return *this;
  }
};

uint64_t thread_cpu_ns();

class gateway_rig {
 public:
  // EAL must be running. Throws std::runtime_error.
  explicit gateway_rig(const rig_config& cfg);
  ~gateway_rig();
  gateway_rig(const gateway_rig&) = delete;
  gateway_rig& operator=(const gateway_rig&) = delete;

  // The peers' view of the wire, their pool and the gateway's addresses.
  peer_config peer_base() const;
  worker::gateway_workers& gw() { return *gw_; }
  session::engine& engine() { return gw_->engine(0); }
  const eal::port& client_port() const { return *client_; }
  const eal::port& vnet_port() const { return *vnet_; }
  const wire& rings() const { return wire_; }
  rte_mempool* peer_pool() const { return peer_pool_; }

  // Runs the worker's loop until an iteration finds no work and nothing waits
  // in its input rings.
  spent run_until_idle();
  // Runs the loop for at least `us` microseconds (lets the TX drain timer fire).
  void run_for_us(uint64_t us);
  // Worker, then peers, then control, `rounds` times or until done().
  template <typename F>
  bool pump(scripted_client& c, F done, int rounds = 200) {
    for (int i = 0; i < rounds; ++i) {
      run_for_us(150);
      c.drain();
      poll_control();
      if (done()) return true;
    }
    return false;
  }

  // The control thread's part of a session, for all of c's sessions at once:
  // raw bytes seen -> install_keys; HTTP request seen -> reply, start_sstp,
  // data_path_up. False (with the reason) if a step does not complete.
  bool open_sessions(scripted_client& c, std::string& why);
  // close(graceful=false) for every session; waits for the RSTs and reports.
  void close_sessions(scripted_client& c);

 private:
  struct seen {
    session::message_type type;
    session::session_id id;
    session::phase ph;
    uint16_t peer_port;
    uint32_t bytes;
  };
  void poll_control();

  rig_config cfg_;
  std::vector<rte_ring*> owned_rings_;
  wire wire_;
  rte_mempool* peer_pool_ = nullptr;
  std::unique_ptr<eal::port> client_, vnet_;
  std::unique_ptr<session::channel_set> channels_;
  std::unique_ptr<session::owner_table> owners_;
  std::unique_ptr<worker::gateway_workers> gw_;
  std::vector<seen> inbox_;
  std::vector<session::session_id> ids_;  // by session index of the current client
};

}  // namespace sstpgw::perf
