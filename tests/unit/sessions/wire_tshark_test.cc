// tshark judges the plaintext of whole in-memory sessions: every byte the
// stand-in worker opened or sealed after install_keys (HTTP request and reply,
// then every SSTP packet each way, in order) written as a pcap of one TCP
// connection on port 443 with tests/support/pcap_writer, dissected with
// `-d tcp.port==443,http`. Every SSTP message and attribute, PPP/LCP, EAP and
// EAP-TLS (reassembled into the TLS handshake), IPCP and the IPv4 packets must
// decode, and nothing may be Malformed. Skipped when tshark is not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "control/sstp/crypto_binding.hh"
#include "tests/support/pcap_writer.hh"
#include "tests/support/temp_dir.hh"
#include "tests/unit/sessions/session_harness.hh"
#include "tests/support/command.hh"
#include "dataplane/common/hex.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;

const std::string kDecode = " -d tcp.port==443,http";

// Every value of each field over the whole capture, from one tshark run.
class dissection {
 public:
  dissection(const std::string& pcap, const std::vector<std::string>& fields) : fields_(fields) {
    std::string cmd =
        "tshark -r " + pcap + kDecode + " -T fields -E occurrence=a -E aggregator=, -E separator=/t";
    for (const auto& f : fields) cmd += " -e " + f;
    std::istringstream in(command_output(cmd + " 2>/dev/null"));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream cols(line);
      std::string col;
      for (size_t i = 0; i < fields.size() && std::getline(cols, col, '\t'); ++i) {
        std::istringstream parts(col);
        std::string v;
        while (std::getline(parts, v, ','))
          if (!v.empty()) values_[fields[i]].insert(v);
      }
    }
  }
  const std::set<std::string>& operator[](const std::string& field) const {
    static const std::set<std::string> kNone;
    auto it = values_.find(field);
    EXPECT_TRUE(std::find(fields_.begin(), fields_.end(), field) != fields_.end())
        << field << " not asked for";
    return it == values_.end() ? kNone : it->second;
  }

 private:
  std::vector<std::string> fields_;
  std::map<std::string, std::set<std::string>> values_;
};

void write_pcap(const session_harness& h, const std::string& path) {
  pcap_file file;
  tcp_conversation conv(file, {.mac = {2, 0, 0, 0, 0, 1}, .ip = {192, 0, 2, 10}, .port = 50123},
                        {.mac = {2, 0, 0, 0, 0, 2}, .ip = {192, 0, 2, 1}, .port = 443});
  conv.handshake();
  for (const auto& [from_client, bytes] : h.worker.transcript()) conv.send(from_client, bytes);
  conv.close();
  file.write(path);
}

class WireTshark : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("tshark")) GTEST_SKIP() << "tshark not installed";
  }
  void expect_clean(const std::string& pcap) {
    const std::string verbose = command_output("tshark -r " + pcap + kDecode + " -V 2>&1");
    ASSERT_FALSE(verbose.empty());
    EXPECT_EQ(verbose.find("Malformed"), std::string::npos) << verbose.substr(0, 4000);
    EXPECT_EQ(command_output("tshark -r " + pcap + kDecode +
                  " -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null"),
              "");
    if (std::getenv("SSTPGW_KEEP_PCAP")) std::system(("cp " + pcap + " /tmp/").c_str());
  }
  temp_dir tmp;
};

