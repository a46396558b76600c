// perf_tcp: TCP segments and bytes per second per worker core over DPDK
// ports, client stack on one lcore and server stack on another, with a
// same-run baseline on the same ports and lcores.
//
// Setup (once): EAL with two lcores mapped onto this machine's CPUs
// (--lcores, --no-huge), two net_ring ports joined back to back by two
// rte_rings (tests/unit/tcp/harness/ring_ports.hh); lcore 0 (main) drives
// port a, lcore 1 port b. Each payload size (64 .. 1460 B) runs two cases:
//
//   bare_forward/P  the floor: lcore 1 runs a bare rx/tx burst loop on port b
//                   (rx burst, tx the same packets back), lcore 0 keeps a
//                   population of 512 frames of P bytes of payload (Ethernet +
//                   IPv4 + TCP headers) circulating through port a. No TCP,
//                   no iface, no copies.
//   tcp_stream/P    the worker: each lcore runs the gateway's layers
//                   (eal::port queue -> net::iface -> tcp::stack, TX buffer;
//                   tests/unit/tcp/harness/ring_host.hh); the client streams
//                   one connection in segments of exactly P bytes (MSS = P,
//                   no timestamps; checksums in software, as net_ring offers
//                   no offload), the server consumes and ACKs.
//
// Measured on lcore 1 (the receiving worker) over a fixed window after a
// warm-up: rdtsc around every loop iteration; the cycles of iterations that
// received packets are the busy cycles, so cycles/segment (cycles/packet for
// the baseline) = busy cycles / segments received, whatever the sender's
// speed. segments/s and bytes/s are what the pair achieved in the window
// (the sender is usually the bottleneck), capacity = TSC Hz / cycles per
// segment is what the receiving core could take at 100 %. The sender's
// cycles per segment (lcore 0: iterations that sent data segments, over the
// segments they sent) are reported too. cpu% is the
// receiving lcore's thread CPU time over the window: below ~100 % the
// machine's other load preempted it, and rdtsc counted that time as well.
//
//   build/perf/perf_tcp                       (1 s per case; SGWT_BENCH_SECONDS=n)
//   build/perf/perf_tcp --benchmark_repetitions=3   (the table shows medians)
//   build/perf/perf_tcp --benchmark_filter=/1460
// On a machine shared with other work the figures move from run to run (how
// much the two lcores overlap in time changes what the rings' cache lines
// cost); compare ratios within one run, and prefer medians of repetitions.
#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"
#include "dataplane/eal/mempool.hh"
#include "perf/common/median_reporter.hh"
#include "tests/unit/tcp/harness/ring_host.hh"
#include "tests/unit/tcp/harness/ring_ports.hh"

