#include "control/client/packet_pump.hh"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sstpgw::client {

bool packet_pump::device_to_tunnel(const std::function<bool(std::span<const uint8_t>)>& send, size_t budget) {
  for (size_t i = 0; i < budget; ++i) {
    const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      if (errno == EINTR) continue;
      error_ = std::string("packet device read: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) {
      error_ = "packet device closed";
      return false;
    }
    ++counters_.device_packets;
    const std::span<const uint8_t> packet(buffer_.data(), static_cast<size_t>(n));
    if ((packet[0] >> 4) != 4) {
      ++counters_.not_ipv4;  // IPv6 router solicitations and the like: the tunnel carries IPv4 only
      continue;
    }
    if (send(packet))
      ++counters_.tunnel_packets;
    else
      ++counters_.tunnel_refused;
  }
  return true;
}

void packet_pump::tunnel_to_device(const std::vector<std::vector<uint8_t>>& packets) {
  for (const std::vector<uint8_t>& p : packets) {
    ssize_t n;
    do {
      n = ::write(fd_, p.data(), p.size());
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(p.size()))
      ++counters_.delivered;
    else
      ++counters_.write_failed;
  }
}

}  // namespace sstpgw::client
