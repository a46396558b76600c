// The record engine end to end: RFC 8448 records byte for byte, and both
// directions cross-checked with OpenSSL EVP (tests/support/evp_peer.hh) for
// TLS 1.2 and 1.3 × AES-128/256-GCM, random sizes 0..2^14, every buffer
// layout, random segmentation down to 1-byte segments and cuts inside the
// header, explicit nonce and tag, and bursts mixing connections and key sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

#include "dataplane/tls/key_schedule.hh"
#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/record_writer.hh"
#include "dataplane/tls/seal_batch.hh"
#include "tests/support/evp_peer.hh"
#include "tests/support/hex.hh"
#include "tests/support/reader_driver.hh"
#include "tests/unit/tls/rfc8448_vectors.hh"
#include "tests/unit/tls/seal_helper.hh"

namespace sstpgw::tls {
namespace {

using sstpgw::testing::from_hex;

class RecordEngine : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(engine.init()); }

  static traffic_keys tls13_from(const char* secret, uint64_t seq = 0) {
    traffic_keys k;
    k.aead = aead_algorithm::aes_128_gcm;
    EXPECT_TRUE(install_tls13_secret(k, from_hex(secret)));
    k.sequence = seq;
    return k;
  }

  // Seals one record through a burst of its own in the given layout.
  std::vector<uint8_t> seal(record_writer& w, content_type t, const std::vector<uint8_t>& content,
                            test::layout l = test::layout::segment) {
    test::sealer s;
    seal_batch b;
    EXPECT_EQ(s.add(b, w, 0, t, content, l, rng), seal_status::queued);
    const auto res = b.run(engine);
    EXPECT_EQ(res.size(), 1u);
    return s.bytes(b, res, 0);
  }

  aead_engine engine;
  std::mt19937_64 rng{20240611};
};

// RFC 8448 §3: the server's encrypted handshake flight, in every buffer layout.
TEST_F(RecordEngine, Rfc8448ServerFlightSealedInEveryLayout) {
  const auto payload = from_hex(rfc8448::kServerFlightPayload);
  for (int l = 0; l < static_cast<int>(test::layout::count_); ++l) {
    record_writer w;
    ASSERT_TRUE(w.install(engine, tls13_from(rfc8448::kServerHsSecret)));
    EXPECT_EQ(to_hex(seal(w, content_type::handshake, payload, static_cast<test::layout>(l))),
              to_hex(from_hex(rfc8448::kServerFlightRecord)))
        << "layout " << l;
    EXPECT_EQ(w.next_sequence(), 1u);
  }
}

TEST_F(RecordEngine, Rfc8448ClientFinishedSealed) {
  record_writer w;
  ASSERT_TRUE(w.install(engine, tls13_from(rfc8448::kClientHsSecret)));
  EXPECT_EQ(to_hex(seal(w, content_type::handshake, from_hex(rfc8448::kClientFinishedPayload))),
            to_hex(from_hex(rfc8448::kClientFinishedRecord)));
}

std::vector<uint8_t> fifty() {
  std::vector<uint8_t> v(50);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i);
  return v;
}

// RFC 8448 §3: application data and close_notify in both directions. The
// server's records start at sequence 1 (its NewSessionTicket used 0).
TEST_F(RecordEngine, Rfc8448ApplicationDataAndAlertsSealed) {
  struct dir {
    const char* secret;
    uint64_t seq;
    const char* app;
    const char* alert;
  } dirs[] = {{rfc8448::kClientApSecret, 0, rfc8448::kClientAppRecord, rfc8448::kClientAlertRecord},
              {rfc8448::kServerApSecret, 1, rfc8448::kServerAppRecord, rfc8448::kServerAlertRecord}};
  for (const auto& d : dirs) {
    record_writer w;
    ASSERT_TRUE(w.install(engine, tls13_from(d.secret, d.seq)));
    test::sealer s;
    seal_batch b;
    ASSERT_EQ(s.add(b, w, 0, content_type::application_data, fifty(), test::layout::copy, rng), seal_status::queued);
    std::vector<uint8_t> alert_buf(w.record_size(2));
    ASSERT_EQ(b.add_alert(w, 0, alert_level::warning, alert_description::close_notify, alert_buf),
              seal_status::queued);
    EXPECT_TRUE(w.closed());  // nothing may follow close_notify
    const auto res = b.run(engine);
    ASSERT_EQ(res.size(), 2u);
    EXPECT_EQ(to_hex(s.bytes(b, res, 0)), to_hex(from_hex(d.app)));
    ASSERT_TRUE(res[1].ok);
    EXPECT_EQ(to_hex(res[1].record, res[1].length), to_hex(from_hex(d.alert)));
  }
}

