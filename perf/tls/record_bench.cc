// perf_tls_record: the record engine against raw ipsec-mb and OpenSSL EVP in
// one run, so the engine's cost is read as a ratio to a same-run baseline.
//
// Every iteration processes one burst of 32 records from 32 connections (each
// with its own key), plaintext sizes 64, 512, 1400 and 16384 bytes, AES-128
// and AES-256-GCM, TLS 1.3 and TLS 1.2:
//   raw_ipsecmb_enc / _dec  the same burst calls (IMB_GET_NEXT_BURST, fill,
//                           IMB_SUBMIT_BURST, IMB_FLUSH_BURST) on the same
//                           buffers and the same byte counts (TLS 1.3: content
//                           + type byte), in place, fixed nonce and AAD, no
//                           record framing and no tag check
//   record_seal             seal_batch::add_in_place + run (header, nonce, AAD,
//                           sequence, inner type, tag into the tail room)
//   record_open             record_reader::feed for the burst, then
//                           open_batch::collect + run (cut, nonce/AAD, decrypt,
//                           constant-time tag check, TLS 1.3 type/padding,
//                           segment release)
// The record loops prefetch connection state a few connections ahead, as a
// worker walking a burst over thousands of connections must.
//   evp_enc / evp_dec       OpenSSL EVP AES-GCM, one EVP_CIPHER_CTX per
//                           connection with its key set once, nonce per record
// Each reports bytes/s of plaintext. After the run a table gives every record
// and EVP operation as a percentage of raw ipsec-mb at the same version,
// cipher, size and direction.
//
// Buffers: an arena of up to 2 MiB of records, walked burst by burst. The
// opened records must be genuine ciphertext for the reader's sequence numbers,
// so when a pass over the arena ends it is restored from a pristine copy and
// the readers reinstalled, timing paused; every operation walks and restores
// the same way so all see the same cache behaviour.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
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


enum class op { raw_enc, raw_dec, seal, open, evp_enc, evp_dec };
const char* op_name(op o) {
  switch (o) {
    case op::raw_enc: return "raw_ipsecmb_enc";
    case op::raw_dec: return "raw_ipsecmb_dec";
    case op::seal: return "record_seal";
    case op::open: return "record_open";
    case op::evp_enc: return "evp_enc";
    case op::evp_dec: return "evp_dec";
  }
  return "?";
}

struct evp_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// One benchmark's world: 32 connections and an arena of records.
struct workspace {
  protocol_version v;
  aead_algorithm a;
  size_t size;         // plaintext bytes per record
  size_t slot;         // bytes per record buffer (64-byte multiple)
  size_t record_len;   // wire bytes per record
  uint32_t bursts;     // bursts in the arena
  std::vector<traffic_keys> keys;
  std::unique_ptr<uint8_t[], decltype(&std::free)> arena{nullptr, &std::free};
  std::vector<uint8_t> pristine;
  std::vector<record_writer> writers;
  std::vector<record_reader> readers;
  std::vector<aead_key> raw_keys;
  std::vector<std::unique_ptr<EVP_CIPHER_CTX, evp_free>> evp;
  uint8_t nonce[kIvLen] = {};
  uint8_t aad[kTls12AadLen] = {};
  alignas(16) uint8_t tag_scratch[kBurst][kTagLen];

