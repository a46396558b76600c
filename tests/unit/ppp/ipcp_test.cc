// IPCP: addresses from a fake pool, DNS by Nak, rejected options, pool
// exhaustion as a clean refusal, and the address going back to the pool.
#include "control/ppp/ipcp.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <vector>

#include "control/ppp/lcp.hh"

namespace sstpgw::ppp {
namespace {

using namespace std::chrono_literals;
using bytes = std::vector<uint8_t>;

class fake_pool : public address_pool {
 public:
  explicit fake_pool(int n) {
    for (int i = 0; i < n; ++i)
      free_.push_back(ipv4_address::from_octets(172, 16, 201, static_cast<uint8_t>(2 + i)));
  }
  std::optional<ipv4_address> allocate(uint32_t worker) override {
    last_worker = worker;
    ++allocations;
    if (free_.empty()) return std::nullopt;
    ipv4_address a = free_.front();
    free_.pop_front();
    in_use.push_back(a);
    return a;
  }
  void release(ipv4_address a) override {
    auto it = std::find(in_use.begin(), in_use.end(), a);
    ASSERT_NE(it, in_use.end()) << "release of an address not in use: " << a.to_string();
    in_use.erase(it);
    free_.push_back(a);
    ++releases;
  }
  std::deque<ipv4_address> free_;
  std::vector<ipv4_address> in_use;
  int allocations = 0, releases = 0;
  uint32_t last_worker = 0;
};

const ipv4_address kGateway = ipv4_address::from_octets(172, 16, 201, 1);
const ipv4_address kDns1 = ipv4_address::from_octets(10, 0, 0, 53);
const ipv4_address kDns2 = ipv4_address::from_octets(10, 0, 1, 53);

ipcp_server_config server_config(address_pool& pool, bool dns = true) {
  ipcp_server_config c;
  c.local = kGateway;
  if (dns) {
    c.dns_primary = kDns1;
    c.dns_secondary = kDns2;
  }
  c.pool = &pool;
  c.preferred_worker = 3;
  return c;
}

void exchange(ipcp& a, ipcp& b, time_point now, int rounds = 10) {
  for (int i = 0; i < rounds; ++i) {
    for (auto& p : a.take_packets()) {
      EXPECT_EQ(p.protocol, kProtoIpcp);
      b.receive(p.data, now);
    }
    for (auto& p : b.take_packets()) a.receive(p.data, now);
  }
}

void start(ipcp& x, time_point now = {}) {
  x.open(now);
  x.up(now);
}

bytes request(uint8_t id, const bytes& options) {
  return build_cp_packet(static_cast<uint8_t>(cp_code::configure_request), id, options);
}

struct packet_copy {
  uint8_t code = 0;
  uint8_t identifier = 0;
  bytes data;
};

packet_copy copy_of(const bytes& wire) {
  cp_packet p;
  EXPECT_TRUE(parse_cp_packet(wire, p));
  return {p.code, p.identifier, bytes(p.data.begin(), p.data.end())};
}

packet_copy first(const std::vector<outgoing_packet>& out) {
  EXPECT_FALSE(out.empty());
  return out.empty() ? packet_copy{} : copy_of(out[0].data);
}

bytes data_of(const packet_copy& p) { return p.data; }

TEST(Ipcp, ServerAndClientNegotiate) {
  fake_pool pool(4);
  ipcp server(server_config(pool)), client(ipcp_client_config{});
  start(server);
  start(client);
  exchange(server, client, {});
  ASSERT_TRUE(server.opened());
  ASSERT_TRUE(client.opened());
  const auto client_addr = ipv4_address::from_octets(172, 16, 201, 2);
  EXPECT_EQ(server.result().peer, client_addr);
  EXPECT_EQ(server.result().local, kGateway);
  EXPECT_EQ(client.result().local, client_addr);
  EXPECT_EQ(client.result().peer, kGateway);
  EXPECT_EQ(client.result().dns_primary, kDns1);
  EXPECT_EQ(client.result().dns_secondary, kDns2);
  EXPECT_EQ(server.assigned_address(), client_addr);
  EXPECT_EQ(pool.allocations, 1);
  EXPECT_EQ(pool.last_worker, 3u);
}

TEST(Ipcp, ClientAskingWithZeroGetsNakWithPoolAddressAndDns) {
  fake_pool pool(4);
  ipcp server(server_config(pool));
  start(server);
  EXPECT_EQ(data_of(first(server.take_packets())), (bytes{0x03, 0x06, 172, 16, 201, 1}));
  server.receive(request(1, {0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0, 0, 0x83, 0x06, 0, 0, 0, 0}), {});
  auto out = server.take_packets();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (bytes{0x03, 0x01, 0x00, 0x16,              // Configure-Nak
                                0x03, 0x06, 172,  16,   201, 2,      // IP-Address
                                0x81, 0x06, 10,   0,    0,   53,     // Primary DNS
                                0x83, 0x06, 10,   0,    1,   53}));  // Secondary DNS
}

TEST(Ipcp, RejectsNbnsAndCompression) {
  fake_pool pool(4);
  ipcp server(server_config(pool));
  start(server);
  server.take_packets();
  // Windows-style request: VJ compression, address, DNS and NBNS.
  const bytes opts = {0x02, 0x06, 0x00, 0x2D, 0x0F, 0x01, 0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0, 0,
                      0x82, 0x06, 0,    0,    0,    0,    0x83, 0x06, 0, 0, 0, 0, 0x84, 0x06, 0, 0, 0, 0};
  server.receive(request(9, opts), {});
  const packet_copy rej = first(server.take_packets());
  EXPECT_EQ(rej.code, static_cast<uint8_t>(cp_code::configure_reject));
  EXPECT_EQ(rej.identifier, 9);
  EXPECT_EQ(data_of(rej),
            (bytes{0x02, 0x06, 0x00, 0x2D, 0x0F, 0x01, 0x82, 0x06, 0, 0, 0, 0, 0x84, 0x06, 0, 0, 0, 0}));
}

TEST(Ipcp, ServerWithoutDnsRejectsDnsAndClientStillOpens) {
  fake_pool pool(1);
  ipcp server(server_config(pool, false)), client(ipcp_client_config{});
  start(server);
  start(client);
  exchange(server, client, {});
  ASSERT_TRUE(client.opened());
  EXPECT_FALSE(client.result().dns_primary.has_value());
  EXPECT_EQ(client.result().local, ipv4_address::from_octets(172, 16, 201, 2));
}

TEST(Ipcp, MissingAddressOptionIsNakedIn) {
  fake_pool pool(1);
  ipcp server(server_config(pool));
  start(server);
  server.take_packets();
  server.receive(request(4, {}), {});
  const packet_copy nak = first(server.take_packets());
  EXPECT_EQ(nak.code, static_cast<uint8_t>(cp_code::configure_nak));
  EXPECT_EQ(data_of(nak), (bytes{0x03, 0x06, 172, 16, 201, 2}));
}

TEST(Ipcp, ClientChosenAddressIsOverruled) {
  fake_pool pool(2);
  ipcp server(server_config(pool));
  start(server);
  server.take_packets();
  server.receive(request(5, {0x03, 0x06, 192, 168, 1, 7}), {});
  const packet_copy nak = first(server.take_packets());
  EXPECT_EQ(data_of(nak), (bytes{0x03, 0x06, 172, 16, 201, 2}));
  // Asking again takes the same address, not a second one.
  server.receive(request(6, {0x03, 0x06, 0, 0, 0, 0}), {});
  EXPECT_EQ(data_of(first(server.take_packets())), (bytes{0x03, 0x06, 172, 16, 201, 2}));
  EXPECT_EQ(pool.in_use.size(), 1u);
}

TEST(Ipcp, PoolExhaustionIsACleanRefusal) {
  fake_pool pool(0);
  time_point now{};
  ipcp server(server_config(pool)), client(ipcp_client_config{});
  start(server, now);
  start(client, now);
  // Client request: the server rejects IP-Address and terminates IPCP.
  for (auto& p : client.take_packets()) server.receive(p.data, now);
  auto out = server.take_packets();
  ASSERT_GE(out.size(), 3u);  // its Configure-Request, Reject, Terminate-Request
  const packet_copy rej = copy_of(out[1].data), term = copy_of(out[2].data);
  EXPECT_EQ(rej.code, static_cast<uint8_t>(cp_code::configure_reject));
  EXPECT_EQ(data_of(rej), (bytes{0x03, 0x06, 0, 0, 0, 0}));
  EXPECT_EQ(term.code, static_cast<uint8_t>(cp_code::terminate_request));
  EXPECT_EQ(server.state(), fsm_state::closing);
  EXPECT_EQ(server.reason(), "address pool exhausted: no address for the client");
  // The client hears the refusal and the terminate; the server finishes.
  for (auto& p : out) client.receive(p.data, now);
  for (auto& p : client.take_packets()) server.receive(p.data, now);
  EXPECT_EQ(server.state(), fsm_state::closed);
  const auto events = server.take_events();
  EXPECT_EQ(events.back(), layer_event::finished);
  EXPECT_FALSE(client.opened());
  EXPECT_TRUE(pool.in_use.empty());
}

TEST(Ipcp, PoolExhaustionWithSilentClientStillEnds) {
  fake_pool pool(0);
  time_point now{};
  ipcp server(server_config(pool));
  start(server, now);
  server.receive(request(1, {0x03, 0x06, 0, 0, 0, 0}), now);
  int rounds = 0;
  while (server.next_deadline() != kNoDeadline && rounds++ < 100) {
    now = server.next_deadline();
    server.on_timer(now);
  }
  EXPECT_EQ(server.state(), fsm_state::closed);
  EXPECT_EQ(server.take_events().back(), layer_event::finished);
  EXPECT_LE(now, time_point{} + 6s);  // Max-Terminate (2) x 3 s
}

TEST(Ipcp, PoolExhaustionWhenAddressOptionMissing) {
  fake_pool pool(0);
  ipcp server(server_config(pool));
  start(server);
  server.take_packets();
  server.receive(request(1, {}), {});
  auto out = server.take_packets();
  ASSERT_EQ(out.size(), 1u);  // no Ack: straight to Terminate-Request
  EXPECT_EQ(first(out).code, static_cast<uint8_t>(cp_code::terminate_request));
  EXPECT_EQ(server.state(), fsm_state::closing);
}

TEST(Ipcp, ExhaustionThenLcpTerminatesWithReason) {
  // The owner's side of the refusal: IPCP finished -> LCP Close with the reason.
  fake_pool pool(0);
  time_point now{};
  auto lcfg = lcp_config::server();
  lcp link(lcfg);
  link.open(now);
  link.up(now);
  auto creq = lcp_config::client();
  lcp peer_link(creq);
  peer_link.open(now);
  peer_link.up(now);
  for (int i = 0; i < 6; ++i) {
    for (auto& p : link.take_packets()) peer_link.receive(p.data, now);
    for (auto& p : peer_link.take_packets()) link.receive(p.data, now);
  }
  ASSERT_TRUE(link.opened());
  ipcp server(server_config(pool)), client(ipcp_client_config{});
  start(server, now);
  start(client, now);
  exchange(server, client, now);
  ASSERT_EQ(server.state(), fsm_state::closed);
  for (auto e : server.take_events())
    if (e == layer_event::finished) link.close(now, "IPCP: " + server.reason());
  auto out = link.take_packets();
  const packet_copy term = first(out);
  EXPECT_EQ(term.code, static_cast<uint8_t>(cp_code::terminate_request));
  EXPECT_EQ(std::string(term.data.begin(), term.data.end()),
            "IPCP: address pool exhausted: no address for the client");
}

TEST(Ipcp, AddressReleasedOnLowerDown) {
  fake_pool pool(1);
  ipcp server(server_config(pool)), client(ipcp_client_config{});
  start(server);
  start(client);
  exchange(server, client, {});
  ASSERT_TRUE(server.opened());
  EXPECT_EQ(pool.in_use.size(), 1u);
  server.down({});
  EXPECT_TRUE(pool.in_use.empty());
  EXPECT_EQ(pool.releases, 1);
  EXPECT_FALSE(server.assigned_address().has_value());
}

TEST(Ipcp, AddressReleasedWhenLayerFinishes) {
  fake_pool pool(1);
  ipcp server(server_config(pool)), client(ipcp_client_config{});
  start(server);
  start(client);
  exchange(server, client, {});
  server.close({}, "bye");
  exchange(server, client, {});
  EXPECT_EQ(server.state(), fsm_state::closed);
  EXPECT_TRUE(pool.in_use.empty());
  EXPECT_EQ(pool.releases, 1);
}

TEST(Ipcp, AddressReleasedOnDestruction) {
  fake_pool pool(1);
  {
    ipcp server(server_config(pool));
    start(server);
    server.receive(request(1, {0x03, 0x06, 0, 0, 0, 0}), {});
    EXPECT_EQ(pool.in_use.size(), 1u);
  }
  EXPECT_TRUE(pool.in_use.empty());
}

TEST(Ipcp, TwoSessionsNeverShareAnAddress) {
  fake_pool pool(2);
  ipcp s1(server_config(pool)), s2(server_config(pool));
  ipcp c1(ipcp_client_config{}), c2(ipcp_client_config{});
  for (ipcp* x : {&s1, &s2, &c1, &c2}) start(*x);
  exchange(s1, c1, {});
  exchange(s2, c2, {});
  ASSERT_TRUE(c1.opened() && c2.opened());
  EXPECT_NE(c1.result().local, c2.result().local);
}

TEST(Ipcp, ClientRejectsServerAskingForItsAddress) {
  ipcp client(ipcp_client_config{});
  start(client);
  client.take_packets();
  client.receive(request(2, {0x03, 0x06, 0, 0, 0, 0}), {});
  EXPECT_EQ(first(client.take_packets()).code, static_cast<uint8_t>(cp_code::configure_reject));
}

TEST(Ipcp, ClientFailsWhenServerRejectsAddress) {
  ipcp client(ipcp_client_config{});
  start(client);
  const packet_copy req = first(client.take_packets());
  client.receive(build_cp_packet(4, req.identifier, bytes{0x03, 0x06, 0, 0, 0, 0}), {});
  EXPECT_EQ(client.state(), fsm_state::closing);
  EXPECT_NE(client.reason().find("refused to assign"), std::string::npos);
}

TEST(Ipcp, UnknownCodeIsCodeRejected) {
  fake_pool pool(1);
  ipcp server(server_config(pool));
  start(server);
  server.take_packets();
  server.receive(build_cp_packet(9, 1, bytes{0, 0, 0, 0}), {});  // Echo is LCP-only
  EXPECT_EQ(first(server.take_packets()).code, static_cast<uint8_t>(cp_code::code_reject));
}

}  // namespace
}  // namespace sstpgw::ppp
