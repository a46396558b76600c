// perf_tls_segmented_open: opening records the way TCP delivers them. The
// record_open case of perf_tls_record feeds each record as one segment; a
// worker mostly gets a connection's byte stream cut at the MSS, with segment
// boundaries drifting across records, so a 16 KiB record spans a dozen
// segments (scatter-gather AEAD jobs, headers and tags straddling segments).
//
// Every iteration opens one burst: one record from each of 32 connections
// (each with its own key), after feeding each reader the segments of its
// stream up to that record's end (the last segment may already hold the head
// of the next record, as on the wire); records that do not fit the burst's
// piece budget go into a second burst. Cases per version, cipher and record
// size:
//   whole     each record is exactly one segment (the baseline)
//   mss1448   the stream cut every 1448 bytes (Ethernet MSS with timestamps)
//   mss536    the stream cut every 536 bytes (the IPv4 default MSS)
// The table after the run gives each cut as a percentage of `whole` in the
// same run. Buffers: an arena of up to 2 MiB of genuine records per case,
// restored from a pristine copy with timing paused when a pass ends.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/record_writer.hh"
#include "dataplane/tls/seal_batch.hh"
#include "perf/common/median_reporter.hh"
#include "perf/tls/cases.hh"

namespace {

using namespace sstpgw::tls;
using namespace sstpgw::perf;


// 32 connections, each a contiguous stream of `records` sealed records.
struct streams {
  protocol_version v;
  size_t record_len;
  uint32_t records;  // per connection: bursts per pass
  std::vector<traffic_keys> keys;
  std::vector<uint8_t> arena, pristine;  // connection-major
  std::vector<record_reader> readers;
  std::vector<size_t> fed;  // stream bytes fed so far, per connection

  streams(protocol_version v_, aead_algorithm a, size_t size) : v(v_) {
    std::mt19937_64 rng(size * 5 + static_cast<size_t>(a) * 3 + static_cast<size_t>(v));
    record_len = size + record_overhead(v);
    records = static_cast<uint32_t>(std::clamp<size_t>(kArenaBytes / (kConns * record_len), 2, 64));
    arena.resize(kConns * records * record_len);
    readers.resize(kConns);
    fed.assign(kConns, 0);
    std::vector<uint8_t> plain(size);
    for (auto& b : plain) b = static_cast<uint8_t>(rng());
    for (uint32_t c = 0; c < kConns; ++c) {
      traffic_keys k;
      k.version = v;
      k.aead = a;
      for (auto& b : k.key) b = static_cast<uint8_t>(rng());
      for (auto& b : k.iv) b = static_cast<uint8_t>(rng());
      keys.push_back(k);
      record_writer w;
      w.install(engine(), k);
      for (uint32_t r = 0; r < records; ++r) {
        seal_batch sb;
        uint8_t* rec = stream(c) + r * record_len;
        if (sb.add(w, c, content_type::application_data, plain, {rec, record_len}) != seal_status::queued)
          std::abort();
        for (const auto& s : sb.run(engine()))
          if (!s.ok) std::abort();
      }
    }
    pristine = arena;
    restore();
  }

  uint8_t* stream(uint32_t c) { return arena.data() + c * records * record_len; }

  void restore() {
    std::memcpy(arena.data(), pristine.data(), arena.size());
    for (uint32_t c = 0; c < kConns; ++c) readers[c].install(engine(), keys[c]);
    std::fill(fed.begin(), fed.end(), 0);
  }
};

void bench(benchmark::State& state, protocol_version v, aead_algorithm a, size_t size, size_t mss) {
  streams w(v, a, size);
  open_batch ob;
  uint32_t b = 0;
  uint64_t bad = 0, bursts = 0;
  const size_t total = w.records * w.record_len;
  for (auto _ : state) {
    // The burst's segments go to their connections first, then the records
    // are collected, as a worker does.
    const size_t end = (b + 1) * w.record_len;
    for (uint32_t c = 0; c < kConns; ++c) {
      if (c + kAhead < kConns) w.readers[c + kAhead].prefetch();
      uint8_t* s = w.stream(c);
      size_t& at = w.fed[c];
      while (at < end) {
        const size_t n = mss == 0 ? w.record_len : std::min(mss, total - at);
        if (w.readers[c].feed({s + at, static_cast<uint32_t>(n), at}) != feed_status::accepted) ++bad;
        at += n;
      }
    }
    // 32 records of 2^14 bytes cut at 536 need more pieces than one burst
    // holds: the rest goes into a second burst, as in a worker.
    for (uint32_t c = 0; c < kConns;) {
      while (c < kConns && !ob.full()) {
        ob.collect(w.readers[c], c);
        ++c;
      }
      ++bursts;
      for (const opened_record& r : ob.run(engine())) {
        bad += r.verdict != open_verdict::data;
        benchmark::DoNotOptimize(r.plaintext.data());
      }
      ob.clear();
    }
    if (++b == w.records) {
      state.PauseTiming();
      w.restore();
      b = 0;
      state.ResumeTiming();
    }
  }
  if (bad) state.SkipWithError("records failed");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kConns * static_cast<int64_t>(size));
  state.counters["bursts_per_iter"] =
      static_cast<double>(bursts) /
      static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  state.counters["sgl_per_record"] =
      static_cast<double>(ob.counters.get(tls_open_counter::records_sgl)) /
      static_cast<double>(std::max<uint64_t>(1, ob.counters.get(tls_open_counter::records_opened)));
}

std::string cut_name(size_t mss) { return mss == 0 ? "whole" : "mss" + std::to_string(mss); }
std::string bench_name(protocol_version v, aead_algorithm a, size_t size, size_t mss) {
  return "open_" + cut_name(mss) + "/" + version_name(v) + "/" + aead_name(a) + "/" + std::to_string(size);
}

constexpr size_t kSizes[] = {1400, 4096, 16384};
constexpr size_t kCuts[] = {0, 1448, 536};  // 0: whole records

}  // namespace

int main(int argc, char** argv) {
  // Each cut runs right after its `whole` baseline.
  for (auto v : kVersions)
    for (auto a : kAeads)
      for (size_t size : kSizes)
        for (size_t mss : kCuts)
          benchmark::RegisterBenchmark(bench_name(v, a, size, mss).c_str(),
                                       [=](benchmark::State& s) { bench(s, v, a, size, mss); });
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  median_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  benchmark::Shutdown();

  std::printf("\nipsec-mb %s (%s); open throughput in GB/s of plaintext, and %% of whole records\n",
              IMB_VERSION_STR, engine().arch_name());
  std::printf("%-6s %-6s %6s | %8s %8s %7s %8s %7s\n", "ver", "cipher", "size", "whole", "mss1448", "%",
              "mss536", "%");
  auto get = [&](protocol_version v, aead_algorithm a, size_t size, size_t mss) {
    return rep.value(bench_name(v, a, size, mss), "bytes_per_second") / 1e9;
  };
  auto pct = [](double x, double base) { return base > 0 ? 100.0 * x / base : 0.0; };
  for (auto v : kVersions)
    for (auto a : kAeads)
      for (size_t size : kSizes) {
        const double whole = get(v, a, size, 0), m1 = get(v, a, size, 1448), m2 = get(v, a, size, 536);
        if (whole == 0 && m1 == 0 && m2 == 0) continue;
        std::printf("%-6s %-6s %6zu | %8.2f %8.2f %6.0f%% %8.2f %6.0f%%\n", version_name(v), aead_name(a), size, whole,
                    m1, pct(m1, whole), m2, pct(m2, whole));
      }
  return 0;
}
