#include "control/ppp/packet.hh"

#include <algorithm>

#include "dataplane/common/cursor.hh"

namespace sstpgw::ppp {

std::string_view to_string(cp_code c) {
  switch (c) {
    case cp_code::configure_request:
      return "Configure-Request";
    case cp_code::configure_ack:
      return "Configure-Ack";
    case cp_code::configure_nak:
      return "Configure-Nak";
    case cp_code::configure_reject:
      return "Configure-Reject";
    case cp_code::terminate_request:
      return "Terminate-Request";
    case cp_code::terminate_ack:
      return "Terminate-Ack";
    case cp_code::code_reject:
      return "Code-Reject";
    case cp_code::protocol_reject:
      return "Protocol-Reject";
    case cp_code::echo_request:
      return "Echo-Request";
    case cp_code::echo_reply:
      return "Echo-Reply";
    case cp_code::discard_request:
      return "Discard-Request";
    case cp_code::identification:
      return "Identification";
    case cp_code::time_remaining:
      return "Time-Remaining";
  }
  return "unknown code";
}

bool parse_cp_packet(std::span<const uint8_t> info, cp_packet& out) {
  byte_reader r(info);
  out.code = r.u8();
  out.identifier = r.u8();
  const uint16_t length = r.be16();
  if (!r.ok() || length < kCpHeaderLength || length > info.size()) return false;
  out.whole = info.first(length);
  out.data = info.subspan(kCpHeaderLength, length - kCpHeaderLength);
  return true;
}

std::vector<uint8_t> build_cp_packet(uint8_t code, uint8_t identifier, std::span<const uint8_t> data,
                                     size_t max_size) {
  max_size = std::clamp<size_t>(max_size, kCpHeaderLength, 65535);
  const size_t n = std::min(data.size(), max_size - kCpHeaderLength);
  std::vector<uint8_t> out(kCpHeaderLength + n);
  byte_writer w(out);
  w.u8(code);
  w.u8(identifier);
  w.be16(static_cast<uint16_t>(out.size()));
  w.bytes(data.first(n));
  return out;
}

bool option_reader::next(option_view& out) {
  if (!ok_ || pos_ >= data_.size()) return false;
  const size_t left = data_.size() - pos_;
  if (left < 2 || data_[pos_ + 1] < 2 || data_[pos_ + 1] > left) {
    ok_ = false;
    return false;
  }
  const size_t len = data_[pos_ + 1];
  out.type = data_[pos_];
  out.raw = data_.subspan(pos_, len);
  out.value = out.raw.subspan(2);
  pos_ += len;
  return true;
}

bool options_well_formed(std::span<const uint8_t> data) {
  option_reader r(data);
  option_view o;
  while (r.next(o)) {
  }
  return r.ok();
}

}  // namespace sstpgw::ppp
