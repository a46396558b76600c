// IPv4 header (RFC 791): layout, validation and construction on raw bytes, and
// the address predicates the input path needs. Pure (no DPDK), so the parser is
// fuzzed and unit-tested without EAL.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::net {

inline constexpr size_t kIpv4MinHeader = 20;
inline constexpr size_t kIpv4MaxHeader = 60;
inline constexpr uint32_t kIpv4MaxTotal = 65535;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint16_t kIpv4FlagDf = 0x4000;
inline constexpr uint16_t kIpv4FlagMf = 0x2000;
inline constexpr uint16_t kIpv4OffsetMask = 0x1fff;
inline constexpr uint8_t kDefaultTtl = 64;

// Field offsets.
inline constexpr size_t kIpv4VerIhl = 0;
inline constexpr size_t kIpv4Tos = 1;
inline constexpr size_t kIpv4TotalLength = 2;
inline constexpr size_t kIpv4Id = 4;
inline constexpr size_t kIpv4Frag = 6;
inline constexpr size_t kIpv4Ttl = 8;
inline constexpr size_t kIpv4Protocol = 9;
inline constexpr size_t kIpv4Checksum = 10;
inline constexpr size_t kIpv4Src = 12;
inline constexpr size_t kIpv4Dst = 16;

struct ipv4_info {
  uint8_t header_len = kIpv4MinHeader;  // bytes
  uint8_t tos = 0;
  uint16_t total_length = 0;
  uint16_t id = 0;
  uint16_t frag = 0;  // flags + offset field as on the wire
  uint8_t ttl = kDefaultTtl;
  uint8_t protocol = 0;
  uint32_t src = 0;  // host order
  uint32_t dst = 0;

  bool more_fragments() const { return frag & kIpv4FlagMf; }
  bool dont_fragment() const { return frag & kIpv4FlagDf; }
  uint32_t fragment_offset() const { return uint32_t{static_cast<uint16_t>(frag & kIpv4OffsetMask)} * 8; }
  bool is_fragment() const { return more_fragments() || (frag & kIpv4OffsetMask) != 0; }
  uint16_t payload_length() const { return static_cast<uint16_t>(total_length - header_len); }
};

enum class ipv4_check : uint8_t { ok, too_short, bad_version, bad_ihl, bad_total_length, bad_checksum };

// Validates the header at p. `contiguous`: bytes readable at p (the header must
// lie within them); `packet_len`: bytes of the packet from p on (a frame may be
// padded past total_length but never shorter). verify_checksum=false when the
// port already checked it.
ipv4_check check_ipv4(const uint8_t* p, size_t contiguous, size_t packet_len, bool verify_checksum,
                      ipv4_info& out);

// Writes a header without options (header_len forced to 20) and its checksum.
void write_ipv4_header(uint8_t* p, const ipv4_info& h);
// Recomputes and stores the checksum of the header at p (header_len bytes).
void update_ipv4_checksum(uint8_t* p, size_t header_len);

struct ipv4_subnet {
  uint32_t addr = 0;  // host order
  uint8_t prefix_len = 32;

  uint32_t mask() const { return prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - prefix_len); }
  bool contains(uint32_t ip) const { return ((ip ^ addr) & mask()) == 0; }
  uint32_t broadcast() const { return addr | ~mask(); }
};

inline bool is_multicast(uint32_t ip) { return (ip >> 28) == 0xe; }
// Sources that never appear on the wire legitimately toward us (RFC 1812 5.3.7).
inline bool is_martian_source(uint32_t ip) {
  const uint8_t a = static_cast<uint8_t>(ip >> 24);
  return ip == 0 || a == 127 || a >= 224 || a == 0;
}

inline uint32_t ipv4_src(const uint8_t* h) { return load_be32(h + kIpv4Src); }
inline uint32_t ipv4_dst(const uint8_t* h) { return load_be32(h + kIpv4Dst); }

}  // namespace sstpgw::net