TEST_F(WireTshark, WholeSessionDissectsCleanly) {
  gateway_env env;
  session_harness h(env, {.outer_max = tls_version::tls1_3, .eap_max = tls_version::tls1_2});
  h.run();
  ASSERT_TRUE(h.up());
  // Data both ways, an echo exchange, then the client disconnects.
  const ipv4_address client = *h.client->session->address();
  const ipv4_address host = ipv4_address::from_octets(10, 1, 0, 10);
  ASSERT_TRUE(h.client->session->send_ipv4(ipv4_packet(client, host, 1), h.now));
  h.run();
  ASSERT_TRUE(h.worker.vnet_receive(ipv4_packet(host, client, 2)));
  h.run();
  h.advance(61s);  // the server's hello timer: ECHO_REQUEST, answered
  h.client->session->disconnect(h.now);
  h.run();
  h.run_timers_until_ended(10s);
  ASSERT_TRUE(h.server->ended());

  const std::string pcap = tmp.file("session.pcap");
  write_pcap(h, pcap);
  expect_clean(pcap);
  const dissection d(pcap, {"eap.code", "eap.type", "http.request.method", "http.response.code", "ip.src",
                            "ipcp.opt.ip_address", "ipcp.opt.pri_dns_address", "lcp.opt.auth_protocol",
                            "ppp.protocol", "sstp.cert_hash", "sstp.encapsulatedprotocol", "sstp.hash",
                            "sstp.messagetype", "tls.handshake.type"});

  EXPECT_TRUE(d["http.request.method"].count("SSTP_DUPLEX_POST"));
  EXPECT_TRUE(d["http.response.code"].count("200"));
  const auto types = d["sstp.messagetype"];
  // CONNECT_REQUEST, CONNECT_ACK, CALL_CONNECTED, DISCONNECT, DISCONNECT_ACK, ECHO_REQUEST, ECHO_RESPONSE.
  for (const char* t : {"0x0001", "0x0002", "0x0004", "0x0006", "0x0007", "0x0008", "0x0009"})
    EXPECT_TRUE(types.count(t)) << "SSTP message " << t << " not decoded; got " << types.size() << " types";
  EXPECT_TRUE(d["sstp.encapsulatedprotocol"].count("0x0001"));
  const auto hashes = d["sstp.hash"];
  EXPECT_TRUE(hashes.count("0x03")) << "CONNECT_ACK offers SHA-1 and SHA-256";
  EXPECT_TRUE(hashes.count("0x02")) << "CALL_CONNECTED binds with SHA-256";
  // The certificate hash tshark reads is SHA-256 over the server leaf.
  EXPECT_TRUE(d["sstp.cert_hash"].count(to_hex(sstp::cert_hashes::of_der(env.pki.server.cert_der()).sha256)));
  // tshark 4.0 shows the SHA-256 compound MAC of CALL_CONNECTED as trailing
  // "unknown data" (its dissector decodes only the SHA-1 one): exactly 32 bytes.
  const std::string connected =
      command_output("tshark -r " + pcap + kDecode +
          " -Y 'sstp.messagetype == 0x0004' -T fields -e sstp.dataunknown 2>/dev/null");
  EXPECT_EQ(connected.size(), 64u + 1) << connected;

  const auto protocols = d["ppp.protocol"];
  for (const char* p : {"0xc021", "0xc227", "0x8021", "0x0021"}) EXPECT_TRUE(protocols.count(p)) << p;
  EXPECT_TRUE(d["lcp.opt.auth_protocol"].count("0xc227"));
  const auto eap_codes = d["eap.code"];
  for (const char* c : {"1", "2", "3"}) EXPECT_TRUE(eap_codes.count(c)) << "EAP code " << c;
  EXPECT_TRUE(d["eap.type"].count("13"));
  const auto hs = d["tls.handshake.type"];
  for (const char* t : {"1", "2", "11", "13", "14", "15", "16"})
    EXPECT_TRUE(hs.count(t)) << "TLS handshake " << t;
  EXPECT_TRUE(d["ipcp.opt.ip_address"].count(client.to_string()));
  EXPECT_TRUE(d["ipcp.opt.pri_dns_address"].count("10.1.0.53"));
  const auto ips = d["ip.src"];
  EXPECT_TRUE(ips.count(client.to_string()));  // the tunnelled packet, inside PPP
  EXPECT_TRUE(ips.count("10.1.0.10"));
}

TEST_F(WireTshark, AbortedCallDissectsCleanly) {
  gateway_env env;
  session_harness h(env);
  // A CALL_CONNECTED with a spoiled nonce: the server answers CALL_ABORT with STATUS_INFO.
  h.tamper_to_control = [&h](to_control_msg& m) {
    auto* p = std::get_if<sstp_packet_msg>(&m);
    if (!p || p->bytes.size() != sstp::kCallConnectedSize || p->bytes[5] != 0x04) return;
    p->bytes[20] ^= 0x01;  // inside the nonce (attribute value at 12: reserved 3, hash 1, nonce 32)
    (void)h;
  };
  h.run();
  h.run_timers_until_ended(10s);
  ASSERT_TRUE(h.server->ended());
  const std::string pcap = tmp.file("abort.pcap");
  write_pcap(h, pcap);
  expect_clean(pcap);
  const dissection d(pcap, {"sstp.attribid", "sstp.messagetype", "sstp.status"});
  EXPECT_TRUE(d["sstp.messagetype"].count("0x0005"));
  EXPECT_TRUE(d["sstp.status"].count("0x00000004"));  // VALUE_NOT_SUPPORTED
  EXPECT_TRUE(d["sstp.attribid"].count("3"));         // about the CRYPTO_BINDING
}

TEST_F(WireTshark, Sha1BindingDissectsWithItsCompoundMac) {
  gateway_env env;
  session_harness h(env, {.sha1_only = true});
  h.run();
  ASSERT_TRUE(h.up());
  EXPECT_EQ(h.server->info().binding_hash, sstp::hash_protocol::sha1);
  const std::string pcap = tmp.file("sha1.pcap");
  write_pcap(h, pcap);
  expect_clean(pcap);
  const dissection d(pcap, {"sstp.cert_hash", "sstp.compoundmac", "sstp.hash", "sstp.padding"});
  EXPECT_TRUE(d["sstp.hash"].count("0x01"));
  std::string cert = to_hex(sstp::cert_hashes::of_der(env.pki.server.cert_der()).sha1);
  EXPECT_TRUE(d["sstp.cert_hash"].count(cert.substr(0, 40)));
  const auto macs = d["sstp.compoundmac"];
  ASSERT_EQ(macs.size(), 1u);
  EXPECT_EQ(macs.begin()->size(), 40u);
  EXPECT_TRUE(d["sstp.padding"].count(std::string(24, '0')));
}

TEST_F(WireTshark, RefusedHttpDissectsCleanly) {
  gateway_env env;
  session_harness h(env, {.raw_http = "GET / HTTP/1.1\r\nHost: vpn.example.test\r\n\r\n"});
  h.run();
  ASSERT_TRUE(h.server->ended());
  const std::string pcap = tmp.file("http.pcap");
  write_pcap(h, pcap);
  expect_clean(pcap);
  const dissection d(pcap, {"http.request.method", "http.response.code"});
  EXPECT_TRUE(d["http.response.code"].count("405"));
  EXPECT_TRUE(d["http.request.method"].count("GET"));
}

}  // namespace
}  // namespace sstpgw::testing
