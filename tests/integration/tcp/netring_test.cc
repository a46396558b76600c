// The stack's own client against the stack's own server, each a full worker
// as the gateway runs one: an eal::port (net_ring, the two ports joined back
// to back by two rte_rings, see tests/unit/tcp/harness/ring_ports.hh), a
// net::iface (Ethernet, ARP, IPv4: the hosts resolve each other with real ARP
// requests and replies) and a tcp::stack, each on its own lcore (EAL with
// --lcores mapping lcore 0 and 1 onto this machine's CPUs, --no-huge). The
// client worker is the main lcore, the server worker lcore 1; they share
// nothing but the rings, and run on wall-clock time.
//
// Seeded random data each way, SHA-256 of what each end sent compared with
// what the other received: 1 B to 64 MiB each way, 200 connections at once,
// and the impairment stage on the server port's queue (both directions,
// through the eal::queue_io seam the worker polls) at 1 % and 5 % loss.
#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"
#include "dataplane/eal/mempool.hh"
#include "tests/unit/tcp/harness/impaired_queue.hh"
#include "tests/unit/tcp/harness/ring_host.hh"
#include "tests/unit/tcp/harness/ring_ports.hh"
#include "tests/unit/tcp/harness/transfer_app.hh"

namespace sstpgw::tcp {
namespace {

using testing::transfer_app;

constexpr uint32_t kClientIp = 0x0a580001;  // 10.88.0.1, never leaves the process
constexpr uint32_t kServerIp = 0x0a580002;  // 10.88.0.2
constexpr uint16_t kPort = 443;
constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kCaseDeadlineNs = 40'000'000'000;  // a hung case fails instead of hanging

// EAL, the port pair and the indirect pools: once per process.
struct world {
  std::unique_ptr<testing::ring_port_pair> pair;
  rte_mempool* indirect[2] = {};
  unsigned server_lcore = 0;
  uint64_t tsc0 = 0;
  double ns_per_tsc = 0;
};
world* g_world = nullptr;

class netring_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    set_log_level(log_level::warn);
    eal::eal_config cfg;
    cfg.program_name = "sstpgw-tcp-netring-test";
    cfg.n_lcores = 2;  // lcore 0 (main): client worker, lcore 1: server worker
    cfg.hugepages = eal::hugepage_mode::never;
    cfg.memory_mb = 768;
    cfg.log_level = "warning";
    eal::eal_start(cfg);
    g_world = new world;
    g_world->server_lcore = rte_get_next_lcore(-1, 1, 0);
    testing::ring_pair_config rc;
    rc.name = "sgwt_nr";
    rc.lcores = {rte_lcore_id(), g_world->server_lcore};
    rc.extra_mbufs = 40000;
    rc.arp_pending_mbufs = 256;
    g_world->pair = std::make_unique<testing::ring_port_pair>(rc);
    g_world->indirect[0] = eal::create_packet_pool("sgwt_nr_ind_a", 32767, 256, 0, 0);
    g_world->indirect[1] = eal::create_packet_pool("sgwt_nr_ind_b", 32767, 256, 0, 0);
    g_world->tsc0 = rte_rdtsc();
    g_world->ns_per_tsc = 1e9 / static_cast<double>(rte_get_tsc_hz());
  }
  void TearDown() override {
    g_world->pair.reset();
    for (rte_mempool* p : g_world->indirect) rte_mempool_free(p);
    delete g_world;
    g_world = nullptr;
    eal::eal_stop();
  }
};
[[maybe_unused]] ::testing::Environment* const kEnv =
    ::testing::AddGlobalTestEnvironment(new netring_environment);

// Wall-clock nanoseconds from the TSC (both lcores read the same counter),
// starting at 1 s so no deadline is ever 0.
uint64_t now_ns() {
  return 1'000'000'000 +
         static_cast<uint64_t>(static_cast<double>(rte_rdtsc() - g_world->tsc0) * g_world->ns_per_tsc);
}

stack_config tcp_config(uint32_t conns, uint32_t buf, rte_mempool* indirect, uint64_t seed) {
  stack_config c;
  c.max_connections = conns;
  c.max_half_open = conns;
  c.max_time_wait = conns;
  c.rcv_buf = buf;
  c.snd_buf = buf;
  c.indirect_pool = indirect;
  c.reassembly_nodes = 16384;
  c.max_retries = 30;
  // Keep lossy runs short on a link whose RTT is microseconds: RTO floor
  // 50 ms (a descheduled lcore may cost a spurious retransmission, no more),
  // backoff capped at 1 s.
  c.rto.min_ns = 50'000'000;
  c.rto.max_ns = 1'000'000'000;
  c.secret = {0x5eed ^ seed, buf};
  return c;
}

