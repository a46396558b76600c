#include "dataplane/sstp/ppp_frame_kind.hh"

namespace sstpgw::sstp {

ppp_frame_info classify_ppp_frame(std::span<const uint8_t> frame) {
  ppp_frame_info info;
  size_t at = 0;
  if (frame.size() >= 1 && frame[0] == 0xFF) {
    // 0xFF can only be the all-stations address: a protocol's first octet is even.
    if (frame.size() < 2 || frame[1] != 0x03) return info;
    at = 2;
  }
  if (frame.size() <= at) return info;
  uint16_t protocol;
  if (frame[at] & 0x01) {
    protocol = frame[at];  // PFC: one octet, high octet zero
    at += 1;
  } else {
    if (frame.size() < at + 2 || !(frame[at + 1] & 0x01)) return info;
    protocol = static_cast<uint16_t>((frame[at] << 8) | frame[at + 1]);
    at += 2;
  }
  info.protocol = protocol;
  info.header_size = at;
  info.kind = protocol >= 0x8000 ? ppp_frame_kind::control : ppp_frame_kind::data;
  return info;
}

}  // namespace sstpgw::sstp
