// Drop reasons of the SSTP codec as a worker meets them per packet (X-macro,
// see dataplane/common/counters.hh). Call-level reasons (binding failures,
// timeouts) are in control/sstp/call_counters.hh.
#pragma once

#include "dataplane/common/counters.hh"
#include "dataplane/sstp/packet.hh"

namespace sstpgw::sstp {

#define SSTPGW_SSTP_RX_COUNTERS(X)                                                  \
  X(bad_version, "SSTP version byte not 0x10: stream aborted, nothing sent")        \
  X(bad_length, "SSTP length below 4: stream aborted, nothing sent")               \
  X(control_malformed, "SSTP control packet whose attributes do not parse")        \
  X(control_unknown_type, "SSTP control packet with an unknown message type")      \
  X(ppp_malformed, "SSTP data packet whose PPP address/protocol field is invalid") \
  X(ppp_too_long, "PPP frame too long for one SSTP packet (4091 bytes max)")       \
  X(data_before_binding, "PPP data frame before the crypto binding was verified")
SSTPGW_DEFINE_COUNTERS(rx_counter, SSTPGW_SSTP_RX_COUNTERS)

// The counter for a framing failure (nothing for ok / short_input).
inline void count_header_error(counter_set<rx_counter>& c, header_error e) {
  if (e == header_error::bad_version) c.add(rx_counter::bad_version);
  else if (e == header_error::bad_length) c.add(rx_counter::bad_length);
}

}  // namespace sstpgw::sstp
