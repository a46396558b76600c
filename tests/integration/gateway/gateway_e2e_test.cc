// sstpgw end to end, every piece a real program: sstp-client (in the client
// namespace, kernel TCP, a TUN device) connects through sstpgw (its own
// namespace, DPDK net_af_packet ports on veth pairs) to a VNet namespace where
// the kernel answers ping and a Python web server serves a file. sstpctl, a
// separate process on the control socket, trusts the root, lists sessions,
// revokes a client and removes the root; the client's exit status says how
// each attempt ended (control/client/exit_status.hh). Needs root; namespaces
// and links are named sgwe-* and removed by the test, also when it fails.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/integration/gateway/e2e_processes.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;
using e2e::child;
using e2e::run;
using json = nlohmann::json;

const std::string kBuild = SSTPGW_BUILD_ROOT;
const std::string kSource = SSTPGW_SOURCE_ROOT;
const std::string kGateway = kBuild + "/control/gateway/sstpgw";
const std::string kClient = kBuild + "/control/client/sstp-client";
const std::string kSstpctl = kBuild + "/control/sstpctl/sstpctl";
const std::string kNetns = kSource + "/scripts/netns-gateway.sh";

// Names and addresses of this test's network (the demo uses sgwg-/10.201).
const std::string kPrefix = "sgwe-";
const std::string kNet = "10.202";
const std::string kClientNs = kPrefix + "client";
const std::string kVnetNs = kPrefix + "vnet";
const std::string kGatewayNs = kPrefix + "gw";
const std::string kServerName = "vpn.sstpgw.test";
const std::string kVnetHost = kNet + ".2.10";
const std::string kPool = "172.16.202.0/24";

// sstp-client exit statuses (control/client/exit_status.hh).
constexpr int kClientOk = 0;
constexpr int kClientEapFailed = 40;
constexpr int kClientIpcpRefused = 41;
constexpr int kClientServerEnded = 60;

// What the brief asks of a trust withdrawal: the live session is gone within 1 s.
constexpr auto kDisconnectBound = 1000ms;

bool file_executable(const std::string& p) { return ::access(p.c_str(), X_OK) == 0; }

// Everything the suite shares: certificates, the namespaces, the web server.
struct suite_env {
  temp_dir dir;
  test_pki pki;
  std::map<std::string, issued_cert> clients;  // alice, bob, carol
  std::string root_pem, server_chain, server_key;
  std::vector<uint8_t> blob;
  child web;
  bool namespaces = false;

  std::string cert(const std::string& who) const { return dir.file(who + ".crt"); }
  std::string key(const std::string& who) const { return dir.file(who + ".key"); }
};
suite_env* g_env = nullptr;
int g_lock_fd = -1;
std::string g_skip;

std::string netns_down_log() {
  const auto r = run({"/bin/bash", kNetns, "down", kPrefix, kGatewayNs});
  return r.status == 0 ? std::string() : r.output;
}

