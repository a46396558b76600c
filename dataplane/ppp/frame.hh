// The PPP frame as SSTP carries it (MS-SSTP 2.2.2): no HDLC flag, no byte
// stuffing, no FCS; just [FF 03] protocol(1|2) information. Parsing is liberal
// (RFC 1661 §6.5/§6.6: a receiver accepts both forms whatever was negotiated);
// building follows the negotiated header form. Everything here is inline and
// allocation-free because the worker runs it on every packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/common/byte_order.hh"
#include "dataplane/common/counters.hh"
#include "dataplane/ppp/protocol.hh"

namespace sstpgw::ppp {

inline constexpr uint8_t kAddressAllStations = 0xFF;
inline constexpr uint8_t kControlUi = 0x03;
// FF 03 + two protocol octets: the most a header can take.
inline constexpr size_t kMaxHeaderLength = 4;

// How we write headers towards the peer: compression is used only once the
// peer asked for it in LCP (ACFC option 8, PFC option 7) and we acknowledged.
struct header_form {
  bool compress_address_control = false;  // omit FF 03
  bool compress_protocol = false;         // one protocol octet when the high octet is 0
};

// Only protocols below 0x100 fit one octet, and 0x00FF would read as the
// start of FF 03 (it is reserved for exactly that reason).
constexpr bool fits_one_octet(uint16_t protocol) { return protocol < 0xFF; }

// Header length for a frame of `protocol` written in form `f`. LCP frames
// always carry FF 03 (RFC 1661 §6.6).
constexpr size_t header_length(header_form f, uint16_t protocol) {
  const bool acf = !f.compress_address_control || protocol == kProtoLcp;
  const bool short_proto = f.compress_protocol && fits_one_octet(protocol);
  return (acf ? 2u : 0u) + (short_proto ? 1u : 2u);
}

// Writes the header at p (which must have header_length() bytes) and returns
// its length.
inline size_t write_header(uint8_t* p, header_form f, uint16_t protocol) {
  size_t n = 0;
  if (!f.compress_address_control || protocol == kProtoLcp) {
    p[n++] = kAddressAllStations;
    p[n++] = kControlUi;
  }
  if (f.compress_protocol && fits_one_octet(protocol)) {
    p[n++] = static_cast<uint8_t>(protocol);
  } else {
    store_be16(p + n, protocol);
    n += 2;
  }
  return n;
}

// For a payload already in a buffer with headroom in front of it (an mbuf):
// writes the header just before `payload` and returns where the frame starts.
inline uint8_t* prepend_header(uint8_t* payload, header_form f, uint16_t protocol) {
  uint8_t* start = payload - header_length(f, protocol);
  write_header(start, f, protocol);
  return start;
}

enum class parse_status : uint8_t { ok, truncated, bad_address_control, bad_protocol };

struct frame_header {
  uint16_t protocol = 0;
  uint8_t length = 0;                // bytes before the information field
  bool had_address_control = false;  // FF 03 was present
  bool protocol_compressed = false;  // protocol field was one octet
};

// Parses the header at the start of a frame. On ok, the information field
// starts at p + out.length.
inline parse_status parse_header(const uint8_t* p, size_t n, frame_header& out) {
  size_t i = 0;
  out.had_address_control = false;
  if (n >= 1 && p[0] == kAddressAllStations) {
    // 0xFF is never a valid first protocol octet (0xFF is odd, but 0x00FF is
    // reserved and 0xFFxx has an odd high octet), so FF must begin FF 03.
    if (n < 2) return parse_status::truncated;
    if (p[1] != kControlUi) return parse_status::bad_address_control;
    i = 2;
    out.had_address_control = true;
  }
  if (i >= n) return parse_status::truncated;
  if (p[i] & 0x01) {  // odd first octet: PFC-compressed protocol field
    out.protocol = p[i];
    out.protocol_compressed = true;
    out.length = static_cast<uint8_t>(i + 1);
    return parse_status::ok;
  }
  if (i + 2 > n) return parse_status::truncated;
  const uint16_t proto = load_be16(p + i);
  if (!is_valid_protocol(proto)) return parse_status::bad_protocol;
  out.protocol = proto;
  out.protocol_compressed = false;
  out.length = static_cast<uint8_t>(i + 2);
  return parse_status::ok;
}

struct frame_view {
  frame_header header;
  std::span<const uint8_t> information;
};

inline parse_status parse_frame(std::span<const uint8_t> frame, frame_view& out) {
  const parse_status s = parse_header(frame.data(), frame.size(), out.header);
  if (s == parse_status::ok) out.information = frame.subspan(out.header.length);
  return s;
}

// Receive-side error counters, one per parse failure.
#define SSTPGW_PPP_RX_COUNTERS(X)                                       \
  X(truncated, "PPP frame shorter than its header")                     \
  X(bad_address_control, "PPP frame starting FF but not FF 03")         \
  X(bad_protocol, "PPP protocol field not odd with an even high octet") \
  X(not_ipv4, "PPP frame punted to the control thread (not IPv4 data)")
SSTPGW_DEFINE_COUNTERS(ppp_rx_counter, SSTPGW_PPP_RX_COUNTERS)

constexpr ppp_rx_counter counter_for(parse_status s) {
  switch (s) {
    case parse_status::bad_address_control:
      return ppp_rx_counter::bad_address_control;
    case parse_status::bad_protocol:
      return ppp_rx_counter::bad_protocol;
    default:
      return ppp_rx_counter::truncated;
  }
}

// Writes a whole frame (header + information) into out; returns its length or
// 0 if out is too small. For the control thread, which builds frames in buffers.
size_t build_frame(std::span<uint8_t> out, header_form f, uint16_t protocol,
                   std::span<const uint8_t> information);

}  // namespace sstpgw::ppp
