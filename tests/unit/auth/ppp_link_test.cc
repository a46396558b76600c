// Two whole PPP links back to back, server and client, through every phase:
// LCP with compression, EAP-TLS over OpenSSL with real certificates, IPCP with
// a pool; then the ways a link ends (auth failure, pool exhaustion, close,
// transport loss, silence) and what each phase lets through.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <vector>

#include "control/ppp/link.hh"
#include "tests/unit/auth/link_pair.hh"

namespace sstpgw {
namespace {

using namespace std::chrono_literals;
using bytes = std::vector<uint8_t>;
using ppp::link_event;
using ppp::link_phase;
using testing::link_pair;

class ppp_link_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki = new testing::test_pki(testing::make_test_pki()); }
  static void TearDownTestSuite() { delete pki; }
  static testing::test_pki* pki;
};
testing::test_pki* ppp_link_test::pki = nullptr;

const std::vector<link_event> kUp = {link_event::authenticated, link_event::network_up};

TEST_F(ppp_link_test, FullSessionTls12) {
  link_pair l(auth::kTls12, 1400, 4, &pki->client, *pki);
  l.start();
  EXPECT_EQ(l.server_events, kUp);
  EXPECT_EQ(l.client_events, kUp);
  EXPECT_EQ(l.server->phase(), link_phase::network);
  EXPECT_EQ(l.client->phase(), link_phase::network);
  const auto addr = sstpgw::ipv4_address::from_octets(172, 16, 201, 10);
  EXPECT_EQ(l.server->ipcp_layer().result().peer, addr);
  EXPECT_EQ(l.client->ipcp_layer().result().local, addr);
  EXPECT_EQ(l.client->ipcp_layer().result().dns_primary, sstpgw::ipv4_address::from_octets(10, 1, 0, 53));
  ASSERT_TRUE(l.server_eap->keys() && l.client_eap->keys());
  EXPECT_EQ(l.server_eap->keys()->msk, l.client_eap->keys()->msk);
  EXPECT_EQ(l.server_eap->identity(), "client1");
  EXPECT_NE(l.server_eap->peer_name().find("CN=client1"), std::string::npos);
  // The client asked for ACFC and PFC: after LCP, the server leaves out FF 03.
  EXPECT_TRUE(l.server->tx_header_form().compress_address_control);
  EXPECT_TRUE(l.server->tx_header_form().compress_protocol);
  bool saw_compressed_eap = false, saw_full_lcp = false;
  for (const auto& f : l.server_frames) {
    if (f[0] == 0xC2 && f[1] == 0x27) saw_compressed_eap = true;
    if (f[0] == 0xFF && f[2] == 0xC0 && f[3] == 0x21) saw_full_lcp = true;
  }
  EXPECT_TRUE(saw_compressed_eap);
  EXPECT_TRUE(saw_full_lcp);
}

TEST_F(ppp_link_test, FullSessionTls13TinyMru) {
  link_pair l(auth::kTls13, 200, 4, &pki->client, *pki);
  l.start();
  EXPECT_EQ(l.server_events, kUp);
  EXPECT_EQ(l.client_events, kUp);
  size_t largest = 0;
  for (const auto& f : l.server_frames) {
    ppp::frame_view v;
    ASSERT_EQ(ppp::parse_frame(f, v), ppp::parse_status::ok);
    largest = std::max(largest, v.information.size());
  }
  EXPECT_LE(largest, 200u);
  EXPECT_EQ(l.server_eap->keys()->msk, l.client_eap->keys()->msk);
}

TEST_F(ppp_link_test, UnsupportedProtocolsRejectedOnlyInNetworkPhase) {
  link_pair l(auth::kTls12, 1400, 4, &pki->client, *pki);
  l.server->start(l.now);
  l.client->start(l.now);
  // LCP only: let the first exchanges pass, then an IPV6CP request arrives early.
  for (int i = 0; i < 3; ++i) {
    for (auto& f : l.server->take_frames()) l.client->receive_frame(f, l.now);
    for (auto& f : l.client->take_frames()) l.server->receive_frame(f, l.now);
  }
  ASSERT_EQ(l.server->phase(), link_phase::authenticate);
  const uint64_t before = l.server->discarded_frames();
  const bytes ipv6cp = {0x80, 0x57, 0x01, 0x01, 0x00, 0x0E, 0x01, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8};
  l.server->receive_frame(ipv6cp, l.now);
  EXPECT_EQ(l.server->discarded_frames(), before + 1);
  l.run();
  ASSERT_EQ(l.server->phase(), link_phase::network);
  l.server->receive_frame(ipv6cp, l.now);
  const bytes ccp = {0x80, 0xFD, 0x01, 0x01, 0x00, 0x04};
  l.server->receive_frame(ccp, l.now);
  auto frames = l.server->take_frames();
  ASSERT_EQ(frames.size(), 2u);
  for (const auto& f : frames) {
    ppp::frame_view v;
    ASSERT_EQ(ppp::parse_frame(f, v), ppp::parse_status::ok);
    EXPECT_EQ(v.header.protocol, ppp::kProtoLcp);
    EXPECT_EQ(v.information[0], 8);  // Protocol-Reject
  }
  EXPECT_TRUE(l.server->ipcp_layer().opened());
}

