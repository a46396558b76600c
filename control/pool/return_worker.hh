// Which worker the return traffic to a client address lands on, so the pool can
// hand a session an address its own worker will receive (DESIGN.md "Return
// traffic lands on the owner"). The hash itself is the data plane's software
// Toeplitz (dataplane/eal/rss.hh), with the key the VNet port was given.
//
// The answer depends only on the client address when the VNet port hashes on
// the destination address alone (DPDK RTE_ETH_RSS_L3_DST_ONLY). With the usual
// 2-tuple (source, destination) hash it also depends on the VNet host that
// sends, so no address choice can pin all return traffic to one queue; that
// case needs the worker-to-worker handoff ring.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "dataplane/common/ipv4_address.hh"

namespace sstpgw::pool {

// worker_of for the address pool when the VNet port hashes on the destination
// address only and queue k belongs to worker k.
std::function<uint32_t(ipv4_address)> make_dst_rss_worker_of(std::vector<uint8_t> key,
                                                             std::vector<uint16_t> reta);

// A redirection table spreading `queues` queues round-robin over `size` entries
// (what DPDK PMDs program by default).
std::vector<uint16_t> default_reta(uint32_t queues, uint32_t size = 128);

}  // namespace sstpgw::pool
