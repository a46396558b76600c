// ARP for IPv4 over Ethernet (RFC 826): the 28-byte message, parsed and written
// through byte accessors.
#pragma once

#include <cstdint>

#include "dataplane/net/ether.hh"

namespace sstpgw::net {

inline constexpr size_t kArpLen = 28;
inline constexpr uint16_t kArpHwEther = 1;
inline constexpr uint16_t kArpOpRequest = 1;
inline constexpr uint16_t kArpOpReply = 2;

struct arp_message {
  uint16_t op = 0;
  mac_addr sha;      // sender hardware address
  uint32_t spa = 0;  // sender protocol address (host order)
  mac_addr tha;
  uint32_t tpa = 0;
};

enum class arp_parse { ok, too_short, not_ipv4_over_ether, bad_op };

// Parses the ARP message at p (after the Ethernet header), len bytes available.
arp_parse parse_arp(const uint8_t* p, size_t len, arp_message& out);
// Writes 28 bytes at p.
void write_arp(uint8_t* p, const arp_message& m);

}  // namespace sstpgw::net