class GatewayE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      g_skip = "needs root (network namespaces, TUN, DPDK)";
      return;
    }
    for (const auto& p : {kGateway, kClient, kSstpctl})
      if (!file_executable(p)) {
        g_skip = p + " is not built";
        return;
      }
    for (const auto& p :
         {std::string("/usr/bin/python3"), std::string("/usr/bin/curl"), std::string("/usr/bin/ping")})
      if (!file_executable(p)) {
        g_skip = p + " is not installed (scripts/setup-deps.sh)";
        return;
      }
    // One run at a time per machine: the names are fixed, and another
    // checkout's run (a second `meson test`) would tear our network down.
    // Released when the process ends, however it ends.
    g_lock_fd = ::open("/run/lock/sstpgw-gateway-e2e.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (g_lock_fd < 0 || ::flock(g_lock_fd, LOCK_EX) != 0) {
      g_skip = "cannot lock /run/lock/sstpgw-gateway-e2e.lock";
      return;
    }
    e2e::install_stop_handler({"/bin/bash", kNetns, "down", kPrefix, kGatewayNs});
    g_env = new suite_env{.pki = make_test_pki()};
    auto& env = *g_env;
    // The server certificate names what clients dial; clients are leaves of the same root.
    cert_spec server{.common_name = kServerName, .eku = {"serverAuth"}, .dns_names = {kServerName}};
    const issued_cert srv = issue_cert(env.pki.root, server);
    env.root_pem = env.dir.file("root.pem");
    env.server_chain = env.dir.file("server.chain.pem");
    env.server_key = env.dir.file("server.key");
    write_file(env.root_pem, env.pki.root.cert_pem());
    write_file(env.server_chain, srv.cert_pem() + env.pki.root.cert_pem());
    write_file(env.server_key, srv.key_pem());
    for (const char* who : {"alice", "bob", "carol"}) {
      auto c = issue_cert(env.pki.root, {.common_name = who, .eku = {"clientAuth"}});
      write_file(env.cert(who), c.cert_pem());
      write_file(env.key(who), c.key_pem());
      env.clients.emplace(who, std::move(c));
    }
    // Clients the gateway must refuse: one from a root it never trusted, one expired.
    const issued_cert other_root = make_root({.common_name = "Other Root", .is_ca = true});
    const issued_cert mallory = issue_cert(other_root, {.common_name = "mallory", .eku = {"clientAuth"}});
    write_file(env.cert("mallory"), mallory.cert_pem() + other_root.cert_pem());
    write_file(env.key("mallory"), mallory.key_pem());
    const issued_cert old = issue_cert(
        env.pki.root, {.common_name = "old", .eku = {"clientAuth"}, .not_before = -7200, .not_after = -3600});
    write_file(env.cert("old"), old.cert_pem());
    write_file(env.key("old"), old.key_pem());

    // A previous run's leftovers go first, then the network.
    netns_down_log();
    const auto up = run({"/usr/bin/env", "POOL=" + kPool, "SERVER_NAME=" + kServerName, "/bin/bash", kNetns,
                         "up", kPrefix, kNet, kGatewayNs});
    ASSERT_EQ(up.status, 0) << "netns-gateway.sh up:\n" << up.output;
    env.namespaces = true;

    // The VNet host's web server, with a file worth a real TCP transfer.
    std::filesystem::create_directories(env.dir.file("www"));
    env.blob.resize(1 << 20);
    uint32_t x = 0x2545f491;
    for (auto& b : env.blob) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      b = static_cast<uint8_t>(x);
    }
    write_file(env.dir.file("www/blob.bin"), std::string(env.blob.begin(), env.blob.end()));
    env.web = child(in_netns(kVnetNs, {"/usr/bin/python3", "-u", "-m", "http.server", "80", "--bind",
                                       kVnetHost, "--directory", env.dir.file("www")}),
                    env.dir.file("web.log"));
    ASSERT_TRUE(env.web.wait_for_log("Serving HTTP", 20s)) << env.web.log();
  }

  static void TearDownTestSuite() {
    if (!g_env) return;
    g_env->web.stop();
    if (g_env->namespaces) {
      EXPECT_EQ(netns_down_log(), "");
    }
    delete g_env;
    g_env = nullptr;
  }

  void SetUp() override {
    if (!g_skip.empty()) GTEST_SKIP() << g_skip;
    ASSERT_NE(g_env, nullptr);
    ASSERT_TRUE(g_env->namespaces);
  }

  void TearDown() override {
    for (auto& c : clients_) c.stop();
    if (gateway_.pid() > 0) {
      const int rc = gateway_.stop(SIGTERM);
      EXPECT_EQ(rc, 0) << "sstpgw after SIGTERM:\n" << gateway_.log();
    }
    if (HasFailure() && !gateway_.log_file().empty()) {
      std::cerr << "---- sstpgw log\n" << gateway_.log();
      for (auto& c : clients_) std::cerr << "---- " << c.log_file() << "\n" << c.log();
    }
  }

  std::string config_text(const std::string& pool, unsigned workers) const {
    return "[gateway]\nname = \"sgwe\"\nserver_name = \"" + kServerName + "\"\nstate_dir = \"" +
           tmp_.file("state") + "\"\nlog_level = \"info\"\n" + "[tls]\ncertificate = \"" +
           g_env->server_chain + "\"\nprivate_key = \"" + g_env->server_key + "\"\n" +
           "[ppp]\ndns_servers = [\"" + kVnetHost + "\"]\n" + "[pool]\nranges = [\"" + pool + "\"]\n" +
           "[vnet]\nprefixes = [\"" + kNet + ".2.0/24\"]\n" +
           "[dataplane]\nworkers = " + std::to_string(workers) +
           "\nhugepages = \"off\"\nmax_sessions = 16\n" +
           "[dataplane.client_port]\ndevice = \"net_af_packet0,iface=" + kPrefix + "c1\"\naddress = \"" +
           kNet + ".1.1/24\"\n" + "[dataplane.vnet_port]\ndevice = \"net_af_packet1,iface=" + kPrefix +
           "v1\"\naddress = \"" + kNet + ".2.1/24\"\n" + "[control]\nsocket = \"" + socket() + "\"\n";
  }

  std::string socket() const { return tmp_.file("sstpgw.sock"); }

  e2e::command_result ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {kSstpctl, "--socket", socket()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  json ctl_json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    const auto r = ctl(args);
    EXPECT_EQ(r.status, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }

  // Starts sstpgw in its namespace, waits until its control socket answers
  // and trusts the root (named "TestRoot").
  void start_gateway(const std::string& pool = kPool, unsigned workers = 1, bool trust_root = true) {
    const std::string config = tmp_.file("sstpgw.toml");
    write_file(config, config_text(pool, workers));
    const auto check = run({kGateway, "--config", config, "--check-config"});
    ASSERT_EQ(check.status, 0) << check.output;
    gateway_ = child(in_netns(kGatewayNs, {kGateway, "--config", config}), tmp_.file("sstpgw.log"));
    bool up = false;
    for (int i = 0; i < 400 && !up && gateway_.running(); ++i) {  // readiness, up to ~20 s
      up = ctl({"status"}).status == 0;
      if (!up) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(up) << "sstpgw did not come up:\n" << gateway_.log();
    if (!trust_root) return;
    const auto add = ctl({"cert", "add", "--name", "TestRoot", g_env->root_pem});
    ASSERT_EQ(add.status, 0) << add.output;
  }

  std::vector<std::string> client_argv(const std::string& who, std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {kClient,  "--server",       kServerName, "--ca",          g_env->root_pem,
                                  "--cert", g_env->cert(who), "--key",     g_env->key(who), "--timeout",
                                  "20"};
    a.insert(a.end(), extra.begin(), extra.end());
    return in_netns(kClientNs, a);
  }

  // A client that holds its tunnel up (or carries a TUN device) until stopped;
  // returns it once it says "connected:".
  child& connect(const std::string& who, std::vector<std::string> extra = {}) {
    clients_.emplace_back(client_argv(who, std::move(extra)),
                          tmp_.file(who + "-" + std::to_string(clients_.size()) + ".log"));
    child& c = clients_.back();
    EXPECT_TRUE(c.wait_for_log("connected:", 30s))
        << who << " did not connect (status " << c.status() << "):\n"
        << c.log();
    return c;
  }

  // One attempt that must end during setup; its exit status.
  int attempt(const std::string& who) {
    const auto r = run(client_argv(who, {"--once"}));
    last_attempt_ = r.output;
    return r.status;
  }

  static std::string address_of(const child& c) {
    std::smatch m;
    const std::string log = c.log();
    return std::regex_search(log, m, std::regex("connected: address ([0-9.]+)")) ? m[1].str() : std::string();
  }

  json sessions() { return ctl_json({"session", "list"}); }

  temp_dir tmp_;
  child gateway_;
  std::deque<child> clients_;
  std::string last_attempt_;
};

TEST_F(GatewayE2E, PingAndHttpThroughTheTunnelAndSessionListed) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  child& alice = connect("alice", {"--tun", kPrefix + "tun0", "--route", kNet + ".2.0/24"});
  const std::string addr = address_of(alice);
  ASSERT_FALSE(addr.empty()) << alice.log();

  // The kernel's ping, through the TUN device, the tunnel and the VNet port.
  const auto ping = run(in_netns(kClientNs, {"/usr/bin/ping", "-c", "3", "-i", "0.2", "-W", "3", kVnetHost}));
  EXPECT_EQ(ping.status, 0) << ping.output;
  EXPECT_NE(ping.output.find("3 received"), std::string::npos) << ping.output;

  // A TCP transfer (kernel TCP at both ends): 1 MiB, byte for byte.
  const std::string got = tmp_.file("blob.got");
  const auto curl = run(in_netns(
      kClientNs, {"/usr/bin/curl", "-sS", "-m", "60", "-o", got, "http://" + kVnetHost + "/blob.bin"}));
  ASSERT_EQ(curl.status, 0) << curl.output;
  const std::string body = read_text(got);
  EXPECT_TRUE(body.size() == g_env->blob.size() &&
              std::memcmp(body.data(), g_env->blob.data(), body.size()) == 0)
      << "downloaded " << body.size() << " bytes that differ from the served file";
  // The VNet host saw the client's pool address, not a translated one.
  EXPECT_NE(g_env->web.log().find(addr + " - - "), std::string::npos) << g_env->web.log();

  const json list = sessions();
  ASSERT_EQ(list.value("count", 0), 1) << list.dump(2);
  const json& s = list["sessions"][0];
  EXPECT_EQ(s.value("identity", ""), "alice");
  EXPECT_EQ(s.value("address", ""), addr);
  EXPECT_EQ(s.value("state", ""), "up");
  EXPECT_EQ(s.value("leaf", ""), g_env->clients.at("alice").sha1_thumbprint());
  EXPECT_GT(s.value("rx_bytes", 0), 0);        // pings, the request and ACKs
  EXPECT_GT(s.value("tx_bytes", 0), 1 << 20);  // the file, at least
}

