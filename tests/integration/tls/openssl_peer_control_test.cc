// OpenSSL as the TLS peer after the handoff, for everything that is not
// plain data: a corrupted record (bad_record_mac both ways), records over the
// size limits (record_overflow), KeyUpdate from OpenSSL and from us (TLS 1.3),
// close_notify in both orders, and a TLS 1.2 renegotiation attempt. OpenSSL
// judges our alerts and our records; our reader judges OpenSSL's.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>
#include <memory>
#include <tuple>

#include "tests/integration/tls/offloaded_client.hh"
#include "tests/support/evp_peer.hh"

namespace sstpgw::tls::integration {
namespace {

using version_aead = std::tuple<tls_version, aead_algorithm>;

class Control : public ::testing::TestWithParam<version_aead> {
 protected:
  void SetUp() override { ASSERT_TRUE(engine.init()); }
  // Server keys alternate with the suite so both kinds meet every test here.
  cell params() const {
    const auto a = std::get<1>(GetParam());
    return {std::get<0>(GetParam()), a,
            a == aead_algorithm::aes_128_gcm ? key_kind::ec_p256 : key_kind::rsa2048};
  }
  bool tls12() const { return is_tls12(params()); }

  std::unique_ptr<offloaded_client> connect() {
    auto c = std::make_unique<offloaded_client>(params());
    const std::string error = c->establish(engine);
    EXPECT_EQ("", error);
    return error.empty() ? std::move(c) : nullptr;
  }
  // The client's wire into our reader, cut at awkward places, and opened.
  void deliver(offloaded_client& c, wire_cutter& cutter, const std::vector<uint8_t>& wire) {
    for (auto& seg : cutter.cut(wire, rng, wire_cutter::pick_max_seg(wire.size(), rng)))
      c.rx.to_feed.push_back(std::move(seg));
    driver.pump({&c.rx});
  }
  std::vector<uint8_t> seal(offloaded_client& c, const std::vector<uint8_t>& data) {
    const outgoing s{&c.tx, data};
    return seal_streams(engine, {&s, 1}, rng)[0];
  }
  size_t count(const offloaded_client& c, open_verdict v) const {
    size_t n = 0;
    for (const auto& o : c.rx.results) n += o.verdict == v;
    return n;
  }
  // What the OpenSSL client makes of our bytes when it expects a fatal
  // alert: SSL_read fails, and the alert is the one we sent.
  void expect_client_fails_with_alert(offloaded_client& c, const std::vector<uint8_t>& wire, int alert,
                                      int reason) {
    c.client.put(wire);
    uint8_t buf[64];
    size_t n = 0;
    ERR_clear_error();
    EXPECT_EQ(0, SSL_read_ex(c.client.ssl(), buf, sizeof buf, &n));
    EXPECT_EQ(SSL_ERROR_SSL, SSL_get_error(c.client.ssl(), 0));
    EXPECT_EQ(reason, ERR_GET_REASON(ERR_peek_error())) << ERR_reason_error_string(ERR_peek_error());
    ERR_clear_error();
    EXPECT_EQ(alert, c.client.alert_received());
  }

