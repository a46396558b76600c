// LCP: server and client back to back, a Windows-style request, the
// Authentication-Protocol rules, Magic-Number loopback, Echo, Protocol-Reject.
#include "control/ppp/lcp.hh"

#include <gtest/gtest.h>

#include <vector>

namespace sstpgw::ppp {
namespace {

using namespace std::chrono_literals;
using bytes = std::vector<uint8_t>;

// Deterministic Magic-Numbers.
std::function<uint32_t()> counter_random(uint32_t start) {
  auto n = std::make_shared<uint32_t>(start);
  return [n] { return (*n)++; };
}

lcp_config server_config() {
  auto c = lcp_config::server();
  c.random = counter_random(0x11110000);
  return c;
}
lcp_config client_config() {
  auto c = lcp_config::client();
  c.random = counter_random(0x22220000);
  return c;
}

void exchange(lcp& a, lcp& b, time_point now, int rounds = 10) {
  for (int i = 0; i < rounds; ++i) {
    for (auto& p : a.take_packets()) {
      EXPECT_EQ(p.protocol, kProtoLcp);
      b.receive(p.data, now);
    }
    for (auto& p : b.take_packets()) a.receive(p.data, now);
  }
}

cp_packet only(const std::vector<outgoing_packet>& out, size_t i = 0) {
  EXPECT_GT(out.size(), i);
  cp_packet p;
  EXPECT_TRUE(parse_cp_packet(out.at(i).data, p));
  return p;
}

bytes data_of(const cp_packet& p) { return {p.data.begin(), p.data.end()}; }

bytes request(uint8_t id, const bytes& options) {
  return build_cp_packet(static_cast<uint8_t>(cp_code::configure_request), id, options);
}

TEST(Lcp, ServerAndClientNegotiate) {
  time_point now{};
  auto ccfg = client_config();
  ccfg.request_pfc = ccfg.request_acfc = true;
  lcp server(server_config()), client(ccfg);
  for (lcp* l : {&server, &client}) {
    l->open(now);
    l->up(now);
  }
  exchange(server, client, now);
  ASSERT_TRUE(server.opened());
  ASSERT_TRUE(client.opened());
  const auto& s = server.negotiated();
  const auto& c = client.negotiated();
  EXPECT_EQ(s.peer_auth, kProtoEap);
  EXPECT_EQ(c.self_auth, kProtoEap);
  EXPECT_EQ(s.mru, 1400);
  EXPECT_EQ(c.peer_mru, 1400);
  EXPECT_EQ(s.magic, c.peer_magic);
  EXPECT_EQ(c.magic, s.peer_magic);
  EXPECT_NE(s.magic, 0u);
  EXPECT_NE(s.magic, c.magic);
  EXPECT_TRUE(s.peer_accepts_pfc);
  EXPECT_TRUE(s.peer_accepts_acfc);
  EXPECT_TRUE(server.tx_header_form().compress_address_control);
  EXPECT_TRUE(server.tx_header_form().compress_protocol);
  EXPECT_FALSE(client.tx_header_form().compress_protocol);  // the server did not ask
  EXPECT_EQ(server.take_events(), (std::vector<layer_event>{layer_event::started, layer_event::up}));
}

TEST(Lcp, ServerRequestIsByteExact) {
  lcp server(server_config());
  server.open({});
  server.up({});
  auto out = server.take_packets();
  const cp_packet p = only(out);
  EXPECT_EQ(p.code, 1);
  EXPECT_EQ(data_of(p), (bytes{0x01, 0x04, 0x05, 0x78,                 // MRU 1400
                               0x03, 0x04, 0xC2, 0x27,                 // Auth-Protocol EAP
                               0x05, 0x06, 0x11, 0x11, 0x00, 0x00}));  // Magic-Number (first draw)
}

// Windows asks for MRU, Magic-Number, PFC (7), ACFC (8) and Callback (13).
const bytes kWindowsOptions = {0x01, 0x04, 0x05, 0x78, 0x05, 0x06, 0x4A, 0x2B, 0x3C,
                               0x4D, 0x07, 0x02, 0x08, 0x02, 0x0D, 0x03, 0x06};

TEST(Lcp, WindowsRequestCallbackRejectedRestAcked) {
  time_point now{};
  lcp server(server_config());
  server.open(now);
  server.up(now);
  server.take_packets();
  server.receive(request(0x01, kWindowsOptions), now);
  auto out = server.take_packets();
  cp_packet rej = only(out);
  EXPECT_EQ(rej.code, static_cast<uint8_t>(cp_code::configure_reject));
  EXPECT_EQ(rej.identifier, 0x01);
  EXPECT_EQ(data_of(rej), (bytes{0x0D, 0x03, 0x06}));

  const bytes without_callback(kWindowsOptions.begin(), kWindowsOptions.end() - 3);
  server.receive(request(0x02, without_callback), now);
  out = server.take_packets();
  cp_packet ack = only(out);
  EXPECT_EQ(ack.code, static_cast<uint8_t>(cp_code::configure_ack));
  EXPECT_EQ(data_of(ack), without_callback);
  EXPECT_EQ(server.state(), fsm_state::ack_sent);

  // The Windows side acknowledges our request: Opened, compressed headers towards it.
  server.on_timer(now + 3s);  // a retransmission shows our outstanding request
  auto retransmitted = server.take_packets();
  const cp_packet ours = only(retransmitted);
  const bytes our_opts = data_of(ours);
  server.receive(build_cp_packet(2, ours.identifier, our_opts), now + 3s);
  ASSERT_TRUE(server.opened());
  EXPECT_EQ(server.negotiated().peer_magic, 0x4A2B3C4Du);
  EXPECT_EQ(server.negotiated().peer_mru, 1400);
  EXPECT_TRUE(server.tx_header_form().compress_protocol);
  EXPECT_TRUE(server.tx_header_form().compress_address_control);
}

TEST(Lcp, ClientNaksNonEapAuthenticationToEap) {
  lcp client(client_config());
  client.open({});
  client.up({});
  client.take_packets();
  // CHAP with MS-CHAPv2 (0x81).
  client.receive(request(7, {0x03, 0x05, 0xC2, 0x23, 0x81}), {});
  auto out = client.take_packets();
  cp_packet nak = only(out);
  EXPECT_EQ(nak.code, static_cast<uint8_t>(cp_code::configure_nak));
  EXPECT_EQ(data_of(nak), (bytes{0x03, 0x04, 0xC2, 0x27}));
  client.receive(request(8, {0x03, 0x04, 0xC2, 0x27}), {});
  out = client.take_packets();
  EXPECT_EQ(only(out).code, static_cast<uint8_t>(cp_code::configure_ack));
}

TEST(Lcp, ServerRejectsBeingAskedToAuthenticate) {
  lcp server(server_config());
  server.open({});
  server.up({});
  server.take_packets();
  server.receive(request(3, {0x03, 0x04, 0xC2, 0x27}), {});
  auto out = server.take_packets();
  cp_packet rej = only(out);
  EXPECT_EQ(rej.code, static_cast<uint8_t>(cp_code::configure_reject));
  EXPECT_EQ(data_of(rej), (bytes{0x03, 0x04, 0xC2, 0x27}));
}

TEST(Lcp, ServerClosesWhenPeerRefusesEap) {
  time_point now{};
  lcp server(server_config());
  server.open(now);
  server.up(now);
  auto out = server.take_packets();
  const cp_packet req = only(out);
  // The peer Naks our EAP with CHAP.
  server.receive(build_cp_packet(3, req.identifier, bytes{0x03, 0x05, 0xC2, 0x23, 0x81}), now);
  EXPECT_EQ(server.state(), fsm_state::closing);
  EXPECT_NE(server.reason().find("refuses EAP"), std::string::npos) << server.reason();
  out = server.take_packets();
  EXPECT_EQ(only(out).code, static_cast<uint8_t>(cp_code::terminate_request));
}

TEST(Lcp, ServerClosesWhenPeerRejectsAuthentication) {
  lcp server(server_config());
  server.open({});
  server.up({});
  auto out = server.take_packets();
  const cp_packet req = only(out);
  server.receive(build_cp_packet(4, req.identifier, bytes{0x03, 0x04, 0xC2, 0x27}), {});
  EXPECT_EQ(server.state(), fsm_state::closing);
  EXPECT_NE(server.reason().find("refuses to authenticate"), std::string::npos);
}

TEST(Lcp, PeerMruBounds) {
  lcp server(server_config());
  server.open({});
  server.up({});
  server.take_packets();
  server.receive(request(1, {0x01, 0x04, 0x00, 0x40}), {});  // 64 < 128
  auto out = server.take_packets();
  cp_packet nak = only(out);
  EXPECT_EQ(nak.code, static_cast<uint8_t>(cp_code::configure_nak));
  EXPECT_EQ(data_of(nak), (bytes{0x01, 0x04, 0x00, 0x80}));
  // 4091 (a Windows Server peer's value): larger than SSTP carries, accepted,
  // and our sends stay within SSTP's limit.
  server.receive(request(2, {0x01, 0x04, 0x0F, 0xFB}), {});
  out = server.take_packets();
  EXPECT_EQ(only(out).code, static_cast<uint8_t>(cp_code::configure_ack));
  EXPECT_EQ(server.negotiated().peer_mru, 4091);
}

TEST(Lcp, MaxSendSizeClampedToSstp) {
  time_point now{};
  auto ccfg = client_config();
  ccfg.mru = 4000;
  lcp server(server_config()), client(ccfg);
  for (lcp* l : {&server, &client}) {
    l->open(now);
    l->up(now);
  }
  exchange(server, client, now);
  ASSERT_TRUE(server.opened());
  EXPECT_EQ(server.max_send_size(), 4000u);
  EXPECT_EQ(client.max_send_size(), 1400u);
}

TEST(Lcp, OwnMruNakWithinBoundsIsAdopted) {
  lcp server(server_config());
  server.open({});
  server.up({});
  auto out = server.take_packets();
  const cp_packet req = only(out);
  server.receive(build_cp_packet(3, req.identifier, bytes{0x01, 0x04, 0x05, 0xDC}), {});  // 1500
  out = server.take_packets();
  const cp_packet next = only(out);
  EXPECT_EQ(data_of(next)[0], 0x01);
  EXPECT_EQ(load_be16(next.data.data() + 2), 1500);
}

TEST(Lcp, ZeroMagicIsNaked) {
  lcp server(server_config());
  server.open({});
  server.up({});
  server.take_packets();
  server.receive(request(1, {0x05, 0x06, 0, 0, 0, 0}), {});
  auto out = server.take_packets();
  cp_packet nak = only(out);
  EXPECT_EQ(nak.code, static_cast<uint8_t>(cp_code::configure_nak));
  ASSERT_EQ(nak.data.size(), 6u);
  EXPECT_NE(load_be32(nak.data.data() + 2), 0u);
}

TEST(Lcp, LoopedBackLinkIsDetectedByMagicNaks) {
  time_point now{};
  lcp client(client_config());  // asks for nothing but a Magic-Number and the MRU
  client.open(now);
  client.up(now);
  // Everything it sends comes straight back.
  for (int i = 0; i < 50 && client.state() != fsm_state::closing; ++i)
    for (auto& p : client.take_packets()) client.receive(p.data, now);
  EXPECT_EQ(client.state(), fsm_state::closing);
  EXPECT_NE(client.reason().find("looped back"), std::string::npos) << client.reason();
}

TEST(Lcp, LoopedBackServerIsNotMistakenForAuthRefusal) {
  time_point now{};
  lcp server(server_config());
  server.open(now);
  server.up(now);
  // Everything it sends comes straight back.
  for (int i = 0; i < 50 && server.state() != fsm_state::closing; ++i)
    for (auto& p : server.take_packets()) server.receive(p.data, now);
  EXPECT_EQ(server.state(), fsm_state::closing);
  EXPECT_NE(server.reason().find("looped back"), std::string::npos) << server.reason();
}

struct opened_pair {
  opened_pair() : server(server_config()), client(client_config()) {
    for (lcp* l : {&server, &client}) {
      l->open(now);
      l->up(now);
    }
    exchange(server, client, now);
    EXPECT_TRUE(server.opened() && client.opened());
    server.take_events();
    client.take_events();
  }
  time_point now{};
  lcp server, client;
};

TEST(Lcp, EchoRequestAnsweredWithOurMagic) {
  opened_pair l;
  const uint32_t peer_magic = l.server.negotiated().peer_magic;
  bytes data(4);
  store_be32(data.data(), peer_magic);
  data.push_back(0xEE);
  l.server.receive(build_cp_packet(9, 0x42, data), l.now);
  auto out = l.server.take_packets();
  cp_packet rep = only(out);
  EXPECT_EQ(rep.code, static_cast<uint8_t>(cp_code::echo_reply));
  EXPECT_EQ(rep.identifier, 0x42);
  ASSERT_EQ(rep.data.size(), 5u);
  EXPECT_EQ(load_be32(rep.data.data()), l.server.negotiated().magic);
  EXPECT_EQ(rep.data[4], 0xEE);
}

TEST(Lcp, EchoRoundTripCounted) {
  opened_pair l;
  l.client.send_echo_request();
  exchange(l.client, l.server, l.now, 2);
  EXPECT_EQ(l.client.echo_replies(), 1u);
}

TEST(Lcp, EchoWithOwnMagicIsLoopback) {
  opened_pair l;
  bytes data(4);
  store_be32(data.data(), l.server.negotiated().magic);
  for (int i = 0; i < 5; ++i) {
    l.server.receive(build_cp_packet(9, static_cast<uint8_t>(i), data), l.now);
  }
  auto out = l.server.take_packets();
  ASSERT_EQ(out.size(), 1u);  // no replies, then a Terminate-Request
  EXPECT_EQ(only(out).code, static_cast<uint8_t>(cp_code::terminate_request));
  EXPECT_NE(l.server.reason().find("looped back"), std::string::npos);
}

TEST(Lcp, EchoOutsideOpenedIsDiscarded) {
  lcp server(server_config());
  server.open({});
  server.up({});
  server.take_packets();
  server.receive(build_cp_packet(9, 1, bytes{1, 2, 3, 4}), {});
  EXPECT_TRUE(server.take_packets().empty());
}

TEST(Lcp, DiscardIdentificationTimeRemainingAreSilent) {
  opened_pair l;
  l.server.receive(build_cp_packet(11, 1, bytes{0, 0, 0, 0}), l.now);
  l.server.receive(build_cp_packet(12, 2, bytes{0, 0, 0, 0, 'M', 'S', 'R', 'A', 'S'}), l.now);
  l.server.receive(build_cp_packet(13, 3, bytes{0, 0, 0, 0, 0, 0, 0, 60}), l.now);
  EXPECT_TRUE(l.server.take_packets().empty());
  EXPECT_TRUE(l.server.opened());
}

TEST(Lcp, UnknownCodeIsCodeRejected) {
  opened_pair l;
  l.server.receive(build_cp_packet(0x30, 5, bytes{1}), l.now);
  auto out = l.server.take_packets();
  const cp_packet cj = only(out);
  EXPECT_EQ(cj.code, static_cast<uint8_t>(cp_code::code_reject));
  EXPECT_EQ(data_of(cj), (bytes{0x30, 5, 0, 5, 1}));
}

TEST(Lcp, ProtocolRejectForUnsupportedProtocol) {
  opened_pair l;
  const bytes ipv6cp_request = {0x01, 0x01, 0x00, 0x0E, 0x01, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8};
  l.server.reject_protocol(kProtoIpv6cp, ipv6cp_request);
  auto out = l.server.take_packets();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].protocol, kProtoLcp);
  const cp_packet pr = only(out);
  EXPECT_EQ(pr.code, static_cast<uint8_t>(cp_code::protocol_reject));
  bytes expect = {0x80, 0x57};
  expect.insert(expect.end(), ipv6cp_request.begin(), ipv6cp_request.end());
  EXPECT_EQ(data_of(pr), expect);
  // And the client learns of it.
  l.client.receive(out[0].data, l.now);
  EXPECT_EQ(l.client.take_rejected_protocols(), std::vector<uint16_t>{kProtoIpv6cp});
}