  workspace(protocol_version v_, aead_algorithm a_, size_t size_) : v(v_), a(a_), size(size_) {
    std::mt19937_64 rng(size * 7 + static_cast<size_t>(a) * 3 + static_cast<size_t>(v));
    record_len = size + record_overhead(v);
    slot = (record_len + 63) / 64 * 64;
    bursts = static_cast<uint32_t>(std::max<size_t>(1, std::min<size_t>(64, kArenaBytes / (kConns * slot))));
    arena.reset(static_cast<uint8_t*>(std::aligned_alloc(64, bursts * kConns * slot)));
    writers.resize(kConns);
    readers.resize(kConns);
    raw_keys.resize(kConns);
    for (uint32_t c = 0; c < kConns; ++c) {
      traffic_keys k;
      k.version = v;
      k.aead = a;
      for (auto& b : k.key) b = static_cast<uint8_t>(rng());
      for (auto& b : k.iv) b = static_cast<uint8_t>(rng());
      keys.push_back(k);
      engine().expand_key(a, k.key, raw_keys[c]);
      EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
      EVP_CipherInit_ex(ctx, a == aead_algorithm::aes_128_gcm ? EVP_aes_128_gcm() : EVP_aes_256_gcm(), nullptr,
                        k.key, nullptr, -1);
      evp.emplace_back(ctx);
    }
    for (auto& b : nonce) b = static_cast<uint8_t>(rng());
    for (auto& b : aad) b = static_cast<uint8_t>(rng());
    // Genuine records for sequence numbers 0..bursts-1 of every connection.
    std::vector<uint8_t> plain(size);
    for (auto& b : plain) b = static_cast<uint8_t>(rng());
    for (uint32_t c = 0; c < kConns; ++c) writers[c].install(engine(), keys[c]);
    for (uint32_t b = 0; b < bursts; ++b) {
      seal_batch sb;
      for (uint32_t c = 0; c < kConns; ++c) {
        uint8_t* rec = record(b, c);
        std::memcpy(rec + header_room(v), plain.data(), size);
        const segment s{rec + header_room(v), static_cast<uint32_t>(size), 0};
        sb.add_in_place(writers[c], c, content_type::application_data, {&s, 1});
      }
      for (const auto& r : sb.run(engine()))
        if (!r.ok) std::abort();
    }
    pristine.assign(arena.get(), arena.get() + bursts * kConns * slot);
    restore();
  }

  uint8_t* record(uint32_t burst, uint32_t conn) { return arena.get() + (burst * kConns + conn) * slot; }

  void restore() {
    std::memcpy(arena.get(), pristine.data(), pristine.size());
    for (uint32_t c = 0; c < kConns; ++c) {
      readers[c].install(engine(), keys[c]);
      writers[c].install(engine(), keys[c]);
    }
  }
};

// The same ipsec-mb calls the engine makes, on the same buffers and lengths.
void raw_burst(workspace& w, uint32_t b, IMB_CIPHER_DIRECTION dir) {
  IMB_MGR* m = engine().manager();
  IMB_JOB* jobs[kBurst];
  const uint32_t n = IMB_GET_NEXT_BURST(m, kConns, jobs);
  const size_t hr = header_room(w.v);
  const uint64_t len = aead_payload_length(w.v, w.size);
  const uint64_t aad_len = w.v == protocol_version::tls13 ? kTls13AadLen : kTls12AadLen;
  for (uint32_t c = 0; c < n; ++c) {
    uint8_t* p = w.record(b, c) + hr;
    fill_gcm_job(jobs[c], w.raw_keys[c], dir, p, p, len, w.nonce, w.aad, aad_len,
                 dir == IMB_DIR_ENCRYPT ? p + len : w.tag_scratch[c], nullptr);
  }
  if (IMB_SUBMIT_BURST(m, n, jobs) < n) IMB_FLUSH_BURST(m, kBurst, jobs);
}

void evp_burst(workspace& w, uint32_t b, int enc) {
  const size_t hr = header_room(w.v);
  const int len = static_cast<int>(aead_payload_length(w.v, w.size));
  const int aad_len = w.v == protocol_version::tls13 ? kTls13AadLen : kTls12AadLen;
  for (uint32_t c = 0; c < kConns; ++c) {
    EVP_CIPHER_CTX* ctx = w.evp[c].get();
    uint8_t* p = w.record(b, c) + hr;
    int outl;
    EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, w.nonce, enc);
    EVP_CipherUpdate(ctx, nullptr, &outl, w.aad, aad_len);
    EVP_CipherUpdate(ctx, p, &outl, p, len);
    if (enc) {
      EVP_CipherFinal_ex(ctx, p + len, &outl);
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTagLen, p + len);
    } else {
      // Same work as a real open; the tag of toggled bytes does not match.
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kTagLen, p + len);
      benchmark::DoNotOptimize(EVP_CipherFinal_ex(ctx, p + len, &outl));
    }
  }
}

