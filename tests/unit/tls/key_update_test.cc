// TLS 1.3 KeyUpdate in both directions (RFC 8446 §4.6.3, §7.2): a client and
// a server, each a record_writer + record_reader, exchange records across
// KeyUpdates. The receiving side meets the records after a KeyUpdate in the
// same burst (the restore-and-reopen path), in contiguous and SGL records; the
// new generation's keys are also checked with an independent derivation and
// OpenSSL EVP.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dataplane/tls/key_schedule.hh"
#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/seal_batch.hh"
#include "tests/support/evp_peer.hh"
#include "tests/support/hex.hh"
#include "tests/support/reader_driver.hh"
#include "tests/unit/tls/rfc8448_vectors.hh"

namespace sstpgw::tls {
namespace {

using sstpgw::testing::from_hex;

class KeyUpdate : public ::testing::TestWithParam<size_t> {  // param: max segment size
 protected:
  void SetUp() override {
    ASSERT_TRUE(engine.init());
    client_write.aead = server_write.aead = aead_algorithm::aes_128_gcm;
    ASSERT_TRUE(install_tls13_secret(client_write, from_hex(rfc8448::kClientApSecret)));
    ASSERT_TRUE(install_tls13_secret(server_write, from_hex(rfc8448::kServerApSecret)));
    ASSERT_TRUE(client_writer.install(engine, client_write));
    ASSERT_TRUE(server_writer.install(engine, server_write));
    ASSERT_TRUE(server.reader.install(engine, client_write, endpoint_role::server));
    ASSERT_TRUE(client.reader.install(engine, server_write, endpoint_role::client));
  }

  std::vector<uint8_t> data(char c, size_t n) { return std::vector<uint8_t>(n, static_cast<uint8_t>(c)); }

  // Seals one burst from `w`: application data records, optionally ending in
  // a KeyUpdate. Returns the wire bytes in order.
  std::vector<uint8_t> burst(record_writer& w, const std::vector<std::vector<uint8_t>>& records,
                             const key_update_request* ku = nullptr) {
    seal_batch b;
    std::vector<std::vector<uint8_t>> bufs;
    for (const auto& r : records) {
      bufs.emplace_back(w.record_size(r.size()));
      EXPECT_EQ(b.add(w, 0, content_type::application_data, r, bufs.back()), seal_status::queued);
    }
    if (ku) {
      bufs.emplace_back(w.record_size(5));
      EXPECT_EQ(b.add_key_update(w, 0, *ku, bufs.back()), seal_status::queued);
      EXPECT_TRUE(w.rekey_pending());
      EXPECT_EQ(b.add(w, 0, content_type::application_data, records.empty() ? data('x', 1) : records[0],
                      bufs.back()),
                seal_status::rekey_pending);
    }
    std::vector<uint8_t> wire;
    for (const auto& r : b.run(engine)) {
      EXPECT_TRUE(r.ok);
      wire.insert(wire.end(), r.record, r.record + r.length);
    }
    EXPECT_FALSE(w.rekey_pending());
    return wire;
  }

  void deliver(test::reader_driver& drv, test::test_conn& to, const std::vector<uint8_t>& wire) {
    for (auto& s : test::cut_stream(wire, rng, GetParam())) to.to_feed.push_back(std::move(s));
    drv.pump({&to});
  }

