// The run-to-completion loop of one worker lcore (l3fwd / ipsec-secgw shape):
//
//   for each port queue: rx burst -> iface input (-> TCP through its sink)
//   handoff rings from other workers -> iface input (from_handoff)
//   application stages (TCP timers, sessions, control messages), in order
//   every drain interval (TSC): iface timers (ARP, reassembly), TX flush
//   handoff staging pushed every iteration
//
// Adaptive polling (l3fwd-power / VPP adaptive mode): after `spin_iterations`
// empty iterations the loop pauses the core (rte_pause) for `pause_iterations`
// more, then flushes everything and sleeps, 1 us doubling up to max_sleep_us,
// until work appears. A gateway on a two-core machine thus leaves the CPU to
// its peers when idle. busy_poll never sleeps (benchmarks).
//
// Runtime statistics per stage (runtime_stats.hh). Stops when the flag is set.
#pragma once

#include <atomic>
#include <cstdint>

#include "dataplane/eal/queue_io.hh"
#include "dataplane/eal/sizing.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/iface.hh"
#include "dataplane/rings/handoff.hh"
#include "dataplane/worker/runtime_stats.hh"

namespace sstpgw::worker {

struct poll_config {
  bool busy_poll = false;
  uint32_t drain_us = eal::kTxDrainUs;
  uint32_t spin_iterations = 256;    // empty iterations before pausing
  uint32_t pause_iterations = 2048;  // paused iterations before sleeping
  uint32_t max_sleep_us = 1000;
};

// One port queue polled by this worker: where packets come from (the seam a
// test wraps with an impairment stage), the stack they go into, and the TX
// buffer the stack writes to.
struct port_binding {
  eal::queue_io io;
  net::iface* iface = nullptr;
  eal::tx_buffer* tx = nullptr;
};

// An application stage: does its work for this iteration, returns how many
// packets (or items) it handled; 0 counts as idle.
struct poll_stage {
  const char* name = nullptr;
  uint32_t (*fn)(void* ctx, uint64_t now_us) = nullptr;
  void* ctx = nullptr;
};

class poll_loop {
 public:
  static constexpr size_t kMaxPorts = 4;
  static constexpr size_t kMaxStages = 8;

  explicit poll_loop(const poll_config& cfg);

  // Setup, before start(). Throws std::length_error beyond the bounds.
  void add_port(const port_binding& p);
  void set_handoff(rings::handoff_port* h) { handoff_ = h; }
  void add_stage(const poll_stage& s);

  // Gratuitous ARP etc.: calls iface::start on every port.
  void start();
  // One iteration; true if it did any work. For tests and benchmarks.
  bool run_once();
  // Iterates until stop is set, then flushes what is buffered.
  void run(const std::atomic<bool>& stop);

  uint64_t now_us() const;
  const runtime_stats& stats() const { return stats_; }

 private:
  net::iface* iface_for_port(uint16_t port_id) const;
  void flush_all();
  void idle_backoff();

  poll_config cfg_;
  port_binding ports_[kMaxPorts];
  size_t n_ports_ = 0;
  poll_stage stages_[kMaxStages];
  size_t stage_stat_[kMaxStages] = {};
  size_t n_stages_ = 0;
  rings::handoff_port* handoff_ = nullptr;

  uint64_t tsc_start_;
  double us_per_tsc_;
  uint64_t drain_tsc_;
  uint64_t last_drain_ = 0;
  uint32_t idle_ = 0;
  uint32_t sleep_us_ = 1;
  size_t st_rx_, st_input_, st_handoff_, st_timers_, st_tx_;
  runtime_stats stats_;
};

}  // namespace sstpgw::worker