void bench(benchmark::State& state, op o, protocol_version v, aead_algorithm a, size_t size) {
  workspace w(v, a, size);
  seal_batch sb;
  open_batch ob;
  uint32_t b = 0;
  uint64_t bad = 0;
  for (auto _ : state) {
    switch (o) {
      case op::raw_enc: raw_burst(w, b, IMB_DIR_ENCRYPT); break;
      case op::raw_dec: raw_burst(w, b, IMB_DIR_DECRYPT); break;
      case op::evp_enc: evp_burst(w, b, 1); break;
      case op::evp_dec: evp_burst(w, b, 0); break;
      case op::seal: {
        const size_t hr = header_room(v);
        for (uint32_t c = 0; c < kConns; ++c) {
          if (c + kAhead < kConns) w.writers[c + kAhead].prefetch();
          const segment s{w.record(b, c) + hr, static_cast<uint32_t>(size), 0};
          sb.add_in_place(w.writers[c], c, content_type::application_data, {&s, 1});
        }
        for (const sealed_record& r : sb.run(engine())) bad += !r.ok;
        sb.clear();
        break;
      }
      case op::open: {
        // As a worker does: the burst's segments go to their connections
        // first, then the records are collected.
        for (uint32_t c = 0; c < kConns; ++c) {
          if (c + kAhead < kConns) w.readers[c + kAhead].prefetch();
          w.readers[c].feed({w.record(b, c), static_cast<uint32_t>(w.record_len), c});
        }
        for (uint32_t c = 0; c < kConns; ++c) ob.collect(w.readers[c], c);
        for (const opened_record& r : ob.run(engine())) {
          bad += r.verdict != open_verdict::data;
          benchmark::DoNotOptimize(r.plaintext.data());
        }
        ob.clear();
        break;
      }
    }
    if (++b == w.bursts) {
      state.PauseTiming();
      w.restore();
      b = 0;
      state.ResumeTiming();
    }
  }
  if (bad) state.SkipWithError("records failed");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kConns * static_cast<int64_t>(size));
}

std::string bench_name(op o, protocol_version v, aead_algorithm a, size_t size) {
  return std::string(op_name(o)) + "/" + version_name(v) + "/" + aead_name(a) + "/" + std::to_string(size);
}

constexpr size_t kSizes[] = {64, 512, 1400, 16384};
constexpr op kOps[] = {op::raw_enc, op::seal, op::evp_enc, op::raw_dec, op::open, op::evp_dec};

}  // namespace

int main(int argc, char** argv) {
  // Registered so that each record op runs right after its raw baseline.
  for (auto v : kVersions)
    for (auto a : kAeads)
      for (size_t size : kSizes)
        for (op o : kOps)
          benchmark::RegisterBenchmark(bench_name(o, v, a, size).c_str(),
                                       [=](benchmark::State& s) { bench(s, o, v, a, size); });
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  median_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  benchmark::Shutdown();

  std::printf("\nipsec-mb %s (%s); throughput in GB/s of plaintext, and %% of raw ipsec-mb\n", IMB_VERSION_STR,
              engine().arch_name());
  std::printf("%-6s %-6s %6s | %8s %8s %7s %8s %7s | %8s %8s %7s %8s %7s\n", "ver", "cipher", "size", "raw_enc",
              "seal", "seal%", "evp_enc", "evp%", "raw_dec", "open", "open%", "evp_dec", "evp%");
  auto get = [&](op o, protocol_version v, aead_algorithm a, size_t size) {
    return rep.value(bench_name(o, v, a, size), "bytes_per_second") / 1e9;
  };
  auto pct = [](double x, double base) { return base > 0 && x > 0 ? 100.0 * x / base : 0.0; };
  for (auto v : kVersions)
    for (auto a : kAeads)
      for (size_t size : kSizes) {
        const double re = get(op::raw_enc, v, a, size), rs = get(op::seal, v, a, size),
                     ee = get(op::evp_enc, v, a, size), rd = get(op::raw_dec, v, a, size),
                     ro = get(op::open, v, a, size), ed = get(op::evp_dec, v, a, size);
        if (re == 0 && rd == 0 && rs == 0 && ro == 0) continue;  // filtered out
        std::printf("%-6s %-6s %6zu | %8.2f %8.2f %6.1f%% %8.2f %6.1f%% | %8.2f %8.2f %6.1f%% %8.2f %6.1f%%\n",
                    version_name(v), aead_name(a), size, re, rs, pct(rs, re), ee, pct(ee, re), rd, ro, pct(ro, rd), ed,
                    pct(ed, rd));
      }
  return 0;
}
