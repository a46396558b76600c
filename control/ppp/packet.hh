// LCP/NCP packet codec (RFC 1661 §5): Code, Identifier, Length, Data, and the
// Type-Length-Value options of Configure-* packets. Bounded cursors only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sstpgw::ppp {

enum class cp_code : uint8_t {
  configure_request = 1,
  configure_ack = 2,
  configure_nak = 3,
  configure_reject = 4,
  terminate_request = 5,
  terminate_ack = 6,
  code_reject = 7,
  protocol_reject = 8,  // LCP only, from here on
  echo_request = 9,
  echo_reply = 10,
  discard_request = 11,
  identification = 12,  // RFC 1570; Windows sends these
  time_remaining = 13,  // RFC 1570
};
std::string_view to_string(cp_code c);

inline constexpr size_t kCpHeaderLength = 4;

struct cp_packet {
  uint8_t code = 0;
  uint8_t identifier = 0;
  std::span<const uint8_t> data;   // after the 4-byte header, up to Length
  std::span<const uint8_t> whole;  // header + data (what a Code-Reject quotes)
};

// Parses one packet from a PPP information field. Octets after Length are
// padding and ignored (RFC 1661 §5); a Length below 4 or past the end is invalid.
bool parse_cp_packet(std::span<const uint8_t> info, cp_packet& out);

// Builds code/id/length/data, truncating data so the packet fits `max_size`.
std::vector<uint8_t> build_cp_packet(uint8_t code, uint8_t identifier, std::span<const uint8_t> data,
                                     size_t max_size = 65535);

struct option_view {
  uint8_t type = 0;
  std::span<const uint8_t> value;  // after type and length
  std::span<const uint8_t> raw;    // the whole option, type and length included
};

// Walks the options of a Configure-* packet.
class option_reader {
 public:
  explicit option_reader(std::span<const uint8_t> data) : data_(data) {}
  // False at the end or on a malformed option (then ok() is false).
  bool next(option_view& out);
  bool ok() const { return ok_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// True when every option's length is >= 2 and they exactly fill data.
bool options_well_formed(std::span<const uint8_t> data);

}  // namespace sstpgw::ppp