TEST_F(GatewayE2E, RevokingTheClientDisconnectsItAndRefusesItAgain) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  child& alice = connect("alice");
  child& bob = connect("bob");
  const std::string thumb = g_env->clients.at("alice").sha1_thumbprint();

  const auto t0 = std::chrono::steady_clock::now();
  const json r = ctl_json({"revoke", "add", thumb});
  EXPECT_EQ(r.value("sessions_disconnected", -1), 1) << r.dump(2);
  const auto st = alice.wait_exit(kDisconnectBound);
  // For the record (the XML report): from the command to the client's exit.
  RecordProperty("revoke_to_client_exit_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - t0)
                                      .count()));
  ASSERT_TRUE(st.has_value()) << "alice still connected 1 s after the revocation:\n" << alice.log();
  EXPECT_EQ(*st, kClientServerEnded) << alice.log();

  EXPECT_EQ(attempt("alice"), kClientEapFailed) << last_attempt_;
  // Bob, not revoked, keeps his session.
  EXPECT_TRUE(bob.running()) << bob.log();
  const json list = sessions();
  ASSERT_EQ(list.value("count", 0), 1) << list.dump(2);
  EXPECT_EQ(list["sessions"][0].value("identity", ""), "bob");
}

TEST_F(GatewayE2E, RemovingTheRootDisconnectsItsSessionsAndRefusesNewOnes) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  child& alice = connect("alice");

  const json r = ctl_json({"cert", "remove", "TestRoot"});
  EXPECT_EQ(r.value("sessions_disconnected", -1), 1) << r.dump(2);
  const auto st = alice.wait_exit(kDisconnectBound);
  ASSERT_TRUE(st.has_value()) << "alice still connected 1 s after the root was removed:\n" << alice.log();
  EXPECT_EQ(*st, kClientServerEnded) << alice.log();

  EXPECT_EQ(attempt("bob"), kClientEapFailed) << last_attempt_;
  EXPECT_EQ(sessions().value("count", -1), 0);
}

