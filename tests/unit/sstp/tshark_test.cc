// tshark as the judge of what the HTTP and SSTP cores put on the wire: whole
// calls between the real server and client state machines are written as a
// pcap of plaintext TCP conversations (segments cut inside SSTP headers and
// attributes), then dissected by Wireshark's own HTTP, SSTP, PPP, LCP and IP
// dissectors, which nobody here wrote. Every SSTP message type appears in each
// direction it can flow, with data packets carrying LCP and IPv4.
//
// Two quirks of Wireshark 4.0's SSTP dissector, not of our bytes: the SHA-256
// compound MAC is shown as "Unknown Data" (sstp.dataunknown; SHA-1's is
// sstp.compoundmac), and messages without attributes show their whole packet
// as sstp.dataunknown.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "control/http/client_request.hh"
#include "control/http/reply_writer.hh"
#include "control/sstp/client_call.hh"
#include "control/sstp/server_call.hh"
#include "dataplane/sstp/ppp_frame_kind.hh"
#include "tests/support/pcap_writer.hh"
#include "tests/unit/sstp/call_harness.hh"
#include "tests/support/hex.hh"
#include "tests/support/command.hh"

namespace sstpgw::sstp::testing {
namespace {

using sstpgw::testing::command_result;
using sstpgw::testing::run_command;

using sstpgw::testing::pcap_file;
using sstpgw::testing::tcp_conversation;
using sstpgw::testing::tcp_endpoint;
using sstpgw::testing::to_hex;

struct flight {
  bool from_client;
  std::vector<uint8_t> bytes;
};

std::vector<uint8_t> as_bytes(const std::string& s) { return {s.begin(), s.end()}; }

const std::vector<uint8_t> kMsk(64, 0x42);

// An LCP Configure-Request as Windows sends it (MRU 1400, magic number, PFC, ACFC).
std::vector<uint8_t> lcp_configure_request() {
  return {0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x12, 0x01, 0x04, 0x05, 0x78,
          0x05, 0x06, 0x12, 0x34, 0x56, 0x78, 0x07, 0x02, 0x08, 0x02};
}

// A server and a client run against each other; every flight of bytes is
// recorded, starting with the HTTP request and the 200 OK.
struct recorded_call {
  counter_set<call_counter> sc, cc;
  sstpgw::testing::test_pki pki = sstpgw::testing::make_test_pki();
  cert_hashes cert = cert_hashes::of_der(pki.server.cert_der());
  time_point now = kT0;
  server_call server{server_call_config{}, cert, sc, kT0};
  std::unique_ptr<client_call> client;
  std::vector<flight> flights;

