// EAP packet codec (RFC 3748 §4): Code, Identifier, Length, and for Request and
// Response a Type and its data. Octets past Length are link padding and ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sstpgw::auth {

enum class eap_code : uint8_t { request = 1, response = 2, success = 3, failure = 4 };

inline constexpr uint8_t kEapTypeIdentity = 1;
inline constexpr uint8_t kEapTypeNotification = 2;
inline constexpr uint8_t kEapTypeNak = 3;  // Legacy Nak, Response only
inline constexpr uint8_t kEapTypeMd5 = 4;
inline constexpr uint8_t kEapTypeTls = 13;
inline constexpr uint8_t kEapTypeExpanded = 254;

inline constexpr size_t kEapHeaderLength = 4;

struct eap_packet {
  eap_code code = eap_code::request;
  uint8_t identifier = 0;
  uint8_t type = 0;                    // Request/Response only
  std::span<const uint8_t> type_data;  // after the Type octet, up to Length
};

enum class eap_parse_status : uint8_t { ok, truncated, bad_length, unknown_code, missing_type };
std::string_view to_string(eap_parse_status s);

eap_parse_status parse_eap(std::span<const uint8_t> bytes, eap_packet& out);

// Request or Response with a type.
std::vector<uint8_t> build_eap(eap_code code, uint8_t identifier, uint8_t type,
                               std::span<const uint8_t> type_data = {});
// Success or Failure (no data).
std::vector<uint8_t> build_eap_result(eap_code code, uint8_t identifier);

}  // namespace sstpgw::auth