TEST_F(GatewayE2E, ExhaustedPoolRefusesTheExtraClientAtIpcp) {
  // A /30: two usable addresses (network and broadcast are never handed out).
  ASSERT_NO_FATAL_FAILURE(start_gateway("172.16.202.0/30"));
  child& alice = connect("alice");
  connect("bob");
  EXPECT_EQ(attempt("carol"), kClientIpcpRefused) << last_attempt_;
  EXPECT_EQ(sessions().value("count", -1), 2);

  // An address comes back when its session ends.
  EXPECT_EQ(alice.stop(SIGTERM), kClientOk) << alice.log();
  bool freed = false;
  for (int i = 0; i < 100 && !freed; ++i) {  // the worker reports the close: readiness, not timing
    freed = sessions().value("count", -1) == 1;
    if (!freed) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(freed);
  EXPECT_EQ(attempt("carol"), kClientOk) << last_attempt_;
}

TEST_F(GatewayE2E, SigtermDisconnectsClientsAndExitsZero) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  child& alice = connect("alice");
  EXPECT_EQ(gateway_.stop(SIGTERM), 0) << gateway_.log();
  EXPECT_NE(gateway_.log().find("stopped (TERM)"), std::string::npos) << gateway_.log();
  // The client was told (PPP Terminate / SSTP disconnect), not left to time out.
  const auto st = alice.wait_exit(10s);
  ASSERT_TRUE(st.has_value()) << alice.log();
  EXPECT_EQ(*st, kClientServerEnded) << alice.log();
  EXPECT_NE(alice.log().find("shutting down"), std::string::npos) << alice.log();
}

