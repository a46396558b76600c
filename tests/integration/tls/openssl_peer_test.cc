// OpenSSL as the TLS peer of the whole offload path: plain OpenSSL clients
// handshake with our tls_endpoint (offload mode); after offload() our side is
// only the record engine (record_reader + open_batch, record_writer +
// seal_batch), the handoff's leftover being the first thing its reader sees.
// Here: data of random sizes both ways in random cuts with four clients at
// once, records sent right behind the client's Finished, the sequence numbers
// at the handoff, and one burst opening records of four differently keyed
// connections. Alerts, KeyUpdate and close: openssl_peer_control_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <tuple>

#include "dataplane/tls/open_batch.hh"
#include "tests/integration/tls/offloaded_client.hh"
#include "tests/support/evp_peer.hh"
#include "dataplane/common/hex.hh"

namespace sstpgw::tls::integration {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// ---- data both ways, four clients, random sizes and cuts ----

using version_aead = std::tuple<tls_version, aead_algorithm>;

std::string version_aead_name(const ::testing::TestParamInfo<version_aead>& info) {
  return cell_name({std::get<0>(info.param), std::get<1>(info.param)}).substr(0, 12);
}

class DataExchange : public ::testing::TestWithParam<version_aead> {
 protected:
  tls_version version() const { return std::get<0>(GetParam()); }
  aead_algorithm aead() const { return std::get<1>(GetParam()); }
};

struct peer_run {
  std::unique_ptr<offloaded_client> conn;
  std::unique_ptr<wire_cutter> cutter;
  std::vector<size_t> up, down;  // chunk sizes client→us, us→client
  std::vector<uint8_t> sent_up, sent_down, got_down;
};

TEST_P(DataExchange, RandomSizesBothWaysInRandomCutsWithFourClients) {
  aead_engine engine;
  ASSERT_TRUE(engine.init());
  std::mt19937_64 rng(0x5eed0000u + static_cast<uint64_t>(version()) * 2 + static_cast<uint64_t>(aead()));
  test::reader_driver driver(engine);

  // Record sizes our writer cuts to, per connection: full, one TCP segment, odd.
  static constexpr size_t kMaxFragment[] = {kMaxPlaintext, 1400, 4000, 333};
  std::vector<peer_run> peers(4);
  for (size_t k = 0; k < peers.size(); ++k) {
    peer_run& p = peers[k];
    // Server keys alternate, so both ECDSA and RSA handshakes feed the engine.
    const cell c{version(), aead(), k % 2 == 0 ? key_kind::ec_p256 : key_kind::rsa2048};
    p.conn = std::make_unique<offloaded_client>(c);
    p.cutter = std::make_unique<wire_cutter>(is_tls12(c));
    for (auto* sizes : {&p.up, &p.down}) {
      *sizes = {1, 100, 16384, 16385};
      if (k == 0) sizes->insert(sizes->end(), {kMiB, 4 * kMiB});
      if (k == 1) sizes->push_back(kMiB);
      for (int i = 0; i < 4; ++i) sizes->push_back(1 + rng() % 150000);
      std::shuffle(sizes->begin(), sizes->end(), rng);
    }
    // The client's first data goes out right behind its handshake; the
    // endpoint sees all of it, a cut inside the first header, none, or a
    // random part: the rest reaches the reader after the leftover.
    static constexpr size_t kEarly[] = {16385, 100, 1, 0};
    early_data early;
    early.bytes = random_bytes(kEarly[k] ? kEarly[k] : 1 + rng() % 3000, rng);
    static constexpr size_t kToEndpoint[] = {SIZE_MAX, 3, 0, 0};
    early.wire_to_endpoint = k == 3 ? 1 + rng() % (early.bytes.size() + 40) : kToEndpoint[k];
    ASSERT_EQ("", p.conn->establish(engine, early, kMaxFragment[k])) << cell_name(c);
    p.sent_up = early.bytes;
    // Records OpenSSL shapes differently: TLS 1.3 padding (RFC 8446 §5.4)
    // to a 512-byte block on one client, 512-byte records on another.
    if (k == 2 && !is_tls12(c)) {
      ASSERT_EQ(1, SSL_set_block_padding(p.conn->client.ssl(), 512));
    }
    if (k == 3) {
      ASSERT_EQ(1, SSL_set_max_send_fragment(p.conn->client.ssl(), 512));
    }
    auto& to_feed = p.conn->rx.to_feed;
    for (const auto* part : {&p.conn->handoff.leftover, &p.conn->early_rest})
      for (auto& seg : p.cutter->cut(*part, rng, wire_cutter::pick_max_seg(part->size(), rng)))
        to_feed.push_back(std::move(seg));
  }
  std::vector<test::test_conn*> rx;
  rx.reserve(peers.size());
  for (auto& p : peers) rx.push_back(&p.conn->rx);

  size_t rounds = 0;
  for (const auto& p : peers) rounds = std::max({rounds, p.up.size(), p.down.size()});
  for (size_t r = 0; r < rounds; ++r) {
    // Client → us: every client writes, then one pump opens all of it in
    // bursts that mix the connections.
    for (auto& p : peers) {
      if (r >= p.up.size()) continue;
      const auto data = random_bytes(p.up[r], rng);
      p.sent_up.insert(p.sent_up.end(), data.begin(), data.end());
      const auto wire = client_send(p.conn->client, data, rng);
      for (auto& seg : p.cutter->cut(wire, rng, wire_cutter::pick_max_seg(wire.size(), rng)))
        p.conn->rx.to_feed.push_back(std::move(seg));
    }
    driver.pump(rx);
    // Us → clients: one set of bursts sealing records of every connection.
    std::vector<std::vector<uint8_t>> down(peers.size());
    std::vector<outgoing> streams;
    for (size_t k = 0; k < peers.size(); ++k) {
      auto& p = peers[k];
      if (r < p.down.size()) down[k] = random_bytes(p.down[r], rng);
      p.sent_down.insert(p.sent_down.end(), down[k].begin(), down[k].end());
      streams.push_back({&p.conn->tx, down[k]});
    }
    const auto wire = seal_streams(engine, streams, rng);
    for (size_t k = 0; k < peers.size(); ++k) {
      auto& p = peers[k];
      p.conn->client.put(wire[k]);
      const auto got = p.conn->client.read_all();
      p.got_down.insert(p.got_down.end(), got.begin(), got.end());
      ASSERT_FALSE(p.conn->client.failed())
          << "OpenSSL client " << k << " rejected our records in round " << r;
    }
  }

  size_t up_total = 0, down_total = 0, records = 0;
  for (size_t k = 0; k < peers.size(); ++k) {
    auto& p = peers[k];
    up_total += p.sent_up.size();
    down_total += p.sent_down.size();
    records += p.conn->rx.results.size();
    SCOPED_TRACE("client " + std::to_string(k) + " " + cell_name(p.conn->params()));
    for (const auto& o : p.conn->rx.results) ASSERT_EQ(o.verdict, open_verdict::data);
    EXPECT_EQ(p.conn->rx.app_data.size(), p.sent_up.size());
    EXPECT_EQ(to_hex(sha256(p.conn->rx.app_data)), to_hex(sha256(p.sent_up)));
    EXPECT_EQ(p.got_down.size(), p.sent_down.size());
    EXPECT_EQ(to_hex(sha256(p.got_down)), to_hex(sha256(p.sent_down)));
    EXPECT_EQ(p.conn->rx.reader.buffered_bytes(), 0u);
    driver.drain(p.conn->rx);
  }
  std::printf("  client->us %zu bytes in %zu records, us->clients %zu bytes, %lu coalesces\n", up_total,
              records, down_total, static_cast<unsigned long>(driver.coalesces));
  // The cuts really reached the slow paths: records across segments, and
  // rings filled with tiny segments.
  EXPECT_GT(driver.batch.counters.get(tls_open_counter::records_sgl), 0u);
  EXPECT_GT(driver.coalesces, 0u);
}

INSTANTIATE_TEST_SUITE_P(Matrix, DataExchange,
                         ::testing::Combine(::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                                            ::testing::Values(aead_algorithm::aes_128_gcm,
                                                              aead_algorithm::aes_256_gcm)),
                         version_aead_name);

// ---- the handoff: leftover and sequence numbers, full matrix ----

class Handoff : public ::testing::TestWithParam<std::tuple<tls_version, aead_algorithm, key_kind>> {
 protected:
  void SetUp() override { ASSERT_TRUE(engine.init()); }
  cell params() const { return {std::get<0>(GetParam()), std::get<1>(GetParam()), std::get<2>(GetParam())}; }
  // RFC 5246 §6.1/§7.1: each direction's Finished is the first record (0)
  // under the new keys, so application data starts at 1. RFC 8446 §5.3:
  // a new traffic key starts at 0, and our server sends no NewSessionTicket.
  uint64_t first_application_sequence() const { return is_tls12(params()) ? 1 : 0; }

