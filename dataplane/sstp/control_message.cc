#include "dataplane/sstp/control_message.hh"

#include "dataplane/common/byte_order.hh"
#include "dataplane/sstp/packet.hh"

namespace sstpgw::sstp {

const char* control_error_name(control_error e) {
  switch (e) {
    case control_error::ok: return "ok";
    case control_error::not_control: return "not a control packet";
    case control_error::too_short: return "control packet shorter than 8 bytes";
    case control_error::attribute_truncated: return "attribute runs past the packet end";
    case control_error::attribute_too_short: return "attribute length below 4";
    case control_error::attribute_count: return "NumAttributes disagrees with the attributes present";
  }
  return "?";
}

control_error parse_control_message(std::span<const uint8_t> packet, control_message& out) {
  packet_view pv;
  if (parse_packet(packet, pv) != header_error::ok || !pv.control) return control_error::not_control;
  if (packet.size() < kControlHeaderSize) return control_error::too_short;
  byte_reader r(packet.subspan(kHeaderSize));
  const uint16_t type = r.be16();
  const uint16_t num = r.be16();
  const auto attrs = packet.subspan(kControlHeaderSize);
  // Walk once now so that every later walk is known to succeed.
  byte_reader a(attrs);
  uint32_t seen = 0;
  while (!a.empty()) {
    if (a.remaining() < kAttributeHeaderSize) return control_error::attribute_truncated;
    a.skip(2);
    const uint16_t len = a.be16() & kLengthMask;
    if (len < kAttributeHeaderSize) return control_error::attribute_too_short;
    if (a.remaining() < len - kAttributeHeaderSize) return control_error::attribute_truncated;
    a.skip(len - kAttributeHeaderSize);
    ++seen;
  }
  if (seen != num) return control_error::attribute_count;
  out.type = type;
  out.num_attributes = num;
  out.attribute_bytes = attrs;
  return control_error::ok;
}

bool attribute_reader::next(attribute_view& out) {
  if (r_.empty() || !r_.ok()) return false;
  r_.skip(1);  // Reserved: ignored on receipt
  out.id = r_.u8();
  const uint16_t len = r_.be16() & kLengthMask;
  if (len < kAttributeHeaderSize) {
    r_.fail();
    return false;
  }
  out.value = r_.bytes(len - kAttributeHeaderSize);
  return r_.ok();
}

control_builder::control_builder(std::span<uint8_t> out, message_type type)
    : start_(out.data()), w_(out) {
  w_.fill(0, kHeaderSize);  // patched by finish()
  w_.be16(static_cast<uint16_t>(type));
  w_.be16(0);
}

void control_builder::add(attribute_id id, std::span<const uint8_t> value) {
  begin(id);
  w_.bytes(value);
  end();
}

void control_builder::begin(attribute_id id) {
  attr_start_ = w_.position();
  w_.u8(0);
  w_.u8(static_cast<uint8_t>(id));
  w_.be16(0);  // patched by end()
}

void control_builder::end() {
  if (!w_.ok() || !attr_start_) {
    failed_ = true;
    return;
  }
  const size_t len = static_cast<size_t>(w_.position() - attr_start_);
  if (len > kLengthMask) {
    failed_ = true;  // too long for the 12-bit attribute length
    return;
  }
  store_be16(attr_start_ + 2, static_cast<uint16_t>(len));
  attr_start_ = nullptr;
  ++count_;
}

size_t control_builder::finish() {
  if (failed_ || !w_.ok() || attr_start_ || w_.size() > kMaxPacketSize) return 0;
  const size_t total = w_.size();
  write_header(start_, true, static_cast<uint16_t>(total));
  store_be16(start_ + kHeaderSize + 2, count_);
  return total;
}

}  // namespace sstpgw::sstp