  recorded_call() {
    flights.push_back(
        {true, as_bytes(http::build_sstp_request("vpn.example.test", "{6A9C3BD5-1B3A-4E76-9A34-0CB7F6D2A1E0}"))});
    flights.push_back(
        {false, as_bytes(http::build_sstp_ok_reply("sstpgw", std::chrono::system_clock::time_point{} + 1700000000s))});
  }
  void start_client(client_call_config cfg = {}) {
    client = std::make_unique<client_call>(cfg, cc, now);
    pump();
  }
  void inject_from_client(const std::vector<uint8_t>& bytes) {
    flights.push_back({true, bytes});
    server.receive_bytes(bytes, now);
    pump();
  }
  void pump() {
    for (int i = 0; i < 50; ++i) {
      auto c = client ? client->take_output() : std::vector<uint8_t>{};
      auto s = server.take_output();
      drain_events(server);
      if (client) drain_events(*client);
      if (c.empty() && s.empty()) return;
      if (!c.empty()) {
        flights.push_back({true, c});
        server.receive_bytes(c, now);
      }
      if (!s.empty()) {
        flights.push_back({false, s});
        if (client) client->receive_bytes(s, now);
      }
    }
  }
  void advance(duration d) {
    now += d;
    server.on_timer(now);
    if (client) client->on_timer(now);
    pump();
  }
  void authenticate(const hlak_bytes& client_hlak) {
    server.authenticated(hlak_candidates::eap_tls(kMsk), now);
    client->authenticated(client_hlak, cert, now);
    pump();
  }
};

// Cuts some flights inside the SSTP header and inside attributes.
void write_conversation(pcap_file& file, uint16_t client_port, const std::vector<flight>& flights) {
  tcp_endpoint client{{0x02, 0, 0, 0, 0, 1}, {172, 16, 201, 2}, client_port};
  tcp_endpoint server{{0x02, 0, 0, 0, 0, 2}, {192, 0, 2, 1}, 443};
  tcp_conversation conv(file, client, server);
  conv.handshake();
  size_t n = 0;
  for (const auto& f : flights) {
    const size_t size = f.bytes.size();
    std::vector<size_t> cuts;
    if (n % 3 == 1 && size > 6) cuts = {2};
    else if (n % 3 == 2 && size > 20) cuts = {size / 2, size - 1};
    conv.send_cut(f.from_client, f.bytes, cuts);
    ++n;
  }
  conv.close();
}

// What each side sent, PDU by PDU: "c:0x0004" for a control message type,
// "d:0xc021" for a data packet and its PPP protocol.
std::map<bool, std::vector<std::string>> expected_pdus(const std::vector<flight>& flights) {
  std::map<bool, std::vector<std::string>> out;
  for (size_t i = 2; i < flights.size(); ++i) {  // 0, 1: HTTP
    for (auto& p : split_packets(flights[i].bytes)) {
      char buf[16];
      if (p[1] & 1) std::snprintf(buf, sizeof buf, "c:0x%04x", type_of(p));
      else std::snprintf(buf, sizeof buf, "d:0x%04x", classify_ppp_frame({p.data() + 4, p.size() - 4}).protocol);
      out[flights[i].from_client].push_back(buf);
    }
  }
  return out;
}

// The control packets one side sent, of one type.
std::vector<std::vector<uint8_t>> sent(const std::vector<flight>& flights, bool from_client, message_type t) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 2; i < flights.size(); ++i)
    if (flights[i].from_client == from_client)
      for (auto& p : split_packets(flights[i].bytes))
        if (type_of(p) == T(t)) out.push_back(p);
  return out;
}

std::string hex_of(const std::vector<uint8_t>& p, size_t at, size_t n) { return to_hex({p.data() + at, n}); }

// ---- running tshark ----

const char* const kFields[] = {
    "tcp.stream",  "tcp.srcport",   "http.request.method", "http.request.uri", "http.response.code",
    "sstp.iscontrol", "sstp.messagetype", "sstp.attribid", "sstp.status", "sstp.hash",
    "sstp.nonce",  "sstp.cert_hash", "sstp.compoundmac", "sstp.dataunknown", "sstp.encapsulatedprotocol",
    "ppp.protocol", "ppp.code", "ip.dst", "_ws.malformed",
};
constexpr size_t kFieldCount = std::size(kFields);

using row = std::map<std::string, std::vector<std::string>>;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

struct judged_pcap {
  std::vector<row> rows;
  std::string verbose;
};

