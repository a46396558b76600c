#include "tests/unit/tcp/harness/packet.hh"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::tcp::testing {

uint16_t rfc1071(const std::vector<uint8_t>& b) {
  uint32_t sum = 0;
  for (size_t i = 0; i < b.size(); i += 2) {
    uint16_t w = static_cast<uint16_t>(b[i] << 8);
    if (i + 1 < b.size()) w = static_cast<uint16_t>(w | b[i + 1]);
    sum += w;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

namespace {

std::vector<uint8_t> pseudo_and_tcp(uint32_t src, uint32_t dst, const uint8_t* tcp, size_t len) {
  std::vector<uint8_t> v(12 + len);
  store_be32(v.data(), src);
  store_be32(v.data() + 4, dst);
  v[8] = 0;
  v[9] = 6;
  store_be16(v.data() + 10, static_cast<uint16_t>(len));
  std::memcpy(v.data() + 12, tcp, len);
  return v;
}

}  // namespace

rte_mbuf* craft(rte_mempool* pool, const wire_segment& s, bool corrupt) {
  std::vector<uint8_t> opts = s.options;
  while (opts.size() % 4) opts.push_back(0);
  const size_t th_len = 20 + opts.size();
  const size_t total = 20 + th_len + s.payload.size();
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  if (total > rte_pktmbuf_tailroom(m)) std::abort();
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
  std::memset(p, 0, total);
  p[0] = 0x45;
  store_be16(p + 2, static_cast<uint16_t>(total));
  store_be16(p + 6, 0x4000);
  p[8] = 64;
  p[9] = 6;
  store_be32(p + 12, s.src_ip);
  store_be32(p + 16, s.dst_ip);
  store_be16(p + 10, rfc1071(std::vector<uint8_t>(p, p + 20)));
  uint8_t* t = p + 20;
  store_be16(t, s.src_port);
  store_be16(t + 2, s.dst_port);
  store_be32(t + 4, s.seq);
  store_be32(t + 8, s.ack);
  t[12] = static_cast<uint8_t>((th_len / 4) << 4);
  t[13] = s.flags;
  store_be16(t + 14, s.window);
  if (!opts.empty()) std::memcpy(t + 20, opts.data(), opts.size());
  if (!s.payload.empty()) std::memcpy(t + th_len, s.payload.data(), s.payload.size());
  uint16_t ck = rfc1071(pseudo_and_tcp(s.src_ip, s.dst_ip, t, th_len + s.payload.size()));
  if (corrupt) ck ^= 0x0101;
  store_be16(t + 16, ck);
  m->l3_len = 20;
  return m;
}

wire_segment read(const rte_mbuf* m) {
  std::vector<uint8_t> bytes(m->pkt_len);
  size_t off = 0;
  for (const rte_mbuf* s = m; s != nullptr; s = s->next) {
    std::memcpy(bytes.data() + off, rte_pktmbuf_mtod(s, const uint8_t*), s->data_len);
    off += s->data_len;
  }
  wire_segment w;
  const uint8_t* p = bytes.data();
  const size_t ihl = (p[0] & 15) * 4u;
  const uint8_t* t = p + ihl;
  const size_t th_len = (t[12] >> 4) * 4u;
  w.src_ip = load_be32(p + 12);
  w.dst_ip = load_be32(p + 16);
  w.ttl = p[8];
  w.df = (load_be16(p + 6) & 0x4000) != 0;
  w.src_port = load_be16(t);
  w.dst_port = load_be16(t + 2);
  w.seq = load_be32(t + 4);
  w.ack = load_be32(t + 8);
  w.flags = t[13];
  w.window = load_be16(t + 14);
  w.options.assign(t + 20, t + th_len);
  w.payload.assign(t + th_len, p + bytes.size());
  parse_options(w.options.data(), w.options.size(), w.opt);
  const bool ip_ok = rfc1071(std::vector<uint8_t>(p, p + ihl)) == 0 && load_be16(p + 2) == bytes.size();
  const bool tcp_ok = rfc1071(pseudo_and_tcp(w.src_ip, w.dst_ip, t, bytes.size() - ihl)) == 0;
  w.checksums_ok = ip_ok && tcp_ok && m->l3_len == ihl && m->l4_len == th_len;
  return w;
}

std::vector<uint8_t> opt_mss(uint16_t mss) {
  return {2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss)};
}
std::vector<uint8_t> opt_ws(uint8_t shift) { return {1, 3, 3, shift}; }
std::vector<uint8_t> opt_sack_ok() { return {1, 1, 4, 2}; }
std::vector<uint8_t> opt_ts(uint32_t val, uint32_t ecr) {
  std::vector<uint8_t> v{1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
  store_be32(v.data() + 4, val);
  store_be32(v.data() + 8, ecr);
  return v;
}
std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> v;
  for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

std::string describe(const wire_segment& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%u->%u seq=%u ack=%u [%s%s%s%s%s] win=%u len=%zu", s.src_port, s.dst_port,
                s.seq, s.ack, s.has(flag::syn) ? "S" : "", s.has(flag::fin) ? "F" : "",
                s.has(flag::rst) ? "R" : "", s.has(flag::psh) ? "P" : "", s.has(flag::ack) ? "." : "",
                s.window, s.payload.size());
  return buf;
}

}  // namespace sstpgw::tcp::testing
