#include "control/auth/eap_packet.hh"

#include "dataplane/common/cursor.hh"

namespace sstpgw::auth {

std::string_view to_string(eap_parse_status s) {
  switch (s) {
    case eap_parse_status::ok:
      return "ok";
    case eap_parse_status::truncated:
      return "shorter than its header";
    case eap_parse_status::bad_length:
      return "Length field out of range";
    case eap_parse_status::unknown_code:
      return "unknown Code";
    case eap_parse_status::missing_type:
      return "Request/Response without a Type";
  }
  return "?";
}

eap_parse_status parse_eap(std::span<const uint8_t> bytes, eap_packet& out) {
  byte_reader r(bytes);
  const uint8_t code = r.u8();
  out.identifier = r.u8();
  const uint16_t length = r.be16();
  if (!r.ok()) return eap_parse_status::truncated;
  if (length < kEapHeaderLength || length > bytes.size()) return eap_parse_status::bad_length;
  if (code < 1 || code > 4) return eap_parse_status::unknown_code;
  out.code = static_cast<eap_code>(code);
  out.type = 0;
  out.type_data = {};
  if (out.code == eap_code::request || out.code == eap_code::response) {
    if (length < kEapHeaderLength + 1) return eap_parse_status::missing_type;
    out.type = bytes[kEapHeaderLength];
    out.type_data = bytes.subspan(kEapHeaderLength + 1, length - kEapHeaderLength - 1);
  }
  // Success/Failure with data: RFC 3748 §4.2 says there is none; the extra octets are ignored.
  return eap_parse_status::ok;
}

std::vector<uint8_t> build_eap(eap_code code, uint8_t identifier, uint8_t type,
                               std::span<const uint8_t> type_data) {
  std::vector<uint8_t> out(kEapHeaderLength + 1 + type_data.size());
  byte_writer w(out);
  w.u8(static_cast<uint8_t>(code));
  w.u8(identifier);
  w.be16(static_cast<uint16_t>(out.size()));
  w.u8(type);
  w.bytes(type_data);
  return out;
}

std::vector<uint8_t> build_eap_result(eap_code code, uint8_t identifier) {
  return {static_cast<uint8_t>(code), identifier, 0, 4};
}

}  // namespace sstpgw::auth