TEST_F(ppp_link_test, AuthenticationFailureEndsLinkWithReason) {
  const auto other_root = testing::make_root({.common_name = "other root"});
  const auto stranger = testing::issue_cert(other_root, {.common_name = "stranger", .eku = {"clientAuth"}});
  link_pair l(auth::kTls12, 1400, 4, &stranger, *pki);
  l.start();
  l.now += 3s;
  l.server->on_timer(l.now);
  l.client->on_timer(l.now);
  l.run();
  EXPECT_EQ(l.server->phase(), link_phase::dead);
  EXPECT_EQ(l.server_events, std::vector<link_event>{link_event::finished});
  EXPECT_NE(l.server->reason().find("authentication failed: TLS handshake failed: peer certificate rejected: untrusted_root"),
            std::string::npos)
      << l.server->reason();
  EXPECT_EQ(l.pool.allocations, 0);  // IPCP never ran
  // EAP-Failure went out before the LCP Terminate-Request.
  int failure_at = -1, terminate_at = -1;
  for (size_t i = 0; i < l.server_frames.size(); ++i) {
    ppp::frame_view v;
    ASSERT_EQ(ppp::parse_frame(l.server_frames[i], v), ppp::parse_status::ok);
    if (v.header.protocol == ppp::kProtoEap && v.information[0] == 4) failure_at = int(i);
    if (v.header.protocol == ppp::kProtoLcp && v.information[0] == 5 && terminate_at < 0)
      terminate_at = int(i);
  }
  EXPECT_GE(failure_at, 0);
  EXPECT_GT(terminate_at, failure_at);
  EXPECT_NE(l.client->phase(), link_phase::network);
}

TEST_F(ppp_link_test, PoolExhaustionEndsLinkWithReason) {
  link_pair l(auth::kTls12, 1400, 0, &pki->client, *pki);
  l.start();
  EXPECT_EQ(l.server_events, (std::vector<link_event>{link_event::authenticated, link_event::finished}));
  EXPECT_EQ(l.server->reason(), "IPCP: address pool exhausted: no address for the client");
  EXPECT_EQ(l.server->phase(), link_phase::dead);
  // The client heard the IP-Address Reject and the Terminate-Request and ended too.
  l.now += 3s;
  l.client->on_timer(l.now);
  EXPECT_EQ(l.client->phase(), link_phase::dead);
  EXPECT_NE(l.client->reason().find("refused to assign an address"), std::string::npos) << l.client->reason();
}

TEST_F(ppp_link_test, CloseReleasesAddressAndEndsBothSides) {
  link_pair l(auth::kTls12, 1400, 1, &pki->client, *pki);
  l.start();
  ASSERT_EQ(l.pool.in_use, 1);
  l.server->close(l.now, "administrative disconnect");
  l.run();
  EXPECT_EQ(l.server->phase(), link_phase::dead);
  EXPECT_EQ(l.pool.in_use, 0);
  EXPECT_EQ(l.server->reason(), "administrative disconnect");
  EXPECT_EQ(l.server_events, (std::vector<link_event>{link_event::authenticated, link_event::network_up,
                                                      link_event::network_down, link_event::finished}));
}

TEST_F(ppp_link_test, LowerDownReleasesAddressSilently) {
  link_pair l(auth::kTls12, 1400, 1, &pki->client, *pki);
  l.start();
  l.server->take_events();
  l.server->lower_down(l.now);
  EXPECT_TRUE(l.server->take_frames().empty());
  EXPECT_EQ(l.server->take_events(),
            (std::vector<link_event>{link_event::network_down, link_event::finished}));
  EXPECT_EQ(l.pool.in_use, 0);
  EXPECT_EQ(l.server->phase(), link_phase::dead);
}

TEST_F(ppp_link_test, SilentPeerTimesOut) {
  link_pair l(auth::kTls12, 1400, 1, &pki->client, *pki);
  l.server->start(l.now);
  int rounds = 0;
  while (l.server->phase() != link_phase::dead && rounds++ < 100) {
    l.server->take_frames();
    l.now = l.server->next_deadline();
    l.server->on_timer(l.now);
  }
  EXPECT_EQ(l.server->phase(), link_phase::dead);
  EXPECT_NE(l.server->reason().find("no reply"), std::string::npos);
}

TEST_F(ppp_link_test, SilentEapPeerTimesOut) {
  link_pair l(auth::kTls12, 1400, 1, &pki->client, *pki);
  l.server->start(l.now);
  l.client->start(l.now);
  for (int i = 0; i < 4; ++i) {  // LCP only; then the client goes quiet
    for (auto& f : l.server->take_frames()) l.client->receive_frame(f, l.now);
    for (auto& f : l.client->take_frames()) l.server->receive_frame(f, l.now);
  }
  ASSERT_EQ(l.server->phase(), link_phase::authenticate);
  int rounds = 0;
  while (l.server->phase() != link_phase::dead && rounds++ < 100) {
    l.server->take_frames();
    l.now = l.server->next_deadline();
    l.server->on_timer(l.now);
  }
  EXPECT_EQ(l.server->phase(), link_phase::dead);
  EXPECT_NE(l.server->reason().find("no response to EAP Request"), std::string::npos) << l.server->reason();
}

}  // namespace
}  // namespace sstpgw
