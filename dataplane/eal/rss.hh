// Toeplitz RSS hash computed in software with the same key a port was given, so
// code that is not the NIC can tell which queue (and so which worker) a flow
// lands on: the address pool picks client addresses whose return traffic hashes
// to the owning worker, and workers on a port without RSS hand packets to the
// owner. Pure and dependency-free on purpose (no DPDK): it is meant to become the
// project's single Toeplitz.
//
// Input layout is the one NICs use (Microsoft RSS spec): the fields in network
// byte order, concatenated: IPv4 = src(4) dst(4); IPv4/TCP = src dst sport(2) dport(2).
// The queue is reta[hash & (reta_size - 1)] (the low-order bits index the table).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sstpgw::eal {

inline constexpr size_t kRssKeySize = 40;
using rss_key = std::array<uint8_t, kRssKeySize>;

// 0x6d5a repeated: a key whose Toeplitz hash is symmetric in (src, dst) and
// (sport, dport), so both directions of a flow hash alike. Our default.
inline constexpr rss_key kSymmetricRssKey = {0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                             0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                             0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                             0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};

// The key of Microsoft's published RSS verification suite.
inline constexpr rss_key kMicrosoftRssKey = {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
                                             0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
                                             0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
                                             0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

// Toeplitz hash of `input` under `key`. The key must be at least input.size() + 4
// bytes long; a shorter key yields 0 (a programming error, not a runtime one).
uint32_t toeplitz_hash(std::span<const uint8_t> key, std::span<const uint8_t> input);

// Addresses and ports in host byte order (as load_be32/load_be16 give them).
uint32_t rss_hash_ipv4(std::span<const uint8_t> key, uint32_t src, uint32_t dst);
uint32_t rss_hash_ipv4_tcp(std::span<const uint8_t> key, uint32_t src, uint32_t dst, uint16_t sport,
                           uint16_t dport);
// Destination address only (DPDK RTE_ETH_RSS_L3_DST_ONLY): the queue return
// traffic to one client address lands on, whoever sends it.
uint32_t rss_hash_ipv4_dst(std::span<const uint8_t> key, uint32_t dst);

// The queue a hash selects through a redirection table. A power-of-two table is
// indexed by the low bits, as NICs do; any other size (software tables) by modulo.
// An empty table means queue 0.
inline uint16_t queue_of(uint32_t hash, std::span<const uint16_t> reta) {
  const size_t n = reta.size();
  if (n == 0) return 0;
  const size_t i = (n & (n - 1)) == 0 ? (hash & (n - 1)) : (hash % n);
  return reta[i];
}

// The same hash with a per-key lookup table (12 byte positions x 256 values):
// twelve loads and XORs per packet instead of 96 bit steps. Built once at start.
class toeplitz_table {
 public:
  static constexpr size_t kMaxInput = 12;  // IPv4 + TCP ports
  explicit toeplitz_table(std::span<const uint8_t> key);
  uint32_t hash(std::span<const uint8_t> input) const;
  uint32_t ipv4(uint32_t src, uint32_t dst) const;
  uint32_t ipv4_tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) const;

 private:
  std::array<std::array<uint32_t, 256>, kMaxInput> t_{};
};

}  // namespace sstpgw::eal
