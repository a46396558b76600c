// Typed SSTP control messages and attributes (MS-SSTP 2.2.5 - 2.2.17): a build
// function per message writing into a caller buffer (returns the size, 0 if it
// did not fit) and a strict parse per message over a control_message. Views
// returned by parsers point into the parsed packet. No allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/sstp/constants.hh"
#include "dataplane/sstp/control_message.hh"

namespace sstpgw::sstp {

using nonce_bytes = std::array<uint8_t, kNonceSize>;
using hash_field = std::array<uint8_t, kHashFieldSize>;

// 2.2.6 SSTP_ATTRIB_CRYPTO_BINDING_REQ (in CALL_CONNECT_ACK).
struct crypto_binding_req {
  uint8_t hash_bitmask = 0;
  nonce_bytes nonce{};
};

// 2.2.7 SSTP_ATTRIB_CRYPTO_BINDING (in CALL_CONNECTED). SHA-1 values fill the
// first 20 bytes of the 32-byte fields, the rest zero.
struct crypto_binding {
  uint8_t hash_protocol = 0;
  nonce_bytes nonce{};
  hash_field cert_hash{};
  hash_field compound_mac{};
};

// 2.2.8 SSTP_ATTRIB_STATUS_INFO.
struct status_info {
  uint8_t attrib_id = 0;  // the attribute the status is about (attribute_id values)
  status code = status::no_error;
  std::span<const uint8_t> value;  // the offending attribute's value (may be empty)
};

// A bounded list of STATUS_INFOs (NAK contents). Entries past the capacity are
// counted in `dropped`, not stored.
struct status_info_list {
  static constexpr size_t kCapacity = 8;
  std::array<status_info, kCapacity> items{};
  size_t count = 0;
  size_t dropped = 0;

  void push(const status_info& s) {
    if (count < kCapacity) items[count++] = s;
    else ++dropped;
  }
  std::span<const status_info> view() const { return {items.data(), count}; }
};

// ---- attribute values (the bytes after the 4-byte attribute header) ----
bool parse_status_info(std::span<const uint8_t> value, status_info& out);
bool parse_crypto_binding_req(std::span<const uint8_t> value, crypto_binding_req& out);
bool parse_crypto_binding(std::span<const uint8_t> value, crypto_binding& out);

// ---- builders ----
size_t build_call_connect_request(std::span<uint8_t> out,
                                  uint16_t protocol_id = kEncapsulatedProtocolPpp);
size_t build_call_connect_ack(std::span<uint8_t> out, const crypto_binding_req& req);
size_t build_call_connect_nak(std::span<uint8_t> out, std::span<const status_info> infos);
size_t build_call_connected(std::span<uint8_t> out, const crypto_binding& binding);
// ABORT and DISCONNECT carry at most one STATUS_INFO (nullptr: none).
size_t build_call_abort(std::span<uint8_t> out, const status_info* info);
size_t build_call_disconnect(std::span<uint8_t> out, const status_info* info);
// DISCONNECT_ACK, ECHO_REQUEST, ECHO_RESPONSE: 8 bytes, no attributes.
size_t build_empty_message(std::span<uint8_t> out, message_type type);

// ---- parsers: false if the message is not exactly what 2.2.x allows ----

// CALL_CONNECT_REQUEST is judged attribute by attribute (3.3.5.2.2): the result
// lists a STATUS_INFO for every unacceptable attribute, for the CONNECT_NAK.
struct connect_request_verdict {
  bool acceptable = false;
  uint16_t protocol_id = 0;
  status_info_list problems;
};
connect_request_verdict check_call_connect_request(const control_message& m);

bool parse_call_connect_ack(const control_message& m, crypto_binding_req& out);
bool parse_call_connect_nak(const control_message& m, status_info_list& out);
bool parse_call_connected(const control_message& m, crypto_binding& out);
// ABORT / DISCONNECT: `has_status` tells whether a STATUS_INFO was present.
bool parse_call_abort(const control_message& m, status_info& out, bool& has_status);
bool parse_call_disconnect(const control_message& m, status_info& out, bool& has_status);
bool parse_empty_message(const control_message& m, message_type type);

}  // namespace sstpgw::sstp
