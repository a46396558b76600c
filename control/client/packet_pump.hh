// Moves IPv4 packets between a packet device (a TUN descriptor; in tests one
// end of a SOCK_SEQPACKET socket pair, which keeps packet boundaries the same
// way) and the tunnel. One read or write is one packet; the descriptor is
// non-blocking. Anything that is not IPv4, or that the tunnel refuses, is
// dropped and counted, never queued.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace sstpgw::client {

struct pump_counters {
  uint64_t device_packets = 0;  // read from the device
  uint64_t tunnel_packets = 0;  // accepted by the tunnel
  uint64_t not_ipv4 = 0;        // dropped: not an IPv4 packet
  uint64_t tunnel_refused = 0;  // dropped: the tunnel was not up or refused it
  uint64_t delivered = 0;       // written to the device
  uint64_t write_failed = 0;    // dropped: the device would not take it
};

class packet_pump {
 public:
  static constexpr size_t kBurst = 32;
  static constexpr size_t kMaxPacket = 65535;

  explicit packet_pump(int fd) : fd_(fd), buffer_(kMaxPacket) {}

  // Reads up to `budget` packets (until the device has no more) and offers
  // each IPv4 one to `send`. False if the device failed or closed; error()
  // then says why.
  bool device_to_tunnel(const std::function<bool(std::span<const uint8_t>)>& send, size_t budget = kBurst);
  // Writes packets from the tunnel to the device.
  void tunnel_to_device(const std::vector<std::vector<uint8_t>>& packets);

  const pump_counters& counters() const { return counters_; }
  const std::string& error() const { return error_; }

 private:
  int fd_;
  std::vector<uint8_t> buffer_;
  pump_counters counters_;
  std::string error_;
};

}  // namespace sstpgw::client
