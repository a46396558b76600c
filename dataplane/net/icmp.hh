// ICMP (RFC 792) for the gateway's own address: echo reply built in place from
// the request, checksum checks over mbuf chains (reassembled pings), and
// rate-limited destination-unreachable messages built from scratch.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace sstpgw::net {

inline constexpr size_t kIcmpHeaderLen = 8;
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpDestUnreachable = 3;
inline constexpr uint8_t kIcmpSourceQuench = 4;
inline constexpr uint8_t kIcmpRedirect = 5;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpTimeExceeded = 11;
inline constexpr uint8_t kIcmpParamProblem = 12;
inline constexpr uint8_t kIcmpCodeProtocolUnreachable = 2;
inline constexpr uint8_t kIcmpCodePortUnreachable = 3;

// A token bucket (integer arithmetic, time in microseconds).
class icmp_rate_limiter {
 public:
  icmp_rate_limiter(uint32_t per_second, uint32_t burst)
      : per_second_(per_second), burst_(burst), tokens_us_(uint64_t{burst} * 1'000'000) {}
  bool allow(uint64_t now_us) {
    if (per_second_ == 0) return false;
    const uint64_t cap = uint64_t{burst_} * 1'000'000;
    tokens_us_ += (now_us - last_) * per_second_;
    if (tokens_us_ > cap) tokens_us_ = cap;
    last_ = now_us;
    if (tokens_us_ < 1'000'000) return false;
    tokens_us_ -= 1'000'000;
    return true;
  }

 private:
  uint32_t per_second_;
  uint32_t burst_;
  uint64_t tokens_us_;  // tokens scaled by 1e6
  uint64_t last_ = 0;
};

// Checksum of the ICMP message that follows l3_len bytes of IPv4 header.
bool icmp_checksum_ok(const rte_mbuf* m, uint32_t l3_len);

// Turns the echo request in m (data at the IPv4 header, l3_len set, validated)
// into its reply in place: a fresh 20-byte header from our address to the
// requester (options dropped, DF clear so it may be fragmented, TTL 64), type 0,
// checksum recomputed over the whole message (chains included).
void make_echo_reply(rte_mbuf* m, uint32_t our_ip, uint16_t ip_id);

// A destination unreachable (code) about `orig` (data at its IPv4 header), with
// the original header plus 8 bytes of its payload (RFC 792), in a new mbuf.
// nullptr if the pool is empty.
rte_mbuf* make_unreachable(rte_mempool* pool, const rte_mbuf* orig, uint8_t code, uint32_t our_ip,
                           uint16_t ip_id);

}  // namespace sstpgw::net
