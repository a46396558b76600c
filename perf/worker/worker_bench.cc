// perf_worker: the worker's cost per IP packet on one lcore, end to end, with
// same-run baselines.
//
// The gateway is the real assembly (gateway_workers: client and VNet ifaces,
// TCP on 443, the session engine, the control channel, the poll loop) on two
// net_ring ports over rings this program owns, EAL without hugepages. Its
// sessions are set up through the control channel by this thread in place of
// the control thread (install_keys with fixed traffic keys, the HTTP reply,
// start_sstp, data_path_up), after real TCP handshakes from scripted clients
// (scripted_client.hh). Then, per cipher (TLS 1.3 and 1.2, AES-128/256-GCM),
// IP packet size and direction:
//   c2v  clients -> VNet: TCP segments carrying TLS records sealed by a
//        client-side record_writer (SSTP data packet, PPP FF 03 00 21, IPv4/
//        UDP), cut at the MSS as a TCP byte stream; the worker runs TCP receive
//        -> open_batch -> SSTP framing -> PPP -> anti-spoof -> VNet output;
//   v2c  VNet -> clients: IPv4 packets to the clients' addresses; the worker
//        runs session lookup -> PPP + SSTP headers in headroom -> seal_batch ->
//        TCP send, the scripted clients ACK every second segment.
// Every packet is checked at the far end (opened with a client-side
// record_reader, or compared on the VNet side), in order, none lost.
//
// Timing: a chunk of packets (per_session x sessions) is queued on the port's
// receive ring, then the worker's loop runs until idle; rdtsc around those
// iterations, and the thread's CPU time over the same span (a preempted
// iteration on a shared machine counts only the CPU time it got: cycles are
// min(rdtsc, cpu time x TSC rate)). Reported per repetition of `chunks`
// chunks; the median of the repetitions is shown. The scripted peers' own
// work (sealing, opening, checking) happens between the timed spans.
//
// Same-run baselines, timed the same way:
//   io-fwd  the bare rx/tx burst loop on the same two ports: rte_eth_rx_burst
//           from the client port, rte_eth_tx_burst to the VNet port;
//   aead    raw ipsec-mb AES-GCM (burst API, 32 jobs, one key per session) on
//           the record the worker seals/opens for that packet size: cycles
//           per record, decrypt for c2v, encrypt for v2c.
//
//   build/perf/perf_worker                 all ciphers, sizes 64 512 1400
//   build/perf/perf_worker --help
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"
#include "dataplane/tls/record_format.hh"
#include "perf/worker/gateway_rig.hh"

