#include "dataplane/net/icmp.hh"

#include <rte_ip.h>

#include <cstring>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/inet_checksum.hh"
#include "dataplane/net/ipv4.hh"

namespace sstpgw::net {
namespace {

// DPDK sums native-endian words: the result is in memory order, to be stored
// with memcpy (not store_be16). Zero means a message with a valid checksum.
uint16_t mbuf_checksum(const rte_mbuf* m, uint32_t off, uint32_t len) {
  uint16_t sum = 0;
  if (rte_raw_cksum_mbuf(m, off, len, &sum) != 0) return 0xffff;  // cannot be a valid result
  return static_cast<uint16_t>(~sum & 0xffff);
}

}  // namespace

bool icmp_checksum_ok(const rte_mbuf* m, uint32_t l3_len) {
  if (m->pkt_len < l3_len + kIcmpHeaderLen) return false;
  return mbuf_checksum(m, l3_len, m->pkt_len - l3_len) == 0;
}

void make_echo_reply(rte_mbuf* m, uint32_t our_ip, uint16_t ip_id) {
  uint8_t* ip = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t requester = ipv4_src(ip);
  const uint8_t tos = ip[kIpv4Tos];
  if (m->l3_len > kIpv4MinHeader) {
    rte_pktmbuf_adj(m, static_cast<uint16_t>(m->l3_len - kIpv4MinHeader));
    ip = rte_pktmbuf_mtod(m, uint8_t*);
  }
  m->l3_len = kIpv4MinHeader;
  write_ipv4_header(ip, ipv4_info{.tos = tos,
                                  .total_length = static_cast<uint16_t>(m->pkt_len),
                                  .id = ip_id,
                                  .frag = 0,
                                  .ttl = kDefaultTtl,
                                  .protocol = kProtoIcmp,
                                  .src = our_ip,
                                  .dst = requester});
  uint8_t* icmp = ip + kIpv4MinHeader;
  icmp[0] = kIcmpEchoReply;
  icmp[1] = 0;
  store_be16(icmp + 2, 0);
  const uint16_t c = mbuf_checksum(m, kIpv4MinHeader, m->pkt_len - kIpv4MinHeader);
  std::memcpy(icmp + 2, &c, 2);
  m->ol_flags = 0;
}

rte_mbuf* make_unreachable(rte_mempool* pool, const rte_mbuf* orig, uint8_t code, uint32_t our_ip,
                           uint16_t ip_id) {
  const uint8_t* oip = rte_pktmbuf_mtod(orig, const uint8_t*);
  const uint32_t quote = orig->l3_len + 8u < orig->pkt_len ? orig->l3_len + 8u : orig->pkt_len;
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  const uint32_t total = kIpv4MinHeader + kIcmpHeaderLen + quote;
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  write_ipv4_header(p, ipv4_info{.total_length = static_cast<uint16_t>(total),
                                 .id = ip_id,
                                 .ttl = kDefaultTtl,
                                 .protocol = kProtoIcmp,
                                 .src = our_ip,
                                 .dst = ipv4_src(oip)});
  uint8_t* icmp = p + kIpv4MinHeader;
  icmp[0] = kIcmpDestUnreachable;
  icmp[1] = code;
  store_be32(icmp + 2, 0);  // checksum and unused
  store_be16(icmp + 6, 0);
  const void* src = rte_pktmbuf_read(orig, 0, quote, icmp + kIcmpHeaderLen);
  if (src != icmp + kIcmpHeaderLen) std::memcpy(icmp + kIcmpHeaderLen, src, quote);
  store_be16(icmp + 2, inet_checksum(icmp, kIcmpHeaderLen + quote));
  m->l3_len = kIpv4MinHeader;
  return m;
}

}  // namespace sstpgw::net