namespace {

using namespace sstpgw;
using namespace sstpgw::tcp;

constexpr uint32_t kClientIp = 0x0a590001;  // 10.89.0.1, never leaves the process
constexpr uint32_t kServerIp = 0x0a590002;
constexpr uint16_t kPort = 443;
constexpr uint16_t kBurst = eal::kBurst;
constexpr uint32_t kPopulation = 512;        // frames circulating in the baseline
constexpr uint64_t kWarmupNs = 300'000'000;  // ARP, handshake, slow start
constexpr int kPayloads[] = {64, 128, 256, 512, 1024, 1460};

std::unique_ptr<testing::ring_port_pair> g_pair;
rte_mempool* g_indirect[2] = {};
unsigned g_server_lcore = 0;
double g_ns_per_tsc = 0;
double g_window_s = 1.0;
// An iteration longer than this lost its CPU to another thread (a burst of 32
// segments takes microseconds; a scheduler time slice is milliseconds).
constexpr uint64_t kPreemptedNs = 200'000;
uint64_t g_preempted_tsc = 0;

uint64_t tsc_ns(uint64_t tsc) { return static_cast<uint64_t>(static_cast<double>(tsc) * g_ns_per_tsc); }

uint64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

// Phases the main lcore announces to lcore 1.
enum phase : int { kWarmup = 0, kMeasure = 1, kStop = 2 };

// What the receiving lcore measured in the window.
struct meter {
  uint64_t busy_cycles = 0;
  uint64_t busy_iterations = 0;
  uint64_t iterations = 0;
  uint64_t packets = 0;  // received in busy iterations that were not preempted
  uint64_t all_packets = 0;
  uint64_t preempted = 0;
  uint64_t bytes = 0;  // TCP: payload delivered to the application in the window
  uint64_t window_tsc = 0;
  uint64_t cpu_ns = 0;
};

// Runs `step` (returns packets received) until kStop, timing every call and
// keeping the totals of the kMeasure window.
template <typename Step, typename Bytes>
meter measured_loop(const std::atomic<int>& ph, Step step, Bytes bytes) {
  meter m;
  bool measuring = false;
  uint64_t tsc0 = 0, cpu0 = 0, bytes0 = 0;
  for (;;) {
    const int p = ph.load(std::memory_order_acquire);
    if (p == kStop) break;
    if (p == kMeasure && !measuring) {
      measuring = true;
      tsc0 = rte_rdtsc();
      cpu0 = thread_cpu_ns();
      bytes0 = bytes();
    }
    const uint64_t t0 = rte_rdtsc();
    const uint16_t n = step(t0);
    const uint64_t t1 = rte_rdtsc();
    if (measuring) {
      ++m.iterations;
      m.all_packets += n;
      if (t1 - t0 > g_preempted_tsc) {
        ++m.preempted;  // the thread lost its CPU inside: neither cycles nor packets count
      } else if (n) {
        m.busy_cycles += t1 - t0;
        ++m.busy_iterations;
        m.packets += n;
      }
    }
  }
  if (measuring) {
    m.window_tsc = rte_rdtsc() - tsc0;
    m.cpu_ns = thread_cpu_ns() - cpu0;
    m.bytes = bytes() - bytes0;
  }
  return m;
}

// The main lcore's side of a case: warm up, open the window, close it.
template <typename Step>
void drive(std::atomic<int>& ph, Step step) {
  const uint64_t start = rte_rdtsc();
  const auto warmup = static_cast<uint64_t>(static_cast<double>(kWarmupNs) / g_ns_per_tsc);
  const auto window = static_cast<uint64_t>(g_window_s * 1e9 / g_ns_per_tsc);
  for (;;) {
    const uint64_t t = rte_rdtsc();
    step(t);
    const int p = ph.load(std::memory_order_relaxed);
    if (p == kWarmup && t - start >= warmup) {
      ph.store(kMeasure, std::memory_order_release);
    } else if (p == kMeasure && t - start >= warmup + window) {
      ph.store(kStop, std::memory_order_release);
      return;
    }
  }
}

// cycles per packet (segment) over the busy iterations; rates over the window
// from `units` (all packets, or for TCP all payload bytes / payload size).
void report(benchmark::State& state, const meter& m, double units, const char* unit) {
  const double window_s = static_cast<double>(m.window_tsc) * g_ns_per_tsc / 1e9;
  for (auto _ : state) state.SetIterationTime(window_s);
  const double cycles = m.packets ? static_cast<double>(m.busy_cycles) / static_cast<double>(m.packets) : 0;
  state.counters[std::string("cycles_per_") + unit] = cycles;
  state.counters[std::string(unit) + "s_per_s"] = window_s > 0 ? units / window_s : 0;
  state.counters["capacity_per_s"] = cycles > 0 ? static_cast<double>(rte_get_tsc_hz()) / cycles : 0;
  state.counters["pkts_per_busy_iter"] =
      m.busy_iterations ? static_cast<double>(m.packets) / static_cast<double>(m.busy_iterations) : 0;
  state.counters["cpu_pct"] = window_s > 0 ? 100.0 * static_cast<double>(m.cpu_ns) / (window_s * 1e9) : 0;
  state.counters["preempted_iters"] = static_cast<double>(m.preempted);
}

// ---- baseline: bare rx/tx burst forwarding --------------------------------

struct forward_ctx {
  std::atomic<int>* ph;
  meter m;
};

int forward_lcore(void* arg) {
  auto* c = static_cast<forward_ctx*>(arg);
  const uint16_t port = g_pair->port(1).id();
  rte_mbuf* pk[kBurst];
  c->m = measured_loop(
      *c->ph,
      [&](uint64_t) -> uint16_t {
        const uint16_t n = rte_eth_rx_burst(port, 0, pk, kBurst);
        if (n == 0) return 0;
        const uint16_t sent = rte_eth_tx_burst(port, 0, pk, n);
        if (sent < n) rte_pktmbuf_free_bulk(pk + sent, n - sent);
        return n;
      },
      [] { return uint64_t{0}; });
  return 0;
}

void BM_bare_forward(benchmark::State& state, int payload) {
  g_pair->drain();
  eal::port& a = g_pair->port(0);
  // The population: frames of the size a TCP segment of `payload` makes.
  const auto frame = static_cast<uint16_t>(14 + 20 + 20 + payload);
  std::vector<rte_mbuf*> pop(kPopulation);
  if (rte_pktmbuf_alloc_bulk(a.pool(0), pop.data(), kPopulation) != 0) {
    state.SkipWithError("no mbufs");
    return;
  }
  for (rte_mbuf* m : pop) std::memset(rte_pktmbuf_append(m, frame), 0, frame);
  std::atomic<int> ph{kWarmup};
  forward_ctx ctx{&ph, {}};
  rte_eal_remote_launch(&forward_lcore, &ctx, g_server_lcore);
  uint32_t injected = 0;
  rte_mbuf* pk[kBurst];
  drive(ph, [&](uint64_t) {
    if (injected < kPopulation) {
      const uint16_t want = static_cast<uint16_t>(std::min<uint32_t>(kBurst, kPopulation - injected));
      injected += rte_eth_tx_burst(a.id(), 0, pop.data() + injected, want);
    }
    const uint16_t n = rte_eth_rx_burst(a.id(), 0, pk, kBurst);
    const uint16_t sent = rte_eth_tx_burst(a.id(), 0, pk, n);
    if (sent < n) rte_pktmbuf_free_bulk(pk + sent, n - sent);
  });
  rte_eal_wait_lcore(g_server_lcore);
  if (injected < kPopulation) rte_pktmbuf_free_bulk(pop.data() + injected, kPopulation - injected);
  g_pair->drain();
  report(state, ctx.m, static_cast<double>(ctx.m.all_packets), "packet");
}

// ---- TCP stream -------------------------------------------------------------

struct counting_app {
  conn_id conn = kNoConn;
  uint64_t bytes = 0;
  static stack_events events(counting_app* self) {
    stack_events e;
    e.ctx = self;
    e.accepted = [](void* x, conn_id c) {
      static_cast<counting_app*>(x)->conn = c;
      return true;
    };
    e.connected = [](void* x, conn_id c) { static_cast<counting_app*>(x)->conn = c; };
    e.data = [](void* x, conn_id, rte_mbuf* m) -> uint32_t {
      const uint32_t n = m->pkt_len;
      static_cast<counting_app*>(x)->bytes += n;
      rte_pktmbuf_free(m);
      return n;
    };
    return e;
  }
};

struct tcp_server_ctx {
  std::atomic<int>* ph;
  testing::ring_host* host;
  counting_app* app;
  meter m;
};

int tcp_server_lcore(void* arg) {
  auto* c = static_cast<tcp_server_ctx*>(arg);
  c->m = measured_loop(
      *c->ph, [&](uint64_t tsc) { return c->host->run_once(tsc_ns(tsc)); }, [&] { return c->app->bytes; });
  return 0;
}

stack_config stream_config(int payload, rte_mempool* indirect) {
  stack_config c;
  c.max_connections = 16;
  c.mss_clamp = static_cast<uint16_t>(payload);  // every segment carries exactly `payload` bytes
  c.timestamps = false;                          // (with them, 1460 B would not fit a 1500 MTU)
  // A window of ~2048 segments: more would overflow the 4096-slot rings.
  const uint32_t buf = std::clamp<uint32_t>(2048u * static_cast<uint32_t>(payload), 64u * 1024, 1024u * 1024);
  c.rcv_buf = buf;
  c.snd_buf = buf;
  c.indirect_pool = indirect;
  c.secret = {7, 7};
  return c;
}

void BM_tcp_stream(benchmark::State& state, int payload) {
  g_pair->drain();
  counting_app client_app, server_app;
  testing::ring_host_config ca, sb;
  ca.ip = kClientIp;
  sb.ip = kServerIp;
  ca.mac = g_pair->mac(0);
  sb.mac = g_pair->mac(1);
  ca.tcp = stream_config(payload, g_indirect[0]);
  sb.tcp = stream_config(payload, g_indirect[1]);
  const uint64_t now = tsc_ns(rte_rdtsc());
  meter sender;
  uint64_t retransmits = 0;
  tcp_server_ctx ctx{};
  {
    testing::ring_host a(g_pair->port(0), ca, counting_app::events(&client_app), now);
    testing::ring_host b(g_pair->port(1), sb, counting_app::events(&server_app), now);
    b.stack().listen(kPort);
    a.stack().connect(kClientIp, kServerIp, kPort, now);
    std::vector<uint8_t> chunk(size_t{64} * 1024, 0x5a);
    std::atomic<int> ph{kWarmup};
    ctx = tcp_server_ctx{&ph, &b, &server_app, {}};
    rte_eal_remote_launch(&tcp_server_lcore, &ctx, g_server_lcore);
    // The sender's busy cycles: iterations (send() copies + the loop) that
    // sent data segments, not preempted; idle spinning on a full window is
    // not counted.
    bool measuring = false;
    const auto& sent = a.stack().counters();
    drive(ph, [&](uint64_t tsc) {
      if (!measuring && ph.load(std::memory_order_relaxed) == kMeasure) measuring = true;
      const uint64_t s0 = sent.get(tcp_counter::tx_data_segments);
      if (client_app.conn != kNoConn) {
        // Keep the send buffer full.
        while (a.stack().send(client_app.conn, chunk.data(), static_cast<uint32_t>(chunk.size())) > 0) {
        }
      }
      a.run_once(tsc_ns(tsc));
      const uint64_t t1 = rte_rdtsc();
      const uint64_t segs = sent.get(tcp_counter::tx_data_segments) - s0;
      if (measuring && segs > 0 && t1 - tsc <= g_preempted_tsc) {
        sender.busy_cycles += t1 - tsc;
        sender.packets += segs;
      }
    });
    rte_eal_wait_lcore(g_server_lcore);
    retransmits = a.stack().counters().get(tcp_counter::retransmit_timeout) +
                  a.stack().counters().get(tcp_counter::retransmit_fast);
    if (client_app.conn == kNoConn || server_app.conn == kNoConn) state.SkipWithError("no connection");
  }
  g_pair->drain();
  // The client sends nothing but data segments of `payload` bytes.
  report(state, ctx.m, static_cast<double>(ctx.m.bytes) / payload, "segment");
  state.SetBytesProcessed(static_cast<int64_t>(ctx.m.bytes));
  state.counters["sender_cycles_per_segment"] =
      sender.packets ? static_cast<double>(sender.busy_cycles) / static_cast<double>(sender.packets) : 0;
  state.counters["retransmits"] = static_cast<double>(retransmits);
}

// ---- the table ----------------------------------------------------------------

std::string name(const char* what, int payload) { return std::string(what) + "/" + std::to_string(payload); }

}  // namespace

