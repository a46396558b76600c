// MS-SSTP wire constants (section 2.2): version, message types, attribute IDs,
// status values, hash protocol bits, and the exact sizes of the fixed-size
// messages. Everything here is a number the wire fixes; nothing is tunable.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sstpgw::sstp {

// 2.2.1: major 1, minor 0. The only version there is.
inline constexpr uint8_t kVersion = 0x10;
inline constexpr uint8_t kControlBit = 0x01;      // byte 1, least significant bit
inline constexpr uint16_t kLengthMask = 0x0FFF;   // 12-bit length, upper 4 bits reserved
inline constexpr size_t kHeaderSize = 4;
inline constexpr size_t kMaxPacketSize = 4095;    // largest 12-bit length, header included
inline constexpr size_t kMaxPppFrameSize = kMaxPacketSize - kHeaderSize;
// Control packet: header + MessageType(2) + NumAttributes(2).
inline constexpr size_t kControlHeaderSize = kHeaderSize + 4;
inline constexpr size_t kAttributeHeaderSize = 4;

// 2.2.9 .. 2.2.17
enum class message_type : uint16_t {
  call_connect_request = 0x0001,
  call_connect_ack = 0x0002,
  call_connect_nak = 0x0003,
  call_connected = 0x0004,
  call_abort = 0x0005,
  call_disconnect = 0x0006,
  call_disconnect_ack = 0x0007,
  echo_request = 0x0008,
  echo_response = 0x0009,
};
const char* message_type_name(message_type t);
// True for the nine values above.
constexpr bool is_known_message_type(uint16_t v) { return v >= 0x0001 && v <= 0x0009; }

// 2.2.4 / 2.2.8 (NO_ERROR appears only as the AttribID inside a STATUS_INFO).
enum class attribute_id : uint8_t {
  no_error = 0x00,
  encapsulated_protocol_id = 0x01,
  status_info = 0x02,
  crypto_binding = 0x03,
  crypto_binding_req = 0x04,
};

// 2.2.5: the only encapsulated protocol.
inline constexpr uint16_t kEncapsulatedProtocolPpp = 0x0001;

// 2.2.8 status values.
enum class status : uint32_t {
  no_error = 0x00,
  duplicate_attribute = 0x01,
  unrecognized_attribute = 0x02,
  invalid_attrib_value_length = 0x03,
  value_not_supported = 0x04,
  unaccepted_frame_received = 0x05,
  retry_count_exceeded = 0x06,
  invalid_frame_received = 0x07,
  negotiation_timeout = 0x08,
  attrib_not_supported_in_msg = 0x09,
  required_attribute_missing = 0x0A,
  status_info_not_supported_in_msg = 0x0B,
};
const char* status_name(status s);

// 2.2.6 / 2.2.7: hash protocol bits (bitmask in CRYPTO_BINDING_REQ, exactly one
// bit in CRYPTO_BINDING).
inline constexpr uint8_t kHashSha1 = 0x01;
inline constexpr uint8_t kHashSha256 = 0x02;
inline constexpr size_t kNonceSize = 32;
inline constexpr size_t kHashFieldSize = 32;  // CertHash / CompoundMAC, SHA-1 zero-padded

// Attribute sizes, 4-byte attribute header included.
inline constexpr size_t kEncapsulatedProtocolAttrSize = 6;
inline constexpr size_t kStatusInfoAttrMinSize = 12;  // + length of the offending value
inline constexpr size_t kCryptoBindingReqAttrSize = 40;
inline constexpr size_t kCryptoBindingAttrSize = 104;
// The offending value a STATUS_INFO echoes back is capped when we build one, so
// a NAK or ABORT never grows with what the peer sent.
inline constexpr size_t kMaxStatusValueSize = 64;

// Whole-message sizes of the fixed-size messages.
inline constexpr size_t kCallConnectRequestSize = kControlHeaderSize + kEncapsulatedProtocolAttrSize;
inline constexpr size_t kCallConnectAckSize = kControlHeaderSize + kCryptoBindingReqAttrSize;
inline constexpr size_t kCallConnectedSize = kControlHeaderSize + kCryptoBindingAttrSize;
inline constexpr size_t kEmptyControlSize = kControlHeaderSize;  // DISCONNECT_ACK, ECHO_*
static_assert(kCallConnectRequestSize == 14, "MS-SSTP 4.7: CALL_CONNECT_REQUEST is 14 bytes");
static_assert(kCallConnectAckSize == 48, "CALL_CONNECT_ACK is 0x030 bytes");
static_assert(kCallConnectedSize == 112, "CALL_CONNECTED is 0x070 bytes");
static_assert(kEmptyControlSize == 8, "ECHO_REQUEST / ECHO_RESPONSE / DISCONNECT_ACK are 8 bytes");
static_assert(kCryptoBindingReqAttrSize == kAttributeHeaderSize + 4 + kNonceSize);
static_assert(kCryptoBindingAttrSize == kAttributeHeaderSize + 4 + kNonceSize + 2 * kHashFieldSize);

// Offsets inside a 112-byte CALL_CONNECTED (from its first header byte): the
// compound MAC is computed over the message with this field zeroed.
inline constexpr size_t kCallConnectedHashProtocolOffset = kControlHeaderSize + kAttributeHeaderSize + 3;
inline constexpr size_t kCallConnectedNonceOffset = kCallConnectedHashProtocolOffset + 1;
inline constexpr size_t kCallConnectedCertHashOffset = kCallConnectedNonceOffset + kNonceSize;
inline constexpr size_t kCallConnectedMacOffset = kCallConnectedCertHashOffset + kHashFieldSize;
static_assert(kCallConnectedMacOffset + kHashFieldSize == kCallConnectedSize);

}  // namespace sstpgw::sstp