namespace {

using namespace sstpgw;
using namespace sstpgw::perf;
using tls::aead_algorithm;
using tls::protocol_version;

struct options {
  uint32_t sessions = 16;
  uint32_t per_session = 16;  // packets per session per chunk
  uint32_t chunks = 96;       // chunks per repetition
  uint32_t reps = 7;
  uint32_t warmup = 48;  // chunks before timing
  std::vector<uint32_t> sizes{64, 512, 1400};
  std::string filter;  // substring of "dir/ver/cipher/size"
  bool record_per_segment = false;
  bool stages = true;
};

enum class direction { c2v, v2c };
const char* dname(direction d) { return d == direction::c2v ? "c2v" : "v2c"; }
const char* vname(protocol_version v) { return v == protocol_version::tls13 ? "tls13" : "tls12"; }
const char* aname(aead_algorithm a) { return a == aead_algorithm::aes_128_gcm ? "aes128" : "aes256"; }

double tsc_per_ns() { return static_cast<double>(rte_get_tsc_hz()) / 1e9; }
// Cycles of a timed span: preemption shows in rdtsc but not in CPU time.
double span_cycles(const spent& s) {
  const double cpu = static_cast<double>(s.cpu_ns) * tsc_per_ns();
  return std::min(static_cast<double>(s.tsc), cpu);
}
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The plaintext of the record carrying one IP packet: SSTP header, PPP FF 03 00 21.
size_t record_plaintext(uint32_t ip_size) { return size_t{ip_size} + 8; }

// ---- baselines -----------------------------------------------------------------

double io_forward_cycles(gateway_rig& rig, uint32_t ip_size, const options& o) {
  const uint32_t chunk = o.sessions * o.per_session;
  const uint16_t in = rig.client_port().id(), out = rig.vnet_port().id();
  std::vector<rte_mbuf*> frames(chunk);
  std::vector<double> per_rep;
  for (uint32_t r = 0; r < o.reps + 1; ++r) {
    spent total;
    uint64_t packets = 0;
    for (uint32_t c = 0; c < o.chunks; ++c) {
      if (rte_pktmbuf_alloc_bulk(rig.peer_pool(), frames.data(), chunk) != 0) return 0;
      for (rte_mbuf* m : frames) rte_pktmbuf_append(m, static_cast<uint16_t>(14 + ip_size));
      rte_ring_enqueue_bulk(rig.rings().client_rx, reinterpret_cast<void**>(frames.data()), chunk, nullptr);
      const uint64_t c0 = thread_cpu_ns();
      const uint64_t t0 = rte_rdtsc();
      rte_mbuf* pk[32];
      for (;;) {
        const uint16_t n = rte_eth_rx_burst(in, 0, pk, 32);
        if (n == 0) break;
        const uint16_t sent = rte_eth_tx_burst(out, 0, pk, n);
        if (sent < n) rte_pktmbuf_free_bulk(pk + sent, n - sent);
        packets += sent;
      }
      total.tsc += rte_rdtsc() - t0;
      total.cpu_ns += thread_cpu_ns() - c0;
      void* done[64];
      unsigned k;
      while ((k = rte_ring_dequeue_burst(rig.rings().vnet_tx, done, 64, nullptr)) > 0)
        rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(done), k);
    }
    if (r > 0 && packets) per_rep.push_back(span_cycles(total) / static_cast<double>(packets));
  }
  return median(per_rep);
}

// Raw ipsec-mb on the records of one packet size: cycles per record.
double raw_aead_cycles(tls::aead_engine& e, protocol_version v, aead_algorithm a, uint32_t ip_size, bool encrypt,
                       const options& o) {
  const size_t len = tls::aead_payload_length(v, record_plaintext(ip_size));
  const uint64_t aad_len = v == protocol_version::tls13 ? tls::kTls13AadLen : tls::kTls12AadLen;
  const uint32_t n_keys = std::max<uint32_t>(1, o.sessions);
  std::vector<tls::aead_key> keys(n_keys);
  for (uint32_t k = 0; k < n_keys; ++k) e.expand_key(a, fixed_keys(v, a, k, !encrypt).key, keys[k]);
  const size_t stride = (len + tls::kTagLen + 63) / 64 * 64;
  std::vector<uint8_t> buf(stride * tls::kBurst, 0x5a);
  alignas(16) uint8_t tags[tls::kBurst][tls::kTagLen];
  uint8_t nonce[tls::kIvLen] = {1, 2, 3};
  uint8_t aad[tls::kTls12AadLen] = {23, 3, 3};
  const IMB_CIPHER_DIRECTION dir = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
  IMB_MGR* m = e.manager();
  // As many records per repetition as the worker case handles.
  const uint64_t bursts = uint64_t{o.chunks} * o.sessions * o.per_session / tls::kBurst + 1;
  std::vector<double> per_rep;
  uint32_t key = 0;
  for (uint32_t r = 0; r < o.reps + 1; ++r) {
    const uint64_t c0 = thread_cpu_ns();
    const uint64_t t0 = rte_rdtsc();
    for (uint64_t b = 0; b < bursts; ++b) {
      IMB_JOB* jobs[tls::kBurst];
      const uint32_t n = IMB_GET_NEXT_BURST(m, tls::kBurst, jobs);
      for (uint32_t j = 0; j < n; ++j) {
        uint8_t* p = buf.data() + j * stride;
        tls::fill_gcm_job(jobs[j], keys[key], dir, p, p, len, nonce, aad, aad_len, encrypt ? p + len : tags[j],
                          nullptr);
        key = key + 1 == n_keys ? 0 : key + 1;
      }
      if (IMB_SUBMIT_BURST(m, n, jobs) < n) IMB_FLUSH_BURST(m, tls::kBurst, jobs);
    }
    const spent s{rte_rdtsc() - t0, thread_cpu_ns() - c0, 0};
    if (r > 0) per_rep.push_back(span_cycles(s) / static_cast<double>(bursts * tls::kBurst));
  }
  return median(per_rep);
}

