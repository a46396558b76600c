// Ethernet II framing: addresses, the header layout and its accessors on raw
// bytes (no struct is cast onto a frame).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::net {

inline constexpr size_t kEtherHeaderLen = 14;
inline constexpr size_t kEtherMinFrame = 60;  // without CRC: shorter frames are padded
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

struct mac_addr {
  std::array<uint8_t, 6> b{};

  static constexpr mac_addr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  static mac_addr from(const uint8_t* p) {
    mac_addr m;
    std::memcpy(m.b.data(), p, 6);
    return m;
  }
  void store(uint8_t* p) const { std::memcpy(p, b.data(), 6); }
  bool is_broadcast() const { return *this == broadcast(); }
  bool is_multicast() const { return (b[0] & 1) != 0; }  // broadcast included
  bool is_zero() const { return *this == mac_addr{}; }
  bool operator==(const mac_addr&) const = default;
};

// Offsets inside the Ethernet header.
inline constexpr size_t kEtherDst = 0;
inline constexpr size_t kEtherSrc = 6;
inline constexpr size_t kEtherType = 12;

inline bool mac_equal(const uint8_t* p, const mac_addr& m) { return std::memcmp(p, m.b.data(), 6) == 0; }
inline uint16_t ether_type(const uint8_t* frame) { return load_be16(frame + kEtherType); }

inline void write_ether_header(uint8_t* p, const mac_addr& dst, const mac_addr& src, uint16_t type) {
  dst.store(p + kEtherDst);
  src.store(p + kEtherSrc);
  store_be16(p + kEtherType, type);
}

}  // namespace sstpgw::net
