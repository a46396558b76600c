// Test support: crafts IPv4/TCP packets the way a peer would send them and
// reads the packets a stack sends, checking both checksums with a byte-wise
// RFC 1071 sum written independently of the stack's.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/net/tcp/options.hh"
#include "dataplane/net/tcp/types.hh"

namespace sstpgw::tcp::testing {

struct wire_segment {
  uint32_t src_ip = 0;
  uint32_t dst_ip = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 65535;
  std::vector<uint8_t> options;  // raw, padded by craft() to a multiple of 4
  std::vector<uint8_t> payload;
  // Filled by read():
  tcp_options opt;
  bool checksums_ok = false;
  uint8_t ttl = 0;
  bool df = false;

  bool has(uint8_t f) const { return (flags & f) != 0; }
};

uint16_t rfc1071(const std::vector<uint8_t>& bytes);

// A packet per packet_io.hh: data at the IPv4 header, l3_len set. corrupt
// flips the TCP checksum.
rte_mbuf* craft(rte_mempool* pool, const wire_segment& s, bool corrupt = false);
// Reads a packet the stack sent (any chain); does not free it.
wire_segment read(const rte_mbuf* m);

std::vector<uint8_t> opt_mss(uint16_t mss);
std::vector<uint8_t> opt_ws(uint8_t shift);
std::vector<uint8_t> opt_sack_ok();
std::vector<uint8_t> opt_ts(uint32_t val, uint32_t ecr);
std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts);

std::string describe(const wire_segment& s);

}  // namespace sstpgw::tcp::testing
