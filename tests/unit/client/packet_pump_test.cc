// The packet pump on a fake device: one end of a SOCK_SEQPACKET socket pair
// keeps packet boundaries like a TUN descriptor, so the pump's reads and
// writes are the real ones. Then the pump with the real tunnel (in memory,
// against the server session) between the fake device and the VNet.
#include "control/client/packet_pump.hh"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/client/pinger.hh"
#include "tests/unit/client/memory_link.hh"

namespace sstpgw::testing {
namespace {

using client::packet_pump;

struct fake_device {
  fake_device() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds), 0); }
  ~fake_device() {
    ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  int device() const { return fds[0]; }  // the pump's side (the TUN descriptor)
  // The host's side: what the kernel would route into the TUN device.
  void host_send(const std::vector<uint8_t>& p) const {
    EXPECT_EQ(::write(fds[1], p.data(), p.size()), static_cast<ssize_t>(p.size()));
  }
  std::vector<std::vector<uint8_t>> host_receive() const {
    std::vector<std::vector<uint8_t>> out;
    uint8_t buf[65536];
    for (;;) {
      const ssize_t n = ::read(fds[1], buf, sizeof buf);
      if (n <= 0) return out;
      out.emplace_back(buf, buf + n);
    }
  }
  int fds[2] = {-1, -1};
};

const ipv4_address kClient = ipv4_address::from_octets(172, 16, 201, 2);
const ipv4_address kTarget = ipv4_address::from_octets(10, 1, 0, 10);

TEST(PacketPump, DeviceToTunnelKeepsBoundariesAndDropsNonIpv4) {
  fake_device d;
  packet_pump pump(d.device());
  const auto a = client::build_echo_request(kClient, kTarget, 1, 1, {});
  const auto b = client::build_echo_request(kClient, kTarget, 1, 2, std::vector<uint8_t>(1000, 0xab));
  std::vector<uint8_t> v6(40, 0);
  v6[0] = 0x60;
  d.host_send(a);
  d.host_send(v6);
  d.host_send(b);
  std::vector<std::vector<uint8_t>> seen;
  ASSERT_TRUE(pump.device_to_tunnel([&](std::span<const uint8_t> p) {
    seen.emplace_back(p.begin(), p.end());
    return true;
  }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], a);
  EXPECT_EQ(seen[1], b);
  EXPECT_EQ(pump.counters().device_packets, 3u);
  EXPECT_EQ(pump.counters().not_ipv4, 1u);
  EXPECT_EQ(pump.counters().tunnel_packets, 2u);
}

TEST(PacketPump, RefusedByTheTunnelIsCounted) {
  fake_device d;
  packet_pump pump(d.device());
  d.host_send(client::build_echo_request(kClient, kTarget, 1, 1, {}));
  ASSERT_TRUE(pump.device_to_tunnel([](std::span<const uint8_t>) { return false; }));
  EXPECT_EQ(pump.counters().tunnel_refused, 1u);
  EXPECT_EQ(pump.counters().tunnel_packets, 0u);
}

TEST(PacketPump, BudgetBoundsOneCall) {
  fake_device d;
  packet_pump pump(d.device());
  for (int i = 0; i < 5; ++i)
    d.host_send(client::build_echo_request(kClient, kTarget, 1, static_cast<uint16_t>(i), {}));
  size_t n = 0;
  auto count = [&](std::span<const uint8_t>) { return ++n > 0; };
  ASSERT_TRUE(pump.device_to_tunnel(count, 3));
  EXPECT_EQ(n, 3u);
  ASSERT_TRUE(pump.device_to_tunnel(count, 3));
  EXPECT_EQ(n, 5u);
}

TEST(PacketPump, TunnelToDevice) {
  fake_device d;
  packet_pump pump(d.device());
  const auto a = client::build_echo_request(kTarget, kClient, 1, 1, {});
  pump.tunnel_to_device({a, a});
  EXPECT_EQ(pump.counters().delivered, 2u);
  const auto got = d.host_receive();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], a);
}

TEST(PacketPump, ClosedDeviceIsAnError) {
  fake_device d;
  packet_pump pump(d.device());
  ::close(d.fds[1]);
  d.fds[1] = -1;
  EXPECT_FALSE(pump.device_to_tunnel([](std::span<const uint8_t>) { return true; }));
  EXPECT_EQ(pump.error(), "packet device closed");
}

// The host pings through the fake device; the pump and the tunnel carry the
// requests to the server session's VNet, which answers; the replies come back
// out of the device.
TEST(PacketPump, HostPingsThroughTheTunnel) {
  gateway_env env;
  client_files files(env.pki);
  memory_link l(env, files.options);
  l.run();
  ASSERT_TRUE(l.client->up());
  fake_device d;
  packet_pump pump(d.device());
  client::pinger host_ping(kClient, kTarget, 4, std::chrono::milliseconds(1), 5, l.now);
  for (int i = 0; i < 4; ++i) {
    for (auto& p : host_ping.due(l.now)) d.host_send(p);
    l.now += std::chrono::milliseconds(1);
  }
  ASSERT_TRUE(
      pump.device_to_tunnel([&](std::span<const uint8_t> p) { return l.client->send_ipv4(p, l.now); }));
  l.run();
  pump.tunnel_to_device(l.client->take_ipv4());
  for (const auto& p : d.host_receive()) EXPECT_TRUE(host_ping.on_packet(p, l.now));
  EXPECT_TRUE(host_ping.all_replied()) << host_ping.summary();
  EXPECT_EQ(pump.counters().tunnel_packets, 4u);
  EXPECT_EQ(pump.counters().delivered, 4u);
}

TEST(PacketPump, PacketsBeforeUpAreRefused) {
  gateway_env env;
  client_files files(env.pki);
  memory_link l(env, files.options);
  fake_device d;
  packet_pump pump(d.device());
  d.host_send(client::build_echo_request(kClient, kTarget, 1, 1, {}));
  ASSERT_TRUE(
      pump.device_to_tunnel([&](std::span<const uint8_t> p) { return l.client->send_ipv4(p, l.now); }));
  EXPECT_EQ(pump.counters().tunnel_refused, 1u);
}

}  // namespace
}  // namespace sstpgw::testing
