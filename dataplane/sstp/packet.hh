// The SSTP packet header (MS-SSTP 2.2.1) and data packets (2.2.3): parse a
// header, build one, and prepend a data header in place into headroom. Pure
// functions over caller-owned bytes; no allocation, usable per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/sstp/constants.hh"

namespace sstpgw::sstp {

struct packet_header {
  bool control = false;
  uint16_t length = 0;  // the whole packet, 4-byte header included
};

enum class header_error : uint8_t {
  ok,
  short_input,  // fewer than 4 bytes
  bad_version,  // version byte is not 0x10
  bad_length,   // (length & 0x0FFF) < 4: the stream cannot be delineated
};

// Reads the 4-byte header at the start of `bytes`. Reserved bits (7 in byte 1,
// 4 above the length) are ignored, as 2.2.1 requires of a receiver.
header_error parse_header(std::span<const uint8_t> bytes, packet_header& out);

// Writes a header with all reserved bits zero. `length` must be in [4, 4095].
void write_header(uint8_t* at, bool control, uint16_t length);

// A whole packet: header parsed and the length equal to the span's size.
struct packet_view {
  bool control = false;
  std::span<const uint8_t> bytes;  // header included
  std::span<const uint8_t> payload() const { return bytes.subspan(kHeaderSize); }
};
header_error parse_packet(std::span<const uint8_t> bytes, packet_view& out);

// Data packets. `prepend_data_header` writes the 4 header bytes immediately
// before `ppp_frame` (the caller guarantees kHeaderSize bytes of headroom there,
// e.g. mbuf headroom) and returns the packet start; nullptr, writing nothing, if
// the frame does not fit the 12-bit length.
uint8_t* prepend_data_header(uint8_t* ppp_frame, size_t ppp_len);
// Copies a PPP frame into `out` behind a data header; returns the packet size,
// or 0 if it does not fit `out` or the 12-bit length.
size_t build_data_packet(std::span<uint8_t> out, std::span<const uint8_t> ppp_frame);

}  // namespace sstpgw::sstp
