#include "dataplane/net/arp.hh"

#include "dataplane/common/cursor.hh"

namespace sstpgw::net {

arp_parse parse_arp(const uint8_t* p, size_t len, arp_message& out) {
  byte_reader r(p, len);
  const uint16_t htype = r.be16();
  const uint16_t ptype = r.be16();
  const uint8_t hlen = r.u8();
  const uint8_t plen = r.u8();
  out.op = r.be16();
  r.copy_to(out.sha.b.data(), 6);
  out.spa = r.be32();
  r.copy_to(out.tha.b.data(), 6);
  out.tpa = r.be32();
  if (!r.ok()) return arp_parse::too_short;
  if (htype != kArpHwEther || ptype != kEtherTypeIpv4 || hlen != 6 || plen != 4)
    return arp_parse::not_ipv4_over_ether;
  if (out.op != kArpOpRequest && out.op != kArpOpReply) return arp_parse::bad_op;
  return arp_parse::ok;
}

void write_arp(uint8_t* p, const arp_message& m) {
  store_be16(p + 0, kArpHwEther);
  store_be16(p + 2, kEtherTypeIpv4);
  p[4] = 6;
  p[5] = 4;
  store_be16(p + 6, m.op);
  m.sha.store(p + 8);
  store_be32(p + 14, m.spa);
  m.tha.store(p + 18);
  store_be32(p + 24, m.tpa);
}

}  // namespace sstpgw::net
