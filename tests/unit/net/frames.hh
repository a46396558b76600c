// Hand-built frames for tests, fuzz seeds and benchmarks: plain byte vectors
// written field by field (no project code beyond byte order helpers), with
// their own RFC 1071 checksum so the stack's checksums are checked against an
// implementation it does not share.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::test {

using bytes = std::vector<uint8_t>;
using mac = std::array<uint8_t, 6>;

inline constexpr mac kGwMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr mac kPeerMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
inline constexpr mac kRouterMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};
inline constexpr mac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr uint32_t kGwIp = 0x0a000001;      // 10.0.0.1/24
inline constexpr uint32_t kPeerIp = 0x0a000002;    // 10.0.0.2
inline constexpr uint32_t kRouterIp = 0x0a0000fe;  // 10.0.0.254
inline constexpr uint32_t kRemoteIp = 0xc0a80105;  // 192.168.1.5, off-subnet

// RFC 1071, written plainly: 32-bit accumulation of 16-bit words, then folding.
inline uint16_t rfc1071(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i < n; i += 2) {
    uint32_t word = uint32_t{p[i]} << 8;
    if (i + 1 < n) word |= p[i + 1];
    sum += word;
  }
  while (sum > 0xffff) sum = (sum >> 16) + (sum & 0xffff);
  return static_cast<uint16_t>(~sum);
}

inline void put16(bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put32(bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
inline void putmac(bytes& b, const mac& m) { b.insert(b.end(), m.begin(), m.end()); }

inline bytes ether(const mac& dst, const mac& src, uint16_t type) {
  bytes b;
  putmac(b, dst);
  putmac(b, src);
  put16(b, type);
  return b;
}

inline bytes arp_frame(uint16_t op, const mac& eth_dst, const mac& sha, uint32_t spa, const mac& tha,
                       uint32_t tpa, bool pad = true) {
  bytes b = ether(eth_dst, sha, 0x0806);
  put16(b, 1);
  put16(b, 0x0800);
  b.push_back(6);
  b.push_back(4);
  put16(b, op);
  putmac(b, sha);
  put32(b, spa);
  putmac(b, tha);
  put32(b, tpa);
  if (pad) b.resize(60, 0);
  return b;
}

struct ip_fields {
  uint8_t tos = 0;
  uint16_t id = 0x1234;
  uint16_t frag = 0;  // flags + offset/8
  uint8_t ttl = 64;
  uint8_t protocol = 1;
  uint32_t src = kPeerIp;
  uint32_t dst = kGwIp;
  uint8_t ihl_words = 5;
  int total_length = -1;  // -1: computed
  bool bad_checksum = false;
};

// An IPv4 header (with zeroed options if ihl_words > 5) followed by payload.
inline bytes ipv4_packet(const ip_fields& f, const bytes& payload) {
  bytes b;
  const size_t hl = size_t{f.ihl_words} * 4;
  b.push_back(static_cast<uint8_t>(0x40 | f.ihl_words));
  b.push_back(f.tos);
  put16(b,
        static_cast<uint16_t>(f.total_length >= 0 ? f.total_length : static_cast<int>(hl + payload.size())));
  put16(b, f.id);
  put16(b, f.frag);
  b.push_back(f.ttl);
  b.push_back(f.protocol);
  put16(b, 0);
  put32(b, f.src);
  put32(b, f.dst);
  b.resize(hl < 20 ? 20 : hl, 0);
  const uint16_t c = rfc1071(b.data(), b.size());
  b[10] = static_cast<uint8_t>(c >> 8);
  b[11] = static_cast<uint8_t>(c ^ (f.bad_checksum ? 0x5a : 0));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline bytes icmp_message(uint8_t type, uint8_t code, uint16_t ident, uint16_t seq, const bytes& data) {
  bytes b{type, code, 0, 0};
  put16(b, ident);
  put16(b, seq);
  b.insert(b.end(), data.begin(), data.end());
  const uint16_t c = rfc1071(b.data(), b.size());
  b[2] = static_cast<uint8_t>(c >> 8);
  b[3] = static_cast<uint8_t>(c);
  return b;
}

inline bytes pattern(size_t n, uint8_t seed = 0) {
  bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

inline bytes frame(const mac& dst, const mac& src, const bytes& ip) {
  bytes b = ether(dst, src, 0x0800);
  b.insert(b.end(), ip.begin(), ip.end());
  if (b.size() < 60) b.resize(60, 0);
  return b;
}

inline bytes echo_request_frame(uint16_t seq, size_t data_len = 56, const ip_fields& f = {}) {
  return frame(kGwMac, kPeerMac, ipv4_packet(f, icmp_message(8, 0, 0x4242, seq, pattern(data_len))));
}

// Splits an IPv4 packet (20-byte header) into fragments of `chunk` payload bytes
// (a multiple of 8), returned as frames in order.
inline std::vector<bytes> fragment_frames(const ip_fields& f, const bytes& l4, size_t chunk) {
  std::vector<bytes> out;
  for (size_t off = 0; off < l4.size(); off += chunk) {
    const size_t len = l4.size() - off < chunk ? l4.size() - off : chunk;
    ip_fields g = f;
    g.frag = static_cast<uint16_t>((off / 8) | (off + len < l4.size() ? 0x2000 : 0));
    out.push_back(frame(kGwMac, kPeerMac,
                        ipv4_packet(g, bytes(l4.begin() + static_cast<long>(off),
                                             l4.begin() + static_cast<long>(off + len)))));
  }
  return out;
}

inline bytes tcp_segment(uint16_t sport, uint16_t dport, size_t payload = 0) {
  bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, 1000);  // seq
  put32(b, 0);     // ack
  b.push_back(0x50);
  b.push_back(0x02);  // SYN
  put16(b, 65535);
  put16(b, 0);  // checksum: TCP's business, not checked here
  put16(b, 0);
  bytes p = pattern(payload);
  b.insert(b.end(), p.begin(), p.end());
  return b;
}

}  // namespace sstpgw::test