judged_pcap judge(const pcap_file& file) {
  std::string dir = (std::filesystem::temp_directory_path() / "sstpgw-tshark-XXXXXX").string();
  if (!mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed");
  const std::string path = dir + "/calls.pcap";
  file.write(path);
  judged_pcap j;
  std::string cmd = "tshark -r " + path + " -d tcp.port==443,http -T fields -E separator=/t -E occurrence=a" +
                    " -E aggregator=,";
  for (const char* f : kFields) cmd += std::string(" -e ") + f;
  const command_result fields = run_command(cmd + " 2>/dev/null");
  EXPECT_EQ(fields.exit_code, 0) << cmd;
  const std::string& out = fields.output;
  for (const auto& line : split(out, '\n')) {
    if (line.empty()) continue;
    auto cols = split(line, '\t');
    EXPECT_EQ(cols.size(), kFieldCount) << line;
    row r;
    for (size_t i = 0; i < kFieldCount && i < cols.size(); ++i)
      r[kFields[i]] = cols[i].empty() ? std::vector<std::string>{} : split(cols[i], ',');
    j.rows.push_back(std::move(r));
  }
  const command_result verbose = run_command("tshark -r " + path + " -d tcp.port==443,http -V 2>&1");
  EXPECT_EQ(verbose.exit_code, 0);
  j.verbose = verbose.output;
  std::filesystem::remove_all(dir);
  return j;
}

std::string first(const row& r, const char* f) {
  auto it = r.find(f);
  return it == r.end() || it->second.empty() ? "" : it->second[0];
}

// tshark's view of one TCP stream, PDU by PDU per direction, in the same form
// as expected_pdus().
std::map<bool, std::vector<std::string>> dissected_pdus(const judged_pcap& j, int stream) {
  std::map<bool, std::vector<std::string>> out;
  for (const auto& r : j.rows) {
    if (first(r, "tcp.stream") != std::to_string(stream)) continue;
    const bool from_client = first(r, "tcp.srcport") != "443";
    size_t ctl = 0, data = 0;
    const auto& types = r.at("sstp.messagetype");
    const auto& protos = r.at("ppp.protocol");
    for (const auto& c : r.at("sstp.iscontrol")) {
      if (c == "1" || c == "True") out[from_client].push_back("c:" + (ctl < types.size() ? types[ctl++] : "?"));
      else out[from_client].push_back("d:" + (data < protos.size() ? protos[data++] : "?"));
    }
  }
  return out;
}

const row* find_row(const judged_pcap& j, int stream, bool from_client, message_type t) {
  char want[8];
  std::snprintf(want, sizeof want, "0x%04x", T(t));
  for (const auto& r : j.rows) {
    if (first(r, "tcp.stream") != std::to_string(stream)) continue;
    if ((first(r, "tcp.srcport") != "443") != from_client) continue;
    for (const auto& m : r.at("sstp.messagetype"))
      if (m == want) return &r;
  }
  return nullptr;
}

class Tshark : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v tshark >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "tshark is not installed (Debian package tshark): the wire judge cannot run";
  }
};

