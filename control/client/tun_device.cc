#include "control/client/tun_device.hh"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/client/client_error.hh"

namespace sstpgw::client {

namespace {

sockaddr make_sockaddr(ipv4_address a) {
  sockaddr s{};
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(a.value);
  std::memcpy(&s, &in, sizeof in);
  return s;
}

[[noreturn]] void fail(const std::string& what) {
  throw client_error(exit_status::local_network, what + ": " + std::strerror(errno));
}

}  // namespace

tun_device::tun_device(const std::string& name) : name_(name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    throw client_error(exit_status::local_network, "TUN: '" + name + "' is not a valid interface name");
  fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) fail("TUN: cannot open /dev/net/tun");
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (::ioctl(fd_, TUNSETIFF, &ifr) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    errno = e;
    fail("TUN: cannot create device " + name + (e == EPERM ? " (needs root / CAP_NET_ADMIN)" : ""));
  }
  name_ = ifr.ifr_name;
  ctl_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (ctl_ < 0) fail("TUN: socket for interface ioctls");
}

tun_device::~tun_device() {
  if (ctl_ >= 0) ::close(ctl_);
  if (fd_ >= 0) ::close(fd_);
}

void tun_device::ioctl_or_throw(unsigned long request, void* arg, const char* what) const {
  if (::ioctl(ctl_, request, arg) != 0) fail(fmt::format("TUN {}: {}", name_, what));
}

void tun_device::configure(ipv4_address local, ipv4_address peer, size_t mtu) {
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name_.data(), name_.size());
  ifr.ifr_addr = make_sockaddr(local);
  ioctl_or_throw(SIOCSIFADDR, &ifr, "set address");
  ifr.ifr_netmask = make_sockaddr(ipv4_address{0xffffffffu});
  ioctl_or_throw(SIOCSIFNETMASK, &ifr, "set netmask /32");
  if (!peer.is_zero() && peer != local) {
    ifr.ifr_dstaddr = make_sockaddr(peer);
    ioctl_or_throw(SIOCSIFDSTADDR, &ifr, "set peer address");
  }
  ifr.ifr_mtu = static_cast<int>(mtu);
  ioctl_or_throw(SIOCSIFMTU, &ifr, "set MTU");
  ioctl_or_throw(SIOCGIFFLAGS, &ifr, "get flags");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING | IFF_POINTOPOINT);
  ioctl_or_throw(SIOCSIFFLAGS, &ifr, "bring up");
}

void tun_device::add_route(const ipv4_prefix& prefix) {
  rtentry rt{};
  rt.rt_dst = make_sockaddr(prefix.network);
  rt.rt_genmask = make_sockaddr(ipv4_address{prefix.mask()});
  rt.rt_flags = RTF_UP | (prefix.length == 32 ? RTF_HOST : 0);
  rt.rt_dev = name_.data();
  if (::ioctl(ctl_, SIOCADDRT, &rt) != 0)
    fail(fmt::format("TUN {}: add route {}", name_, prefix.to_string()));
}

}  // namespace sstpgw::client
