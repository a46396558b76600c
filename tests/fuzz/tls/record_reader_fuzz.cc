// Fuzz target: arbitrary bytes, cut into arbitrary segments, into a
// record_reader with fixed keys (TLS 1.2 or 1.3, AES-128 or AES-256, server or
// client role), opened in bursts the way a worker does.
//
// Input: byte 0 = flags (bit 0 TLS 1.3, bit 1 AES-256, bit 2 client role,
// bit 3 structured), byte 1 = segmentation (0: one segment; n: segments of
// 0..n bytes from a generator seeded by n and byte 2), the rest = the TCP
// stream. Structured: the rest is chunks [type][padding][length(2)][content]
// that are sealed here with the same fixed keys (by OpenSSL EVP, following a
// KeyUpdate the chunks carry), so mutations reach what only authenticated
// records reach: padding, inner types, alerts, post-handshake messages.
//
// Checked besides memory safety (ASan/UBSan builds):
//  - every segment cookie comes back exactly once (results + drain), and only
//    after it was fed;
//  - plaintext views lie inside the segments fed;
//  - the outcome does not depend on segmentation: the same stream fed as one
//    segment gives the same verdicts, types, alerts and application data
//    (records discarded after a close aside).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/tls/key_schedule.hh"
#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"
#include "tests/support/evp_peer.hh"

namespace {

using namespace sstpgw::tls;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "record_reader_fuzz: %s\n", what);
  std::abort();
}

aead_engine& engine() {
  static aead_engine e;
  static const bool ok = e.init();
  if (!ok) fail("ipsec-mb init failed");
  return e;
}

traffic_keys fixed_keys(uint8_t flags) {
  traffic_keys k;
  k.version = flags & 1 ? protocol_version::tls13 : protocol_version::tls12;
  k.aead = flags & 2 ? aead_algorithm::aes_256_gcm : aead_algorithm::aes_128_gcm;
  for (size_t i = 0; i < kMaxKeyLen; ++i) k.key[i] = static_cast<uint8_t>(1 + i);
  for (size_t i = 0; i < kIvLen; ++i) k.iv[i] = static_cast<uint8_t>(0xa0 + i);
  for (size_t i = 0; i < kMaxSecretLen; ++i) k.secret[i] = static_cast<uint8_t>(0x40 + i);
  k.sequence = 0;
  return k;
}

struct summary {
  std::vector<uint8_t> verdicts;  // verdict, type, alert, flags per record
  std::vector<uint8_t> app_data;
  bool operator==(const summary&) const = default;
};

// Segment buffers owned here; the reader borrows them. Cookie = index.
struct buffers {
  std::vector<std::vector<uint8_t>> bufs;
  std::vector<uint8_t> state;  // 0 never fed, 1 held by the reader, 2 returned
  segment make(const uint8_t* p, size_t n) {
    bufs.emplace_back(p, p + n);
    state.push_back(0);
    return {bufs.back().data(), static_cast<uint32_t>(n), bufs.size() - 1};
  }
  void held(uint64_t c) { state[c] = 1; }
  void returned(uint64_t c) {
    if (c >= state.size() || state[c] != 1) fail("cookie returned twice or never fed");
    state[c] = 2;
  }
  bool inside(const byte_view& v) const {
    for (size_t i = 0; i < bufs.size(); ++i) {
      const uint8_t* b = bufs[i].data();
      if (state[i] != 0 && v.data >= b && v.data + v.len <= b + bufs[i].size()) return true;
    }
    return false;
  }
};

