// SSTP control packets (MS-SSTP 2.2.2) and their attributes (2.2.4), generic
// part: parse the message header and walk the attribute list with every length
// checked, and build a control packet attribute by attribute into a caller
// buffer. Message-specific meaning lives in messages.hh.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/common/cursor.hh"
#include "dataplane/sstp/constants.hh"

namespace sstpgw::sstp {

struct attribute_view {
  uint8_t id = 0;                  // raw AttributeID (may be unknown)
  std::span<const uint8_t> value;  // Length - 4 bytes after the attribute header
};

enum class control_error : uint8_t {
  ok,
  not_control,          // C bit clear, or not a whole SSTP packet
  too_short,            // shorter than the 8-byte control header
  attribute_truncated,  // an attribute header or value runs past the packet end
  attribute_too_short,  // an attribute length below its own 4-byte header
  attribute_count,      // NumAttributes disagrees with the attributes present
};
const char* control_error_name(control_error e);

// A parsed control packet. Constructed only by parse_control_message, which has
// already walked every attribute, so iterating cannot fail.
struct control_message {
  uint16_t type = 0;  // raw MessageType (may be unknown: see is_known_message_type)
  uint16_t num_attributes = 0;
  std::span<const uint8_t> attribute_bytes;

  message_type known_type() const { return static_cast<message_type>(type); }
};

// `packet` is one whole SSTP packet (header included, as stream_framer yields).
control_error parse_control_message(std::span<const uint8_t> packet, control_message& out);

// Walks the attributes of a parsed message in order.
class attribute_reader {
 public:
  explicit attribute_reader(const control_message& m) : r_(m.attribute_bytes) {}
  bool next(attribute_view& out);

 private:
  byte_reader r_;
};

// Builds one control packet into `out`:
//   control_builder b(out, message_type::call_abort);
//   b.add(attribute_id::status_info, value);   // or begin()/end() to write in place
//   size_t n = b.finish();                     // 0 if anything did not fit
class control_builder {
 public:
  control_builder(std::span<uint8_t> out, message_type type);
  void add(attribute_id id, std::span<const uint8_t> value);
  // Starts an attribute whose value the caller then writes through writer().
  void begin(attribute_id id);
  void end();
  byte_writer& writer() { return w_; }
  size_t finish();

 private:
  uint8_t* start_;
  byte_writer w_;
  uint8_t* attr_start_ = nullptr;
  uint16_t count_ = 0;
  bool failed_ = false;
};

}  // namespace sstpgw::sstp