TEST_F(GatewayE2E, OuterTls12AndLegacyBindingKeyCarryPings) {
  // TLS 1.2 records (key block from the master secret) and pppd's HLAK form.
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  const auto r = run(client_argv("alice", {"--tls-max", "1.2", "--hlak", "legacy", "--ping", kVnetHost,
                                           "--count", "3", "--interval", "0.1", "--once"}));
  EXPECT_EQ(r.status, kClientOk) << r.output;
  EXPECT_NE(r.output.find("TLS 1.2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 received"), std::string::npos) << r.output;
}

TEST_F(GatewayE2E, TwoWorkersCarrySessionsOnEitherWorker) {
  // Two queue pairs per port; the kernel's fanout picks the queue, so VNet
  // replies often land on the other worker and are handed to the owner.
  ASSERT_NO_FATAL_FAILURE(start_gateway(kPool, 2));
  std::vector<child> pings;
  for (const char* who : {"alice", "bob", "carol", "alice"}) {
    pings.emplace_back(client_argv(who, {"--ping", kVnetHost, "--count", "5", "--interval", "0.1", "--once"}),
                       tmp_.file(std::string("ping-") + who + std::to_string(pings.size()) + ".log"));
  }
  for (auto& p : pings) {
    const auto st = p.wait_exit(60s);
    ASSERT_TRUE(st.has_value()) << p.log();
    EXPECT_EQ(*st, kClientOk) << p.log();
    EXPECT_NE(p.log().find("5 received"), std::string::npos) << p.log();
  }
  const auto stats = ctl({"stats"});
  ASSERT_EQ(stats.status, 0) << stats.output;
  std::cerr << "handoff counters:\n";
  std::istringstream lines(stats.output);
  for (std::string l; std::getline(lines, l);)
    if (l.find("handoff") != std::string::npos || l.find("dataplane.session.accepted") != std::string::npos)
      std::cerr << "  " << l << "\n";
}

