// The NSS key log judged by tshark: a handshake and application records
// between our server endpoint and an OpenSSL client are written as a pcap of
// one TCP connection on port 443 together with the key log our context wrote;
// tshark must decrypt the application data to the expected plaintext. Run for
// TLS 1.2 and 1.3, with records kept in OpenSSL and with offloaded keys (our
// records sealed by EVP with the exported keys at the handoff sequence numbers).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "control/handshake/tls_endpoint.hh"
#include "tests/support/pcap_writer.hh"
#include "tests/support/evp_records.hh"
#include "tests/support/handshake_pki.hh"
#include "tests/support/openssl_peer.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/command.hh"

namespace sstpgw::handshake::testing {

using sstpgw::testing::temp_dir;
namespace {

using sstpgw::testing::command_output;
using sstpgw::testing::have_program;

using ::testing::HasSubstr;

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }


std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(f, l);) out.push_back(l);
  return out;
}

// The handshake, every byte recorded in its direction.
bool recorded_handshake(tls_endpoint& server, openssl_peer& client, sstpgw::testing::tcp_conversation& pcap) {
  for (int round = 0; round < 32; ++round) {
    client.step();
    const auto up = client.take();
    if (!up.empty()) {
      pcap.send(true, up);
      server.feed(up);
    }
    const auto down = server.take_output();
    if (!down.empty()) {
      pcap.send(false, down);
      client.put(down);
    }
    if (up.empty() && down.empty()) return server.state() == handshake_state::complete && client.done();
  }
  return false;
}

const std::string kRequest =
    "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
    "Host: vpn.example.test\r\nContent-Length: 18446744073709551615\r\n"
    "SSTPCORRELATIONID: {62DFA5C0-E2E0-FD50-D286B00}\r\n\r\n";
// Padded so its record spans several TCP segments: tshark must reassemble it.
const std::string kResponse =
    "HTTP/1.1 200\r\nContent-Length: 18446744073709551615\r\nX-Pad: " + std::string(5000, 'p') +
    "\r\nServer: sstpgw-keylog-test\r\n\r\n";

using param = std::tuple<tls_version, record_protection>;

class KeylogTshark : public ::testing::TestWithParam<param> {};

TEST_P(KeylogTshark, TsharkDecryptsTheApplicationData) {
  if (!have_program("tshark")) GTEST_SKIP() << "tshark is not installed (Debian package tshark)";
  const auto [version, records] = GetParam();
  temp_dir dir;
  const auto& pki = pki_for(key_kind::ec_p256);
  auto c = server_config(pki);
  c.protocol.min_version = c.protocol.max_version = version;
  c.protocol.records = records;
  c.protocol.keylog_file = dir.file("keys.log");
  auto ctx = tls_context::make_server(c);
  tls_endpoint server(ctx);
  openssl_peer client({.min_version = static_cast<int>(version),
                       .max_version = static_cast<int>(version),
                       .trust_root = pki.root.cert.get(),
                       .verify_peer = true,
                       .server_name = kServerName});
  const std::string pcap_path = dir.file("conn.pcap");
  sstpgw::testing::pcap_file file;
  sstpgw::testing::tcp_conversation pcap(file, {{2, 0, 0, 0, 0, 1}, {10, 0, 0, 1}, 50123},
                                         {{2, 0, 0, 0, 0, 2}, {10, 0, 0, 2}, 443});
  pcap.handshake();
  ASSERT_TRUE(recorded_handshake(server, client, pcap)) << server.failure().describe();

  client.write(bytes_of(kRequest));
  const auto up = client.take();
  pcap.send(true, up);
  std::vector<uint8_t> down;
  if (records == record_protection::keep) {
    server.feed(up);
    std::vector<uint8_t> got;
    server.read_app(got);
    EXPECT_EQ(got, bytes_of(kRequest));
    ASSERT_TRUE(server.write_app(bytes_of(kResponse)));
    down = server.take_output();
  } else {
    auto r = server.offload();
    ASSERT_TRUE(r.ok()) << r.error;
    auto opened = open_all(r.handoff.keys.read, up);
    ASSERT_TRUE(opened);
    down = seal_record(r.handoff.keys.write, kApplicationData, bytes_of(kResponse));
  }
  pcap.send(false, down);
  client.put(down);
  EXPECT_EQ(client.read_all(), bytes_of(kResponse));
  pcap.close();
  file.write(pcap_path);

  // Every line is NSS key log format and is exactly what OpenSSL on the other
  // side logged for the same connection.
  const auto ours = lines_of(c.protocol.keylog_file);
  ASSERT_FALSE(ours.empty());
  EXPECT_EQ(std::set<std::string>(ours.begin(), ours.end()),
            std::set<std::string>(client.keylog_lines().begin(), client.keylog_lines().end()));

  const std::string cmd =
      "tshark -n -r " + pcap_path + " -o tls.keylog_file:" + c.protocol.keylog_file +
      " -Y http -T fields -e http.request.method -e http.request.uri -e http.response.code "
      "-e http.server 2>&1";
  const std::string out = command_output(cmd);
  EXPECT_THAT(out, HasSubstr("SSTP_DUPLEX_POST\t/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"));
  EXPECT_THAT(out, HasSubstr("200\tsstpgw-keylog-test"));

  // The capture itself is sound: every checksum verifies, no TCP analysis complaints.
  const std::string wire = command_output("tshark -n -r " + pcap_path +
                               " -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE"
                               " -T fields -e ip.checksum.status -e tcp.checksum.status -e tcp.analysis.flags"
                               " 2>/dev/null");
  std::istringstream wire_lines(wire);
  int frames = 0;
  for (std::string l; std::getline(wire_lines, l); ++frames) EXPECT_EQ(l, "1\t1\t") << "frame " << frames + 1;
  EXPECT_GT(frames, 10);

  // Without the key log tshark sees no HTTP at all: the plaintext came from decryption.
  const std::string blind = command_output("tshark -n -r " + pcap_path + " -Y http 2>&1");
  EXPECT_THAT(blind, ::testing::Not(HasSubstr("SSTP_DUPLEX_POST")));
}

INSTANTIATE_TEST_SUITE_P(Modes, KeylogTshark,
                         ::testing::Combine(::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                                            ::testing::Values(record_protection::keep,
                                                              record_protection::offload)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == tls_version::tls1_2 ? "TLS12"
                                                                                             : "TLS13") +
                                  (std::get<1>(info.param) == record_protection::keep ? "_Keep" : "_Offload");
                         });

}  // namespace
}  // namespace sstpgw::handshake::testing