  aead_engine engine;
  std::mt19937_64 rng{0xc0de};
  test::reader_driver driver{engine};
};

std::string version_aead_name(const ::testing::TestParamInfo<version_aead>& info) {
  return cell_name(
      {std::get<0>(info.param), std::get<1>(info.param),
       std::get<1>(info.param) == aead_algorithm::aes_128_gcm ? key_kind::ec_p256 : key_kind::rsa2048});
}

// Records of one client write, in order (the wire is records, headers in the clear).
std::vector<std::vector<uint8_t>> split_records(const std::vector<uint8_t>& wire) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t at = 0; at + kHeaderLen <= wire.size();) {
    const size_t len = kHeaderLen + (static_cast<size_t>(wire[at + 3]) << 8 | wire[at + 4]);
    out.emplace_back(wire.begin() + static_cast<std::ptrdiff_t>(at),
                     wire.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
  }
  return out;
}

// ---- a flipped bit: bad_record_mac, once, and OpenSSL hears it ----

TEST_P(Control, FlippedCiphertextBitIsBadRecordMacOnceAndOpenSslReadsOurAlert) {
  enum class where { ciphertext, tag, explicit_nonce_or_header_version };
  for (const where w : {where::ciphertext, where::tag, where::explicit_nonce_or_header_version}) {
    SCOPED_TRACE("flipped in " + std::to_string(static_cast<int>(w)));
    auto c = connect();
    ASSERT_TRUE(c);
    wire_cutter cutter(tls12());
    const auto good = random_bytes(100, rng);
    c->client.write(good);
    auto wire = c->client.take();
    c->client.write(random_bytes(3000, rng));
    auto bad = c->client.take();
    ASSERT_EQ(split_records(bad).size(), 1u);
    const size_t body = kHeaderLen + (tls12() ? kTls12ExplicitNonceLen : 0);
    size_t at = 0;
    switch (w) {
      case where::ciphertext:
        at = body + rng() % (bad.size() - body - kTagLen);
        break;
      case where::tag:
        at = bad.size() - 1 - rng() % kTagLen;
        break;
      // TLS 1.2: the explicit nonce (part of the GCM nonce). TLS 1.3: the
      // legacy version in the header, ignored but authenticated as AAD.
      case where::explicit_nonce_or_header_version:
        at = tls12() ? kHeaderLen + rng() % 8 : 2;
        break;
    }
    bad[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
    wire.insert(wire.end(), bad.begin(), bad.end());
    // More records behind it, in the same delivery: never opened.
    c->client.write(random_bytes(200, rng));
    c->client.write(random_bytes(20000, rng));
    const auto after = c->client.take();
    wire.insert(wire.end(), after.begin(), after.end());
    deliver(*c, cutter, wire);

    EXPECT_EQ(c->rx.app_data, good);
    EXPECT_EQ(count(*c, open_verdict::failed), 1u);
    EXPECT_EQ(
        count(*c, open_verdict::data) + count(*c, open_verdict::failed) + count(*c, open_verdict::discarded),
        c->rx.results.size());
    const auto& failed = c->rx.results[1];
    EXPECT_EQ(failed.verdict, open_verdict::failed);
    EXPECT_EQ(failed.alert, alert_description::bad_record_mac);
    EXPECT_TRUE(c->rx.reader.closed());
    // Later bytes are refused, and no second verdict comes out.
    const size_t results = c->rx.results.size();
    deliver(*c, cutter, after);
    EXPECT_EQ(c->rx.results.size(), results);

    // Our alert goes out once: the writer is closed behind it.
    const auto alert = seal_alert(engine, c->tx, alert_level::fatal, alert_description::bad_record_mac);
    ASSERT_EQ(alert.status, seal_status::queued);
    EXPECT_TRUE(c->tx.closed());
    EXPECT_EQ(seal_alert(engine, c->tx, alert_level::fatal, alert_description::bad_record_mac).status,
              seal_status::closed);
    expect_client_fails_with_alert(*c, alert.wire, 20, SSL_R_SSLV3_ALERT_BAD_RECORD_MAC);
  }
  EXPECT_GE(driver.batch.counters.get(tls_open_counter::bad_record_mac), 3u);
}

// ---- over the size limits: record_overflow ----

TEST_P(Control, RecordsOverTheLimitAreRecordOverflow) {
  // Crafted with EVP (tests/support/evp_peer.hh) under the client's write
  // keys as exported, continuing the client's own sequence.
  //  wire:  the header's length is over the limit (2^14+256 / 2^14+2048);
  //  inner: the record authenticates but carries more than 2^14 bytes of
  //         plaintext (TLS 1.3 counts content + type + padding: 2^14+1).
  enum class kind { wire, inner, inner_padding };
  for (const kind k : {kind::wire, kind::inner, kind::inner_padding}) {
    if (k == kind::inner_padding && tls12()) continue;  // no padding in TLS 1.2
    SCOPED_TRACE("over the limit: " + std::to_string(static_cast<int>(k)));
    auto c = connect();
    ASSERT_TRUE(c);
    wire_cutter cutter(tls12());
    const auto ok = random_bytes(2, rng);
    c->client.write(ok);
    auto wire = c->client.take();
    test::evp_peer forger(c->handoff.keys.read);
    forger.set_sequence(c->handoff.keys.read.sequence + 1);
    const uint8_t app = static_cast<uint8_t>(content_type::application_data);
    // Right at the limit first: accepted.
    const auto limit = random_bytes(kMaxPlaintext, rng);
    const size_t limit_len = tls12() ? kMaxPlaintext : kMaxPlaintext - 300;
    auto rec = forger.seal(app, limit.data(), limit_len, tls12() ? 0 : 300, rng);  // 2^14+1 inner in 1.3
    wire.insert(wire.end(), rec.begin(), rec.end());
    const auto big = random_bytes(kMaxTls12Ciphertext, rng);
    switch (k) {
      case kind::wire:
        rec = tls12() ? forger.seal(app, big.data(), kMaxTls12Ciphertext - 8 - 16 + 1, 0, rng)
                      : forger.seal(app, big.data(), kMaxPlaintext, 256 - 16, rng);  // 2^14+256+1
        EXPECT_EQ(rec.size() - kHeaderLen, (tls12() ? kMaxTls12Ciphertext : kMaxTls13Ciphertext) + 1);
        break;
      case kind::inner:
        rec = forger.seal(app, big.data(), kMaxPlaintext + 1, 0, rng);
        break;
      case kind::inner_padding:
        rec = forger.seal(app, big.data(), kMaxPlaintext, 1, rng);
        break;
    }
    wire.insert(wire.end(), rec.begin(), rec.end());
    rec = forger.seal(app, ok.data(), ok.size(), 0, rng);  // behind it: never opened
    wire.insert(wire.end(), rec.begin(), rec.end());
    deliver(*c, cutter, wire);

    auto expected = ok;
    expected.insert(expected.end(), limit.begin(), limit.begin() + static_cast<std::ptrdiff_t>(limit_len));
    EXPECT_EQ(c->rx.app_data, expected);
    ASSERT_GE(c->rx.results.size(), 3u);
    EXPECT_EQ(c->rx.results[2].verdict, open_verdict::failed);
    EXPECT_EQ(c->rx.results[2].alert, alert_description::record_overflow);
    EXPECT_EQ(count(*c, open_verdict::failed), 1u);

    const auto alert = seal_alert(engine, c->tx, alert_level::fatal, alert_description::record_overflow);
    ASSERT_EQ(alert.status, seal_status::queued);
    expect_client_fails_with_alert(*c, alert.wire, 22, SSL_R_TLSV1_ALERT_RECORD_OVERFLOW);
  }
}

// ---- close_notify both ways ----

TEST_P(Control, ClientClosesFirst) {
  auto c = connect();
  ASSERT_TRUE(c);
  wire_cutter cutter(tls12());
  const auto data = random_bytes(5000, rng);
  auto wire = client_send(c->client, data, rng);
  ASSERT_EQ(0, SSL_shutdown(c->client.ssl()));  // close_notify sent, none received yet
  const auto close = c->client.take();
  wire.insert(wire.end(), close.begin(), close.end());
  deliver(*c, cutter, wire);
  EXPECT_EQ(c->rx.app_data, data);
  ASSERT_FALSE(c->rx.results.empty());
  EXPECT_EQ(c->rx.results.back().verdict, open_verdict::peer_closed);
  EXPECT_EQ(count(*c, open_verdict::peer_closed), 1u);
  EXPECT_TRUE(c->rx.reader.closed());

  // TLS 1.3 allows a half-close (RFC 8446 §6.1): data may still go out.
  std::vector<uint8_t> reply, late;
  if (!tls12()) {
    late = random_bytes(3000, rng);
    reply = seal(*c, late);
  }
  const auto notify = seal_alert(engine, c->tx, alert_level::warning, alert_description::close_notify);
  ASSERT_EQ(notify.status, seal_status::queued);
  EXPECT_TRUE(c->tx.closed());
  reply.insert(reply.end(), notify.wire.begin(), notify.wire.end());
  c->client.put(reply);
  std::vector<uint8_t> got(late.size() + 1);
  size_t n = 0;
  while (n < late.size()) {
    const int r = SSL_read(c->client.ssl(), got.data() + n, static_cast<int>(got.size() - n));
    ASSERT_GT(r, 0) << SSL_get_error(c->client.ssl(), r);
    n += static_cast<size_t>(r);
  }
  got.resize(n);
  EXPECT_EQ(got, late);
  uint8_t buf[16];
  const int r = SSL_read(c->client.ssl(), buf, sizeof buf);
  EXPECT_EQ(r, 0);
  EXPECT_EQ(SSL_get_error(c->client.ssl(), r), SSL_ERROR_ZERO_RETURN);
  EXPECT_EQ(1, SSL_shutdown(c->client.ssl()));  // both close_notify seen
}

TEST_P(Control, WeCloseFirst) {
  auto c = connect();
  ASSERT_TRUE(c);
  wire_cutter cutter(tls12());
  const auto data = random_bytes(40000, rng);
  auto wire = seal(*c, data);
  const auto notify = seal_alert(engine, c->tx, alert_level::warning, alert_description::close_notify);
  ASSERT_EQ(notify.status, seal_status::queued);
  // Nothing more may follow our close_notify.
  EXPECT_EQ(seal_alert(engine, c->tx, alert_level::warning, alert_description::close_notify).status,
            seal_status::closed);
  wire.insert(wire.end(), notify.wire.begin(), notify.wire.end());
  c->client.put(wire);
  std::vector<uint8_t> got;
  uint8_t buf[16384];
  int r;
  while ((r = SSL_read(c->client.ssl(), buf, sizeof buf)) > 0) got.insert(got.end(), buf, buf + r);
  EXPECT_EQ(r, 0);
  EXPECT_EQ(SSL_get_error(c->client.ssl(), r), SSL_ERROR_ZERO_RETURN);
  EXPECT_EQ(got, data);

  // The client may finish writing (TLS 1.3 half-close), then answers with
  // its own close_notify; our reader sees it.
  std::vector<uint8_t> last;
  std::vector<uint8_t> back;
  if (!tls12()) {
    last = random_bytes(1000, rng);
    back = client_send(c->client, last, rng);
  }
  EXPECT_EQ(1, SSL_shutdown(c->client.ssl()));
  const auto close = c->client.take();
  back.insert(back.end(), close.begin(), close.end());
  deliver(*c, cutter, back);
  EXPECT_EQ(c->rx.app_data, last);
  ASSERT_FALSE(c->rx.results.empty());
  EXPECT_EQ(c->rx.results.back().verdict, open_verdict::peer_closed);
}

INSTANTIATE_TEST_SUITE_P(Matrix, Control,
                         ::testing::Combine(::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                                            ::testing::Values(aead_algorithm::aes_128_gcm,
                                                              aead_algorithm::aes_256_gcm)),
                         version_aead_name);

// ---- KeyUpdate, TLS 1.3 ----

class KeyUpdate : public Control {};

TEST_P(KeyUpdate, OpenSslKeyUpdatesAreFollowedAndAnsweredBothWays) {
  auto c = connect();
  ASSERT_TRUE(c);
  wire_cutter cutter(false);
  std::vector<uint8_t> sent_up, sent_down, got_down;
  size_t client_updates = 0, our_replies = 0;
  auto client_writes = [&](size_t n) {
    const auto d = random_bytes(n, rng);
    sent_up.insert(sent_up.end(), d.begin(), d.end());
    return client_send(c->client, d, rng);
  };
  auto we_write = [&](size_t n) {
    const auto d = random_bytes(n, rng);
    sent_down.insert(sent_down.end(), d.begin(), d.end());
    return seal(*c, d);
  };
  auto client_reads = [&](const std::vector<uint8_t>& wire) {
    c->client.put(wire);
    const auto got = c->client.read_all();
    got_down.insert(got_down.end(), got.begin(), got.end());
    ASSERT_FALSE(c->client.failed()) << "OpenSSL rejected our records";
  };
  // Answers every KeyUpdate the reader reported with update_requested.
  size_t seen = 0;
  auto answer_requests = [&]() -> std::vector<uint8_t> {
    std::vector<uint8_t> out;
    for (; seen < c->rx.results.size(); ++seen) {
      if (!c->rx.results[seen].reply_key_update) continue;
      const auto ku = seal_key_update(engine, c->tx, key_update_request::update_not_requested);
      EXPECT_EQ(ku.status, seal_status::queued);
      out.insert(out.end(), ku.wire.begin(), ku.wire.end());
      ++our_replies;
    }
    return out;
  };

  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool requested = round % 2 == 0;
    const auto read_secret_before = c->rx.reader.keys();
    const auto write_secret_before = c->tx.keys();
    // Data under the current keys, the KeyUpdate, and data under the next
    // keys, all in one delivery (the reader's restore-and-reopen path).
    auto wire = client_writes(1 + rng() % 40000);
    ASSERT_EQ(1, SSL_key_update(c->client.ssl(),
                                requested ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED));
    const auto more = client_writes(1 + rng() % 40000);
    ++client_updates;
    wire.insert(wire.end(), more.begin(), more.end());
    // Our data still under the old write keys, in flight before we saw theirs.
    const auto in_flight = we_write(1 + rng() % 20000);
    client_reads(in_flight);
    deliver(*c, cutter, wire);
    EXPECT_NE(0, std::memcmp(read_secret_before.secret, c->rx.reader.keys().secret, tls::kMaxSecretLen))
        << "the reader did not move to the next generation";
    // Requested: our KeyUpdate goes before our next data, which OpenSSL reads
    // under the new keys. Not requested: we carry on with the same keys.
    auto reply = answer_requests();
    EXPECT_EQ(reply.empty(), !requested);
    const auto next = we_write(1 + rng() % 40000);
    reply.insert(reply.end(), next.begin(), next.end());
    client_reads(reply);
    EXPECT_EQ(requested,
              0 != std::memcmp(write_secret_before.secret, c->tx.keys().secret, tls::kMaxSecretLen));
    EXPECT_EQ(SSL_get_key_update_type(c->client.ssl()), SSL_KEY_UPDATE_NONE);
  }

  // Our own KeyUpdate asking for theirs: OpenSSL answers with a KeyUpdate
  // (update_not_requested) that our reader follows, and data keeps flowing.
  for (int round = 0; round < 3; ++round) {
    const auto ku = seal_key_update(engine, c->tx, key_update_request::update_requested);
    ASSERT_EQ(ku.status, seal_status::queued);
    auto wire = ku.wire;
    const auto next = we_write(1 + rng() % 20000);
    wire.insert(wire.end(), next.begin(), next.end());
    client_reads(wire);
    auto back = c->client.take();  // OpenSSL's answer, if it already sent it
    const auto data = client_writes(1 + rng() % 20000);
    back.insert(back.end(), data.begin(), data.end());
    ++client_updates;
    deliver(*c, cutter, back);
    EXPECT_TRUE(answer_requests().empty()) << "OpenSSL's answer must not request another update";
  }

  EXPECT_EQ(driver.batch.counters.get(tls_open_counter::key_update_received), client_updates);
  EXPECT_EQ(driver.batch.counters.get(tls_open_counter::key_update_requested), our_replies);
  EXPECT_EQ(our_replies, 4u);
  // Some deliveries put records behind a KeyUpdate into its burst.
  EXPECT_GT(driver.batch.counters.get(tls_open_counter::key_update_redo), 0u);
  for (const auto& o : c->rx.results)
    EXPECT_TRUE(o.verdict == open_verdict::data || o.verdict == open_verdict::control);
  EXPECT_EQ(sha256(c->rx.app_data), sha256(sent_up));
  EXPECT_EQ(c->rx.app_data.size(), sent_up.size());
  EXPECT_EQ(sha256(got_down), sha256(sent_down));
  EXPECT_EQ(got_down.size(), sent_down.size());
  driver.drain(c->rx);
}

INSTANTIATE_TEST_SUITE_P(Tls13, KeyUpdate,
                         ::testing::Combine(::testing::Values(tls_version::tls1_3),
                                            ::testing::Values(aead_algorithm::aes_128_gcm,
                                                              aead_algorithm::aes_256_gcm)),
                         version_aead_name);

// ---- TLS 1.2 renegotiation ----

class Renegotiation : public Control {};

// A renegotiating OpenSSL client gets a warning no_renegotiation (RFC 5246
// §7.2.2, RFC 5746 §4.2) and the connection is not ours to drop: OpenSSL
// itself gives up with a fatal handshake_failure, which our reader reports.
TEST_P(Renegotiation, OpenSslClientIsRefusedWithNoRenegotiation) {
  auto c = connect();
  ASSERT_TRUE(c);
  wire_cutter cutter(true);
  const auto before = random_bytes(3000, rng);
  auto wire = client_send(c->client, before, rng);
  ASSERT_EQ(1, SSL_renegotiate(c->client.ssl()));
  ASSERT_EQ(0, c->client.step());  // ClientHello sent, waiting for a ServerHello
  const auto hello = c->client.take();
  ASSERT_FALSE(hello.empty());
  wire.insert(wire.end(), hello.begin(), hello.end());
  deliver(*c, cutter, wire);
  EXPECT_EQ(c->rx.app_data, before);
  ASSERT_FALSE(c->rx.results.empty());
  const auto& last = c->rx.results.back();
  EXPECT_EQ(last.verdict, open_verdict::control);
  EXPECT_EQ(last.type, content_type::handshake);
  EXPECT_TRUE(last.reply_warning);
  EXPECT_EQ(last.alert, alert_description::no_renegotiation);
  EXPECT_FALSE(c->rx.reader.closed());

  const auto refusal = seal_alert(engine, c->tx, alert_level::warning, alert_description::no_renegotiation);
  ASSERT_EQ(refusal.status, seal_status::queued);
  EXPECT_FALSE(c->tx.closed());  // a warning does not close our side
  c->client.put(refusal.wire);
  EXPECT_EQ(-1, c->client.step());
  EXPECT_EQ(100, c->client.alert_received());
  deliver(*c, cutter, c->client.take());
  EXPECT_EQ(c->rx.results.back().verdict, open_verdict::peer_alert);
  EXPECT_EQ(c->rx.results.back().alert, alert_description::handshake_failure);
}

INSTANTIATE_TEST_SUITE_P(Tls12, Renegotiation,
                         ::testing::Combine(::testing::Values(tls_version::tls1_2),
                                            ::testing::Values(aead_algorithm::aes_128_gcm,
                                                              aead_algorithm::aes_256_gcm)),
                         version_aead_name);

}  // namespace
}  // namespace sstpgw::tls::integration