// ---- the worker cases ----------------------------------------------------------

struct result {
  direction d;
  protocol_version v;
  aead_algorithm a;
  uint32_t size;
  double cycles = 0;  // per IP packet (median of repetitions)
  double pps = 0;
  double gbps = 0;
  double io_fwd = 0;
  double aead = 0;
  uint64_t packets = 0;
  uint64_t drops = 0;
  bool ok = false;
};

uint64_t counter(gateway_rig& rig, session::session_counter c) { return rig.engine().counters().get(c); }

uint64_t drop_count(gateway_rig& rig) {
  using session::session_counter;
  const auto& c = rig.engine().counters();
  uint64_t n = 0;
  for (size_t i = 0; i < counter_set<session_counter>::size; ++i)
    if (std::string_view d = counter_set<session_counter>::infos()[i].description;
        d.starts_with("drop:") || d.starts_with("closed:"))
      n += c.value[i];
  return n;
}

// Stage cycles are rdtsc deltas: on a shared machine they include time the
// thread was preempted. `scale` (CPU time / rdtsc over the timed spans) takes
// that share out, assuming preemption falls on stages in proportion to their time.
void print_stages(const worker::runtime_stats& before, const worker::runtime_stats& after, double ip_packets,
                  double scale) {
  std::printf("    stage cycles x %.2f (thread CPU time / rdtsc over the timed spans)\n", scale);
  std::printf("    %-16s %10s %12s %9s %10s %12s\n", "stage", "calls", "items", "items/call", "cyc/item",
              "cyc/IP pkt");
  for (size_t i = 0; i < after.n_stages; ++i) {
    const worker::stage_stats& a = after.stages[i];
    const worker::stage_stats& b = before.stages[i];
    const uint64_t calls = a.calls - b.calls, items = a.packets - b.packets;
    const uint64_t cyc = a.cycles - b.cycles + a.idle_cycles - b.idle_cycles;
    if (calls == 0 && cyc == 0) continue;
    const double c = static_cast<double>(cyc) * scale;
    std::printf("    %-16s %10lu %12lu %9.2f %10.1f %12.1f\n", a.name, calls, items,
                calls ? static_cast<double>(items) / static_cast<double>(calls) : 0.0, items ? c / static_cast<double>(items) : 0.0,
                c / ip_packets);
  }
  const uint64_t it = after.iterations - before.iterations, idle = after.idle_iterations - before.idle_iterations;
  std::printf("    loop: %lu iterations (%lu idle), %.1f cycles per IP packet (all stages, scaled)\n", it, idle,
              static_cast<double>(after.loop_cycles - before.loop_cycles) * scale / ip_packets);
}

