// Frames the benchmark's scripted peers put on the wire and read back:
// Ethernet + IPv4 + TCP (the SSTP client side) and Ethernet + IPv4 + UDP (the
// VNet host), written into caller buffers with byte_order helpers, checksums
// computed in software (the ring ports offer no offload, so the gateway checks
// them, as it must on such a port).
#pragma once

#include <rte_ip.h>

#include <cstdint>
#include <cstring>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/ether.hh"
#include "dataplane/net/ipv4.hh"

namespace sstpgw::perf {

inline constexpr size_t kEth = net::kEtherHeaderLen;
inline constexpr size_t kIp = net::kIpv4MinHeader;
inline constexpr size_t kTcp = 20;
inline constexpr size_t kUdp = 8;

namespace tcp_flag {
inline constexpr uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

// Folds an RFC 1071 sum to the value stored in a checksum field.
inline uint16_t fold_complement(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

inline uint32_t raw_sum(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t{p[i]} << 8 | p[i + 1];
  if (n & 1) s += uint32_t{p[n - 1]} << 8;
  return s;
}

// An IPv4 header (20 bytes, DF clear) with its checksum.
inline void write_ipv4(uint8_t* ip, uint32_t src, uint32_t dst, uint8_t proto, uint16_t total_len, uint16_t id,
                       uint8_t ttl = 64) {
  ip[net::kIpv4VerIhl] = 0x45;
  ip[net::kIpv4Tos] = 0;
  store_be16(ip + net::kIpv4TotalLength, total_len);
  store_be16(ip + net::kIpv4Id, id);
  store_be16(ip + net::kIpv4Frag, 0);
  ip[net::kIpv4Ttl] = ttl;
  ip[net::kIpv4Protocol] = proto;
  store_be16(ip + net::kIpv4Checksum, 0);
  store_be32(ip + net::kIpv4Src, src);
  store_be32(ip + net::kIpv4Dst, dst);
  store_be16(ip + net::kIpv4Checksum, fold_complement(raw_sum(ip, kIp)));
}

inline bool ipv4_header_ok(const uint8_t* ip) { return fold_complement(raw_sum(ip, kIp)) == 0; }

struct tcp_fields {
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
};

// TCP header with optional SYN options (MSS, window scale) at tcp; the
// checksum covers tcp .. tcp + tcp_len (header, options and payload), which
// must already be in place.
inline size_t tcp_header_len(bool syn) { return syn ? kTcp + 8 : kTcp; }

inline void write_tcp(uint8_t* tcp, const tcp_fields& f, uint16_t mss, uint8_t wscale) {
  const bool syn = (f.flags & tcp_flag::syn) != 0;
  store_be16(tcp + 0, f.sport);
  store_be16(tcp + 2, f.dport);
  store_be32(tcp + 4, f.seq);
  store_be32(tcp + 8, f.ack);
  tcp[12] = static_cast<uint8_t>((tcp_header_len(syn) / 4) << 4);
  tcp[13] = f.flags;
  store_be16(tcp + 14, f.window);
  store_be16(tcp + 16, 0);
  store_be16(tcp + 18, 0);
  if (syn) {
    // MSS (kind 2), NOP, window scale (kind 3).
    const uint8_t opts[8] = {2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss), 1, 3, 3, wscale};
    std::memcpy(tcp + kTcp, opts, sizeof opts);
  }
}

inline void finish_tcp_checksum(uint8_t* ip, size_t tcp_len) {
  uint8_t* tcp = ip + kIp;
  uint32_t s = raw_sum(ip + net::kIpv4Src, 8);
  s += net::kProtoTcp;
  s += static_cast<uint32_t>(tcp_len);
  s += raw_sum(tcp, tcp_len);
  store_be16(tcp + 16, fold_complement(s));
}

// True when a received segment's TCP checksum is right (ip .. total length
// contiguous), summed byte by byte: independent of the gateway's code.
inline bool tcp_checksum_ok(const uint8_t* ip) {
  const size_t tcp_len = load_be16(ip + net::kIpv4TotalLength) - kIp;
  uint32_t s = raw_sum(ip + net::kIpv4Src, 8);
  s += net::kProtoTcp;
  s += static_cast<uint32_t>(tcp_len);
  s += raw_sum(ip + kIp, tcp_len);
  return fold_complement(s) == 0;
}

// What the peer reads from a TCP segment the gateway sent.
struct tcp_view {
  tcp_fields f;
  const uint8_t* options = nullptr;
  size_t options_len = 0;
  const uint8_t* payload = nullptr;
  uint32_t payload_len = 0;
};

// Parses IPv4 + TCP in a contiguous buffer (ip .. ip + len). False if it is
// not a well-formed TCP segment.
inline bool parse_tcp(const uint8_t* ip, size_t len, tcp_view& v) {
  if (len < kIp + kTcp || ip[net::kIpv4VerIhl] != 0x45 || ip[net::kIpv4Protocol] != net::kProtoTcp) return false;
  const size_t total = load_be16(ip + net::kIpv4TotalLength);
  if (total > len || total < kIp + kTcp) return false;
  const uint8_t* tcp = ip + kIp;
  const size_t doff = static_cast<size_t>(tcp[12] >> 4) * 4;
  if (doff < kTcp || kIp + doff > total) return false;
  v.f.sport = load_be16(tcp);
  v.f.dport = load_be16(tcp + 2);
  v.f.seq = load_be32(tcp + 4);
  v.f.ack = load_be32(tcp + 8);
  v.f.flags = tcp[13];
  v.f.window = load_be16(tcp + 14);
  v.options = tcp + kTcp;
  v.options_len = doff - kTcp;
  v.payload = tcp + doff;
  v.payload_len = static_cast<uint32_t>(total - kIp - doff);
  return true;
}

// The window scale option of a SYN (0 if absent) and its MSS (0 if absent).
inline void syn_options(const tcp_view& v, uint8_t& wscale, uint16_t& mss) {
  wscale = 0;
  mss = 0;
  size_t i = 0;
  while (i < v.options_len) {
    const uint8_t kind = v.options[i];
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= v.options_len) break;
    const uint8_t l = v.options[i + 1];
    if (l < 2 || i + l > v.options_len) break;
    if (kind == 2 && l == 4) mss = load_be16(v.options + i + 2);
    if (kind == 3 && l == 3) wscale = v.options[i + 2];
    i += l;
  }
}

}  // namespace sstpgw::perf