summary run(uint8_t flags, const std::vector<std::vector<uint8_t>>& cuts) {
  summary out;
  buffers bufs;
  bufs.bufs.reserve(cuts.size() * 2 + 8);  // segment pointers must stay put
  record_reader r;
  r.install(engine(), fixed_keys(flags), flags & 4 ? endpoint_role::client : endpoint_role::server);
  open_batch b;
  uint64_t cookies[record_reader::kMaxSegments];
  size_t next = 0;
  for (;;) {
    bool progress = false;
    while (next < cuts.size()) {
      const segment s = bufs.make(cuts[next].data(), cuts[next].size());
      const feed_status st = b.feed(r, s);
      if (st == feed_status::accepted) {
        bufs.held(s.cookie);
        ++next;
        progress = true;
        continue;
      }
      bufs.state[s.cookie] = 2;  // refused: ours to free
      if (st == feed_status::closed) {
        ++next;
        continue;
      }
      if (!r.needs_coalesce()) break;
      const segment dst = bufs.make(nullptr, 0);
      bufs.bufs.back().resize(r.buffered_bytes());
      const segment big{bufs.bufs.back().data(), static_cast<uint32_t>(r.buffered_bytes()), dst.cookie};
      bufs.held(big.cookie);
      const uint32_t n = b.coalesce(r, big, cookies);
      if (n == 0) fail("coalesce refused a large enough buffer");
      for (uint32_t i = 0; i < n; ++i) bufs.returned(cookies[i]);
      progress = true;
    }
    if (b.collect(r, 7) > 0) {
      progress = true;
      for (const opened_record& o : b.run(engine())) {
        if (o.conn != 7 || o.reader != &r) fail("result for the wrong connection");
        for (uint64_t c : o.released) bufs.returned(c);
        // Records after a close are discarded or never cut, depending on how
        // the bytes arrived: they carry nothing either way.
        if (o.verdict == open_verdict::discarded) {
          if (!o.plaintext.empty()) fail("plaintext in a discarded record");
          continue;
        }
        out.verdicts.insert(out.verdicts.end(),
                            {static_cast<uint8_t>(o.verdict), static_cast<uint8_t>(o.type),
                             static_cast<uint8_t>(o.alert),
                             static_cast<uint8_t>(o.reply_key_update | o.reply_warning << 1)});
        if (o.verdict != open_verdict::data && !o.plaintext.empty()) fail("plaintext without data verdict");
        for (const byte_view& v : o.plaintext) {
          if (!bufs.inside(v)) fail("plaintext view outside the fed segments");
          out.app_data.insert(out.app_data.end(), v.data, v.data + v.len);
        }
      }
      b.clear();
    }
    if (!progress) break;
  }
  const uint32_t n = r.drain(cookies);
  for (uint32_t i = 0; i < n; ++i) bufs.returned(cookies[i]);
  for (uint8_t s : bufs.state)
    if (s == 1) fail("segment never returned");
  return out;
}

// Structured mode: seals each chunk as one record under the fixed keys.
std::vector<uint8_t> seal_chunks(uint8_t flags, const uint8_t* p, size_t n) {
  traffic_keys k = fixed_keys(flags);
  auto evp = std::make_unique<sstpgw::tls::test::evp_peer>(k);
  std::mt19937_64 rng(n);
  std::vector<uint8_t> out;
  const bool tls13 = k.version == protocol_version::tls13;
  while (n >= 4) {
    const uint8_t type = p[0], pad = p[1] % 64;
    size_t len = static_cast<size_t>(p[2] << 8 | p[3]) % (kMaxPlaintext + 2);
    p += 4;
    n -= 4;
    if (len > n) len = n;
    std::vector<uint8_t> body(p, p + len);
    p += len;
    n -= len;
    if (tls13) {
      body.push_back(type);
      body.resize(body.size() + pad, 0);
    }
    const auto rec = evp->seal_raw(tls13 ? 23 : type, body, rng);
    out.insert(out.end(), rec.begin(), rec.end());
    // Follow a well-formed KeyUpdate, as its sender would.
    if (tls13 && type == 22 && len == 5 && body[0] == 24 && body[1] == 0 && body[2] == 0 && body[3] == 1 &&
        body[4] <= 1) {
      advance_tls13_generation(k);
      evp = std::make_unique<sstpgw::tls::test::evp_peer>(k);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3 || size > (1 << 18)) return 0;
  const uint8_t flags = data[0], seg = data[1];
  std::vector<uint8_t> sealed;
  const uint8_t* stream = data + 3;
  size_t n = size - 3;
  if (flags & 8) {
    sealed = seal_chunks(flags, stream, n);
    stream = sealed.data();
    n = sealed.size();
  }
  std::vector<std::vector<uint8_t>> cuts;
  if (seg == 0) {
    cuts.emplace_back(stream, stream + n);
  } else {
    uint32_t x = 0x9e3779b9u ^ (uint32_t{seg} << 8) ^ data[2];
    for (size_t at = 0; at < n;) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      size_t k = x % (seg + 1u);  // 0..seg: zero-length segments too
      if (k > n - at) k = n - at;
      cuts.emplace_back(stream + at, stream + at + k);
      at += k;
    }
  }
  const summary cut = run(flags, cuts);
  // SSTPGW_FUZZ_VERBOSE=1: print what each input opened to (for corpus work).
  static const bool verbose = std::getenv("SSTPGW_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%zu records:", cut.verdicts.size() / 4);
    for (size_t i = 0; i < cut.verdicts.size(); i += 4)
      std::fprintf(stderr, " [verdict %u type %u alert %u flags %u]", cut.verdicts[i], cut.verdicts[i + 1],
                   cut.verdicts[i + 2], cut.verdicts[i + 3]);
    std::fprintf(stderr, " data %zu bytes\n", cut.app_data.size());
  }
  if (seg != 0) {
    const summary whole = run(flags, {std::vector<uint8_t>(stream, stream + n)});
    if (!(cut == whole)) fail("segmentation changed the outcome");
  }
  return 0;
}
