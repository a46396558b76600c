// The IP Control Protocol (RFC 1332 + RFC 1877 DNS options): the automaton with
// the server or the client option policy. A server IPCP takes the client's
// address from the pool when it first needs one and gives it back when the
// layer finishes or the lower layer goes down; pool exhaustion closes the
// layer with that reason (the owner then terminates LCP).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/ppp/fsm.hh"
#include "control/ppp/ipcp_options.hh"

namespace sstpgw::ppp {

class ipcp {
 public:
  explicit ipcp(ipcp_server_config config);
  explicit ipcp(ipcp_client_config config);
  ipcp(const ipcp&) = delete;
  ipcp& operator=(const ipcp&) = delete;

  void up(time_point now) { fsm_.up(now); }
  void down(time_point now) { fsm_.down(now); }
  void open(time_point now) { fsm_.open(now); }
  void close(time_point now, std::string_view reason) { fsm_.close(now, reason); }
  // LCP received a Protocol-Reject for IPCP.
  void protocol_rejected(time_point now) { fsm_.protocol_rejected(now); }

  // One IPCP packet (the information field of a 0x8021 frame).
  void receive(std::span<const uint8_t> info, time_point now) { fsm_.receive(info, now); }
  void on_timer(time_point now) { fsm_.on_timer(now); }
  time_point next_deadline() const { return fsm_.next_deadline(); }
  void set_peer_mru(size_t mru) { fsm_.set_peer_mru(mru); }

  fsm_state state() const { return fsm_.state(); }
  bool opened() const { return fsm_.opened(); }
  const std::string& reason() const { return fsm_.reason(); }
  std::vector<outgoing_packet> take_packets() { return fsm_.take_packets(); }
  std::vector<layer_event> take_events() { return fsm_.take_events(); }

  const ipcp_result& result() const { return options_->result(); }
  // Server: the address currently held from the pool (also before Opened).
  std::optional<ipv4_address> assigned_address() const;

 private:
  std::optional<ipcp_server_config> server_config_;
  std::optional<ipcp_client_config> client_config_;
  std::unique_ptr<ipcp_options> options_;
  fsm fsm_;
};

}  // namespace sstpgw::ppp
