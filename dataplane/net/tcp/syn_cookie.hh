// Stateless SYN cookies: when the half-open table is full, a listener answers a
// SYN with a SYN-ACK whose ISN encodes what it must remember, and builds the
// connection only from a valid returning ACK (ack = cookie + 1).
//
// Cookie layout (32 bits):
//   [31:29] t mod 8, t = now / 64 s (accepted: current and previous period)
//   [28:27] MSS index into kCookieMss
//   [26:23] peer's window scale 0..14, 15 = peer sent none
//   [22]    peer sent SACK-permitted
//   [21:0]  SipHash-2-4(key, tuple, peer ISN, t, bits 31..22) truncated
// Timestamps need no bit: if the SYN had them, our SYN-ACK echoes them and the
// final ACK carries them (RFC 7323), so their presence there tells.
#pragma once

#include <cstdint>

#include "dataplane/net/tcp/keyed_hash.hh"

namespace sstpgw::tcp {

inline constexpr uint16_t kCookieMss[4] = {536, 1220, 1440, 1460};
inline constexpr uint64_t kCookiePeriodNs = 64'000'000'000ULL;

struct cookie_params {
  uint16_t mss = 536;  // encoded: the largest table entry <= this
  bool has_window_scale = false;
  uint8_t window_scale = 0;
  bool sack_permitted = false;
};

uint32_t make_syn_cookie(const hash_key& key, const four_tuple& t, uint32_t peer_isn, uint64_t now_ns,
                         const cookie_params& p);

// True and out filled when cookie is one we issued for this tuple and peer ISN
// within the last two periods.
bool check_syn_cookie(const hash_key& key, const four_tuple& t, uint32_t peer_isn, uint32_t cookie,
                      uint64_t now_ns, cookie_params& out);

}  // namespace sstpgw::tcp
