// Segments and bytes per second per worker core for TCP stack <-> stack over
// an in-process link (client and server stacks on this one lcore, so the
// figure pays for both ends: sender output + receiver input + ACK processing),
// and a same-run baseline: the bare packet loop (allocate, write header and
// payload, hand over through the same sink, free) without TCP.
//
//   build/perf/perf_tcp --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <time.h>

#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/net/tcp/stack.hh"
#include "tests/unit/tcp/harness/eal.hh"

namespace {

using namespace sstpgw;
using namespace sstpgw::tcp;

constexpr uint32_t kA = 0x0a000001, kB = 0x0a000002;

// Cycles are counted from this thread's CPU time (x TSC rate), not from TSC
// deltas: on a shared machine the thread is preempted and wall-clock cycles
// would charge other processes' work to the stack.
uint64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}
double cycles_per_ns() { return static_cast<double>(rte_get_tsc_hz()) / 1e9; }

rte_mempool* pool() { return testing::make_pool("tcp_perf", 32767); }
rte_mempool* ipool() { return testing::make_pool("tcp_perf_ind", 32767, 0); }

// The in-process link: a plain array per direction.
struct ring {
  std::vector<rte_mbuf*> q;
  static uint16_t push(void* ctx, rte_mbuf** p, uint16_t n) {
    auto* r = static_cast<ring*>(ctx);
    r->q.insert(r->q.end(), p, p + n);
    return n;
  }
  uint32_t deliver(stack& s, uint64_t now) {
    const auto total = static_cast<uint32_t>(q.size());
    for (size_t k = 0; k < q.size(); k += kBurst)
      s.input(q.data() + k, static_cast<uint16_t>(std::min<size_t>(kBurst, q.size() - k)), now);
    q.clear();
    return total;
  }
};

struct counting_app {
  uint64_t bytes = 0;
  conn_id conn = kNoConn;
  stack_events events() {
    stack_events e;
    e.ctx = this;
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

stack_config config(ring* out, uint16_t payload) {
  stack_config c;
  c.max_connections = 64;
  c.pool = pool();
  c.indirect_pool = ipool();
  c.mss_clamp = payload;  // one segment = exactly `payload` bytes
  c.timestamps = false;
  c.rcv_buf = 1024 * 1024;
  c.snd_buf = 1024 * 1024;
  c.secret = {7, 7};
  c.tx = net::burst_sink{&ring::push, out};
  return c;
}

// Client sends a stream in `payload`-byte segments; the server consumes.
void BM_tcp_stream(benchmark::State& state) {
  const auto payload = static_cast<uint16_t>(state.range(0));
  ring a_to_b, b_to_a;
  counting_app ca, sa;
  uint64_t now = 1'000'000'000;
  auto client = std::make_unique<stack>(config(&a_to_b, payload), ca.events(), now);
  auto server = std::make_unique<stack>(config(&b_to_a, payload), sa.events(), now);
  server->listen(443);
  client->connect(kA, kB, 443, now);
  for (int i = 0; i < 4; ++i) {
    client->poll(now);
    a_to_b.deliver(*server, now);
    b_to_a.deliver(*client, now);
  }
  if (ca.conn == kNoConn || sa.conn == kNoConn) {
    state.SkipWithError("handshake failed");
    return;
  }
  // One burst of segments per iteration, as a worker loop would see.
  std::vector<uint8_t> chunk(size_t{kBurst} * payload, 0x5a);
  uint64_t segments = 0;
  const uint64_t bytes0 = sa.bytes;
  const uint64_t cpu0 = thread_cpu_ns();
  for (auto _ : state) {
    client->send(ca.conn, chunk.data(), static_cast<uint32_t>(chunk.size()));
    now += 10'000;
    client->poll(now);
    segments += a_to_b.deliver(*server, now);
    b_to_a.deliver(*client, now);
  }
  const double cycles = static_cast<double>(thread_cpu_ns() - cpu0) * cycles_per_ns();
  const uint64_t bytes = sa.bytes - bytes0;
  const uint64_t data_segments = bytes / payload;
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["segments"] = static_cast<double>(data_segments);
  state.counters["segments_per_s"] =
      benchmark::Counter(static_cast<double>(data_segments), benchmark::Counter::kIsRate);
  state.counters["packets_per_s"] =
      benchmark::Counter(static_cast<double>(segments), benchmark::Counter::kIsRate);
  state.counters["cycles_per_segment"] = data_segments ? cycles / static_cast<double>(data_segments) : 0;
  state.counters["retransmits"] =
      static_cast<double>(client->counters().get(tcp_counter::retransmit_timeout) +
                          client->counters().get(tcp_counter::retransmit_fast));
  server.reset();
  client.reset();
  for (rte_mbuf* m : a_to_b.q) rte_pktmbuf_free(m);
  for (rte_mbuf* m : b_to_a.q) rte_pktmbuf_free(m);
}

// Baseline: the same per-packet work without TCP. A burst of mbufs is
// allocated, a 40-byte header and the payload written, handed over through a
// burst_sink, read and freed on the other side.
void BM_bare_loop(benchmark::State& state) {
  const auto payload = static_cast<uint16_t>(state.range(0));
  ring link;
  net::burst_sink sink{&ring::push, &link};
  std::vector<uint8_t> src(2048, 0x5a);
  rte_mbuf* burst[kBurst];
  uint64_t packets = 0, bytes = 0;
  const uint64_t cpu0 = thread_cpu_ns();
  for (auto _ : state) {
    if (rte_pktmbuf_alloc_bulk(pool(), burst, kBurst) != 0) {
      state.SkipWithError("pool empty");
      break;
    }
    for (auto* m : burst) {
      auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(40 + payload)));
      std::memset(p, 0, 40);
      std::memcpy(p + 40, src.data(), payload);
      m->l3_len = 20;
    }
    sink(burst, kBurst);
    for (rte_mbuf* m : link.q) {
      bytes += m->pkt_len - 40;
      benchmark::DoNotOptimize(*rte_pktmbuf_mtod(m, volatile uint8_t*));
    }
    packets += link.q.size();
    rte_pktmbuf_free_bulk(link.q.data(), static_cast<unsigned>(link.q.size()));
    link.q.clear();
  }
  const double cycles = static_cast<double>(thread_cpu_ns() - cpu0) * cycles_per_ns();
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["segments_per_s"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate);
  state.counters["cycles_per_segment"] = packets ? cycles / static_cast<double>(packets) : 0;
}

void payload_sizes(benchmark::internal::Benchmark* b) {
  for (int p : {64, 128, 256, 512, 1024, 1460}) b->Arg(p);
}

BENCHMARK(BM_bare_loop)->Apply(payload_sizes)->MinTime(0.3);
BENCHMARK(BM_tcp_stream)->Apply(payload_sizes)->MinTime(0.3);

}  // namespace

int main(int argc, char** argv) {
  sstpgw::tcp::testing::ensure_eal();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
