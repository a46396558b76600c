// The stack against the Linux kernel as the peer. A client network namespace
// holds one end of a link with an address; the other end is opened by DPDK
// (net_af_packet on a veth, or net_tap whose kernel interface is moved into
// the client namespace) and served by two workers on their own lcores. The
// kernel judges: its neighbour table learns our gratuitous ARP, ping gets its
// replies, a 3000-byte ping (fragmented by the kernel) is reassembled by us and
// our fragmented reply reassembled by the kernel, arping gets replies, and UDP
// to us earns an ICMP port unreachable the kernel counts.
//
// The DPDK side runs inside its own namespace too (the test process setns()s
// into it before EAL starts), so the host's stack never sees the link.
// Root only. Namespaces are removed at start (leftovers of a crashed run) and end.
//
// SSTPGW_NET_PMD selects the PMD: af_packet (default) or tap.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"
#include "dataplane/eal/port.hh"
#include "dataplane/rings/handoff.hh"
#include "dataplane/worker/poll_loop.hh"
#include "dataplane/worker/port_workers.hh"
#include "tests/support/command.hh"

namespace sstpgw::test {
namespace {

using sstpgw::testing::command_result;
using sstpgw::testing::run_command;

struct variant {
  std::string pmd;        // af_packet | tap
  std::string client_ns;  // the kernel peer
  std::string gw_ns;      // where the DPDK process lives
  std::string client_if;  // interface in the client namespace
  std::string vdev;
  std::string gw_ip, client_ip;
};

variant pick_variant() {
  const char* e = std::getenv("SSTPGW_NET_PMD");
  const std::string pmd = e ? e : "af_packet";
  if (pmd == "tap") {
    return {"tap",       "sgwn-tclient", "sgwn-tgw", "sgwn-tap0", "net_tap0,iface=sgwn-tap0",
            "10.78.0.1", "10.78.0.2"};
  }
  return {"af_packet",
          "sgwn-client",
          "sgwn-gw",
          "sgwn-v0",
          "net_af_packet0,iface=sgwn-v1,qpairs=2,framesz=4096,blocksz=4096",
          "10.77.0.1",
          "10.77.0.2"};
}

// Standard output and error together; `status` gets the exit code (-1: none).
std::string run(const std::string& cmd, int* status = nullptr) {
  command_result r = run_command(cmd + " 2>&1");
  if (status) *status = r.exit_code;
  return r.output;
}

void must(const std::string& cmd) {
  int rc = 0;
  const std::string out = run(cmd, &rc);
  if (rc != 0) throw std::runtime_error("`" + cmd + "` failed: " + out);
}

uint32_t parse_ip(const std::string& s) {
  unsigned a, b, c, d;
  std::sscanf(s.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  return (a << 24) | (b << 16) | (c << 8) | d;
}

std::string mac_string(const std::array<uint8_t, 6>& m) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

// Everything the tests share: namespaces, EAL, the port and two running workers.
struct gateway {
  variant v = pick_variant();
  int original_ns = -1;
  std::unique_ptr<eal::port> port;
  std::unique_ptr<rings::handoff_mesh> mesh;
  std::unique_ptr<rings::handoff_port> handoff[2];
  std::unique_ptr<worker::port_workers> workers;
  std::unique_ptr<worker::poll_loop> loops[2];
  unsigned lcores[2] = {};
  std::atomic<bool> stop{false};
  bool running = false;
  int capture_pid = 0;

  std::string in_client(const std::string& cmd) { return "ip netns exec " + v.client_ns + " " + cmd; }

  void remove_namespaces() {
    run("ip netns del " + v.client_ns);
    run("ip netns del " + v.gw_ns);
  }

  void create_namespaces() {
    remove_namespaces();  // a crashed earlier run may have left them
    must("ip netns add " + v.client_ns);
    must("ip netns add " + v.gw_ns);
    if (v.pmd == "af_packet") {
      must("ip link add sgwn-v0 netns " + v.client_ns + " type veth peer name sgwn-v1 netns " + v.gw_ns);
      must("ip -n " + v.gw_ns + " link set sgwn-v1 up");
      // The kernel must put full, checksummed frames on the wire for af_packet.
      must("ip netns exec " + v.gw_ns + " ethtool -K sgwn-v1 tx off rx off tso off gso off gro off");
      must("ip netns exec " + v.gw_ns + " sysctl -qw net.ipv6.conf.sgwn-v1.disable_ipv6=1");
    }
  }

  void configure_client() {
    const std::string ifc = v.client_if;
    if (v.pmd == "tap") {
      must("ip -n " + v.gw_ns + " link set " + ifc + " netns " + v.client_ns);
      // A tap's kernel interface starts with the port's own MAC: give the
      // kernel side its own, or every frame would look like ours looped back.
      must("ip -n " + v.client_ns + " link set " + ifc + " address 02:00:00:00:78:02");
    }
    must(in_client("sysctl -qw net.ipv6.conf.all.disable_ipv6=1"));
    must(in_client("sysctl -qw net.ipv4.conf.all.arp_accept=1"));
    must(in_client("sysctl -qw net.ipv4.conf.default.arp_accept=1"));
    must(in_client("sysctl -qw net.ipv4.conf." + ifc + ".arp_accept=1"));
    must("ip -n " + v.client_ns + " addr add " + v.client_ip + "/24 dev " + ifc);
    must("ip -n " + v.client_ns + " link set lo up");
    must("ip -n " + v.client_ns + " link set " + ifc + " up");
    run(in_client("ethtool -K " + ifc + " tx off rx off tso off gso off gro off"));
    // Debug aid: SSTPGW_TEST_PCAP=file captures the client side of the link.
    if (const char* pcap = std::getenv("SSTPGW_TEST_PCAP")) {
      const std::string pid =
          run(in_client("sh -c 'dumpcap -q -i " + ifc + " -w " + pcap + " >/dev/null 2>&1 & echo $!'"));
      capture_pid = std::atoi(pid.c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  void enter_gw_namespace() {
    original_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int fd = open(("/var/run/netns/" + v.gw_ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("cannot enter " + v.gw_ns);
    close(fd);
  }

  void start() {
    set_log_level(log_level::info);
    create_namespaces();
    enter_gw_namespace();
    eal::eal_config cfg;
    cfg.program_name = "sstpgw-kernel-test";
    cfg.vdevs = {v.vdev};
    cfg.n_lcores = 3;  // main + two workers
    cfg.hugepages =
        std::getenv("SSTPGW_TEST_HUGEPAGES") ? eal::hugepage_mode::detect : eal::hugepage_mode::never;
    cfg.memory_mb = 256;
    cfg.log_level = "notice";
    eal::eal_start(cfg);
    // Without RSS (af_packet fans out by the kernel's hash) a worker hands
    // other workers' flows over the mesh.
    eal::port_config pc;
    pc.port_id = eal::port::find(v.vdev.substr(0, v.vdev.find(',')));
    pc.n_queues = 2;
    pc.rx_desc = 512;
    pc.tx_desc = 512;
    // af_packet's fanout reassembles in the kernel: take whole datagrams up to
    // its frame size (4096 here, set in the vdev arguments).
    if (v.pmd == "af_packet") pc.max_rx_frame = 4096;
    mesh = std::make_unique<rings::handoff_mesh>("sgwnho", 2, 256);
    pc.handoff_slots = mesh->slots();
    pc.reassembly_mbufs = 2 * 256;
    pc.arp_pending_mbufs = 2 * 256 * 8;
    port = std::make_unique<eal::port>(pc);
    if (v.pmd == "tap") configure_client();  // the tap interface exists only now

    net::iface_config base;
    base.address = {parse_ip(v.gw_ip), 24};
    base.gratuitous_count = 2;
    base.gratuitous_interval_us = 500'000;
    for (uint16_t w = 0; w < 2; ++w) handoff[w] = std::make_unique<rings::handoff_port>(*mesh, w);
    workers = std::make_unique<worker::port_workers>(
        *port, base, std::vector<rings::handoff_port*>{handoff[0].get(), handoff[1].get()});
    if (v.pmd == "af_packet") configure_client();  // before GARP, so arp_accept is on

    unsigned lc = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    for (uint16_t w = 0; w < 2; ++w) {
      loops[w] = std::make_unique<worker::poll_loop>(worker::poll_config{});
      loops[w]->add_port(workers->binding(w));
      loops[w]->set_handoff(handoff[w].get());
      lcores[w] = lc;
      lc = rte_get_next_lcore(lc, 1, 0);
    }
    launched_ = &stop;  // before any worker reads it
    for (uint16_t w = 0; w < 2; ++w) {
      if (rte_eal_remote_launch(&gateway::worker_main, loops[w].get(), lcores[w]) != 0)
        throw std::runtime_error("cannot launch worker");
    }
    running = true;
  }

  static int worker_main(void* arg) {
    auto* loop = static_cast<worker::poll_loop*>(arg);
    loop->start();
    loop->run(*launched_);
    return 0;
  }

  void finish() {
    if (running) {
      stop.store(true);
      for (unsigned lc : lcores) rte_eal_wait_lcore(lc);
      running = false;
      for (uint16_t w = 0; w < 2; ++w)
        log(log_level::info, "test", "worker {} runtime:\n{}", w, loops[w]->stats().format());
    }
    workers.reset();
    for (auto& h : handoff) h.reset();
    mesh.reset();
    port.reset();
    if (eal::eal_started()) eal::eal_stop();
    if (original_ns >= 0) {
      setns(original_ns, CLONE_NEWNET);
      close(original_ns);
      original_ns = -1;
    }
    if (capture_pid > 0) kill(capture_pid, SIGTERM);
    remove_namespaces();
  }

  static inline std::atomic<bool>* launched_ = nullptr;
};

gateway* g_gw = nullptr;

class kernel_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    g_gw = new gateway;
    try {
      g_gw->start();
    } catch (const std::exception& e) {
      g_gw->finish();
      delete g_gw;
      g_gw = nullptr;
      FAIL() << e.what();
    }
  }
  void TearDown() override {
    if (g_gw) {
      g_gw->finish();
      delete g_gw;
      g_gw = nullptr;
    }
  }
};

[[maybe_unused]] ::testing::Environment* const kEnv =
    ::testing::AddGlobalTestEnvironment(new kernel_environment);

class KernelPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (g_gw == nullptr) GTEST_SKIP() << "gateway not running";
  }
  gateway& gw() { return *g_gw; }
  std::string our_mac() { return mac_string(gw().port->mac()); }
  uint64_t sum_icmp(net::icmp_counter c) {
    return gw().workers->iface(0).icmp_counters().get(c) + gw().workers->iface(1).icmp_counters().get(c);
  }
  // Every non-zero counter of both workers, for failure messages.
  std::string counters() {
    std::string out;
    for (uint16_t w = 0; w < 2; ++w) {
      auto dump = [&](const auto& set) {
        const auto infos = set.infos();
        for (size_t i = 0; i < infos.size(); ++i)
          if (set.value[i]) out += fmt::format("w{} {}={} ", w, infos[i].name, set.value[i]);
      };
      net::iface& f = gw().workers->iface(w);
      dump(f.ether_counters());
      dump(f.arp_counters());
      dump(f.ipv4_counters());
      dump(f.icmp_counters());
      dump(f.reassembly().counters());
    }
    const auto st = gw().port->stats();
    out += fmt::format("port rx={} tx={} missed={} rx_errors={}", st.rx_packets, st.tx_packets, st.rx_missed,
                       st.rx_errors);
    return out;
  }
  uint64_t sum_reasm(net::reassembly_counter c) {
    return gw().workers->iface(0).reassembly().counters().get(c) +
           gw().workers->iface(1).reassembly().counters().get(c);
  }
};

// First, before any traffic from the client: the kernel learned our address
// from the gratuitous ARP alone (arp_accept=1 creates entries from it).
TEST_F(KernelPeer, GratuitousArpCreatesTheKernelNeighbourEntry) {
  std::string out;
  for (int i = 0; i < 40; ++i) {
    out = run("ip -n " + gw().v.client_ns + " neigh show " + gw().v.gw_ip);
    if (out.find(our_mac()) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(out.find(our_mac()), std::string::npos) << out;
}

TEST_F(KernelPeer, PingGetsFiveReplies) {
  const std::string out = run(gw().in_client("ping -c 5 -i 0.2 -W 2 " + gw().v.gw_ip));
  EXPECT_NE(out.find("5 packets transmitted, 5 received"), std::string::npos) << out;
}

TEST_F(KernelPeer, KernelNeighbourTableShowsOurMac) {
  run(gw().in_client("ping -c 1 -W 2 " + gw().v.gw_ip));
  const std::string out = run("ip -n " + gw().v.client_ns + " neigh show " + gw().v.gw_ip);
  EXPECT_NE(out.find("lladdr " + our_mac()), std::string::npos) << out;
}

TEST_F(KernelPeer, ArpingGetsReplies) {
  if (run("command -v arping").empty()) GTEST_SKIP() << "arping (iputils-arping) not installed";
  const std::string out = run(gw().in_client("arping -c 3 -w 5 -I " + gw().v.client_if + " " + gw().v.gw_ip));
  EXPECT_NE(out.find("Received 3 response"), std::string::npos) << out;
  std::string upper = our_mac();
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_NE(out.find("[" + upper + "]"), std::string::npos) << out;
}

// The kernel fragments a 3028-byte datagram for the 1500-byte link. Over tap we
// reassemble it; over af_packet the PMD's fanout group (PACKET_FANOUT_FLAG_DEFRAG)
// has the kernel reassemble it before we see it. Either way we answer, and
// fragment the reply ourselves (DF clear), which the kernel reassembles.
TEST_F(KernelPeer, LargePingIsReassembledAndAnswered) {
  const uint64_t before = sum_reasm(net::reassembly_counter::reassembled);
  const std::string out = run(gw().in_client("ping -c 3 -i 0.2 -W 2 -s 3000 " + gw().v.gw_ip));
  EXPECT_NE(out.find("3 packets transmitted, 3 received"), std::string::npos) << out << counters();
  EXPECT_NE(out.find("3008 bytes from"), std::string::npos) << out;
  if (gw().v.pmd == "tap") {
    EXPECT_GE(sum_reasm(net::reassembly_counter::reassembled) - before, 3u) << counters();
  }
  uint64_t fragmented = 0;
  for (uint16_t w = 0; w < 2; ++w)
    fragmented += gw().workers->iface(w).ipv4_counters().get(net::ipv4_counter::fragmented);
  EXPECT_GE(fragmented, 3u) << counters();
}

TEST_F(KernelPeer, UdpToUsEarnsPortUnreachableCountedByTheKernel) {
  auto in_unreach = [&] {
    const std::string s = run(gw().in_client("nstat -az IcmpInDestUnreachs"));
    std::smatch m;
    return std::regex_search(s, m, std::regex("IcmpInDestUnreachs\\s+(\\d+)")) ? std::stoull(m[1]) : 0ull;
  };
  const uint64_t before = in_unreach();
  run(gw().in_client("sh -c 'echo probe | nc -u -w1 " + gw().v.gw_ip + " 9'"));
  uint64_t after = before;
  for (int i = 0; i < 20 && after == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    after = in_unreach();
  }
  EXPECT_GT(after, before);
  EXPECT_GE(sum_icmp(net::icmp_counter::unreachable_sent), 1u);
}

}  // namespace
}  // namespace sstpgw::test
