// Test support: DPDK's EAL, once per process, without hugepages or PCI, and
// mempools for the TCP tests.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace sstpgw::tcp::testing {

// Initialises the EAL on first call (--no-huge --no-pci -m 256, a file prefix
// unique to this process). Aborts the process if it cannot.
void ensure_eal();

// A pktmbuf pool (created once per name). data_room 0 makes a pool for
// indirect mbufs.
rte_mempool* make_pool(const char* name, uint32_t n, uint16_t data_room = RTE_MBUF_DEFAULT_BUF_SIZE);

// Mbufs currently taken from a pool (for leak checks).
inline uint32_t in_use(const rte_mempool* p) { return rte_mempool_in_use_count(p); }

}  // namespace sstpgw::tcp::testing
