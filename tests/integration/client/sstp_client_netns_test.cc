// sstp-client in a network namespace of its own (sgwc-...), with the test
// server listening on that namespace's loopback: (1) --tun: the kernel's own
// ping and a UDP datagram from bash go through the TUN device and the tunnel
// to the VNet; (2) --keylog: dumpcap captures the connection and tshark,
// given only the key log, decrypts the outer TLS and finds the SSTP HTTP
// request and the SSTP control messages. Needs root; (2) needs tshark and
// dumpcap. Both skip with the reason otherwise.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "tests/integration/client/client_cli.hh"
#include "tests/integration/client/test_gateway_server.hh"
#include "tests/unit/client/memory_link.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;

test_server_options in_namespace(const scoped_netns& ns) {
  test_server_options o;
  o.netns = ns.name();
  return o;
}

// ---- TUN: real programs through the tunnel -------------------------------------

TEST(SstpClientTun, KernelPingAndUdpGoThroughTheTunDevice) {
  if (!is_root()) GTEST_SKIP() << "needs root (network namespace sgwc-tun, TUN device)";
  const std::string ping = find_program("ping");
  const std::string bash = find_program("bash");
  if (ping.empty() || bash.empty()) GTEST_SKIP() << "ping or bash not installed";
  scoped_netns ns("sgwc-tun");
  ASSERT_TRUE(ns.ok());
  test_gateway_server server(in_namespace(ns));
  client_files f(server.pki());
  child_process client(in_netns(
      ns.name(), client_argv(f.options, server.port(), {"--tun", "sgwc-tun0", "--route", "10.1.0.0/16"})));
  ASSERT_TRUE(client.wait_for_stdout("connected: address 172.16.201.2", 20s)) << client.out() << client.err();
  // "connected" is printed after the device is configured.

  const process_result addr =
      run_process({ip_program(), "-n", ns.name(), "-4", "addr", "show", "dev", "sgwc-tun0"});
  EXPECT_TRUE(contains(addr.out, "inet 172.16.201.2 peer 172.16.201.1/32")) << addr.out << addr.err;
  EXPECT_TRUE(contains(addr.out, ",UP,")) << addr.out;
  const process_result route = run_process({ip_program(), "-n", ns.name(), "route", "get", "10.1.0.10"});
  EXPECT_TRUE(contains(route.out, "dev sgwc-tun0 src 172.16.201.2")) << route.out << route.err;

  // The kernel's ping: echo requests to addresses in the routed prefix, every one answered by the VNet.
  const process_result small =
      run_process(in_netns(ns.name(), {ping, "-n", "-c", "3", "-i", "0.2", "-W", "5", "10.1.0.10"}), {}, 30s);
  EXPECT_EQ(small.status, 0) << small.out << small.err;
  EXPECT_TRUE(contains(small.out, "3 packets transmitted, 3 received, 0% packet loss")) << small.out;
  // 10.2.3.4 is outside the routed prefix (and the namespace has no default route): not through the tunnel.
  const process_result unrouted =
      run_process(in_netns(ns.name(), {ping, "-n", "-c", "1", "-W", "1", "10.2.3.4"}), {}, 30s);
  EXPECT_NE(unrouted.status, 0) << unrouted.out;
  // A large echo request with DF set: fits the device's MTU, answered whole.
  const process_result routed = run_process(
      in_netns(ns.name(), {ping, "-n", "-c", "1", "-s", "1200", "-M", "do", "-W", "5", "10.1.200.7"}), {},
      30s);
  EXPECT_EQ(routed.status, 0) << routed.out << routed.err;
  EXPECT_TRUE(contains(routed.out, "1208 bytes from 10.1.200.7")) << routed.out;

  // A UDP datagram (not ICMP) reaches the VNet with the tunnel address as its source.
  const process_result udp = run_process(
      in_netns(ns.name(), {bash, "-c", "printf 'through the tunnel' > /dev/udp/10.1.0.20/9"}), {}, 30s);
  EXPECT_EQ(udp.status, 0) << udp.err;

  client.send_signal(SIGTERM);
  const process_result r = client.wait(20s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");

  const server_session_record s = server.ended_session();
  EXPECT_TRUE(s.was_up);
  EXPECT_EQ(s.address, ipv4_address::from_octets(172, 16, 201, 2));
  EXPECT_EQ(s.echoes_answered, 4u);
  bool udp_seen = false;
  for (const std::vector<uint8_t>& p : s.vnet) {
    const std::string text(p.begin(), p.end());
    if (p.size() > 28 && p[9] == 17 && contains(text, "through the tunnel")) {
      udp_seen = true;
      EXPECT_EQ(ipv4_address::from_octets(p[12], p[13], p[14], p[15]),
                ipv4_address::from_octets(172, 16, 201, 2));
      EXPECT_EQ(ipv4_address::from_octets(p[16], p[17], p[18], p[19]),
                ipv4_address::from_octets(10, 1, 0, 20));
    }
  }
  EXPECT_TRUE(udp_seen) << s.vnet.size() << " other VNet packets";
}

// The VNet is a kernel too: a TUN device in namespace sgwc-vn holds 10.1.0.10,
// so that kernel answers the pings and socat serves TCP there.
TEST(SstpClientTun, TcpBothWaysAndPingWithAKernelVnetHost) {
  if (!is_root()) GTEST_SKIP() << "needs root (network namespaces sgwc-tun and sgwc-vn, TUN devices)";
  const std::string ping = find_program("ping");
  const std::string socat = find_program("socat");
  const std::string ss = find_program("ss");
  if (ping.empty() || socat.empty() || ss.empty()) GTEST_SKIP() << "ping, socat or ss not installed";
  scoped_netns client_ns("sgwc-tun");
  scoped_netns vnet_ns("sgwc-vn");
  ASSERT_TRUE(client_ns.ok() && vnet_ns.ok());
  test_server_options o = in_namespace(client_ns);
  o.vnet_host = vnet_host_options{.netns = vnet_ns.name(),
                                  .device = "sgwc-vnet0",
                                  .address = ipv4_address::from_octets(10, 1, 0, 10),
                                  .clients = *parse_ipv4_prefix("172.16.201.0/24"),
                                  .gateway = ipv4_address::from_octets(172, 16, 201, 1)};
  test_gateway_server server(o);
  client_files f(server.pki());
  child_process client(
      in_netns(client_ns.name(),
               client_argv(f.options, server.port(), {"--tun", "sgwc-tun0", "--route", "10.1.0.0/16"})));
  ASSERT_TRUE(client.wait_for_stdout("connected: address 172.16.201.2", 20s)) << client.out() << client.err();

  const process_result pinged = run_process(
      in_netns(client_ns.name(), {ping, "-n", "-c", "3", "-i", "0.2", "-W", "5", "10.1.0.10"}), {}, 30s);
  EXPECT_EQ(pinged.status, 0) << pinged.out << pinged.err;
  EXPECT_TRUE(contains(pinged.out, "3 packets transmitted, 3 received, 0% packet loss")) << pinged.out;

  // 1 MiB each way, compared byte for byte.
  std::string blob(1 << 20, '\0');
  uint32_t x = 2463534242u;
  for (char& c : blob) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  const std::string blob_file = f.write("blob", blob);
  const auto listening = [&](const std::string& port) {
    for (int i = 0; i < 100; ++i) {
      const process_result l = run_process(in_netns(vnet_ns.name(), {ss, "-Hltn", "sport = :" + port}));
      if (contains(l.out, "10.1.0.10:" + port)) return true;
      ::usleep(50'000);
    }
    return false;
  };
  {
    child_process server_side(in_netns(
        vnet_ns.name(), {socat, "-u", "OPEN:" + blob_file, "TCP-LISTEN:5001,bind=10.1.0.10,reuseaddr"}));
    ASSERT_TRUE(listening("5001")) << server_side.err();
    const std::string got = f.dir.file("downloaded");
    const process_result down = run_process(
        in_netns(client_ns.name(), {socat, "-u", "TCP:10.1.0.10:5001", "CREATE:" + got}), {}, 60s);
    EXPECT_EQ(down.status, 0) << down.err;
    EXPECT_TRUE(read_text(got) == blob) << "download differs: " << read_text(got).size() << " bytes";
    EXPECT_EQ(server_side.wait(20s).status, 0) << server_side.err();
  }
  {
    const std::string got = f.dir.file("uploaded");
    child_process server_side(
        in_netns(vnet_ns.name(), {socat, "-u", "TCP-LISTEN:5002,bind=10.1.0.10,reuseaddr", "CREATE:" + got}));
    ASSERT_TRUE(listening("5002")) << server_side.err();
    const process_result up = run_process(
        in_netns(client_ns.name(), {socat, "-u", "OPEN:" + blob_file, "TCP:10.1.0.10:5002"}), {}, 60s);
    EXPECT_EQ(up.status, 0) << up.err;
    EXPECT_EQ(server_side.wait(20s).status, 0) << server_side.err();
    EXPECT_TRUE(read_text(got) == blob) << "upload differs: " << read_text(got).size() << " bytes";
  }

  client.send_signal(SIGTERM);
  const process_result r = client.wait(20s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(server.ended_session().was_up);
}

// ---- the NSS key log, judged by tshark ------------------------------------------

class SstpClientKeylog : public ::testing::TestWithParam<const char*> {};

TEST_P(SstpClientKeylog, TsharkDecryptsTheOuterTlsWithIt) {
  if (!is_root()) GTEST_SKIP() << "needs root (network namespace sgwc-klg, capture on its loopback)";
  const std::string tshark = find_program("tshark");
  const std::string dumpcap = find_program("dumpcap");
  const std::string bash = find_program("bash");
  if (tshark.empty() || dumpcap.empty() || bash.empty())
    GTEST_SKIP() << "tshark, dumpcap or bash not installed";
  scoped_netns ns("sgwc-klg");
  ASSERT_TRUE(ns.ok());
  test_gateway_server server(in_namespace(ns));
  client_files f(server.pki());
  const std::string port = std::to_string(server.port());
  const std::string pcap = f.dir.file("outer.pcapng");
  const std::string keylog = f.dir.file("keys.log");

  // dumpcap says "Capturing on" before its socket sees packets: probe with UDP
  // datagrams on the namespace's loopback until its packet counter moves.
  child_process capture(
      in_netns(ns.name(), {dumpcap, "-i", "lo", "-f", "tcp port " + port + " or udp port 9", "-w", pcap}));
  ASSERT_TRUE(capture.wait_for_stderr("Capturing on", 20s)) << capture.err();
  bool capturing = false;
  for (int i = 0; i < 100 && !capturing; ++i) {
    run_process(in_netns(ns.name(), {bash, "-c", "printf probe > /dev/udp/127.0.0.1/9"}));
    capturing = capture.wait_for_stderr("Packets: ", 100ms);
  }
  ASSERT_TRUE(capturing) << "dumpcap captured none of the probes: " << capture.err();
  const process_result r = run_sstp_client(in_netns(
      ns.name(),
      client_argv(f.options, server.port(),
                  {"--keylog", keylog, "--tls-max", GetParam(), "--ping", "10.1.0.10", "--count", "1"})));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(server.ended_session().was_up);
  // libpcap hands packets over a block at a time and drops an unfinished block
  // at SIGINT: send a marker after the session and stop only once the file has it.
  bool flushed = false;
  for (int i = 0; i < 50 && !flushed; ++i) {
    run_process(in_netns(ns.name(), {bash, "-c", "printf sgwc-done > /dev/udp/127.0.0.1/9"}));
    flushed = run_process({tshark, "-r", pcap, "-Y", "frame contains \"sgwc-done\"", "-T", "fields", "-e",
                           "frame.number"})
                  .out.size() > 0;
  }
  EXPECT_TRUE(flushed) << "dumpcap did not write the marker";
  capture.send_signal(SIGINT);
  const process_result cap = capture.wait(20s);
  ASSERT_EQ(cap.status, 0) << cap.err;

  const std::string keys = read_text(keylog);
  if (std::string(GetParam()) == "1.3") {
    EXPECT_TRUE(contains(keys, "CLIENT_TRAFFIC_SECRET_0 ")) << keys;
  } else {
    EXPECT_TRUE(contains(keys, "CLIENT_RANDOM ")) << keys;
  }

  const std::string decode = "tcp.port==" + port + ",tls";
  const auto fields = [&](bool with_keys, const std::string& filter, const std::vector<std::string>& names) {
    std::vector<std::string> argv = {tshark, "-r", pcap, "-d", decode, "-Y", filter, "-T", "fields"};
    if (with_keys) argv.insert(argv.end(), {"-o", "tls.keylog_file:" + keylog});
    for (const std::string& n : names) argv.insert(argv.end(), {"-e", n});
    const process_result t = run_process(argv, {}, 60s);
    EXPECT_EQ(t.status, 0) << t.err;
    return t.out;
  };
  // Without the key log tshark sees TLS and nothing inside it.
  EXPECT_EQ(fields(false, "http.request", {"http.request.method"}), "");
  // With it: the SSTP HTTP request, then the SSTP call set up and torn down.
  EXPECT_EQ(fields(true, "http.request", {"http.request.method", "http.request.uri"}),
            "SSTP_DUPLEX_POST\t/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/\n");
  const std::string types = fields(true, "sstp.messagetype", {"sstp.messagetype"});
  for (const char* t : {"0x0001", "0x0002", "0x0004", "0x0006", "0x0007"})
    EXPECT_TRUE(contains(types, t)) << "no SSTP message " << t << " in:\n" << types;
  // The PPP inside the data packets: EAP (TLS) and IPCP were decrypted too.
  EXPECT_NE(fields(true, "eap", {"eap.code"}), "");
  EXPECT_NE(fields(true, "ipcp", {"ppp.code"}), "");
}

INSTANTIATE_TEST_SUITE_P(OuterTls, SstpClientKeylog, ::testing::Values("1.2", "1.3"), [](const auto& info) {
  return std::string(info.param) == "1.3" ? "tls13" : "tls12";
});

}  // namespace
}  // namespace sstpgw::testing
