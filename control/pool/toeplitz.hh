// The Toeplitz hash of receive-side scaling (RSS), as NICs compute it to pick a
// receive queue, so the control plane can predict which worker a packet lands on.
// Pure functions; the definition and the test vectors are Microsoft's
// "Verifying the RSS Hash Calculation" (the hash the DPDK PMDs implement too).
//
// For the address pool this answers: "return traffic to client address A arrives
// on which queue of the VNet port?" The answer depends only on A when the port
// hashes on the destination address alone (DPDK RTE_ETH_RSS_L3_DST_ONLY). With
// the usual 2-tuple (source, destination) hash it also depends on the VNet host
// that sends, so no client address choice can pin all return traffic to one
// queue; that case needs the worker-to-worker handoff ring (DESIGN.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "control/pool/ipv4.hh"

namespace sstpgw::pool {

// The 40-byte key from Microsoft's RSS specification (also DPDK's default on many PMDs).
inline constexpr std::array<uint8_t, 40> kMicrosoftRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

// Toeplitz hash of `input` under `key`: for every input bit set (most significant
// bit of input[0] first), XOR in the 32 key bits starting at that bit's position.
// The key must be at least input.size() + 4 bytes long; returns 0 otherwise.
uint32_t toeplitz_hash(std::span<const uint8_t> key, std::span<const uint8_t> input);

// NDIS_HASH_IPV4: source address then destination address (network byte order).
uint32_t rss_hash_ipv4(std::span<const uint8_t> key, ipv4_addr src, ipv4_addr dst);
// NDIS_HASH_TCP_IPV4: addresses, then source port, then destination port.
uint32_t rss_hash_ipv4_tcp(std::span<const uint8_t> key, ipv4_addr src, ipv4_addr dst, uint16_t src_port,
                           uint16_t dst_port);
// Destination address only (DPDK RTE_ETH_RSS_L3_DST_ONLY).
uint32_t rss_hash_ipv4_dst(std::span<const uint8_t> key, ipv4_addr dst);

// The queue a hash selects: the redirection table indexed by the hash's low bits
// (hash modulo the table size; table sizes are powers of two on real NICs).
inline uint32_t rss_queue(uint32_t hash, std::span<const uint16_t> reta) {
  return reta.empty() ? 0 : reta[hash % reta.size()];
}

// worker_of for the address pool when the VNet port hashes on the destination
// address only and queue k belongs to worker k: the worker return traffic to
// `client` lands on.
std::function<uint32_t(ipv4_addr)> make_dst_rss_worker_of(std::vector<uint8_t> key,
                                                          std::vector<uint16_t> reta);

// A redirection table spreading `queues` queues round-robin over `size` entries
// (what DPDK PMDs program by default).
std::vector<uint16_t> default_reta(uint32_t queues, uint32_t size = 128);

}  // namespace sstpgw::pool
