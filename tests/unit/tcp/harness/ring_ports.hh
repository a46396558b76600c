// Test support: two DPDK ports wired back to back by two rte_rings, so what
// one port transmits the other receives, each port driven by its own lcore.
//
// DPDK's net_ring PMD (`--vdev=net_ring0`) only makes a loopback port (its RX
// and TX queues are the same ring, also with nodeaction=...:ATTACH), so the
// pair is built with rte_eth_from_rings(): port 0 transmits into ring "ab" and
// receives from "ba", port 1 the other way round. The rings are single
// producer / single consumer: each end of a ring belongs to one lcore.
// Both ports are then set up by eal::port like any other port (one queue
// pair, mempool from the formula, no RSS and no checksum offload: net_ring
// has neither, so TCP checksums are computed and verified in software).
//
// net_ring ports have no MAC address (all zero, and no mac_addr_set), so the
// pair names one per port for the interfaces above: mac(side).
//
// net_ring moves mbuf pointers: an mbuf one port transmits is the mbuf the
// other receives and frees (into the sender's pool, from the other lcore).
//
// Needs a started EAL (eal::eal_start); create the pair once per process: the
// vdev names stay registered until the pair is destroyed.
#pragma once

#include <rte_ring.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/eal/port.hh"

namespace sstpgw::tcp::testing {

struct ring_pair_config {
  std::string name = "sgwt_ring";        // ports are <name>_a and <name>_b
  uint32_t ring_size = 4096;             // per direction, a power of two
  std::array<unsigned, 2> lcores{0, 1};  // lcore polling port a / port b
  uint32_t extra_mbufs = 0;              // per port: what the stacks hold (eal::port_config)
  uint32_t arp_pending_mbufs = 0;        // per port
};

class ring_port_pair {
 public:
  explicit ring_port_pair(const ring_pair_config& cfg);  // throws std::runtime_error
  ~ring_port_pair();
  ring_port_pair(const ring_port_pair&) = delete;
  ring_port_pair& operator=(const ring_port_pair&) = delete;

  eal::port& port(int side) { return *ports_.at(static_cast<size_t>(side)); }
  // The port's MAC, or a locally administered one where the port has none.
  std::array<uint8_t, 6> mac(int side) const;
  // Frees whatever sits in either ring (between tests; not while lcores run).
  uint32_t drain();
  // Packets in the ring towards side `side`'s receive queue.
  uint32_t queued_towards(int side) const { return rte_ring_count(rings_.at(static_cast<size_t>(side))); }

 private:
  ring_pair_config cfg_;
  std::array<rte_ring*, 2> rings_{};  // [0]: towards a (b transmits), [1]: towards b
  std::array<std::string, 2> names_;
  std::array<std::unique_ptr<eal::port>, 2> ports_;
};

}  // namespace sstpgw::tcp::testing
