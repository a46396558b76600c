// Cuts SSTP packets out of a byte stream that arrives in arbitrary pieces (the
// plaintext of TLS records). A packet that lies whole in the input is returned
// as a view of the input (no copy); one split across inputs is gathered in a
// fixed 4095-byte buffer. A version other than 0x10 or a length below 4 means the
// stream cannot be delineated: MS-SSTP 3.1.5.1 says the connection is then
// aborted without sending anything, so the framer fails for good.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/sstp/constants.hh"
#include "dataplane/sstp/packet.hh"

namespace sstpgw::sstp {

enum class frame_status : uint8_t {
  packet,     // `packet` holds one whole SSTP packet
  need_more,  // all of the input was consumed; feed more
  invalid,    // framing failed (see error()); abort the connection, send nothing
};

class stream_framer {
 public:
  // Takes bytes from the front of `in` (advancing it past what it used) and
  // returns the next complete packet. Call again with the rest of `in` until it
  // says need_more. The view stays valid until the next call.
  frame_status next(std::span<const uint8_t>& in, std::span<const uint8_t>& packet);

  bool failed() const { return error_ != header_error::ok; }
  header_error error() const { return error_; }
  // Bytes of an incomplete packet held back.
  size_t buffered() const { return have_; }

 private:
  frame_status fail(header_error e) {
    error_ = e;
    return frame_status::invalid;
  }
  void gather(std::span<const uint8_t>& in, size_t up_to);

  uint8_t buf_[kMaxPacketSize];
  size_t have_ = 0;
  uint16_t need_ = 0;  // whole length once the header is known, else 0
  header_error error_ = header_error::ok;
};

}  // namespace sstpgw::sstp
