#include "dataplane/sstp/messages.hh"

#include <algorithm>

#include "dataplane/common/cursor.hh"

namespace sstpgw::sstp {

namespace {

constexpr size_t kStatusInfoValueHeader = kStatusInfoAttrMinSize - kAttributeHeaderSize;  // 8
constexpr size_t kCryptoBindingReqValueSize = kCryptoBindingReqAttrSize - kAttributeHeaderSize;
constexpr size_t kCryptoBindingValueSize = kCryptoBindingAttrSize - kAttributeHeaderSize;

void write_status_info_value(byte_writer& w, const status_info& s) {
  w.fill(0, 3);
  w.u8(s.attrib_id);
  w.be32(static_cast<uint32_t>(s.code));
  w.bytes(s.value.first(std::min(s.value.size(), kMaxStatusValueSize)));
}

void add_status_info(control_builder& b, const status_info& s) {
  b.begin(attribute_id::status_info);
  write_status_info_value(b.writer(), s);
  b.end();
}

size_t build_with_optional_status(std::span<uint8_t> out, message_type type, const status_info* info) {
  control_builder b(out, type);
  if (info) add_status_info(b, *info);
  return b.finish();
}

// Exactly one attribute of the given id and value size.
bool single_attribute(const control_message& m, message_type type, attribute_id id, size_t value_size,
                      std::span<const uint8_t>& value) {
  if (m.type != static_cast<uint16_t>(type) || m.num_attributes != 1) return false;
  attribute_reader r(m);
  attribute_view a;
  if (!r.next(a) || a.id != static_cast<uint8_t>(id) || a.value.size() != value_size) return false;
  value = a.value;
  return true;
}

bool parse_optional_status(const control_message& m, message_type type, status_info& out,
                           bool& has_status) {
  has_status = false;
  if (m.type != static_cast<uint16_t>(type) || m.num_attributes > 1) return false;
  attribute_reader r(m);
  attribute_view a;
  if (!r.next(a)) return true;
  if (a.id != static_cast<uint8_t>(attribute_id::status_info) || !parse_status_info(a.value, out))
    return false;
  has_status = true;
  return true;
}

}  // namespace

bool parse_status_info(std::span<const uint8_t> value, status_info& out) {
  if (value.size() < kStatusInfoValueHeader) return false;
  byte_reader r(value);
  r.skip(3);  // Reserved1
  out.attrib_id = r.u8();
  out.code = static_cast<status>(r.be32());
  out.value = r.bytes(r.remaining());
  return r.ok();
}

bool parse_crypto_binding_req(std::span<const uint8_t> value, crypto_binding_req& out) {
  if (value.size() != kCryptoBindingReqValueSize) return false;
  byte_reader r(value);
  r.skip(3);
  out.hash_bitmask = r.u8();
  r.copy_to(out.nonce.data(), out.nonce.size());
  return r.ok() && r.empty();
}

bool parse_crypto_binding(std::span<const uint8_t> value, crypto_binding& out) {
  if (value.size() != kCryptoBindingValueSize) return false;
  byte_reader r(value);
  r.skip(3);
  out.hash_protocol = r.u8();
  r.copy_to(out.nonce.data(), out.nonce.size());
  r.copy_to(out.cert_hash.data(), out.cert_hash.size());
  r.copy_to(out.compound_mac.data(), out.compound_mac.size());
  return r.ok() && r.empty();
}

size_t build_call_connect_request(std::span<uint8_t> out, uint16_t protocol_id) {
  control_builder b(out, message_type::call_connect_request);
  b.begin(attribute_id::encapsulated_protocol_id);
  b.writer().be16(protocol_id);
  b.end();
  return b.finish();
}

size_t build_call_connect_ack(std::span<uint8_t> out, const crypto_binding_req& req) {
  control_builder b(out, message_type::call_connect_ack);
  b.begin(attribute_id::crypto_binding_req);
  b.writer().fill(0, 3);
  b.writer().u8(req.hash_bitmask);
  b.writer().bytes(req.nonce.data(), req.nonce.size());
  b.end();
  return b.finish();
}

size_t build_call_connect_nak(std::span<uint8_t> out, std::span<const status_info> infos) {
  if (infos.empty()) return 0;  // 2.2.12: one or more STATUS_INFO
  control_builder b(out, message_type::call_connect_nak);
  for (const auto& s : infos) add_status_info(b, s);
  return b.finish();
}

size_t build_call_connected(std::span<uint8_t> out, const crypto_binding& binding) {
  control_builder b(out, message_type::call_connected);
  b.begin(attribute_id::crypto_binding);
  auto& w = b.writer();
  w.fill(0, 3);
  w.u8(binding.hash_protocol);
  w.bytes(binding.nonce.data(), binding.nonce.size());
  w.bytes(binding.cert_hash.data(), binding.cert_hash.size());
  w.bytes(binding.compound_mac.data(), binding.compound_mac.size());
  b.end();
  return b.finish();
}

size_t build_call_abort(std::span<uint8_t> out, const status_info* info) {
  return build_with_optional_status(out, message_type::call_abort, info);
}

size_t build_call_disconnect(std::span<uint8_t> out, const status_info* info) {
  return build_with_optional_status(out, message_type::call_disconnect, info);
}

size_t build_empty_message(std::span<uint8_t> out, message_type type) {
  control_builder b(out, type);
  return b.finish();
}

connect_request_verdict check_call_connect_request(const control_message& m) {
  connect_request_verdict v;
  if (m.type != static_cast<uint16_t>(message_type::call_connect_request)) {
    v.problems.push({static_cast<uint8_t>(attribute_id::no_error), status::unaccepted_frame_received, {}});
    return v;
  }
  bool have_protocol = false;
  bool protocol_ok = false;
  attribute_reader r(m);
  attribute_view a;
  while (r.next(a)) {
    switch (static_cast<attribute_id>(a.id)) {
      case attribute_id::encapsulated_protocol_id:
        if (have_protocol) {
          v.problems.push({a.id, status::duplicate_attribute, a.value});
          protocol_ok = false;
        } else if (a.value.size() != kEncapsulatedProtocolAttrSize - kAttributeHeaderSize) {
          v.problems.push({a.id, status::invalid_attrib_value_length, a.value});
        } else {
          v.protocol_id = static_cast<uint16_t>((a.value[0] << 8) | a.value[1]);
          if (v.protocol_id == kEncapsulatedProtocolPpp) protocol_ok = true;
          else v.problems.push({a.id, status::value_not_supported, a.value});
        }
        have_protocol = true;
        break;
      case attribute_id::status_info: {
        // 3.3.5.2.2 item 1: a STATUS_INFO carrying an error is not acceptable here.
        status_info s;
        if (!parse_status_info(a.value, s))
          v.problems.push({a.id, status::invalid_attrib_value_length, a.value});
        else if (s.code != status::no_error)
          v.problems.push({a.id, status::status_info_not_supported_in_msg, a.value});
        break;
      }
      case attribute_id::crypto_binding:
      case attribute_id::crypto_binding_req:
        v.problems.push({a.id, status::attrib_not_supported_in_msg, a.value});
        break;
      default:
        v.problems.push({a.id, status::unrecognized_attribute, a.value});
        break;
    }
  }
  if (!have_protocol) {
    v.problems.push({static_cast<uint8_t>(attribute_id::encapsulated_protocol_id),
                     status::required_attribute_missing, {}});
  }
  v.acceptable = protocol_ok && v.problems.count == 0 && v.problems.dropped == 0;
  return v;
}

bool parse_call_connect_ack(const control_message& m, crypto_binding_req& out) {
  std::span<const uint8_t> value;
  return single_attribute(m, message_type::call_connect_ack, attribute_id::crypto_binding_req,
                          kCryptoBindingReqValueSize, value) &&
         parse_crypto_binding_req(value, out);
}

bool parse_call_connect_nak(const control_message& m, status_info_list& out) {
  if (m.type != static_cast<uint16_t>(message_type::call_connect_nak) || m.num_attributes == 0)
    return false;
  attribute_reader r(m);
  attribute_view a;
  while (r.next(a)) {
    status_info s;
    if (a.id != static_cast<uint8_t>(attribute_id::status_info) || !parse_status_info(a.value, s))
      return false;
    out.push(s);
  }
  return true;
}

bool parse_call_connected(const control_message& m, crypto_binding& out) {
  std::span<const uint8_t> value;
  return single_attribute(m, message_type::call_connected, attribute_id::crypto_binding,
                          kCryptoBindingValueSize, value) &&
         parse_crypto_binding(value, out);
}

bool parse_call_abort(const control_message& m, status_info& out, bool& has_status) {
  return parse_optional_status(m, message_type::call_abort, out, has_status);
}

bool parse_call_disconnect(const control_message& m, status_info& out, bool& has_status) {
  return parse_optional_status(m, message_type::call_disconnect, out, has_status);
}

bool parse_empty_message(const control_message& m, message_type type) {
  return m.type == static_cast<uint16_t>(type) && m.num_attributes == 0;
}

}  // namespace sstpgw::sstp