TEST_F(RecordEngine, Rfc8448ApplicationDataAndAlertsOpened) {
  struct dir {
    const char* secret;
    uint64_t seq;
    endpoint_role role;
    const char* app;
    const char* alert;
  } dirs[] = {
      {rfc8448::kClientApSecret, 0, endpoint_role::server, rfc8448::kClientAppRecord, rfc8448::kClientAlertRecord},
      {rfc8448::kServerApSecret, 1, endpoint_role::client, rfc8448::kServerAppRecord, rfc8448::kServerAlertRecord}};
  for (const auto& d : dirs) {
    for (size_t max_seg : {size_t{1}, size_t{3}, size_t{17}, size_t{1000}}) {
      test::reader_driver drv(engine);
      test::test_conn c;
      ASSERT_TRUE(c.reader.install(engine, tls13_from(d.secret, d.seq), d.role));
      auto stream = from_hex(d.app);
      const auto alert = from_hex(d.alert);
      stream.insert(stream.end(), alert.begin(), alert.end());
      c.to_feed = test::cut_stream(stream, rng, max_seg);
      drv.pump({&c});
      ASSERT_EQ(c.results.size(), 2u);
      EXPECT_EQ(c.results[0].verdict, open_verdict::data);
      EXPECT_EQ(c.results[0].type, content_type::application_data);
      EXPECT_EQ(c.results[0].content, fifty());
      EXPECT_EQ(c.results[1].verdict, open_verdict::peer_closed);
      EXPECT_EQ(c.results[1].alert, alert_description::close_notify);
      EXPECT_TRUE(c.reader.closed());
    }
  }
}

// The flight authenticates under the trace's keys, but EncryptedExtensions is
// no post-handshake message: unexpected_message, not bad_record_mac.
TEST_F(RecordEngine, Rfc8448ServerFlightAuthenticatesThenIsRefused) {
  test::reader_driver drv(engine);
  test::test_conn c;
  ASSERT_TRUE(c.reader.install(engine, tls13_from(rfc8448::kServerHsSecret), endpoint_role::client));
  c.to_feed = test::cut_stream(from_hex(rfc8448::kServerFlightRecord), rng, 100);
  drv.pump({&c});
  ASSERT_EQ(c.results.size(), 1u);
  EXPECT_EQ(c.results[0].verdict, open_verdict::failed);
  EXPECT_EQ(c.results[0].type, content_type::handshake);
  EXPECT_EQ(c.results[0].alert, alert_description::unexpected_message);
}

// --- OpenSSL EVP cross-checks, per version × cipher ---------------------------

using variant = std::tuple<protocol_version, aead_algorithm>;

class EvpCrossCheck : public RecordEngine, public ::testing::WithParamInterface<variant> {
 protected:
  protocol_version version() const { return std::get<0>(GetParam()); }
  aead_algorithm aead() const { return std::get<1>(GetParam()); }

  size_t random_size() {
    static constexpr size_t kEdges[] = {0, 1, 15, 16, 17, 255, 1399, 1400, 16383, 16384};
    if (rng() % 4 == 0) return kEdges[rng() % std::size(kEdges)];
    return rng() % (kMaxPlaintext + 1);
  }
  std::vector<uint8_t> random_bytes(size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    return v;
  }
};

