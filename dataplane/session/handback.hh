// The hand-back rule at a phase switch (gateway-protocol.md "Hand-back at each
// phase switch"), as plain arithmetic so it is tested at every cut point
// without a worker around it:
//
//   the worker counts the bytes it forwarded to control in the current phase;
//   the switch message says how many of them control consumed and carries the
//   ones it holds beyond that (returned); more may still be in flight on the
//   ring and come back as returned_bytes. Until `returned` adds up to
//   forwarded - consumed, newly received TCP data is held; then it flows
//   directly again.
#pragma once

#include <cstdint>

namespace sstpgw::session {

enum class handback_verdict : uint8_t {
  ok,            // accepted
  over_consumed,  // control says it consumed more than we forwarded
  over_returned,  // more bytes came back than were outstanding
  unexpected,    // returned bytes with no switch outstanding
};

class handback {
 public:
  // A byte of the current phase went to control.
  void forwarded(uint64_t n) { forwarded_ += n; }
  uint64_t forwarded_bytes() const { return forwarded_; }

  // The phase switch: control consumed `consumed` of what we forwarded and
  // returns `returned_now` bytes with the switch message. The new phase starts
  // with its own forwarded count.
  handback_verdict on_switch(uint64_t consumed, uint64_t returned_now) {
    if (consumed > forwarded_) return handback_verdict::over_consumed;
    expected_ = forwarded_ - consumed;
    returned_ = 0;
    forwarded_ = 0;
    switched_ = true;
    if (returned_now > expected_) return handback_verdict::over_returned;
    returned_ = returned_now;
    return handback_verdict::ok;
  }
  // More bytes of the finished phase came back.
  handback_verdict on_returned(uint64_t n) {
    if (!switched_) return handback_verdict::unexpected;
    if (returned_ + n > expected_) return handback_verdict::over_returned;
    returned_ += n;
    return handback_verdict::ok;
  }
  // Direct input must wait while returned bytes are still outstanding.
  bool holding() const { return returned_ < expected_; }
  uint64_t outstanding() const { return expected_ - returned_; }

 private:
  uint64_t forwarded_ = 0;  // current phase, to control
  uint64_t expected_ = 0;   // last switch: forwarded - consumed
  uint64_t returned_ = 0;   // last switch: bytes returned so far
  bool switched_ = false;
};

}  // namespace sstpgw::session