TEST_F(Tshark, EveryMessageDecodesAsSent) {
  // Stream 0: NAK then ACK, LCP both ways, SHA-256 binding (legacy HLAK form),
  // IPv4 both ways, echoes both ways, client disconnect.
  recorded_call a;
  std::vector<uint8_t> bad(kCallConnectRequestSize);
  build_call_connect_request(bad, 0x0002);
  a.inject_from_client(bad);
  a.start_client();
  a.client->send_ppp(lcp_configure_request(), a.now);
  a.server.send_ppp(lcp_configure_request(), a.now);
  a.pump();
  a.authenticate(client_hlak_eap_tls(kMsk, hlak_form::eap_tls_legacy));
  ASSERT_EQ(a.server.state(), call_state::server_call_connected);
  a.client->send_ppp(ipv4_frame(), a.now);
  a.server.send_ppp(ipv4_reply_frame(), a.now);
  a.pump();
  a.advance(60s);  // both hello timers: ECHO_REQUEST each way, answered
  a.client->disconnect(a.now);
  a.pump();
  a.advance(1s);
  ASSERT_TRUE(a.server.is_closed());

  // Stream 1: SHA-1 binding, server disconnect.
  recorded_call b;
  client_call_config sha1_only;
  sha1_only.supported_hashes = kHashSha1;
  b.start_client(sha1_only);
  b.authenticate(client_hlak_eap_tls(kMsk, hlak_form::eap_tls_msk));
  ASSERT_EQ(b.server.state(), call_state::server_call_connected);
  b.server.disconnect(b.now);
  b.pump();
  ASSERT_TRUE(b.server.is_closed());

  // Stream 2: a binding with the wrong key: the server aborts, the client answers.
  recorded_call c;
  c.start_client();
  c.authenticate(hlak_bytes{});
  ASSERT_EQ(c.server.state(), call_state::call_abort_timeout_pending);

  pcap_file file;
  write_conversation(file, 50001, a.flights);
  write_conversation(file, 50002, b.flights);
  write_conversation(file, 50003, c.flights);
  const auto j = judge(file);
  ASSERT_FALSE(j.rows.empty());

  // Nothing malformed, no error-level expert info.
  EXPECT_EQ(j.verbose.find("Malformed"), std::string::npos);
  EXPECT_EQ(j.verbose.find("Expert Info (Error"), std::string::npos);
  for (const auto& r : j.rows) EXPECT_TRUE(r.at("_ws.malformed").empty());

  // HTTP on every stream.
  const recorded_call* calls[] = {&a, &b, &c};
  for (int s = 0; s < 3; ++s) {
    bool saw_request = false, saw_ok = false;
    for (const auto& r : j.rows) {
      if (first(r, "tcp.stream") != std::to_string(s)) continue;
      if (first(r, "http.request.method") == "SSTP_DUPLEX_POST") {
        saw_request = true;
        EXPECT_EQ(first(r, "http.request.uri"), "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/");
      }
      if (first(r, "http.response.code") == "200") saw_ok = true;
    }
    EXPECT_TRUE(saw_request) << s;
    EXPECT_TRUE(saw_ok) << s;
    // Every SSTP PDU, in order, each direction, as our code sent it.
    const auto expected = expected_pdus(calls[s]->flights);
    ASSERT_GE(expected.at(true).size(), 2u);
    ASSERT_GE(expected.at(false).size(), 2u);
    EXPECT_EQ(dissected_pdus(j, s), expected) << "stream " << s;
  }

  // Every message type in each direction it flows.
  struct dir_type {
    bool from_client;
    message_type t;
  };
  const dir_type all[] = {
      {true, message_type::call_connect_request}, {false, message_type::call_connect_ack},
      {false, message_type::call_connect_nak},    {true, message_type::call_connected},
      {true, message_type::call_abort},           {false, message_type::call_abort},
      {true, message_type::call_disconnect},      {false, message_type::call_disconnect},
      {true, message_type::call_disconnect_ack},  {false, message_type::call_disconnect_ack},
      {true, message_type::echo_request},         {false, message_type::echo_request},
      {true, message_type::echo_response},        {false, message_type::echo_response},
  };
  for (const auto& d : all) {
    bool found = false;
    for (int s = 0; s < 3; ++s) found = found || find_row(j, s, d.from_client, d.t);
    EXPECT_TRUE(found) << message_type_name(d.t) << (d.from_client ? " from the client" : " from the server");
  }

  // CONNECT_REQUEST: PPP. NAK: STATUS_INFO about ENCAPSULATED_PROTOCOL_ID, VALUE_NOT_SUPPORTED.
  const row* req = find_row(j, 0, true, message_type::call_connect_request);
  ASSERT_TRUE(req);
  EXPECT_EQ(first(*req, "sstp.encapsulatedprotocol"), "0x0002");  // the bad one came first
  const row* nak = find_row(j, 0, false, message_type::call_connect_nak);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->at("sstp.attribid"), (std::vector<std::string>{"2", "1"}));
  EXPECT_EQ(first(*nak, "sstp.status"), "0x00000004");

  // CONNECT_ACK offers both hashes with the server's nonce; CALL_CONNECTED echoes it.
  const row* ack = find_row(j, 0, false, message_type::call_connect_ack);
  ASSERT_TRUE(ack);
  EXPECT_EQ(first(*ack, "sstp.attribid"), "4");
  EXPECT_EQ(first(*ack, "sstp.hash"), "0x03");
  EXPECT_EQ(first(*ack, "sstp.nonce"), to_hex(a.server.nonce()));
  const row* cc256 = find_row(j, 0, true, message_type::call_connected);
  ASSERT_TRUE(cc256);
  EXPECT_EQ(first(*cc256, "sstp.attribid"), "3");
  EXPECT_EQ(first(*cc256, "sstp.hash"), "0x02");
  EXPECT_EQ(first(*cc256, "sstp.nonce"), to_hex(a.server.nonce()));
  EXPECT_EQ(first(*cc256, "sstp.cert_hash"), to_hex(a.cert.sha256));
  const auto sent256 = sent(a.flights, true, message_type::call_connected);
  ASSERT_EQ(sent256.size(), 1u);
  EXPECT_EQ(first(*cc256, "sstp.dataunknown"), hex_of(sent256[0], kCallConnectedMacOffset, 32));

  const row* cc1 = find_row(j, 1, true, message_type::call_connected);
  ASSERT_TRUE(cc1);
  EXPECT_EQ(first(*cc1, "sstp.hash"), "0x01");
  EXPECT_EQ(first(*cc1, "sstp.cert_hash"), to_hex(std::span<const uint8_t>(b.cert.sha1).first(20)));
  const auto sent1 = sent(b.flights, true, message_type::call_connected);
  ASSERT_EQ(sent1.size(), 1u);
  EXPECT_EQ(first(*cc1, "sstp.compoundmac"), hex_of(sent1[0], kCallConnectedMacOffset, 20));

  // The server's abort names the crypto binding; the client's answer carries no status.
  const row* abort_s = find_row(j, 2, false, message_type::call_abort);
  ASSERT_TRUE(abort_s);
  EXPECT_EQ(abort_s->at("sstp.attribid"), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(first(*abort_s, "sstp.status"), "0x00000004");
  const row* abort_c = find_row(j, 2, true, message_type::call_abort);
  ASSERT_TRUE(abort_c);
  EXPECT_TRUE(abort_c->at("sstp.attribid").empty());

  // Data packets: LCP Configure-Request each way, the IPv4 packets to their addresses.
  int lcp = 0, ip_out = 0, ip_back = 0;
  for (const auto& r : j.rows) {
    if (first(r, "tcp.stream") != "0") continue;
    for (const auto& p : r.at("ppp.protocol")) {
      if (p == "0xc021") {
        ++lcp;
        EXPECT_EQ(first(r, "ppp.code"), "1");
      }
    }
    const auto& dst = r.at("ip.dst");
    if (dst.size() == 2 && dst[1] == "10.0.0.1") ++ip_out;
    if (dst.size() == 2 && dst[1] == "172.16.201.2") ++ip_back;
  }
  EXPECT_EQ(lcp, 2);
  EXPECT_EQ(ip_out, 1);
  EXPECT_EQ(ip_back, 1);
}