result run_case(gateway_rig& rig, scripted_client& c, direction d, protocol_version v, aead_algorithm a,
                uint32_t size, const options& o) {
  result res{d, v, a, size};
  c.set_data_phase(size);
  const auto out_counter =
      d == direction::c2v ? session::session_counter::client_to_vnet : session::session_counter::vnet_to_client;
  const uint64_t checked0 = d == direction::c2v ? c.c2v_checked() : c.v2c_checked();
  const uint64_t drops0 = drop_count(rig);
  uint64_t generated = 0;
  auto chunk = [&] {
    generated += d == direction::c2v ? c.client_chunk(o.per_session) : c.vnet_chunk(o.per_session);
    const spent s = rig.run_until_idle();
    c.drain();
    return s;
  };
  for (uint32_t w = 0; w < o.warmup; ++w) chunk();
  const worker::runtime_stats st0 = rig.gw().loop(0).stats();
  std::vector<double> per_rep;
  spent all;
  uint64_t all_packets = 0;
  for (uint32_t r = 0; r < o.reps; ++r) {
    const uint64_t p0 = counter(rig, out_counter);
    spent total;
    for (uint32_t k = 0; k < o.chunks; ++k) total += chunk();
    const uint64_t packets = counter(rig, out_counter) - p0;
    if (packets == 0) continue;
    per_rep.push_back(span_cycles(total) / static_cast<double>(packets));
    all += total;
    all_packets += packets;
  }
  const worker::runtime_stats st1 = rig.gw().loop(0).stats();
  // Let everything in flight arrive (TX drain timer, last ACKs) and be checked.
  rig.pump(c, [&] { return c.c2v_outstanding() == 0 && c.v2c_outstanding() == 0; }, 50);
  const uint64_t checked = (d == direction::c2v ? c.c2v_checked() : c.v2c_checked()) - checked0;
  res.packets = all_packets;
  res.drops = drop_count(rig) - drops0;
  res.cycles = median(per_rep);
  res.pps = res.cycles > 0 ? static_cast<double>(rte_get_tsc_hz()) / res.cycles : 0;
  res.gbps = res.pps * size * 8 / 1e9;
  res.ok = c.errors() == 0 && res.drops == 0 && checked == generated && generated > 0;
  std::printf("%s/%s/%s/%u: %.0f cycles/pkt (reps:", dname(d), vname(v), aname(a), size, res.cycles);
  for (double x : per_rep) std::printf(" %.0f", x);
  std::printf("), %.2f Mpps, %.2f Gbit/s; %lu packets generated, %lu checked at the far end, %lu drops%s\n",
              res.pps / 1e6, res.gbps, generated, checked, res.drops, res.ok ? "" : "  <-- FAILED");
  if (c.errors()) std::printf("  peer: %lu errors, first: %s\n", c.errors(), c.first_error().c_str());
  if (o.stages && all_packets && all.tsc)
    print_stages(st0, st1, static_cast<double>(all_packets), span_cycles(all) / static_cast<double>(all.tsc));
  return res;
}

bool matches(const options& o, const std::string& name) {
  return o.filter.empty() || name.find(o.filter) != std::string::npos;
}

std::vector<uint32_t> parse_sizes(const char* s) {
  std::vector<uint32_t> v;
  for (const char* p = s; *p;) {
    v.push_back(static_cast<uint32_t>(std::strtoul(p, const_cast<char**>(&p), 10)));
    if (*p == ',') ++p;
    else if (*p) break;
  }
  return v;
}