TEST_P(EvpCrossCheck, SealedByEngineOpenedByEvp) {
  const traffic_keys k = test::random_keys(version(), aead(), rng, rng() % 1000);
  record_writer w;
  ASSERT_TRUE(w.install(engine, k));
  test::evp_peer evp(k);
  std::vector<std::vector<uint8_t>> sent;
  for (int burst = 0; burst < 6; ++burst) {
    test::sealer s;
    seal_batch b;
    sent.clear();
    const int n = 1 + static_cast<int>(rng() % kBurst);
    for (int i = 0; i < n; ++i) {
      sent.push_back(random_bytes(random_size()));
      const auto l = static_cast<test::layout>(rng() % static_cast<int>(test::layout::count_));
      ASSERT_EQ(s.add(b, w, 0, content_type::application_data, sent.back(), l, rng), seal_status::queued);
    }
    const auto res = b.run(engine);
    ASSERT_EQ(res.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
      const auto wire = s.bytes(b, res, i);
      ASSERT_EQ(wire.size(), w.record_size(sent[i].size()));
      uint8_t type = 0;
      std::vector<uint8_t> content;
      ASSERT_TRUE(evp.open(wire.data(), wire.size(), type, content)) << "burst " << burst << " record " << i;
      EXPECT_EQ(type, static_cast<uint8_t>(content_type::application_data));
      EXPECT_EQ(content, sent[i]);
    }
  }
  EXPECT_EQ(w.next_sequence(), evp.sequence());
}

TEST_P(EvpCrossCheck, SealedByEvpOpenedByEngineUnderRandomSegmentation) {
  const traffic_keys k = test::random_keys(version(), aead(), rng, rng() % 1000);
  for (size_t max_seg : {size_t{7}, size_t{100}, size_t{1500}, size_t{40000}}) {
    test::evp_peer evp(k);
    std::vector<uint8_t> stream, expect;
    std::vector<size_t> cuts;  // inside every header, explicit nonce and tag
    for (int i = 0; i < 40; ++i) {
      const auto content = random_bytes(random_size());
      size_t pad = 0;
      if (version() == protocol_version::tls13 && rng() % 3 == 0)
        pad = rng() % (kMaxTls13InnerPlaintext - content.size());
      const auto rec = evp.seal(23, content.data(), content.size(), pad, rng);
      cuts.push_back(stream.size() + 1 + rng() % 4);
      cuts.push_back(stream.size() + 5 + rng() % 8);
      cuts.push_back(stream.size() + rec.size() - 1 - rng() % 15);
      stream.insert(stream.end(), rec.begin(), rec.end());
      expect.insert(expect.end(), content.begin(), content.end());
    }
    std::sort(cuts.begin(), cuts.end());
    test::reader_driver drv(engine);
    test::test_conn c;
    ASSERT_TRUE(c.reader.install(engine, k));
    c.to_feed = test::cut_stream(stream, rng, max_seg, cuts, true);
    drv.pump({&c});
    ASSERT_EQ(c.results.size(), 40u) << "max_seg " << max_seg;
    for (const auto& r : c.results) EXPECT_EQ(r.verdict, open_verdict::data);
    EXPECT_EQ(c.app_data, expect);
    EXPECT_EQ(c.reader.next_sequence(), k.sequence + 40);
    EXPECT_EQ(drv.batch.counters.get(tls_open_counter::records_opened), 40u);
    // Small segments: records span segments (SGL jobs) and the ring must be
    // coalesced at times.
    if (max_seg <= 100) {
      EXPECT_GT(drv.batch.counters.get(tls_open_counter::records_sgl), 0u);
    }
    if (max_seg <= 7) {
      EXPECT_GT(drv.coalesces, 0u);
    }
    drv.drain(c);
  }
}

// Every segment one byte: the ring fills every 64 bytes and the driver
// coalesces, as a worker would for a peer dribbling tiny TCP segments.
TEST_P(EvpCrossCheck, OneByteSegments) {
  const traffic_keys k = test::random_keys(version(), aead(), rng);
  test::evp_peer evp(k);
  std::vector<uint8_t> stream, expect;
  for (size_t n : {size_t{0}, size_t{1}, size_t{40}, size_t{300}, size_t{2000}}) {
    const auto content = random_bytes(n);
    const auto rec = evp.seal(23, content.data(), n, 0, rng);
    stream.insert(stream.end(), rec.begin(), rec.end());
    expect.insert(expect.end(), content.begin(), content.end());
  }
  test::reader_driver drv(engine);
  test::test_conn c;
  ASSERT_TRUE(c.reader.install(engine, k));
  c.to_feed = test::cut_stream(stream, rng, 1);
  drv.pump({&c});
  EXPECT_EQ(c.results.size(), 5u);
  EXPECT_EQ(c.app_data, expect);
  EXPECT_GT(drv.coalesces, 0u);
  drv.drain(c);
}

