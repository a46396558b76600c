#include "dataplane/net/ipv4.hh"

#include "dataplane/net/inet_checksum.hh"

namespace sstpgw::net {

ipv4_check check_ipv4(const uint8_t* p, size_t contiguous, size_t packet_len, bool verify_checksum,
                      ipv4_info& out) {
  if (contiguous < kIpv4MinHeader || packet_len < kIpv4MinHeader) return ipv4_check::too_short;
  const uint8_t vi = p[kIpv4VerIhl];
  if ((vi >> 4) != 4) return ipv4_check::bad_version;
  const size_t ihl = size_t{vi & 0x0fu} * 4;
  if (ihl < kIpv4MinHeader || ihl > contiguous || ihl > packet_len) return ipv4_check::bad_ihl;
  const uint16_t total = load_be16(p + kIpv4TotalLength);
  if (total < ihl || total > packet_len) return ipv4_check::bad_total_length;
  if (verify_checksum && inet_checksum(p, ihl) != 0) return ipv4_check::bad_checksum;
  out.header_len = static_cast<uint8_t>(ihl);
  out.tos = p[kIpv4Tos];
  out.total_length = total;
  out.id = load_be16(p + kIpv4Id);
  out.frag = load_be16(p + kIpv4Frag);
  out.ttl = p[kIpv4Ttl];
  out.protocol = p[kIpv4Protocol];
  out.src = load_be32(p + kIpv4Src);
  out.dst = load_be32(p + kIpv4Dst);
  return ipv4_check::ok;
}

void update_ipv4_checksum(uint8_t* p, size_t header_len) {
  store_be16(p + kIpv4Checksum, 0);
  store_be16(p + kIpv4Checksum, inet_checksum(p, header_len));
}

void write_ipv4_header(uint8_t* p, const ipv4_info& h) {
  p[kIpv4VerIhl] = 0x45;
  p[kIpv4Tos] = h.tos;
  store_be16(p + kIpv4TotalLength, h.total_length);
  store_be16(p + kIpv4Id, h.id);
  store_be16(p + kIpv4Frag, h.frag);
  p[kIpv4Ttl] = h.ttl;
  p[kIpv4Protocol] = h.protocol;
  store_be32(p + kIpv4Src, h.src);
  store_be32(p + kIpv4Dst, h.dst);
  update_ipv4_checksum(p, kIpv4MinHeader);
}

}  // namespace sstpgw::net
