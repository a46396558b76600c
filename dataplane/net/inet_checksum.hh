// The Internet checksum (RFC 1071) on contiguous bytes: a ones-complement sum of
// big-endian 16-bit words. Pure; mbuf chains use rte_raw_cksum_mbuf instead.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sstpgw::net {

// Partial (unfolded) sum of len bytes, added to `sum`; an odd last byte is
// padded with zero. Combine partial sums of even-length pieces by adding them.
inline uint32_t inet_sum(const uint8_t* p, size_t len, uint32_t sum = 0) {
  uint64_t s = sum;
  size_t i = 0;
  for (; i + 1 < len; i += 2) s += (uint32_t{p[i]} << 8) | p[i + 1];
  if (i < len) s += uint32_t{p[i]} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint32_t>(s);
}

// Folds a sum to 16 bits and complements it: the value to store in a header.
inline uint16_t inet_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

inline uint16_t inet_checksum(const uint8_t* p, size_t len) { return inet_fold(inet_sum(p, len)); }

}  // namespace sstpgw::net