  aead_engine engine;
  std::mt19937_64 rng{4242};
  traffic_keys client_write, server_write;
  record_writer client_writer, server_writer;
  test::test_conn server, client;
};

TEST_P(KeyUpdate, RequestedUpdateIsAnsweredAndRecordsFlowAcrossIt) {
  const key_update_request requested = key_update_request::update_requested;
  const key_update_request not_requested = key_update_request::update_not_requested;
  // Client: data, KeyUpdate(update_requested) in one burst, more data in the
  // next; the server receives all of it in one stream, so one open burst holds
  // records on both sides of the key change.
  std::vector<uint8_t> wire = burst(client_writer, {data('a', 100), data('b', 700)}, &requested);
  const auto after = burst(client_writer, {data('c', 300), data('d', 1500)});
  const size_t after_at = wire.size();
  wire.insert(wire.end(), after.begin(), after.end());
  EXPECT_EQ(client_writer.next_sequence(), 2u);  // new generation: 0, 1 used

  test::reader_driver drv(engine);
  deliver(drv, server, wire);
  ASSERT_EQ(server.results.size(), 5u);
  EXPECT_EQ(server.results[2].verdict, open_verdict::control);
  EXPECT_EQ(server.results[2].type, content_type::handshake);
  EXPECT_TRUE(server.results[2].reply_key_update);
  for (int i : {0, 1, 3, 4}) EXPECT_EQ(server.results[i].verdict, open_verdict::data) << i;
  std::vector<uint8_t> expect = data('a', 100);
  for (auto [c, n] : {std::pair{'b', 700}, {'c', 300}, {'d', 1500}}) {
    const auto d = data(c, n);
    expect.insert(expect.end(), d.begin(), d.end());
  }
  EXPECT_EQ(server.app_data, expect);
  EXPECT_EQ(drv.batch.counters.get(tls_open_counter::key_update_received), 1u);
  EXPECT_EQ(drv.batch.counters.get(tls_open_counter::key_update_redo), 2u);
  if (GetParam() == 150) {
    EXPECT_GT(drv.batch.counters.get(tls_open_counter::records_sgl), 0u);
  }
  EXPECT_EQ(server.reader.next_sequence(), 2u);

  // Independently: application_traffic_secret_1 = HKDF-Expand-Label(secret_0,
  // "traffic upd", "", 32), and its key/iv open the post-update records in EVP.
  traffic_keys next = client_write;
  uint8_t secret1[32];
  ASSERT_TRUE(hkdf_expand_label(suite_hash::sha256, {client_write.secret, 32}, "traffic upd", {}, secret1));
  ASSERT_TRUE(hkdf_expand_label(suite_hash::sha256, secret1, "key", {}, {next.key, 16}));
  ASSERT_TRUE(hkdf_expand_label(suite_hash::sha256, secret1, "iv", {}, {next.iv, kIvLen}));
  next.sequence = 0;
  EXPECT_EQ(std::vector<uint8_t>(server.reader.keys().secret, server.reader.keys().secret + 32),
            std::vector<uint8_t>(secret1, secret1 + 32));
  EXPECT_EQ(std::vector<uint8_t>(client_writer.keys().secret, client_writer.keys().secret + 32),
            std::vector<uint8_t>(secret1, secret1 + 32));
  test::evp_peer evp(next);
  uint8_t type;
  std::vector<uint8_t> content;
  const size_t first_len = 5 + 300 + 17;
  ASSERT_TRUE(evp.open(wire.data() + after_at, first_len, type, content));
  EXPECT_EQ(content, data('c', 300));

  // The server answers with its own KeyUpdate(update_not_requested) before
  // its next data; the client applies it and asks for nothing back.
  std::vector<uint8_t> answer = burst(server_writer, {}, &not_requested);
  const auto more = burst(server_writer, {data('e', 2000)});
  answer.insert(answer.end(), more.begin(), more.end());
  deliver(drv, client, answer);
  ASSERT_EQ(client.results.size(), 2u);
  EXPECT_EQ(client.results[0].verdict, open_verdict::control);
  EXPECT_FALSE(client.results[0].reply_key_update);
  EXPECT_EQ(client.results[1].verdict, open_verdict::data);
  EXPECT_EQ(client.app_data, data('e', 2000));
  drv.drain(server);
  drv.drain(client);
}

// Two KeyUpdates whose records all reach the server in one burst: two rounds
// of restore-and-reopen.
TEST_P(KeyUpdate, TwoUpdatesInOneReceiveBurst) {
  const key_update_request nr = key_update_request::update_not_requested;
  std::vector<uint8_t> wire = burst(client_writer, {data('a', 50)}, &nr);
  for (const auto& part : {burst(client_writer, {data('b', 60)}, &nr), burst(client_writer, {data('c', 70)})})
    wire.insert(wire.end(), part.begin(), part.end());
  test::reader_driver drv(engine);
  deliver(drv, server, wire);
  ASSERT_EQ(server.results.size(), 5u);
  EXPECT_EQ(server.results[1].verdict, open_verdict::control);
  EXPECT_EQ(server.results[3].verdict, open_verdict::control);
  std::vector<uint8_t> expect = data('a', 50);
  for (auto [c, n] : {std::pair{'b', 60}, {'c', 70}}) {
    const auto d = data(c, n);
    expect.insert(expect.end(), d.begin(), d.end());
  }
  EXPECT_EQ(server.app_data, expect);
  EXPECT_EQ(drv.batch.counters.get(tls_open_counter::key_update_received), 2u);
  EXPECT_EQ(std::vector<uint8_t>(server.reader.keys().secret, server.reader.keys().secret + 32),
            std::vector<uint8_t>(client_writer.keys().secret, client_writer.keys().secret + 32));
  drv.drain(server);
}

// A KeyUpdate fragmented over two records is legal; the key changes after
// the record that completes it.
TEST_P(KeyUpdate, FragmentedKeyUpdate) {
  test::evp_peer evp(client_write);
  std::vector<uint8_t> wire;
  for (const std::vector<uint8_t>& frag : {std::vector<uint8_t>{24, 0}, std::vector<uint8_t>{0, 1, 0}}) {
    const auto rec = evp.seal(22, frag.data(), frag.size(), 0, rng);
    wire.insert(wire.end(), rec.begin(), rec.end());
  }
  traffic_keys next = client_write;
  ASSERT_TRUE(advance_tls13_generation(next));
  test::evp_peer evp_next(next);
  const auto d = data('z', 33);
  const auto rec = evp_next.seal(23, d.data(), d.size(), 0, rng);
  wire.insert(wire.end(), rec.begin(), rec.end());
  test::reader_driver drv(engine);
  deliver(drv, server, wire);
  ASSERT_EQ(server.results.size(), 3u);
  EXPECT_EQ(server.results[0].verdict, open_verdict::control);
  EXPECT_EQ(server.results[1].verdict, open_verdict::control);
  EXPECT_EQ(server.results[2].verdict, open_verdict::data);
  EXPECT_EQ(server.app_data, d);
  drv.drain(server);
}

// One segment; or segments of up to 150 bytes, so records span segments (SGL
// jobs, restored by SGL encryption) yet a whole exchange still fits the ring.
INSTANTIATE_TEST_SUITE_P(Segmentation, KeyUpdate, ::testing::Values(size_t{1} << 20, size_t{150}),
                         [](const auto& info) { return info.param == 150 ? "sgl" : "contiguous"; });

}  // namespace
}  // namespace sstpgw::tls
