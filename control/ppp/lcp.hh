// The Link Control Protocol: the automaton with lcp_options, plus the codes only
// LCP has (RFC 1661 §5.7-5.9, RFC 1570): Protocol-Reject both ways, Echo with
// Magic-Number checks, Discard-Request, Identification and Time-Remaining.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "control/ppp/fsm.hh"
#include "control/ppp/lcp_options.hh"
#include "dataplane/ppp/frame.hh"

namespace sstpgw::ppp {

class lcp {
 public:
  explicit lcp(lcp_config config);
  lcp(const lcp&) = delete;
  lcp& operator=(const lcp&) = delete;

  void up(time_point now) { fsm_.up(now); }
  void down(time_point now) { fsm_.down(now); }
  void open(time_point now) { fsm_.open(now); }
  void close(time_point now, std::string_view reason) { fsm_.close(now, reason); }

  // One LCP packet (the information field of a 0xC021 frame).
  void receive(std::span<const uint8_t> info, time_point now);
  void on_timer(time_point now) { fsm_.on_timer(now); }
  time_point next_deadline() const { return fsm_.next_deadline(); }

  fsm_state state() const { return fsm_.state(); }
  bool opened() const { return fsm_.opened(); }
  const std::string& reason() const { return fsm_.reason(); }
  std::vector<outgoing_packet> take_packets() { return fsm_.take_packets(); }
  std::vector<layer_event> take_events() { return fsm_.take_events(); }

  const lcp_negotiated& negotiated() const { return options_.negotiated(); }
  // How to write PPP headers towards the peer (compressed only where it asked).
  header_form tx_header_form() const;
  // The largest information field we may send: the peer's MRU within SSTP's limit.
  size_t max_send_size() const;

  // Answers a frame of a protocol we do not run (IPV6CP, CCP, ...) with a
  // Protocol-Reject; only in the Opened state, as RFC 1661 §5.7 requires.
  void reject_protocol(uint16_t protocol, std::span<const uint8_t> information);
  // Protocols the peer Protocol-Rejected since the last call; the owner stops
  // the matching NCP (fsm::protocol_rejected).
  std::vector<uint16_t> take_rejected_protocols() { return std::exchange(rejected_, {}); }

  // Keepalive / liveness probe; replies are counted.
  void send_echo_request();
  uint64_t echo_replies() const { return echo_replies_; }

 private:
  void on_echo_request(const cp_packet& p, time_point now);
  bool looped(std::span<const uint8_t> data, time_point now);

  lcp_config config_;
  lcp_options options_;
  fsm fsm_;
  std::vector<uint16_t> rejected_;
  uint64_t echo_replies_ = 0;
  int echo_loopbacks_ = 0;
};

}  // namespace sstpgw::ppp
