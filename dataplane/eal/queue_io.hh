// The seam between a port queue and the stack: a pair of burst functions. The
// worker polls through it, so a test can wrap a real queue with another stage
// (an impairment filter that drops, duplicates, reorders or delays with a seed)
// without the stack knowing. One indirect call per burst, never per packet.
#pragma once

#include <rte_ethdev.h>

#include <cstdint>

namespace sstpgw::eal {

struct queue_io {
  using burst_fn = uint16_t (*)(void* ctx, rte_mbuf** pkts, uint16_t n);
  burst_fn rx = nullptr;  // up to n packets into pkts; returns how many
  burst_fn tx = nullptr;  // sends up to n packets; returns how many it took
  void* ctx = nullptr;

  uint16_t receive(rte_mbuf** pkts, uint16_t n) const { return rx(ctx, pkts, n); }
  uint16_t transmit(rte_mbuf** pkts, uint16_t n) const { return tx(ctx, pkts, n); }

  // A real ethdev queue pair (port, queue); ctx carries the pair itself.
  static queue_io ethdev(uint16_t port, uint16_t queue) {
    return {&ethdev_rx, &ethdev_tx, reinterpret_cast<void*>((uintptr_t{port} << 16) | queue)};
  }

 private:
  static uint16_t ethdev_rx(void* ctx, rte_mbuf** pkts, uint16_t n) {
    const auto v = reinterpret_cast<uintptr_t>(ctx);
    return rte_eth_rx_burst(static_cast<uint16_t>(v >> 16), static_cast<uint16_t>(v), pkts, n);
  }
  static uint16_t ethdev_tx(void* ctx, rte_mbuf** pkts, uint16_t n) {
    const auto v = reinterpret_cast<uintptr_t>(ctx);
    return rte_eth_tx_burst(static_cast<uint16_t>(v >> 16), static_cast<uint16_t>(v), pkts, n);
  }
};

}  // namespace sstpgw::eal
