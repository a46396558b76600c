#include "dataplane/sstp/packet.hh"

#include <cstring>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::sstp {

header_error parse_header(std::span<const uint8_t> bytes, packet_header& out) {
  if (bytes.size() < kHeaderSize) return header_error::short_input;
  if (bytes[0] != kVersion) return header_error::bad_version;
  const uint16_t length = load_be16(bytes.data() + 2) & kLengthMask;
  if (length < kHeaderSize) return header_error::bad_length;
  out.control = (bytes[1] & kControlBit) != 0;
  out.length = length;
  return header_error::ok;
}

void write_header(uint8_t* at, bool control, uint16_t length) {
  at[0] = kVersion;
  at[1] = control ? kControlBit : 0;
  store_be16(at + 2, static_cast<uint16_t>(length & kLengthMask));
}

header_error parse_packet(std::span<const uint8_t> bytes, packet_view& out) {
  packet_header h;
  if (auto e = parse_header(bytes, h); e != header_error::ok) return e;
  if (h.length != bytes.size()) return header_error::bad_length;
  out.control = h.control;
  out.bytes = bytes;
  return header_error::ok;
}

uint8_t* prepend_data_header(uint8_t* ppp_frame, size_t ppp_len) {
  if (ppp_len > kMaxPppFrameSize) return nullptr;
  uint8_t* start = ppp_frame - kHeaderSize;
  write_header(start, false, static_cast<uint16_t>(ppp_len + kHeaderSize));
  return start;
}

size_t build_data_packet(std::span<uint8_t> out, std::span<const uint8_t> ppp_frame) {
  const size_t total = ppp_frame.size() + kHeaderSize;
  if (ppp_frame.size() > kMaxPppFrameSize || out.size() < total) return 0;
  write_header(out.data(), false, static_cast<uint16_t>(total));
  if (!ppp_frame.empty()) std::memcpy(out.data() + kHeaderSize, ppp_frame.data(), ppp_frame.size());
  return total;
}

}  // namespace sstpgw::sstp
