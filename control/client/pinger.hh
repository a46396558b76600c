// The built-in ping: ICMP echo requests (RFC 792) from the tunnel address to a
// target, sent through the tunnel without a TUN device, and the replies matched
// by identifier and sequence number. Sans-I/O: due(now) gives the requests to
// send, on_packet() takes every IPv4 packet the tunnel delivers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/sessions/session_types.hh"
#include "dataplane/common/ipv4_address.hh"

namespace sstpgw::client {

using sessions::time_point;

inline constexpr size_t kPingPayload = 56;  // what ping(8) sends by default
inline constexpr std::chrono::milliseconds kPingReplyWait{2000};

// An IPv4 + ICMP echo request with a correct header and ICMP checksum.
std::vector<uint8_t> build_echo_request(ipv4_address src, ipv4_address dst, uint16_t id, uint16_t seq,
                                        std::span<const uint8_t> payload);

struct echo_reply {
  ipv4_address from;
  uint16_t id = 0;
  uint16_t seq = 0;
  uint8_t ttl = 0;
  size_t icmp_bytes = 0;
  std::vector<uint8_t> payload;
};
// An ICMP echo reply with valid IPv4 and ICMP checksums, unfragmented; else nullopt.
std::optional<echo_reply> parse_echo_reply(std::span<const uint8_t> ipv4);

class pinger {
 public:
  pinger(ipv4_address source, ipv4_address target, unsigned count, std::chrono::milliseconds interval,
         uint16_t id, time_point now);

  std::vector<std::vector<uint8_t>> due(time_point now);
  // One line for a reply to us ("64 bytes from ..."); nullopt for anything else.
  std::optional<std::string> on_packet(std::span<const uint8_t> ipv4, time_point now);
  time_point next_deadline() const;
  // Everything sent, and every reply in or the wait after the last request over.
  bool done(time_point now) const;
  unsigned sent() const { return sent_; }
  unsigned received() const { return received_; }
  bool all_replied() const { return received_ == count_; }
  // "3 packets transmitted, 3 received, 0% packet loss, rtt min/avg/max = 0.2/0.3/0.4 ms"
  std::string summary() const;

 private:
  ipv4_address source_;
  ipv4_address target_;
  unsigned count_;
  std::chrono::milliseconds interval_;
  uint16_t id_;
  time_point next_send_;
  unsigned sent_ = 0;
  unsigned received_ = 0;
  std::vector<std::optional<time_point>> sent_at_;  // by sequence number - 1
  std::vector<bool> answered_;
  time_point last_sent_{};
  double rtt_min_ = 0, rtt_max_ = 0, rtt_sum_ = 0;
};

}  // namespace sstpgw::client
