// PPP protocol numbers (RFC 1661 §2, IANA "PPP DLL Protocol Numbers") and the
// coarse classes a worker sorts frames into. Pure constants; no DPDK.
#pragma once

#include <cstdint>
#include <string_view>

namespace sstpgw::ppp {

inline constexpr uint16_t kProtoIpv4 = 0x0021;
inline constexpr uint16_t kProtoIpv6 = 0x0057;
inline constexpr uint16_t kProtoIpcp = 0x8021;
inline constexpr uint16_t kProtoIpv6cp = 0x8057;
inline constexpr uint16_t kProtoCcp = 0x80FD;
inline constexpr uint16_t kProtoLcp = 0xC021;
inline constexpr uint16_t kProtoPap = 0xC023;
inline constexpr uint16_t kProtoChap = 0xC223;
inline constexpr uint16_t kProtoEap = 0xC227;

// What a frame is for, decided from the protocol number alone. The ranges are
// RFC 1661's: 0x0xxx-0x3xxx network-layer datagrams, 0x4xxx-0x7xxx low-volume
// traffic without an NCP, 0x8xxx-0xbxxx network control, 0xcxxx-0xfxxx link control.
enum class frame_class : uint8_t {
  ipv4,  // forwarded by the worker
  ipv6,  // no IPv6 data path yet: punted so LCP can Protocol-Reject it
  lcp,
  ipcp,
  ipv6cp,
  eap,
  ccp,
  other_network,  // any other datagram protocol (0x0000-0x7fff)
  other_control,  // any other NCP or link-control protocol (0x8000-0xffff)
};

constexpr frame_class classify(uint16_t protocol) {
  switch (protocol) {
    case kProtoIpv4:
      return frame_class::ipv4;
    case kProtoIpv6:
      return frame_class::ipv6;
    case kProtoLcp:
      return frame_class::lcp;
    case kProtoIpcp:
      return frame_class::ipcp;
    case kProtoIpv6cp:
      return frame_class::ipv6cp;
    case kProtoEap:
      return frame_class::eap;
    case kProtoCcp:
      return frame_class::ccp;
    default:
      return protocol < 0x8000 ? frame_class::other_network : frame_class::other_control;
  }
}

// True for frames the control thread handles (everything but IPv4 data).
constexpr bool is_control(frame_class c) { return c != frame_class::ipv4; }

// A valid PPP protocol number is odd, with an even high octet (RFC 1661 §2).
constexpr bool is_valid_protocol(uint16_t protocol) {
  return (protocol & 0x0001) != 0 && (protocol & 0x0100) == 0;
}

std::string_view protocol_name(uint16_t protocol);

}  // namespace sstpgw::ppp
