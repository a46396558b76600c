// Baselines for the data plane below TCP, on one core:
//   RingRxTxBurst : a bare rx/tx burst loop over net_ring (the floor any stage
//                   is measured against; the TCP benchmark compares to it);
//   IcmpEcho      : a burst of echo requests through iface input -> reply ->
//                   TX buffer, including mbuf alloc and frame copy;
//   ArpResolve    : the per-packet output path for a resolved next hop.
// Each reports TSC cycles per packet; compare ratios within one run.
#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <cstring>
#include <memory>

#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"
#include "dataplane/eal/mempool.hh"
#include "dataplane/eal/port.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/iface.hh"
#include "tests/unit/net/frames.hh"

namespace {

using namespace sstpgw;
constexpr uint16_t kBurst = eal::kBurst;

eal::port* g_ring = nullptr;
rte_mempool* g_pool = nullptr;

void report(benchmark::State& state, uint64_t cycles, uint64_t packets) {
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["cycles/pkt"] = packets ? double(cycles) / double(packets) : 0.0;
}

void RingRxTxBurst(benchmark::State& state) {
  rte_mbuf* pk[kBurst];
  if (rte_pktmbuf_alloc_bulk(g_ring->pool(0), pk, kBurst) != 0) {
    state.SkipWithError("no mbufs");
    return;
  }
  for (auto* m : pk) rte_pktmbuf_append(m, 64);
  uint64_t packets = 0;
  const uint64_t t0 = rte_rdtsc();
  for (auto _ : state) {
    const uint16_t sent = rte_eth_tx_burst(g_ring->id(), 0, pk, kBurst);
    const uint16_t got = rte_eth_rx_burst(g_ring->id(), 0, pk, kBurst);
    benchmark::DoNotOptimize(sent);
    packets += got;
  }
  report(state, rte_rdtsc() - t0, packets);
  rte_pktmbuf_free_bulk(pk, kBurst);
}
BENCHMARK(RingRxTxBurst);

uint16_t discard(void*, rte_mbuf** p, uint16_t n) {
  rte_pktmbuf_free_bulk(p, n);
  return n;
}

net::iface_config stack_config() {
  net::iface_config c;
  c.mac = net::mac_addr{test::kGwMac};
  c.address = {test::kGwIp, 24};
  c.pool = g_pool;
  c.arp_speaker = false;
  return c;
}

void IcmpEcho(benchmark::State& state) {
  eal::tx_buffer tx(eal::queue_io{nullptr, &discard, nullptr});
  net::iface f(stack_config(), tx);
  rte_mbuf* none[net::arp_table::kMaxPendingPerEntry];
  f.arp().learn(test::kPeerIp, net::mac_addr{test::kPeerMac}, true, 0, none);
  const test::bytes frame = test::echo_request_frame(1, 56);
  rte_mbuf* pk[kBurst];
  uint64_t packets = 0, cycles = 0;
  for (auto _ : state) {
    if (rte_pktmbuf_alloc_bulk(g_pool, pk, kBurst) != 0) {
      state.SkipWithError("no mbufs");
      break;
    }
    for (auto* m : pk)
      std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
    const uint64_t t0 = rte_rdtsc();
    f.input(pk, kBurst, 1);
    tx.flush();
    cycles += rte_rdtsc() - t0;
    packets += kBurst;
  }
  report(state, cycles, packets);
  if (f.icmp_counters().get(net::icmp_counter::echo_replies_sent) != packets)
    state.SkipWithError("not every request answered");
}
BENCHMARK(IcmpEcho);

void ArpResolvedOutput(benchmark::State& state) {
  eal::tx_buffer tx(eal::queue_io{nullptr, &discard, nullptr});
  net::iface f(stack_config(), tx);
  rte_mbuf* none[net::arp_table::kMaxPendingPerEntry];
  f.arp().learn(test::kPeerIp, net::mac_addr{test::kPeerMac}, true, 0, none);
  const test::bytes ip =
      test::ipv4_packet({.protocol = 6, .src = test::kGwIp, .dst = test::kPeerIp}, test::pattern(40));
  rte_mbuf* pk[kBurst];
  uint64_t packets = 0, cycles = 0;
  for (auto _ : state) {
    if (rte_pktmbuf_alloc_bulk(g_pool, pk, kBurst) != 0) {
      state.SkipWithError("no mbufs");
      break;
    }
    for (auto* m : pk)
      std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(ip.size())), ip.data(), ip.size());
    const uint64_t t0 = rte_rdtsc();
    const uint16_t queued = f.output(pk, kBurst);
    rte_pktmbuf_free_bulk(pk + queued, kBurst - queued);  // refused: still ours
    tx.flush();
    cycles += rte_rdtsc() - t0;
    packets += kBurst;
  }
  report(state, cycles, packets);
}
BENCHMARK(ArpResolvedOutput);

}  // namespace

int main(int argc, char** argv) {
  set_log_level(log_level::warn);
  eal::eal_config cfg;
  cfg.program_name = "perf-net";
  cfg.vdevs = {"net_ring0"};
  cfg.memory_mb = 256;
  cfg.log_level = "warning";
  eal::eal_start(cfg);
  {
    eal::port_config pc;
    pc.port_id = eal::port::find("net_ring0");
    auto ring = std::make_unique<eal::port>(pc);
    g_ring = ring.get();
    g_pool = eal::create_packet_pool("bench", 8191, 256, eal::data_room_for_mtu(1500), 0);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  }
  eal::eal_stop();
  return 0;
}