INSTANTIATE_TEST_SUITE_P(VersionsAndCiphers, EvpCrossCheck,
                         ::testing::Combine(::testing::Values(protocol_version::tls12, protocol_version::tls13),
                                            ::testing::Values(aead_algorithm::aes_128_gcm,
                                                              aead_algorithm::aes_256_gcm)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == protocol_version::tls12 ? "tls12"
                                                                                                 : "tls13") +
                                  (std::get<1>(info.param) == aead_algorithm::aes_128_gcm ? "_aes128" : "_aes256");
                         });

// Eight connections, both versions and both key sizes, interleaved in shared
// bursts on both sides.
TEST_F(RecordEngine, BurstsMixConnectionsVersionsAndKeySizes) {
  constexpr int kConns = 8;
  std::vector<traffic_keys> keys;
  for (int i = 0; i < kConns; ++i)
    keys.push_back(test::random_keys(i % 2 ? protocol_version::tls13 : protocol_version::tls12,
                                     (i / 2) % 2 ? aead_algorithm::aes_256_gcm : aead_algorithm::aes_128_gcm, rng));
  // Seal: one batch holds records of every writer.
  std::vector<record_writer> writers(kConns);
  std::vector<std::unique_ptr<test::evp_peer>> evp_open;
  for (int i = 0; i < kConns; ++i) {
    ASSERT_TRUE(writers[i].install(engine, keys[i]));
    evp_open.push_back(std::make_unique<test::evp_peer>(keys[i]));
  }
  for (int round = 0; round < 4; ++round) {
    test::sealer s;
    seal_batch b;
    std::vector<std::pair<int, std::vector<uint8_t>>> sent;
    while (!b.full()) {
      const int c = static_cast<int>(rng() % kConns);
      std::vector<uint8_t> content(rng() % 3000);
      for (auto& x : content) x = static_cast<uint8_t>(rng());
      const auto l = static_cast<test::layout>(rng() % static_cast<int>(test::layout::count_));
      ASSERT_EQ(s.add(b, writers[c], static_cast<uint32_t>(c), content_type::application_data, content, l, rng),
                seal_status::queued);
      sent.emplace_back(c, std::move(content));
    }
    EXPECT_EQ(b.add(writers[0], 0, content_type::application_data, std::span<const uint8_t>(),
                    std::span<uint8_t>()),
              seal_status::full);
    const auto res = b.run(engine);
    for (size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(res[i].conn, static_cast<uint32_t>(sent[i].first));
      const auto wire = s.bytes(b, res, i);
      uint8_t type;
      std::vector<uint8_t> content;
      ASSERT_TRUE(evp_open[sent[i].first]->open(wire.data(), wire.size(), type, content));
      EXPECT_EQ(content, sent[i].second);
    }
  }
  // Open: every connection's stream cut differently, all pumped together.
  test::reader_driver drv(engine);
  std::vector<std::unique_ptr<test::test_conn>> conns;
  std::vector<test::test_conn*> ptrs;
  std::vector<std::vector<uint8_t>> expect(kConns);
  for (int i = 0; i < kConns; ++i) {
    conns.push_back(std::make_unique<test::test_conn>());
    ASSERT_TRUE(conns[i]->reader.install(engine, keys[i]));
    test::evp_peer evp(keys[i]);
    std::vector<uint8_t> stream;
    for (int r = 0; r < 30; ++r) {
      std::vector<uint8_t> content(rng() % 5000);
      for (auto& x : content) x = static_cast<uint8_t>(rng());
      const auto rec = evp.seal(23, content.data(), content.size(), 0, rng);
      stream.insert(stream.end(), rec.begin(), rec.end());
      expect[i].insert(expect[i].end(), content.begin(), content.end());
    }
    conns[i]->to_feed = test::cut_stream(stream, rng, 1 + rng() % 3000);
    ptrs.push_back(conns[i].get());
  }
  drv.pump(ptrs);
  for (int i = 0; i < kConns; ++i) {
    EXPECT_EQ(conns[i]->results.size(), 30u) << i;
    EXPECT_EQ(conns[i]->app_data, expect[i]) << i;
    drv.drain(*conns[i]);
  }
}