TEST_F(GatewayE2E, OperatorKillEndsTheSessionWithItsReason) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  child& alice = connect("alice");
  const json list = sessions();
  ASSERT_EQ(list.value("count", 0), 1) << list.dump(2);
  const std::string id = list["sessions"][0].value("id", "");
  const auto k = ctl({"session", "kill", id, "--reason", "maintenance window"});
  EXPECT_EQ(k.status, 0) << k.output;
  const auto st = alice.wait_exit(10s);
  ASSERT_TRUE(st.has_value()) << alice.log();
  EXPECT_EQ(*st, kClientServerEnded) << alice.log();
  EXPECT_NE(alice.log().find("maintenance window"), std::string::npos) << alice.log();
  EXPECT_EQ(sessions().value("count", -1), 0);
}

TEST_F(GatewayE2E, TrustAndRevocationSurviveARestart) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  const auto r = ctl({"revoke", "add", g_env->clients.at("bob").sha1_thumbprint()});
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(gateway_.stop(SIGTERM), 0) << gateway_.log();
  // Same state directory, no sstpctl this time: the root and the revocation
  // come from the state the first run left.
  ASSERT_NO_FATAL_FAILURE(start_gateway(kPool, 1, false));
  connect("alice");
  EXPECT_EQ(attempt("bob"), kClientEapFailed) << last_attempt_;
}

TEST_F(GatewayE2E, UntrustedAndExpiredClientCertificatesAreRefused) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  EXPECT_EQ(attempt("mallory"), kClientEapFailed) << last_attempt_;
  EXPECT_EQ(attempt("old"), kClientEapFailed) << last_attempt_;
  EXPECT_EQ(sessions().value("count", -1), 0);
  const json pool = ctl_json({"pool", "show"});
  ASSERT_TRUE(pool.contains("leases")) << pool.dump(2);
  EXPECT_TRUE(pool["leases"].empty()) << pool.dump(2);
}