void usage() {
  std::printf(
      "perf_worker [--sessions N] [--per-session P] [--chunks K] [--reps R] [--warmup W]\n"
      "            [--sizes 64,512,1400] [--filter SUBSTR] [--record-per-segment] [--no-stages]\n"
      "  SUBSTR matches \"dir/ver/cipher/size\", e.g. c2v/tls13/aes128/1400\n");
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--sessions") o.sessions = static_cast<uint32_t>(std::atoi(next()));
    else if (a == "--per-session") o.per_session = static_cast<uint32_t>(std::atoi(next()));
    else if (a == "--chunks") o.chunks = static_cast<uint32_t>(std::atoi(next()));
    else if (a == "--reps") o.reps = static_cast<uint32_t>(std::atoi(next()));
    else if (a == "--warmup") o.warmup = static_cast<uint32_t>(std::atoi(next()));
    else if (a == "--sizes") o.sizes = parse_sizes(next());
    else if (a == "--filter") o.filter = next();
    else if (a == "--record-per-segment") o.record_per_segment = true;
    else if (a == "--no-stages") o.stages = false;
    else {
      usage();
      return false;
    }
  }
  if (o.sessions == 0 || o.sessions > 200 || o.per_session == 0 || o.reps == 0 || o.chunks == 0) {
    std::fprintf(stderr, "perf_worker: sessions 1..200, per-session, chunks and reps > 0\n");
    return false;
  }
  for (uint32_t s : o.sizes)
    if (s < 40 || s > 1400) {
      std::fprintf(stderr, "perf_worker: IP packet sizes 40..1400\n");
      return false;
    }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) return 2;
  eal::eal_config ec;
  ec.program_name = "perf_worker";
  ec.hugepages = eal::hugepage_mode::never;
  ec.memory_mb = 1024;
  ec.log_level = "error";
  sstpgw::set_log_level(sstpgw::log_level::warn);
  eal::eal_start(ec);

  std::vector<result> results;
  int status = 0;
  {
    gateway_rig rig({});
    tls::aead_engine raw;
    if (!raw.init()) return 1;
    const auto& caps = rig.client_port().caps();
    std::printf("perf_worker: 1 worker, %u sessions, %u packets per chunk (%u per session), %u chunks x %u reps, "
                "%s; ports %s (tx csum offload %d, rx csum %d, multi-seg tx %d); ipsec-mb %s %s; TSC %.3f GHz\n\n",
                o.sessions, o.sessions * o.per_session, o.per_session, o.chunks, o.reps,
                o.record_per_segment ? "one record per TCP segment" : "records cut at the MSS",
                caps.driver.c_str(), caps.tx_checksum_offload, caps.rx_checksum, caps.multi_seg_tx,
                IMB_VERSION_STR, raw.arch_name(), static_cast<double>(rte_get_tsc_hz()) / 1e9);
    std::map<uint32_t, double> io_fwd;
    for (uint32_t size : o.sizes) io_fwd[size] = io_forward_cycles(rig, size, o);

    constexpr protocol_version kVersions[] = {protocol_version::tls13, protocol_version::tls12};
    constexpr aead_algorithm kAeads[] = {aead_algorithm::aes_128_gcm, aead_algorithm::aes_256_gcm};
    uint16_t group = 0;
    for (auto v : kVersions) {
      for (auto a : kAeads) {
        std::vector<std::pair<direction, uint32_t>> cases;
        for (uint32_t size : o.sizes)
          for (direction d : {direction::c2v, direction::v2c})
            if (matches(o, fmt::format("{}/{}/{}/{}", dname(d), vname(v), aname(a), size))) cases.emplace_back(d, size);
        if (cases.empty()) continue;
        peer_config pc = rig.peer_base();
        pc.first_port = static_cast<uint16_t>(20000 + 1000 * group++);
        pc.record_per_segment = o.record_per_segment;
        scripted_client c(pc, o.sessions, v, a);
        std::string why;
        if (!rig.open_sessions(c, why)) {
          std::printf("%s/%s: sessions not set up: %s\n", vname(v), aname(a), why.c_str());
          status = 1;
          continue;
        }
        for (auto [d, size] : cases) {
          result r = run_case(rig, c, d, v, a, size, o);
          r.io_fwd = io_fwd[size];
          r.aead = raw_aead_cycles(raw, v, a, size, d == direction::v2c, o);
          if (!r.ok) status = 1;
          results.push_back(r);
        }
        rig.close_sessions(c);
      }
    }
  }

  std::printf(
      "\nworker cycles per IP packet on one lcore (median of reps) with same-run baselines:\n"
      "  io-fwd: bare rx/tx burst loop on the same ports, cycles/packet; aead: raw ipsec-mb AES-GCM on the same\n"
      "  record, cycles/record (c2v decrypt, v2c encrypt); rest = worker - aead; Gbit/s of IP packets\n");
  std::printf("%-4s %-6s %-7s %5s | %7s %7s %8s | %7s %7s | %8s %8s %7s | %s\n", "dir", "ver", "cipher", "size",
              "Mpps", "Gbit/s", "cyc/pkt", "io-fwd", "aead", "rest", "x io-fwd", "aead%", "check");
  for (const result& r : results) {
    std::printf("%-4s %-6s %-7s %5u | %7.2f %7.2f %8.0f | %7.1f %7.0f | %8.0f %8.1f %6.1f%% | %s\n", dname(r.d),
                vname(r.v), aname(r.a), r.size, r.pps / 1e6, r.gbps, r.cycles, r.io_fwd, r.aead, r.cycles - r.aead,
                r.io_fwd > 0 ? r.cycles / r.io_fwd : 0.0, r.cycles > 0 ? 100.0 * r.aead / r.cycles : 0.0,
                r.ok ? "ok" : "FAILED");
  }
  eal::eal_stop();
  return status;
}
