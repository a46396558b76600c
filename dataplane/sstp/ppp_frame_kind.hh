// "Check PPP frame type" (MS-SSTP 3.1.7.1): is the PPP frame an SSTP data packet
// carries a control frame (LCP, authentication, NCPs) or a data frame (IPv4,
// IPv6, ...)? Until the crypto binding is verified only control frames may flow.
// Handles the uncompressed form (FF 03, 2-byte protocol) and the ACFC / PFC
// compressed forms (no FF 03; 1-byte protocol when its low bit is set).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sstpgw::sstp {

enum class ppp_frame_kind : uint8_t {
  control,    // protocol >= 0x8000: NCPs (0x8xxx) and link control / auth (0xCxxx)
  data,       // protocol < 0x8000: network-layer datagrams
  malformed,  // empty, FF without 03, or a protocol field RFC 1661 forbids
};

struct ppp_frame_info {
  ppp_frame_kind kind = ppp_frame_kind::malformed;
  uint16_t protocol = 0;
  size_t header_size = 0;  // address/control (0 or 2) + protocol (1 or 2)
};

ppp_frame_info classify_ppp_frame(std::span<const uint8_t> frame);

inline constexpr uint16_t kPppIpv4 = 0x0021;
inline constexpr uint16_t kPppIpv6 = 0x0057;
inline constexpr uint16_t kPppIpcp = 0x8021;
inline constexpr uint16_t kPppIpv6cp = 0x8057;
inline constexpr uint16_t kPppLcp = 0xC021;
inline constexpr uint16_t kPppEap = 0xC227;

}  // namespace sstpgw::sstp