struct session_case {
  const char* name;
  uint32_t conns;
  uint64_t min_bytes;
  uint64_t max_bytes;
  double loss;  // on the server port's queue, each direction
  uint32_t buf;
  uint64_t seed;
};

// One worker's loop: run the host, pump the application, until both sides are
// done (the one that finishes first keeps answering: its TIME-WAIT may have
// to ACK a retransmitted FIN) or the deadline passes.
struct worker {
  testing::ring_host* host = nullptr;
  transfer_app* app = nullptr;
  testing::impaired_queue* wrap = nullptr;
  uint32_t conns = 0;
  std::atomic<bool>* done_self = nullptr;
  const std::atomic<bool>* done_peer = nullptr;
  std::atomic<bool>* give_up = nullptr;
  uint64_t deadline = 0;
  uint64_t iterations = 0;

  void run() {
    for (;;) {
      const uint64_t now = now_ns();
      if (wrap) wrap->set_now(now);
      app->pump();
      host->run_once(now);
      ++iterations;
      if (!done_self->load(std::memory_order_relaxed) && app->open_count() == 0 &&
          app->results().size() == conns)
        done_self->store(true, std::memory_order_release);
      if (done_self->load(std::memory_order_relaxed) && done_peer->load(std::memory_order_acquire)) return;
      if (give_up->load(std::memory_order_relaxed)) return;
      if (now > deadline) {
        give_up->store(true);
        return;
      }
    }
  }
  static int launch(void* arg) {
    static_cast<worker*>(arg)->run();
    return 0;
  }
};

// What a stuck session looks like: non-zero counters and every connection
// still in the table (printed when a case gives up, or with SGWT_DIAG set).
std::string diag(const char* who, testing::ring_host& h) {
  std::string out = std::string(who) + ":";
  const auto& c = h.stack().counters();
  for (size_t i = 0; i < c.size; ++i)
    if (c.value[i]) out += " " + std::string(c.infos()[i].name) + "=" + std::to_string(c.value[i]);
  const auto& ip = h.iface().ipv4_counters();
  for (size_t i = 0; i < ip.size; ++i)
    if (ip.value[i]) out += " ip." + std::string(ip.infos()[i].name) + "=" + std::to_string(ip.value[i]);
  out += "\n";
  for (conn_id id = 0; id < h.stack().config().max_connections; ++id) {
    const conn_info i = h.stack().info(id);
    if (i.state == tcp_state::closed || i.state == tcp_state::time_wait) continue;
    out += "  conn " + std::to_string(id) + " " + to_string(i.state) + " port " +
           std::to_string(i.tuple.local_port) + "/" + std::to_string(i.tuple.remote_port) + " una " +
           std::to_string(i.snd_una) + " max " + std::to_string(i.snd_max) + " rcv_nxt " +
           std::to_string(i.rcv_nxt) + " queued " + std::to_string(i.send_queued) + " wnd " +
           std::to_string(i.snd_wnd) + " cwnd " + std::to_string(i.cwnd) + " ssthresh " +
           std::to_string(i.ssthresh) + " reass " + std::to_string(i.reassembly_bytes) + " rto_ms " +
           std::to_string(i.rto_ns / 1'000'000) + "\n";
  }
  return out;
}

uint64_t retransmits(const stack& s) {
  return s.counters().get(tcp_counter::retransmit_timeout) + s.counters().get(tcp_counter::retransmit_fast);
}

