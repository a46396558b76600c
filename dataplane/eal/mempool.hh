// Packet mempools and the formula that sizes them.
//
// A pool must hold every mbuf that can be out of it at once, or RX starves:
//
//   n =  rx_queues * rx_desc              (filled RX rings)
//      + tx_queues * (tx_desc + tx_buf)   (TX rings not yet completed + software TX buffers)
//      + lcores * (cache + 2 * burst)     (per-lcore caches, one RX burst and one burst
//                                          being built per lcore)
//      + handoff_slots                    (mbufs sitting in worker->worker rings)
//      + reassembly_mbufs                 (fragments held for reassembly)
//      + arp_pending_mbufs                (packets waiting for ARP resolution)
//      + extra                            (what upper layers hold: TCP send/retransmit
//                                          and out-of-order queues, TLS records)
//
// rounded up to 2^k - 1, the size rte_mempool stores most efficiently.
#pragma once

#include <rte_mempool.h>

#include <cstdint>
#include <string_view>

#include "dataplane/eal/sizing.hh"

namespace sstpgw::eal {

struct mempool_sizing {
  uint32_t rx_queues = 1;
  uint32_t rx_desc = kRxDesc;
  uint32_t tx_queues = 1;
  uint32_t tx_desc = kTxDesc;
  uint32_t tx_buffer_slots = kTxBufferSlots;
  uint32_t lcores = 1;
  uint32_t cache = kMempoolCache;
  uint32_t burst = kBurst;
  uint32_t handoff_slots = 0;
  uint32_t reassembly_mbufs = 0;
  uint32_t arp_pending_mbufs = 0;
  uint32_t extra = 0;

  uint32_t raw_total() const {
    return rx_queues * rx_desc + tx_queues * (tx_desc + tx_buffer_slots) + lcores * (cache + 2 * burst) +
           handoff_slots + reassembly_mbufs + arp_pending_mbufs + extra;
  }
  // raw_total rounded up to 2^k - 1.
  uint32_t total() const {
    uint32_t n = raw_total();
    uint32_t p = 1;
    while (p - 1 < n) p <<= 1;
    return p - 1;
  }
};

// Data room for frames of `mtu` (Ethernet header, one VLAN tag, CRC) in one
// segment, plus the headroom; never below kMinDataRoom + headroom.
uint16_t data_room_for_mtu(uint16_t mtu);

// Creates a pktmbuf pool; the cache is clamped so it never exceeds what the
// pool size allows. Throws std::runtime_error with DPDK's reason.
rte_mempool* create_packet_pool(std::string_view name, uint32_t n_mbufs, uint32_t cache, uint16_t data_room,
                                int socket);

}  // namespace sstpgw::eal