  aead_engine engine;
  std::mt19937_64 rng{77};
};

// The last record of a flight (the Finished, encrypted under the keys handed off).
std::vector<uint8_t> last_record(const std::vector<uint8_t>& flight) {
  size_t at = 0, last = 0;
  while (at + kHeaderLen <= flight.size()) {
    last = at;
    at += kHeaderLen + (static_cast<size_t>(flight[at + 3]) << 8 | flight[at + 4]);
  }
  EXPECT_EQ(at, flight.size()) << "flight is not whole records";
  return {flight.begin() + static_cast<std::ptrdiff_t>(last), flight.end()};
}

TEST_P(Handoff, FirstApplicationRecordsUseTheRightSequenceNumbers) {
  offloaded_client c(params());
  ASSERT_EQ("", c.establish(engine));
  const auto& keys = c.handoff.keys;
  const uint64_t first = first_application_sequence();
  EXPECT_EQ(keys.read.sequence, first);
  EXPECT_EQ(keys.write.sequence, first);

  if (is_tls12(params())) {
    // Evidence from the wire: each side's Finished opens as record 0 under
    // the keys handed off (independent EVP code, not the record engine).
    for (const auto& [flight, k, who] : {std::tuple{&c.client_last_flight, &keys.read, "client"},
                                         std::tuple{&c.server_last_flight, &keys.write, "server"}}) {
      const auto rec = last_record(*flight);
      auto at0 = *k;
      at0.sequence = 0;
      test::evp_peer p(at0);
      uint8_t type = 0;
      std::vector<uint8_t> content;
      ASSERT_TRUE(p.open(rec.data(), rec.size(), type, content)) << who << " Finished is not record 0";
      EXPECT_EQ(type, static_cast<uint8_t>(content_type::handshake));
      ASSERT_EQ(content.size(), 16u);  // Finished: type 20, length 12, verify_data
      EXPECT_EQ(content[0], 20);
    }
  }

  // Client → us: the client's first application record opens in a reader
  // installed with the exported sequence, and fails in one installed a
  // sequence number off.
  c.client.write(bytes_of("first"));
  const auto wire = c.client.take();
  test::reader_driver driver(engine);
  test::test_conn off_by_one;
  auto shifted = keys.read;
  shifted.sequence = first ^ 1;
  ASSERT_TRUE(off_by_one.reader.install(engine, shifted, endpoint_role::server));
  c.rx.to_feed.push_back(wire);
  off_by_one.to_feed.push_back(wire);
  driver.pump({&c.rx, &off_by_one});
  ASSERT_EQ(c.rx.results.size(), 1u);
  EXPECT_EQ(c.rx.results[0].verdict, open_verdict::data);
  EXPECT_EQ(c.rx.app_data, bytes_of("first"));
  EXPECT_EQ(c.rx.reader.next_sequence(), first + 1);
  ASSERT_EQ(off_by_one.results.size(), 1u);
  EXPECT_EQ(off_by_one.results[0].verdict, open_verdict::failed);
  EXPECT_EQ(off_by_one.results[0].alert, alert_description::bad_record_mac);

  // Us → client: OpenSSL reads our first record at the exported sequence...
  const auto hello = bytes_of("hello from the record engine");
  const outgoing s{&c.tx, hello};
  c.client.put(seal_streams(engine, {&s, 1}, rng)[0]);
  EXPECT_EQ(c.client.read_all(), hello);
  EXPECT_FALSE(c.client.failed());
  EXPECT_EQ(c.tx.next_sequence(), first + 1);

  // ...and a second client refuses one sealed a sequence number off; its
  // bad_record_mac alert comes back through our reader.
  offloaded_client d(params());
  ASSERT_EQ("", d.establish(engine));
  auto wrong = d.handoff.keys.write;
  wrong.sequence = first ^ 1;
  ASSERT_TRUE(d.tx.install(engine, wrong));
  const outgoing t{&d.tx, hello};
  d.client.put(seal_streams(engine, {&t, 1}, rng)[0]);
  EXPECT_TRUE(d.client.read_all().empty());
  EXPECT_TRUE(d.client.failed());
  d.rx.to_feed.push_back(d.client.take());
  driver.pump({&d.rx});
  ASSERT_EQ(d.rx.results.size(), 1u);
  EXPECT_EQ(d.rx.results[0].verdict, open_verdict::peer_alert);
  EXPECT_EQ(d.rx.results[0].alert, alert_description::bad_record_mac);
  driver.drain(c.rx);
  if (!off_by_one.drained) driver.drain(off_by_one);
}

// Records the client sends right behind its Finished (TLS 1.3: in the same
// feed as the Finished; TLS 1.2: after the server's Finished, before
// offload()) come out as leftover and are the first thing the reader opens.
TEST_P(Handoff, RecordsBehindTheFinishedArriveAsLeftoverAndOpen) {
  const auto data = random_bytes(20000, rng);  // two records: 16384 + 3616
  // Wire length of the first record: header, [explicit nonce], content, [type], tag.
  const size_t boundary = 16384 + (is_tls12(params()) ? 5 + 8 + 16 : 5 + 1 + 16);
  // All of it, a cut inside the first header, inside the first record's
  // body, exactly at the record boundary, and none.
  for (const size_t to_endpoint : {SIZE_MAX, size_t{3}, size_t{700}, boundary, size_t{0}}) {
    SCOPED_TRACE("wire bytes to the endpoint: " + std::to_string(to_endpoint));
    offloaded_client c(params());
    ASSERT_EQ("", c.establish(engine, {.bytes = data, .wire_to_endpoint = to_endpoint}));
    // The leftover is exactly the bytes behind the Finished, none read by OpenSSL.
    EXPECT_EQ(c.handoff.leftover.size(), std::min(to_endpoint, c.early_wire.size()));
    EXPECT_TRUE(std::equal(c.handoff.leftover.begin(), c.handoff.leftover.end(), c.early_wire.begin()));

    // The reader gets the leftover first, then the rest of the stream; both
    // cut at awkward places.
    test::reader_driver driver(engine);
    wire_cutter cutter(is_tls12(params()));
    for (const auto* part : {&c.handoff.leftover, &c.early_rest})
      for (auto& seg : cutter.cut(*part, rng, wire_cutter::pick_max_seg(part->size(), rng)))
        c.rx.to_feed.push_back(std::move(seg));
    driver.pump({&c.rx});
    EXPECT_EQ(c.rx.results.size(), 2u);
    for (const auto& o : c.rx.results) EXPECT_EQ(o.verdict, open_verdict::data);
    EXPECT_EQ(c.rx.app_data, data);
    EXPECT_EQ(c.rx.reader.next_sequence(), first_application_sequence() + 2);
    driver.drain(c.rx);
  }
}

std::string full_name(
    const ::testing::TestParamInfo<std::tuple<tls_version, aead_algorithm, key_kind>>& info) {
  return cell_name({std::get<0>(info.param), std::get<1>(info.param), std::get<2>(info.param)});
}

INSTANTIATE_TEST_SUITE_P(Matrix, Handoff,
                         ::testing::Combine(::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                                            ::testing::Values(aead_algorithm::aes_128_gcm,
                                                              aead_algorithm::aes_256_gcm),
                                            ::testing::Values(key_kind::ec_p256, key_kind::rsa2048)),
                         full_name);

// ---- one burst, four connections with different versions, suites and keys ----

TEST(MixedBurst, OneOpenBatchOpensRecordsOfFourOpenSslClients) {
  aead_engine engine;
  ASSERT_TRUE(engine.init());
  std::mt19937_64 rng(5);
  const cell cells[] = {{tls_version::tls1_2, aead_algorithm::aes_128_gcm, key_kind::ec_p256},
                        {tls_version::tls1_3, aead_algorithm::aes_256_gcm, key_kind::rsa2048},
                        {tls_version::tls1_2, aead_algorithm::aes_256_gcm, key_kind::rsa2048},
                        {tls_version::tls1_3, aead_algorithm::aes_128_gcm, key_kind::ec_p256}};
  std::vector<std::unique_ptr<offloaded_client>> conns;
  std::vector<std::vector<uint8_t>> wire(4), sent(4);
  for (size_t k = 0; k < 4; ++k) {
    conns.push_back(std::make_unique<offloaded_client>(cells[k]));
    ASSERT_EQ("", conns[k]->establish(engine)) << cell_name(cells[k]);
    for (size_t n : {size_t{1}, size_t{100}, size_t{5000}}) {
      const auto d = random_bytes(n, rng);
      sent[k].insert(sent[k].end(), d.begin(), d.end());
      conns[k]->client.write(d);
    }
    wire[k] = conns[k]->client.take();
  }
  open_batch batch;
  for (uint32_t k = 0; k < 4; ++k) {
    ASSERT_EQ(batch.feed(conns[k]->rx.reader, {wire[k].data(), static_cast<uint32_t>(wire[k].size()), k}),
              feed_status::accepted);
    EXPECT_EQ(batch.collect(conns[k]->rx.reader, k), 3u);
  }
  ASSERT_EQ(batch.size(), 12u);
  std::vector<std::vector<uint8_t>> got(4);
  size_t n = 0;
  for (const opened_record& r : batch.run(engine)) {
    EXPECT_EQ(r.conn, n / 3);
    ASSERT_EQ(r.verdict, open_verdict::data);
    for (const byte_view& v : r.plaintext) got[r.conn].insert(got[r.conn].end(), v.data, v.data + v.len);
    ++n;
  }
  batch.clear();
  EXPECT_EQ(n, 12u);
  for (size_t k = 0; k < 4; ++k) EXPECT_EQ(got[k], sent[k]) << cell_name(cells[k]);

  // And back: one seal burst for all four; each client reads only its own.
  std::vector<std::vector<uint8_t>> reply(4);
  std::vector<outgoing> streams;
  for (size_t k = 0; k < 4; ++k) {
    reply[k] = random_bytes(3000 + 1000 * k, rng);
    streams.push_back({&conns[k]->tx, reply[k]});
  }
  const auto out = seal_streams(engine, streams, rng);
  for (size_t k = 0; k < 4; ++k) {
    conns[k]->client.put(out[k]);
    EXPECT_EQ(conns[k]->client.read_all(), reply[k]) << cell_name(cells[k]);
    EXPECT_FALSE(conns[k]->client.failed());
    uint64_t cookies[record_reader::kMaxSegments];
    conns[k]->rx.reader.drain(cookies);
  }
}

}  // namespace
}  // namespace sstpgw::tls::integration