void run_session(session_case tc) {
  // SGWT_SEED re-runs every case under other seeds (a soak; the suite uses the fixed ones).
  if (const char* e = std::getenv("SGWT_SEED")) tc.seed += std::strtoull(e, nullptr, 0);
  auto& pair = *g_world->pair;
  pair.drain();
  rte_mempool* pool_a = pair.port(0).pool(0);
  rte_mempool* pool_b = pair.port(1).pool(0);
  const uint32_t base_a = rte_mempool_in_use_count(pool_a), base_b = rte_mempool_in_use_count(pool_b);
  {
    transfer_app client(pool_a, false, tc.conns + 8), server(pool_b, true, tc.conns + 8);
    testing::ring_host_config ca, sb;
    ca.ip = kClientIp;
    sb.ip = kServerIp;
    ca.mac = pair.mac(0);
    sb.mac = pair.mac(1);
    // SYNs beyond the ARP queue (64, its bound) are dropped while the first
    // request is out, and go again at their retransmission timeout.
    ca.arp.pending_per_entry = sb.arp.pending_per_entry = 64;
    ca.arp.retry_us = sb.arp.retry_us = 200'000;
    ca.tcp = tcp_config(tc.conns + 8, tc.buf, g_world->indirect[0], tc.seed);
    sb.tcp = tcp_config(tc.conns + 8, tc.buf, g_world->indirect[1], tc.seed * 31 + 7);
    const uint64_t t0 = now_ns();
    testing::ring_host a(pair.port(0), ca, client.events(), t0);
    testing::ring_host b(pair.port(1), sb, server.events(), t0);
    client.attach(&a.stack());
    server.attach(&b.stack());
    ASSERT_TRUE(b.stack().listen(kPort));

    std::unique_ptr<testing::impaired_queue> wrap;
    if (tc.loss > 0) {
      net::impairment_config rx, tx;
      rx.seed = tc.seed;
      rx.drop = tc.loss;
      tx.seed = tc.seed * 31 + 7;
      tx.drop = tc.loss;
      wrap = std::make_unique<testing::impaired_queue>(pair.port(1).io(0), rx, tx, pool_b);
      b.set_io(wrap->io());
    }

    // Flows are decided here, before either lcore runs: the server's
    // expectations must be in place before the first SYN arrives.
    std::mt19937_64 rng(tc.seed);
    std::map<uint16_t, testing::flow_spec> specs;
    for (uint32_t k = 0; k < tc.conns; ++k) {
      testing::flow_spec f;
      const uint64_t span = tc.max_bytes - tc.min_bytes;
      f.c2s = tc.min_bytes + (span ? rng() % (span + 1) : 0);
      f.s2c = tc.min_bytes + (span ? rng() % (span + 1) : 0);
      f.seed = rng();
      f.use_mbuf = (k % 2) == 1;
      const auto port = static_cast<uint16_t>(40000 + k);
      server.expect(port, f);
      specs[port] = f;
    }
    for (const auto& [port, f] : specs)
      ASSERT_EQ(client.open(kClientIp, kServerIp, kPort, t0, f, port), port);

    std::atomic<bool> done_a{false}, done_b{false}, give_up{false};
    const uint64_t deadline = t0 + kCaseDeadlineNs;
    worker wa{&a, &client, nullptr, tc.conns, &done_a, &done_b, &give_up, deadline};
    worker wb{&b, &server, wrap.get(), tc.conns, &done_b, &done_a, &give_up, deadline};
    ASSERT_EQ(rte_eal_remote_launch(&worker::launch, &wb, g_world->server_lcore), 0);
    wa.run();  // the client worker is this (main) lcore
    rte_eal_wait_lcore(g_world->server_lcore);
    const double seconds = static_cast<double>(now_ns() - t0) / 1e9;

    if (give_up.load() || std::getenv("SGWT_DIAG"))
      std::fprintf(stderr, "%s%s", diag("client", a).c_str(), diag("server", b).c_str());
    ASSERT_FALSE(give_up.load()) << "not done after " << seconds << " s: client open " << client.open_count()
                                 << " closed " << client.results().size() << ", server open "
                                 << server.open_count() << " closed " << server.results().size();
    ASSERT_EQ(client.results().size(), tc.conns);
    ASSERT_EQ(server.results().size(), tc.conns);
    for (const auto& [port, spec] : specs) {
      const auto& c = client.results().at(port);
      const auto& s = server.results().at(port);
      EXPECT_EQ(c.reason, close_reason::normal) << "port " << port;
      EXPECT_EQ(s.reason, close_reason::normal) << "port " << port;
      EXPECT_EQ(c.sent, spec.c2s);
      EXPECT_EQ(s.received, spec.c2s) << "port " << port;
      EXPECT_EQ(s.sent, spec.s2c);
      EXPECT_EQ(c.received, spec.s2c) << "port " << port;
      EXPECT_EQ(c.tx_digest, s.rx_digest) << "client->server data differs on port " << port;
      EXPECT_EQ(s.tx_digest, c.rx_digest) << "server->client data differs on port " << port;
      EXPECT_TRUE(c.peer_fin && s.peer_fin);
    }

    // ARP for real: the client asked, the server answered (and learned the
    // client from the request, RFC 826, so it never had to ask).
    const auto& arp_a = a.iface().arp_counters();
    const auto& arp_b = b.iface().arp_counters();
    EXPECT_GE(arp_a.get(net::arp_counter::requests_sent), 1u);
    EXPECT_GE(arp_a.get(net::arp_counter::replies), 1u);
    EXPECT_GE(arp_b.get(net::arp_counter::requests_for_us), 1u);
    EXPECT_GE(arp_b.get(net::arp_counter::replies_sent), 1u);
    if (tc.loss == 0) {
      EXPECT_EQ(arp_b.get(net::arp_counter::requests_sent), 0u);
    }
    for (auto* h : {&a, &b}) {
      const auto& ip = h->iface().ipv4_counters();
      EXPECT_EQ(ip.get(net::ipv4_counter::df_too_big), 0u) << "TCP built a segment above the MTU";
      EXPECT_EQ(ip.get(net::ipv4_counter::bad_checksum), 0u);
      EXPECT_EQ(h->stack().counters().get(tcp_counter::rx_bad_checksum), 0u);
      EXPECT_EQ(h->stack().reassembly_nodes_in_use(), 0u);
    }
    const uint64_t rtx = retransmits(a.stack()) + retransmits(b.stack());
    if (tc.loss > 0) {
      EXPECT_GT(wrap->rx_stats().dropped + wrap->tx_stats().dropped, 0u);
      EXPECT_GT(rtx, 0u) << "loss without retransmissions?";
    }
    const uint64_t tx_drops = a.tx().counters().get(eal::tx_counter::overflow_drops) +
                              b.tx().counters().get(eal::tx_counter::overflow_drops);
    ::testing::Test::RecordProperty("seconds", std::to_string(seconds));
    ::testing::Test::RecordProperty("retransmits", std::to_string(rtx));
    ::testing::Test::RecordProperty("tx_buffer_drops", std::to_string(tx_drops));
    ::testing::Test::RecordProperty("loop_iterations",
                                    std::to_string(wa.iterations) + "/" + std::to_string(wb.iterations));
    if (wrap)
      ::testing::Test::RecordProperty("impairment_dropped", std::to_string(wrap->rx_stats().dropped) + "/" +
                                                                std::to_string(wrap->tx_stats().dropped));
  }
  pair.drain();
  EXPECT_EQ(rte_mempool_in_use_count(pool_a), base_a) << "mbufs leaked (client port pool)";
  EXPECT_EQ(rte_mempool_in_use_count(pool_b), base_b) << "mbufs leaked (server port pool)";
  EXPECT_EQ(rte_mempool_in_use_count(g_world->indirect[0]), 0u) << "indirect mbufs leaked";
  EXPECT_EQ(rte_mempool_in_use_count(g_world->indirect[1]), 0u) << "indirect mbufs leaked";
}