int main(int argc, char** argv) {
  if (const char* s = std::getenv("SGWT_BENCH_SECONDS")) g_window_s = std::atof(s) > 0 ? std::atof(s) : 1.0;
  set_log_level(log_level::warn);
  eal::eal_config cfg;
  cfg.program_name = "perf-tcp";
  cfg.n_lcores = 2;
  cfg.hugepages = eal::hugepage_mode::never;
  cfg.memory_mb = 512;
  cfg.log_level = "warning";
  eal::eal_start(cfg);
  g_server_lcore = rte_get_next_lcore(-1, 1, 0);
  g_ns_per_tsc = 1e9 / static_cast<double>(rte_get_tsc_hz());
  g_preempted_tsc = static_cast<uint64_t>(static_cast<double>(kPreemptedNs) / g_ns_per_tsc);
  {
    testing::ring_pair_config rc;
    rc.name = "perf_tcp";
    rc.lcores = {rte_lcore_id(), g_server_lcore};
    rc.extra_mbufs = 16384;
    g_pair = std::make_unique<testing::ring_port_pair>(rc);
  }
  g_indirect[0] = eal::create_packet_pool("perf_tcp_ind_a", 16383, 256, 0, 0);
  g_indirect[1] = eal::create_packet_pool("perf_tcp_ind_b", 16383, 256, 0, 0);

  // Each TCP case right after its baseline, on the same ports and lcores.
  for (int p : kPayloads) {
    benchmark::RegisterBenchmark(name("bare_forward", p).c_str(),
                                 [p](benchmark::State& s) { BM_bare_forward(s, p); })
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(name("tcp_stream", p).c_str(),
                                 [p](benchmark::State& s) { BM_tcp_stream(s, p); })
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sstpgw::perf::median_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  benchmark::Shutdown();

  std::printf(
      "\nTCP over net_ring, client lcore %u -> server lcore %u, TSC %.2f GHz, %.1f s window.\n"
      "Receiving core: cycles per segment (busy iterations) against the same-run bare rx/tx\n"
      "forwarding loop on the same port and lcore; achieved rate of the pair; what the receiving\n"
      "core could take at 100 %%; the sender's cycles per segment.\n",
      rte_lcore_id(), g_server_lcore, static_cast<double>(rte_get_tsc_hz()) / 1e9, g_window_s);
  std::printf("%7s | %9s %9s %7s | %9s %9s | %9s %9s | %9s | %5s %5s\n", "payload", "bare c/p", "tcp c/s",
              "ratio", "Mseg/s", "MB/s", "cap Mseg", "cap MB/s", "send c/s", "burst", "cpu%");
  for (int p : kPayloads) {
    if (rep.find(name("tcp_stream", p)) == nullptr) continue;
    const double bare = rep.value(name("bare_forward", p), "cycles_per_packet");
    auto r = [&](const char* counter) { return rep.value(name("tcp_stream", p), counter); };
    const double cyc = r("cycles_per_segment");
    const double rate = r("segments_per_s");
    const double cap = r("capacity_per_s");
    std::printf("%5d B | %9.0f %9.0f %6.1fx | %9.3f %9.1f | %9.3f %9.1f | %9.0f | %5.1f %5.0f\n", p, bare,
                cyc, bare > 0 ? cyc / bare : 0, rate / 1e6, rate * p / 1e6, cap / 1e6, cap * p / 1e6,
                r("sender_cycles_per_segment"), r("pkts_per_busy_iter"), r("cpu_pct"));
  }
  g_pair.reset();
  for (rte_mempool* p : g_indirect) rte_mempool_free(p);
  eal::eal_stop();
  return 0;
}