TEST_F(GatewayE2E, AClientThatDiesFreesItsSessionAndAddress) {
  // A /30 again: the address must come back for the next client to connect.
  ASSERT_NO_FATAL_FAILURE(start_gateway("172.16.202.0/30"));
  child& alice = connect("alice");
  connect("bob");
  alice.stop(SIGKILL);  // no goodbye: the kernel closes its TCP connection
  bool freed = false;
  for (int i = 0; i < 200 && !freed; ++i) {  // readiness, not timing
    freed = sessions().value("count", -1) == 1;
    if (!freed) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(freed) << sessions().dump(2);
  EXPECT_EQ(ctl_json({"pool", "show"})["leases"].size(), 1u);
  EXPECT_EQ(attempt("carol"), kClientOk) << last_attempt_;
}

TEST_F(GatewayE2E, ASecondGatewayOnTheSameSocketStopsBeforeTouchingThePorts) {
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  child& alice = connect("alice", {"--tun", kPrefix + "tun0", "--route", kNet + ".2.0/24"});
  const auto second = run(in_netns(kGatewayNs, {kGateway, "--config", tmp_.file("sstpgw.toml")}));
  EXPECT_EQ(second.status, 1) << second.output;
  EXPECT_NE(second.output.find("already serving"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find("EAL"), std::string::npos) << "EAL started:\n" << second.output;
  // The first gateway's session carries on.
  EXPECT_TRUE(alice.running()) << alice.log();
  const auto ping = run(in_netns(kClientNs, {"/usr/bin/ping", "-c", "2", "-i", "0.2", "-W", "3", kVnetHost}));
  EXPECT_EQ(ping.status, 0) << ping.output;
}

// tshark, which nobody here wrote, judges the gateway's wire from the client's
// side: with the client's TLS key log it decrypts the records the worker
// sealed and dissects HTTP, SSTP, PPP, EAP, IPCP and the tunnelled ICMP.
TEST_F(GatewayE2E, TsharkDecodesTheWholeCallOnTheWire) {
  const std::string tshark = "/usr/bin/tshark";
  if (!file_executable(tshark)) GTEST_SKIP() << "tshark is not installed";
  ASSERT_NO_FATAL_FAILURE(start_gateway());
  const std::string pcap = tmp_.file("client-side.pcap");
  const std::string keylog = tmp_.file("client.keylog");
  // -P -l: a line per packet in the log, so the capture is known to run (it
  // says "Capturing on" before it does) once a probe ping shows up there.
  child capture(in_netns(kClientNs, {tshark, "-n", "-l", "-P", "-i", kPrefix + "c0", "-f",
                                     "tcp port 443 or icmp", "-w", pcap}),
                tmp_.file("tshark.log"));
  bool capturing = false;
  for (int i = 0; i < 60 && !capturing && capture.running(); ++i) {
    run(in_netns(kClientNs, {"/usr/bin/ping", "-c", "1", "-W", "1", kNet + ".1.1"}));
    capturing = capture.wait_for_log("ICMP", 500ms);
  }
  ASSERT_TRUE(capturing) << capture.log();
  const auto r = run(client_argv(
      "alice", {"--keylog", keylog, "--ping", kVnetHost, "--count", "2", "--interval", "0.1", "--once"}));
  ASSERT_EQ(r.status, kClientOk) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("connected: address ([0-9.]+)"))) << r.output;
  const std::string addr = m[1].str();
  std::this_thread::sleep_for(300ms);  // the last segments (FIN) reach the capture
  capture.stop(SIGINT);

  const auto d = run({tshark, "-n",
                      "-r",   pcap,
                      "-o",   "tls.keylog_file:" + keylog,
                      "-T",   "fields",
                      "-E",   "occurrence=a",
                      "-E",   "aggregator=,",
                      "-e",   "http.response.code",
                      "-e",   "sstp.messagetype",
                      "-e",   "eap.code",
                      "-e",   "ipcp.opt.ip_address",
                      "-e",   "icmp.type",
                      "-e",   "ip.src",
                      "-e",   "ip.dst",
                      "-e",   "tls.alert_message.desc",
                      "-e",   "_ws.malformed"});
  ASSERT_EQ(d.status, 0) << d.output;
  std::set<std::string> sstp_types, eap_codes, ipcp_addresses, alerts;
  bool ok_200 = false, malformed = false;
  int replies = 0;
  std::istringstream lines(d.output);
  auto split = [](const std::string& f) {
    std::vector<std::string> out;
    std::istringstream in(f);
    for (std::string x; std::getline(in, x, ',');)
      if (!x.empty()) out.push_back(x);
    return out;
  };
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::istringstream in(line);
    for (std::string x; std::getline(in, x, '\t');) f.push_back(x);
    f.resize(9);
    if (f[0] == "200") ok_200 = true;
    for (auto& v : split(f[1])) sstp_types.insert(v);
    for (auto& v : split(f[2])) eap_codes.insert(v);
    for (auto& v : split(f[3])) ipcp_addresses.insert(v);
    // Echo replies inside the tunnel: from the VNet host to the client's address.
    if (f[4] == "0" && f[5].find(kVnetHost) != std::string::npos && f[6].find(addr) != std::string::npos)
      ++replies;
    for (auto& v : split(f[7])) alerts.insert(v);
    if (!f[8].empty()) malformed = true;
  }
  EXPECT_TRUE(ok_200) << "no HTTP 200 to SSTP_DUPLEX_POST:\n" << d.output;
  for (const char* t :
       {"0x0001", "0x0002", "0x0004", "0x0006", "0x0007"})  // request, ack, connected, disconnect, ack
    EXPECT_TRUE(sstp_types.count(t)) << "SSTP message type " << t << " not on the wire:\n" << d.output;
  EXPECT_TRUE(eap_codes.count("3")) << "no EAP-Success:\n" << d.output;
  EXPECT_TRUE(ipcp_addresses.count(addr)) << "IPCP never carried " << addr << ":\n" << d.output;
  EXPECT_EQ(replies, 2) << d.output;
  EXPECT_EQ(alerts, std::set<std::string>{"0"}) << "TLS alerts other than close_notify:\n" << d.output;
  EXPECT_FALSE(malformed) << d.output;
}

}  // namespace
}  // namespace sstpgw::testing