TEST(NetRingTwoLcores, PortsAreTwoDistinctNetRingDevices) {
  auto& pair = *g_world->pair;
  EXPECT_EQ(pair.port(0).caps().driver, "net_ring");
  EXPECT_NE(pair.port(0).id(), pair.port(1).id());
  EXPECT_NE(pair.mac(0), pair.mac(1));
  EXPECT_NE(g_world->server_lcore, rte_lcore_id());
  EXPECT_EQ(rte_lcore_count(), 2u);
}

class Session : public ::testing::TestWithParam<session_case> {};

TEST_P(Session, DigestsMatchBothWays) { run_session(GetParam()); }

INSTANTIATE_TEST_SUITE_P(NetRingTwoLcores, Session,
                         ::testing::Values(
                             // name, conns, min, max, loss, buf, seed
                             session_case{"one_byte", 1, 1, 1, 0, 256 * 1024, 1},
                             session_case{"empty_and_small", 8, 0, 3000, 0, 256 * 1024, 2},
                             session_case{"sixty_four_mib", 1, 64 * kMiB, 64 * kMiB, 0, 256 * 1024, 3},
                             session_case{"two_hundred", 200, 1, 256 * kKiB, 0, 64 * 1024, 4},
                             session_case{"two_hundred_loss1", 200, 1, 64 * kKiB, 0.01, 64 * 1024, 5},
                             session_case{"two_hundred_loss5", 200, 1, 32 * kKiB, 0.05, 64 * 1024, 6},
                             session_case{"four_mib_loss1", 1, 4 * kMiB, 4 * kMiB, 0.01, 256 * 1024, 7}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sstpgw::tcp