// The judge is not blind: a CONNECT_REQUEST claiming two attributes but
// carrying one is reported malformed by the same checks.
TEST_F(Tshark, JudgeSeesABrokenMessage) {
  pcap_file file;
  tcp_conversation conv(file, {{2, 0, 0, 0, 0, 1}, {172, 16, 201, 2}, 50020}, {{2, 0, 0, 0, 0, 2}, {192, 0, 2, 1}, 443});
  conv.handshake();
  conv.send(true, as_bytes(http::build_sstp_request("h", "")));
  conv.send(false, as_bytes(http::build_sstp_ok_reply("sstpgw", std::chrono::system_clock::time_point{})));
  conv.send(true, sstpgw::testing::from_hex("10 01 00 0E 00 01 00 02 00 01 00 06 00 01"));
  conv.close();
  const auto j = judge(file);
  EXPECT_NE(j.verbose.find("Malformed"), std::string::npos);
}

TEST_F(Tshark, HttpErrorReplyDecodes) {
  pcap_file file;
  tcp_conversation conv(file, {{2, 0, 0, 0, 0, 1}, {172, 16, 201, 2}, 50010}, {{2, 0, 0, 0, 0, 2}, {192, 0, 2, 1}, 443});
  conv.handshake();
  conv.send(true, as_bytes("GET / HTTP/1.1\r\nHost: vpn.example.test\r\n\r\n"));
  conv.send(false, as_bytes(http::build_error_reply(405, "sstpgw", std::chrono::system_clock::time_point{} + 1700000000s)));
  conv.close();
  const auto j = judge(file);
  bool saw_405 = false;
  for (const auto& r : j.rows) saw_405 = saw_405 || first(r, "http.response.code") == "405";
  EXPECT_TRUE(saw_405);
  EXPECT_EQ(j.verbose.find("Malformed"), std::string::npos);
  EXPECT_NE(j.verbose.find("Allow: SSTP_DUPLEX_POST"), std::string::npos);
}

}  // namespace
}  // namespace sstpgw::sstp::testing
