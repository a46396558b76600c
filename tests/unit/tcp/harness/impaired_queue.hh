// Test support: a port queue wrapped with the impairment stage in both
// directions (dataplane/net/impairment.hh), behind the eal::queue_io seam the
// worker polls through, so the stack above sees a lossy (duplicating,
// reordering, delaying) wire without knowing.
//
//   impaired_queue q(port.io(0), rx_cfg, tx_cfg, pool);
//   host.set_io(q.io());
//   each iteration: q.set_now(now_ns) before polling.
//
// receive(): first sends the transmitted packets that are due, then takes a
// burst from the queue into the RX stage and returns what is due from it.
// transmit(): everything into the TX stage (it accepts all), then what is due
// goes out; what is held back goes out on a later call (every receive() sends
// what has come due, so delays and reordering work on the way out too).
// What the real queue refuses on the way out is dropped and counted.
// Driven by one lcore, like the queue it wraps.
#pragma once

#include <cstdint>

#include "dataplane/eal/queue_io.hh"
#include "dataplane/net/impairment.hh"

namespace sstpgw::tcp::testing {

class impaired_queue {
 public:
  impaired_queue(eal::queue_io inner, const net::impairment_config& rx, const net::impairment_config& tx,
                 rte_mempool* copy_pool)
      : inner_(inner), rx_(rx, copy_pool), tx_(tx, copy_pool) {}

  eal::queue_io io() { return {&impaired_queue::receive_fn, &impaired_queue::transmit_fn, this}; }
  void set_now(uint64_t now_ns) { now_ = now_ns; }

  const net::impairment_stats& rx_stats() const { return rx_.stats(); }
  const net::impairment_stats& tx_stats() const { return tx_.stats(); }
  uint64_t tx_refused() const { return tx_refused_; }

 private:
  static uint16_t receive_fn(void* ctx, rte_mbuf** pkts, uint16_t n);
  static uint16_t transmit_fn(void* ctx, rte_mbuf** pkts, uint16_t n);
  void send_due();

  eal::queue_io inner_;
  net::impairment rx_, tx_;
  uint64_t now_ = 0;
  uint64_t tx_refused_ = 0;
};

}  // namespace sstpgw::tcp::testing
