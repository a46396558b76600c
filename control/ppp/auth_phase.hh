// The authentication phase as the PPP link sees it (RFC 1661 §3.5): started
// once LCP is Opened, fed the frames of its protocol, done when it succeeds or
// fails. control/auth implements it with EAP (eap_server_phase, eap_peer_phase).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "control/ppp/fsm.hh"
#include "control/ppp/lcp_options.hh"

namespace sstpgw::ppp {

class auth_phase {
 public:
  enum class result : uint8_t { pending, succeeded, failed };

  virtual ~auth_phase() = default;
  virtual uint16_t protocol() const = 0;
  // LCP is Opened with these options; max_send is the largest information
  // field the peer takes (what EAP-TLS fragments to).
  virtual void start(const lcp_negotiated& lcp, size_t max_send, time_point now) = 0;
  virtual void receive(std::span<const uint8_t> info, time_point now) = 0;
  virtual void on_timer(time_point now) = 0;
  virtual time_point next_deadline() const = 0;
  virtual std::vector<outgoing_packet> take_packets() = 0;
  virtual result status() const = 0;
  virtual std::string reason() const = 0;
};

}  // namespace sstpgw::ppp
