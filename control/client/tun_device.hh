// A Linux TUN device for the tunnel (needs CAP_NET_ADMIN): created with
// IFF_TUN | IFF_NO_PI so each read/write is one bare IPv4 packet, then given
// the IPCP address as a point-to-point /32 towards the gateway's address, the
// MTU from the negotiated MRU, brought up, and the --route prefixes pointed at
// it. Configured with ioctls (no iproute2, no PPP). The device disappears when
// the descriptor closes. Failures are client_errors with
// exit_status::local_network.
#pragma once

#include <cstddef>
#include <string>

#include "dataplane/common/ipv4_address.hh"

namespace sstpgw::client {

class tun_device {
 public:
  // Creates the device (down, no address); non-blocking descriptor.
  explicit tun_device(const std::string& name);
  ~tun_device();
  tun_device(const tun_device&) = delete;
  tun_device& operator=(const tun_device&) = delete;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

  // local/32 peer `peer`, MTU, IFF_UP.
  void configure(ipv4_address local, ipv4_address peer, size_t mtu);
  void add_route(const ipv4_prefix& prefix);

 private:
  void ioctl_or_throw(unsigned long request, void* arg, const char* what) const;

  std::string name_;
  int fd_ = -1;
  int ctl_ = -1;  // AF_INET datagram socket for the interface ioctls
};

}  // namespace sstpgw::client
