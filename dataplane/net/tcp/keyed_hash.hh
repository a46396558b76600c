// SipHash-2-4 (Aumasson & Bernstein): the keyed PRF behind initial sequence
// numbers (RFC 6528) and SYN cookies. Short inputs only; not per-byte hot.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sstpgw::tcp {

struct hash_key {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
};

uint64_t siphash24(const hash_key& key, const uint8_t* data, size_t len);

// A connection's addresses and ports, host byte order, from our side.
struct four_tuple {
  uint32_t local_ip = 0;
  uint32_t remote_ip = 0;
  uint16_t local_port = 0;
  uint16_t remote_port = 0;

  friend bool operator==(const four_tuple&, const four_tuple&) = default;
};

// RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
// M a 4-microsecond clock.
uint32_t initial_sequence(const hash_key& key, const four_tuple& t, uint64_t now_ns);

// Per-connection timestamp offset (RFC 7323 5.4 recommends randomising TSval).
uint32_t timestamp_offset(const hash_key& key, const four_tuple& t);

}  // namespace sstpgw::tcp