TEST(Lcp, ProtocolRejectNotSentBeforeOpened) {
  lcp server(server_config());
  server.open({});
  server.up({});
  server.take_packets();
  server.reject_protocol(kProtoCcp, bytes{1, 1, 0, 4});
  EXPECT_TRUE(server.take_packets().empty());
}

TEST(Lcp, TerminateBothWays) {
  opened_pair l;
  l.server.close(l.now, "session ended");
  exchange(l.server, l.client, l.now, 3);
  EXPECT_EQ(l.server.state(), fsm_state::closed);
  EXPECT_EQ(l.server.take_events(), (std::vector<layer_event>{layer_event::down, layer_event::finished}));
  EXPECT_EQ(l.client.state(), fsm_state::stopping);
  EXPECT_EQ(l.client.reason(), "peer sent Terminate-Request: session ended");
  // The client's Stopping state ends on its timer.
  l.client.on_timer(l.now + 3s);
  EXPECT_EQ(l.client.state(), fsm_state::stopped);
  EXPECT_EQ(l.client.take_events(), (std::vector<layer_event>{layer_event::down, layer_event::finished}));
}

TEST(Lcp, SilentPeerTimesOut) {
  time_point now{};
  lcp server(server_config());
  server.open(now);
  server.up(now);
  int sent = 0;
  while (server.state() == fsm_state::req_sent) {
    sent += static_cast<int>(server.take_packets().size());
    now = server.next_deadline();
    server.on_timer(now);
  }
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(server.state(), fsm_state::stopped);
  EXPECT_EQ(now, time_point{} + 30s);
}

}  // namespace
}  // namespace sstpgw::ppp
