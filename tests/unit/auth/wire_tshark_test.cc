// Wireshark as the judge of our bytes: a whole server<->client PPP session
// (LCP with compression, EAP-TLS in small fragments, IPCP, a Protocol-Reject)
// written as a pcap (DLT_PPP) and dissected by tshark. Its EAP-TLS reassembler
// must rebuild our fragments into the TLS handshake messages, and it must find
// nothing malformed. Skipped when tshark is not installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/auth/link_pair.hh"
#include "tests/support/command.hh"
#include "tests/support/pcap_writer.hh"

namespace sstpgw {
namespace {

using sstpgw::testing::command_output;
using sstpgw::testing::have_program;

using testing::link_pair;

// The PPP frames as a pcap of link type PPP -- exactly the frames SSTP carries.
void write_pcap(const std::string& path, const std::vector<std::pair<bool, std::vector<uint8_t>>>& frames) {
  sstpgw::testing::pcap_file file(sstpgw::testing::pcap_link::ppp);
  for (const auto& [to_client, frame] : frames) file.add_frame(frame);
  file.write(path);
}

// All values tshark prints for one field over the capture.
std::set<std::string> field_values(const std::string& pcap, const std::string& field) {
  std::set<std::string> values;
  std::istringstream in(
      command_output("tshark -r " + pcap + " -T fields -E occurrence=a -E aggregator=, -e " + field + " 2>/dev/null"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream parts(line);
    std::string v;
    while (std::getline(parts, v, ','))
      if (!v.empty()) values.insert(v);
  }
  return values;
}

class wire_tshark : public ::testing::TestWithParam<uint16_t> {
 protected:
  void SetUp() override {
    if (!have_program("tshark")) GTEST_SKIP() << "tshark not installed";
  }
};

TEST_P(wire_tshark, WholeSessionDissectsCleanly) {
  const auto pki = testing::make_test_pki();
  link_pair l(GetParam(), 200, 2, &pki.client, pki);
  l.start();
  ASSERT_EQ(l.server->phase(), ppp::link_phase::network);
  // The client opens IPV6CP; the server has none and Protocol-Rejects it.
  const std::vector<uint8_t> ipv6cp = {0x80, 0x57, 0x01, 0x01, 0x00, 0x0E, 0x01, 0x0A,
                                       1,    2,    3,    4,    5,    6,    7,    8};
  l.wire.emplace_back(false, ipv6cp);
  l.server->receive_frame(ipv6cp, l.now);
  for (auto& f : l.server->take_frames()) l.wire.emplace_back(true, f);
  l.server->close(l.now, "test over");
  l.run();

  const std::string pcap =
      (std::filesystem::temp_directory_path() / ("sstpgw-ppp-wire-" + std::to_string(::getpid()) + ".pcap"))
          .string();
  write_pcap(pcap, l.wire);

  // Nothing malformed, no expert errors.
  EXPECT_EQ(command_output("tshark -r " + pcap + " -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null"), "");

  const auto protocols = field_values(pcap, "ppp.protocol");
  for (const char* p : {"0xc021", "0xc227", "0x8021", "0x8057"}) EXPECT_TRUE(protocols.count(p)) << p;

  EXPECT_TRUE(field_values(pcap, "lcp.opt.mru").count("1400"));
  EXPECT_TRUE(field_values(pcap, "lcp.opt.mru").count("200"));
  EXPECT_TRUE(field_values(pcap, "lcp.opt.auth_protocol").count("0xc227"));
  const auto codes = field_values(pcap, "ppp.code");
  for (const char* c : {"1", "2", "5", "6", "8"}) EXPECT_TRUE(codes.count(c)) << "PPP code " << c;

  const auto eap_codes = field_values(pcap, "eap.code");
  for (const char* c : {"1", "2", "3"}) EXPECT_TRUE(eap_codes.count(c)) << "EAP code " << c;
  EXPECT_TRUE(field_values(pcap, "eap.tls.flags.start").count("1"));
  EXPECT_TRUE(field_values(pcap, "eap.tls.flags.more_fragments").count("1"));
  EXPECT_FALSE(field_values(pcap, "eap.tls.reassembled.len").empty());

  // Wireshark reassembled our fragments into the TLS handshake.
  const auto hs = field_values(pcap, "tls.handshake.type");
  EXPECT_TRUE(hs.count("1")) << "ClientHello";
  EXPECT_TRUE(hs.count("2")) << "ServerHello";
  if (GetParam() == auth::kTls12) {
    for (const char* t : {"11", "12", "13", "14", "15", "16"})
      EXPECT_TRUE(hs.count(t)) << "handshake type " << t;
  }

  EXPECT_TRUE(field_values(pcap, "ipcp.opt.ip_address").count("172.16.201.10"));
  EXPECT_TRUE(field_values(pcap, "ipcp.opt.pri_dns_address").count("10.1.0.53"));
  if (!std::getenv("SSTPGW_KEEP_PCAP")) std::filesystem::remove(pcap);
}

INSTANTIATE_TEST_SUITE_P(Tls, wire_tshark, ::testing::Values(auth::kTls12, auth::kTls13),
                         [](const auto& info) {
                           return std::string(info.param == auth::kTls13 ? "tls13" : "tls12");
                         });

}  // namespace
}  // namespace sstpgw
