#include "dataplane/net/tcp/syn_cookie.hh"

#include "dataplane/common/byte_order.hh"

namespace sstpgw::tcp {
namespace {

constexpr uint32_t kMacBits = 22;
constexpr uint32_t kMacMask = (1u << kMacBits) - 1;

uint32_t cookie_mac(const hash_key& key, const four_tuple& t, uint32_t peer_isn, uint64_t period,
                    uint32_t meta) {
  uint8_t b[28];
  store_be32(b, t.local_ip);
  store_be32(b + 4, t.remote_ip);
  store_be16(b + 8, t.local_port);
  store_be16(b + 10, t.remote_port);
  store_be32(b + 12, peer_isn);
  store_be64(b + 16, period);
  store_be32(b + 24, meta);
  return static_cast<uint32_t>(siphash24(key, b, sizeof b)) & kMacMask;
}

}  // namespace

uint32_t make_syn_cookie(const hash_key& key, const four_tuple& t, uint32_t peer_isn, uint64_t now_ns,
                         const cookie_params& p) {
  const uint64_t period = now_ns / kCookiePeriodNs;
  uint32_t mss_idx = 0;
  for (uint32_t i = 0; i < 4; ++i)
    if (kCookieMss[i] <= p.mss) mss_idx = i;
  const uint32_t ws = p.has_window_scale ? (p.window_scale > 14 ? 14u : p.window_scale) : 15u;
  const uint32_t meta = (static_cast<uint32_t>(period & 7) << 29) | (mss_idx << 27) | (ws << 23) |
                        (p.sack_permitted ? 1u << 22 : 0u);
  return meta | cookie_mac(key, t, peer_isn, period, meta);
}

bool check_syn_cookie(const hash_key& key, const four_tuple& t, uint32_t peer_isn, uint32_t cookie,
                      uint64_t now_ns, cookie_params& out) {
  const uint64_t now_period = now_ns / kCookiePeriodNs;
  const uint32_t meta = cookie & ~kMacMask;
  const uint32_t t3 = cookie >> 29;
  for (uint64_t age = 0; age < 2; ++age) {
    if (age > now_period) break;
    const uint64_t period = now_period - age;
    if ((period & 7) != t3) continue;
    if (cookie_mac(key, t, peer_isn, period, meta) != (cookie & kMacMask)) return false;
    out.mss = kCookieMss[(cookie >> 27) & 3];
    const uint32_t ws = (cookie >> 23) & 15;
    out.has_window_scale = ws != 15;
    out.window_scale = out.has_window_scale ? static_cast<uint8_t>(ws) : 0;
    out.sack_permitted = (cookie >> 22) & 1;
    return true;
  }
  return false;
}

}  // namespace sstpgw::tcp