// add_stream cuts a plaintext stream held in many pieces (some empty) into
// records of at most max_fragment bytes, burst after burst.
TEST_F(RecordEngine, StreamIsCutIntoRecordsOfMaxFragment) {
  for (auto v : {protocol_version::tls12, protocol_version::tls13}) {
    const traffic_keys k = test::random_keys(v, aead_algorithm::aes_256_gcm, rng);
    record_writer w;
    ASSERT_TRUE(w.install(engine, k, 1400));
    test::evp_peer evp(k);
    std::vector<std::vector<uint8_t>> pieces;
    std::vector<uint8_t> all;
    while (all.size() < 100000) {
      std::vector<uint8_t> p(rng() % 4 == 0 ? 0 : rng() % 3000);
      for (auto& b : p) b = static_cast<uint8_t>(rng());
      all.insert(all.end(), p.begin(), p.end());
      pieces.push_back(std::move(p));
    }
    std::vector<const_view> views;
    for (const auto& p : pieces) views.push_back({p.data(), static_cast<uint32_t>(p.size())});
    std::vector<std::vector<uint8_t>> bufs(kBurst, std::vector<uint8_t>(w.record_size(w.max_fragment())));
    std::vector<std::span<uint8_t>> out(bufs.begin(), bufs.end());
    std::vector<uint8_t> received;
    size_t records = 0, done = 0, view = 0, off = 0;
    while (done < all.size()) {
      // Resume where the last burst stopped.
      std::vector<const_view> rest;
      for (size_t i = view; i < views.size(); ++i)
        rest.push_back(i == view ? const_view{views[i].data + off, static_cast<uint32_t>(views[i].len - off)}
                                 : views[i]);
      seal_batch b;
      const auto r = b.add_stream(w, 0, content_type::application_data, rest, out);
      ASSERT_GT(r.records, 0u);
      if (done + r.bytes < all.size()) {
        EXPECT_EQ(r.records, kBurst) << "a full burst unless the stream ends";
      }
      for (const sealed_record& s : b.run(engine)) {
        ASSERT_TRUE(s.ok);
        uint8_t type;
        std::vector<uint8_t> content;
        ASSERT_TRUE(evp.open(s.record, s.length, type, content));
        EXPECT_LE(content.size(), 1400u);
        received.insert(received.end(), content.begin(), content.end());
        ++records;
      }
      done += r.bytes;
      for (size_t n = r.bytes; n > 0;) {
        const size_t k = std::min<size_t>(n, views[view].len - off);
        off += k;
        n -= k;
        if (off == views[view].len) {
          ++view;
          off = 0;
        }
      }
      if (done == all.size()) break;
    }
    EXPECT_EQ(received, all);
    EXPECT_EQ(records, (all.size() + 1399) / 1400);
  }
}

// A handshake hands over the bytes that arrived after its Finished: they are
// fed like any segment and open under the installed keys.
TEST_F(RecordEngine, LeftoverBytesFromTheHandshakeAreJustASegment) {
  const traffic_keys k = test::random_keys(protocol_version::tls13, aead_algorithm::aes_128_gcm, rng);
  test::evp_peer evp(k);
  const std::vector<uint8_t> hello{'h', 'e', 'l', 'l', 'o'};
  auto leftover = evp.seal(23, hello.data(), hello.size(), 0, rng);
  const auto second = evp.seal(23, hello.data(), hello.size(), 0, rng);
  leftover.insert(leftover.end(), second.begin(), second.begin() + 9);  // and half a record
  test::reader_driver drv(engine);
  test::test_conn c;
  ASSERT_TRUE(c.reader.install(engine, k));
  c.to_feed.push_back(leftover);
  c.to_feed.emplace_back(second.begin() + 9, second.end());
  drv.pump({&c});
  ASSERT_EQ(c.results.size(), 2u);
  EXPECT_EQ(c.app_data.size(), 10u);
  drv.drain(c);
}

}  // namespace
}  // namespace sstpgw::tls
