// What the record layer refuses, one case per test: tampering, limits, short
// and empty records, TLS 1.3 padding without a type, sequence wrap, alerts,
// post-handshake messages, and that an error is reported once and then the
// connection accepts nothing more. Records come from the independent EVP peer.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/seal_batch.hh"
#include "tests/support/evp_peer.hh"
#include "tests/support/reader_driver.hh"

namespace sstpgw::tls {
namespace {

struct outcome {
  std::vector<test::opened> results;
  counter_set<tls_open_counter> counters;
  std::vector<uint8_t> app_data;
};

class Negative : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(engine.init()); }

  traffic_keys keys(protocol_version v, uint64_t seq = 0) {
    return test::random_keys(v, aead_algorithm::aes_128_gcm, rng, seq);
  }
  std::vector<uint8_t> bytes(size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng() | 1);
    return v;
  }
  std::vector<uint8_t> app(test::evp_peer& p, size_t n) {
    const auto c = bytes(n);
    return p.seal(23, c.data(), c.size(), 0, rng);
  }
  std::vector<uint8_t> typed(test::evp_peer& p, content_type t, std::vector<uint8_t> content) {
    return p.seal(static_cast<uint8_t>(t), content.data(), content.size(), 0, rng);
  }
  static void append(std::vector<uint8_t>& to, const std::vector<uint8_t>& v) { to.insert(to.end(), v.begin(), v.end()); }

  outcome open(const traffic_keys& k, const std::vector<uint8_t>& stream,
               endpoint_role role = endpoint_role::server, size_t max_seg = 1 << 20) {
    test::reader_driver drv(engine);
    test::test_conn c;
    EXPECT_TRUE(c.reader.install(engine, k, role));
    c.to_feed = test::cut_stream(stream, rng, max_seg);
    drv.pump({&c});
    if (!c.drained) drv.drain(c);
    return {c.results, drv.batch.counters, c.app_data};
  }

  aead_engine engine;
  std::mt19937_64 rng{777};
};

const protocol_version kBoth[] = {protocol_version::tls12, protocol_version::tls13};

void expect_failed(const outcome& o, size_t index, alert_description a) {
  ASSERT_GT(o.results.size(), index);
  EXPECT_EQ(o.results[index].verdict, open_verdict::failed);
  EXPECT_EQ(o.results[index].alert, a) << name_of(o.results[index].alert);
  EXPECT_TRUE(o.results[index].content.empty());  // never any plaintext
}

TEST_F(Negative, FlippedCiphertextBitIsBadRecordMac) {
  for (auto v : kBoth) {
    const auto k = keys(v);
    test::evp_peer p(k);
    auto rec = app(p, 300);
    rec[rec.size() - 16 - 100] ^= 0x20;
    const auto o = open(k, rec);
    ASSERT_EQ(o.results.size(), 1u);
    expect_failed(o, 0, alert_description::bad_record_mac);
    EXPECT_EQ(o.counters.get(tls_open_counter::bad_record_mac), 1u);
  }
}

TEST_F(Negative, FlippedTagBitIsBadRecordMac) {
  for (auto v : kBoth) {
    const auto k = keys(v);
    test::evp_peer p(k);
    auto rec = app(p, 300);
    rec.back() ^= 0x01;
    expect_failed(open(k, rec, endpoint_role::server, 7), 0, alert_description::bad_record_mac);
  }
}

// Every bit of the tag counts, on the whole-record fast path and when the
// record is cut into pieces.
TEST_F(Negative, EveryFlippedTagBitIsBadRecordMac) {
  for (auto v : kBoth) {
    const auto k = keys(v);
    test::evp_peer p(k);
    const auto good = app(p, 200);
    for (size_t bit = 0; bit < 128; ++bit) {
      auto rec = good;
      rec[rec.size() - 16 + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      for (size_t max_seg : {size_t{1} << 20, size_t{50}}) {
        const auto o = open(k, rec, endpoint_role::server, max_seg);
        ASSERT_EQ(o.results.size(), 1u) << "bit " << bit;
        expect_failed(o, 0, alert_description::bad_record_mac);
      }
    }
    EXPECT_EQ(open(k, good).results.at(0).verdict, open_verdict::data);
  }
}

TEST_F(Negative, FlippedExplicitNonceBitIsBadRecordMac) {
  const auto k = keys(protocol_version::tls12);
  test::evp_peer p(k);
  auto rec = app(p, 64);
  rec[5 + 3] ^= 0x80;
  expect_failed(open(k, rec), 0, alert_description::bad_record_mac);
}

// The length is authenticated (AAD), and changing it moves where the tag is.
TEST_F(Negative, ChangedHeaderLengthIsBadRecordMac) {
  for (auto v : kBoth) {
    for (int delta : {-1, +1}) {
      const auto k = keys(v);
      test::evp_peer p(k);
      auto rec = app(p, 300);
      const uint16_t len = static_cast<uint16_t>((rec[3] << 8 | rec[4]) + delta);
      rec[3] = static_cast<uint8_t>(len >> 8);
      rec[4] = static_cast<uint8_t>(len);
      rec.push_back(0);  // so a longer record is complete
      expect_failed(open(k, rec), 0, alert_description::bad_record_mac);
    }
  }
}

// The rest of the header is authenticated too: TLS 1.2's type is in the AAD,
// TLS 1.3's whole header is the AAD (its version is otherwise ignored).
TEST_F(Negative, ChangedHeaderTypeOrVersionIsBadRecordMac) {
  {
    const auto k = keys(protocol_version::tls12);
    test::evp_peer p(k);
    auto rec = app(p, 50);
    rec[0] = static_cast<uint8_t>(content_type::handshake);
    expect_failed(open(k, rec), 0, alert_description::bad_record_mac);
  }
  {
    const auto k = keys(protocol_version::tls13);
    test::evp_peer p(k);
    auto rec = app(p, 50);
    rec[2] = 0x01;
    expect_failed(open(k, rec), 0, alert_description::bad_record_mac);
  }
}

TEST_F(Negative, CiphertextOverTheLimitIsRecordOverflow) {
  // Refused from the header alone, before any decryption or buffering.
  for (auto v : kBoth) {
    const size_t limit = v == protocol_version::tls13 ? kMaxTls13Ciphertext : kMaxTls12Ciphertext;
    const uint16_t len = static_cast<uint16_t>(limit + 1);
    const std::vector<uint8_t> hdr{23, 3, 3, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
    const auto o = open(keys(v), hdr);
    ASSERT_EQ(o.results.size(), 1u);
    expect_failed(o, 0, alert_description::record_overflow);
    EXPECT_EQ(o.counters.get(tls_open_counter::record_overflow), 1u);
  }
}

TEST_F(Negative, AuthenticatedPlaintextOverTheLimitIsRecordOverflow) {
  {  // TLS 1.2: 2^14 + 1 bytes of plaintext (the ciphertext is within its limit)
    const auto k = keys(protocol_version::tls12);
    test::evp_peer p(k);
    const auto big = bytes(kMaxPlaintext + 1);
    expect_failed(open(k, typed(p, content_type::application_data, big)), 0, alert_description::record_overflow);
  }
  {  // TLS 1.3: content 2^14, type and one byte of padding: inner 2^14 + 2
    const auto k = keys(protocol_version::tls13);
    test::evp_peer p(k);
    const auto big = bytes(kMaxPlaintext);
    expect_failed(open(k, p.seal(23, big.data(), big.size(), 1, rng)), 0, alert_description::record_overflow);
  }
}

TEST_F(Negative, ZeroLengthRecordIsBadRecordMac) {
  for (auto v : kBoth) {
    const std::vector<uint8_t> rec{23, 3, 3, 0, 0};
    expect_failed(open(keys(v), rec), 0, alert_description::bad_record_mac);
  }
}

TEST_F(Negative, TooShortForNonceAndTagIsBadRecordMac) {
  for (auto v : kBoth) {
    const size_t len = v == protocol_version::tls13 ? 15 : 23;  // one short of tag (+ explicit nonce)
    std::vector<uint8_t> rec{23, 3, 3, 0, static_cast<uint8_t>(len)};
    rec.resize(5 + len, 0x5a);
    expect_failed(open(keys(v), rec), 0, alert_description::bad_record_mac);
  }
}

// TLS 1.2 zero-length application data is legal and opens to nothing.
TEST_F(Negative, Tls12EmptyApplicationDataIsFine) {
  const auto k = keys(protocol_version::tls12);
  test::evp_peer p(k);
  const auto o = open(k, typed(p, content_type::application_data, {}));
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].verdict, open_verdict::data);
  EXPECT_TRUE(o.results[0].content.empty());
}

TEST_F(Negative, Tls13AllZeroInnerPlaintextIsUnexpectedMessage) {
  const auto k = keys(protocol_version::tls13);
  test::evp_peer p(k);
  const auto o = open(k, p.seal_raw(23, std::vector<uint8_t>(40, 0), rng), endpoint_role::server, 9);
  expect_failed(o, 0, alert_description::unexpected_message);
}

// Length 16: a valid tag over nothing. It authenticates, but has no type.
TEST_F(Negative, Tls13EmptyInnerPlaintextIsUnexpectedMessage) {
  const auto k = keys(protocol_version::tls13);
  test::evp_peer p(k);
  expect_failed(open(k, p.seal_raw(23, {}, rng)), 0, alert_description::unexpected_message);
}

TEST_F(Negative, UnknownOrUnprotectedOuterTypeIsUnexpectedMessage) {
  // TLS 1.3: only application_data outside; a post-handshake CCS is unexpected.
  for (uint8_t t : {20, 21, 22, 24, 99}) {
    const std::vector<uint8_t> rec{t, 3, 3, 0, 1, 1};
    expect_failed(open(keys(protocol_version::tls13), rec), 0, alert_description::unexpected_message);
  }
  for (uint8_t t : {20, 24, 0, 255}) {
    const std::vector<uint8_t> rec{t, 3, 3, 0, 1, 1};
    expect_failed(open(keys(protocol_version::tls12), rec), 0, alert_description::unexpected_message);
  }
}

TEST_F(Negative, Tls13ProtectedChangeCipherSpecIsUnexpectedMessage) {
  const auto k = keys(protocol_version::tls13);
  test::evp_peer p(k);
  expect_failed(open(k, typed(p, content_type::change_cipher_spec, {1})), 0, alert_description::unexpected_message);
}

TEST_F(Negative, Tls12WrongRecordVersionIsProtocolVersion) {
  const auto k = keys(protocol_version::tls12);
  test::evp_peer p(k);
  auto rec = app(p, 10);
  rec[2] = 1;
  expect_failed(open(k, rec), 0, alert_description::protocol_version);
}

// Start at 2^64-2: two records use the last two sequence numbers, the third
// would wrap the nonce and closes the connection instead.
TEST_F(Negative, ReadSequenceNearWrapCloses) {
  for (auto v : kBoth) {
    const auto k = keys(v, UINT64_MAX - 1);
    test::evp_peer p(k);
    std::vector<uint8_t> s;
    for (int i = 0; i < 3; ++i) append(s, app(p, 20));
    const auto o = open(k, s);
    ASSERT_EQ(o.results.size(), 3u);
    EXPECT_EQ(o.results[0].verdict, open_verdict::data);
    EXPECT_EQ(o.results[1].verdict, open_verdict::data);
    expect_failed(o, 2, alert_description::internal_error);
    EXPECT_EQ(o.counters.get(tls_open_counter::sequence_exhausted), 1u);
  }
}

TEST_F(Negative, WriteSequenceNearWrapCloses) {
  for (auto v : kBoth) {
    const auto k = keys(v, UINT64_MAX - 1);
    record_writer w;
    ASSERT_TRUE(w.install(engine, k));
    test::evp_peer p(k);
    seal_batch b;
    std::vector<std::vector<uint8_t>> out(3, std::vector<uint8_t>(w.record_size(10)));
    const std::vector<uint8_t> msg(10, 'x');
    EXPECT_EQ(b.add(w, 0, content_type::application_data, msg, out[0]), seal_status::queued);
    EXPECT_EQ(b.add(w, 0, content_type::application_data, msg, out[1]), seal_status::queued);
    EXPECT_EQ(b.add(w, 0, content_type::application_data, msg, out[2]), seal_status::sequence_exhausted);
    EXPECT_TRUE(w.closed());
    const auto res = b.run(engine);
    ASSERT_EQ(res.size(), 2u);
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(res[i].ok);
      uint8_t type;
      std::vector<uint8_t> content;
      EXPECT_TRUE(p.open(res[i].record, res[i].length, type, content));
      EXPECT_EQ(content, msg);
    }
    EXPECT_EQ(b.counters.get(tls_seal_counter::sequence_exhausted), 1u);
  }
}

// An error is reported once; what follows in the same burst is discarded and
// the reader takes no more segments.
TEST_F(Negative, AfterAnErrorNothingMoreIsAccepted) {
  const auto k = keys(protocol_version::tls13);
  test::evp_peer p(k);
  std::vector<uint8_t> s = app(p, 30);
  auto bad = app(p, 30);
  bad[10] ^= 1;
  append(s, bad);
  append(s, app(p, 30));
  append(s, app(p, 30));
  const auto o = open(k, s);
  ASSERT_EQ(o.results.size(), 4u);
  EXPECT_EQ(o.results[0].verdict, open_verdict::data);
  expect_failed(o, 1, alert_description::bad_record_mac);
  EXPECT_EQ(o.results[2].verdict, open_verdict::discarded);
  EXPECT_EQ(o.results[3].verdict, open_verdict::discarded);
  EXPECT_EQ(o.counters.get(tls_open_counter::bad_record_mac), 1u);

  record_reader r;
  ASSERT_TRUE(r.install(engine, k));
  std::vector<uint8_t> buf = bad;
  open_batch b;
  test::evp_peer p2(k);
  auto tampered = app(p2, 30);
  tampered[6] ^= 1;
  ASSERT_EQ(b.feed(r, {tampered.data(), static_cast<uint32_t>(tampered.size()), 1}), feed_status::accepted);
  ASSERT_EQ(b.collect(r, 0), 1u);
  ASSERT_EQ(b.run(engine)[0].verdict, open_verdict::failed);
  b.clear();
  EXPECT_TRUE(r.closed());
  EXPECT_EQ(b.feed(r, {buf.data(), static_cast<uint32_t>(buf.size()), 2}), feed_status::closed);
  EXPECT_EQ(b.collect(r, 0), 0u);
  EXPECT_EQ(b.counters.get(tls_open_counter::fed_after_close), 1u);
  uint64_t cookies[record_reader::kMaxSegments];
  EXPECT_EQ(r.drain(cookies), 0u);  // the failed record's segment came back with its result
}

TEST_F(Negative, CloseNotifyEndsTheStream) {
  for (auto v : kBoth) {
    const auto k = keys(v);
    test::evp_peer p(k);
    std::vector<uint8_t> s = app(p, 30);
    append(s, typed(p, content_type::alert, {1, 0}));
    append(s, app(p, 30));  // ignored: after close_notify
    const auto o = open(k, s);
    ASSERT_EQ(o.results.size(), 3u);
    EXPECT_EQ(o.results[1].verdict, open_verdict::peer_closed);
    EXPECT_EQ(o.results[2].verdict, open_verdict::discarded);
    EXPECT_EQ(o.app_data.size(), 30u);
    EXPECT_EQ(o.counters.get(tls_open_counter::close_notify_received), 1u);
  }
}

TEST_F(Negative, FatalAlertFromPeerCloses) {
  for (auto v : kBoth) {
    const auto k = keys(v);
    test::evp_peer p(k);
    const auto o = open(k, typed(p, content_type::alert, {2, 40}));
    ASSERT_EQ(o.results.size(), 1u);
    EXPECT_EQ(o.results[0].verdict, open_verdict::peer_alert);
    EXPECT_EQ(o.results[0].alert, alert_description::handshake_failure);
  }
}

TEST_F(Negative, WarningAlerts) {
  {  // TLS 1.2: a warning other than close_notify is ignored
    const auto k = keys(protocol_version::tls12);
    test::evp_peer p(k);
    std::vector<uint8_t> s = typed(p, content_type::alert, {1, 100});
    append(s, app(p, 5));
    const auto o = open(k, s);
    ASSERT_EQ(o.results.size(), 2u);
    EXPECT_EQ(o.results[0].verdict, open_verdict::control);
    EXPECT_EQ(o.results[1].verdict, open_verdict::data);
  }
  {  // TLS 1.3: user_canceled is ignored; any other alert is fatal whatever its level
    const auto k = keys(protocol_version::tls13);
    test::evp_peer p(k);
    std::vector<uint8_t> s = typed(p, content_type::alert, {1, 90});
    append(s, typed(p, content_type::alert, {1, 100}));
    const auto o = open(k, s);
    ASSERT_EQ(o.results.size(), 2u);
    EXPECT_EQ(o.results[0].verdict, open_verdict::control);
    EXPECT_EQ(o.results[1].verdict, open_verdict::peer_alert);
  }
}

TEST_F(Negative, MalformedAlerts) {
  for (auto v : kBoth) {
    const auto k = keys(v);
    test::evp_peer p(k);
    expect_failed(open(k, typed(p, content_type::alert, {1, 0, 0})), 0, alert_description::decode_error);
  }
  const auto k = keys(protocol_version::tls12);
  test::evp_peer p(k);
  expect_failed(open(k, typed(p, content_type::alert, {3, 0})), 0, alert_description::illegal_parameter);
}

TEST_F(Negative, Tls12RenegotiationIsRefusedWithAWarning) {
  {  // a ClientHello to a server, fragmented over two records
    const auto k = keys(protocol_version::tls12);
    test::evp_peer p(k);
    std::vector<uint8_t> hello{1, 0, 0, 6, 3, 3, 9, 9, 9, 9};
    std::vector<uint8_t> s = typed(p, content_type::handshake, {hello.begin(), hello.begin() + 3});
    append(s, typed(p, content_type::handshake, {hello.begin() + 3, hello.end()}));
    append(s, app(p, 8));
    const auto o = open(k, s);
    ASSERT_EQ(o.results.size(), 3u);
    EXPECT_EQ(o.results[0].verdict, open_verdict::control);
    EXPECT_FALSE(o.results[0].reply_warning);
    EXPECT_EQ(o.results[1].verdict, open_verdict::control);
    EXPECT_TRUE(o.results[1].reply_warning);
    EXPECT_EQ(o.results[1].alert, alert_description::no_renegotiation);
    EXPECT_EQ(o.results[2].verdict, open_verdict::data);  // the connection carries on
    EXPECT_EQ(o.counters.get(tls_open_counter::renegotiation_refused), 1u);
  }
  {  // a HelloRequest to a client
    const auto k = keys(protocol_version::tls12);
    test::evp_peer p(k);
    const auto o = open(k, typed(p, content_type::handshake, {0, 0, 0, 0}), endpoint_role::client);
    ASSERT_EQ(o.results.size(), 1u);
    EXPECT_TRUE(o.results[0].reply_warning);
  }
  {  // but a HelloRequest to a server is nonsense
    const auto k = keys(protocol_version::tls12);
    test::evp_peer p(k);
    expect_failed(open(k, typed(p, content_type::handshake, {0, 0, 0, 0})), 0,
                  alert_description::unexpected_message);
  }
}

TEST_F(Negative, EmptyHandshakeRecordIsUnexpectedMessage) {
  for (auto v : kBoth) {
    const auto k = keys(v);
    test::evp_peer p(k);
    expect_failed(open(k, typed(p, content_type::handshake, {})), 0, alert_description::unexpected_message);
  }
}

TEST_F(Negative, Tls13PostHandshakeMessagesByRole) {
  const std::vector<uint8_t> ticket{4, 0, 0, 3, 1, 2, 3};
  {  // NewSessionTicket: a client skips it (we never resume)...
    const auto k = keys(protocol_version::tls13);
    test::evp_peer p(k);
    std::vector<uint8_t> s = typed(p, content_type::handshake, ticket);
    append(s, app(p, 4));
    const auto o = open(k, s, endpoint_role::client);
    ASSERT_EQ(o.results.size(), 2u);
    EXPECT_EQ(o.results[0].verdict, open_verdict::control);
    EXPECT_EQ(o.results[1].verdict, open_verdict::data);
  }
  {  // ...a server never receives one
    const auto k = keys(protocol_version::tls13);
    test::evp_peer p(k);
    expect_failed(open(k, typed(p, content_type::handshake, ticket)), 0, alert_description::unexpected_message);
  }
  {  // nor a ClientHello after the handshake
    const auto k = keys(protocol_version::tls13);
    test::evp_peer p(k);
    expect_failed(open(k, typed(p, content_type::handshake, {1, 0, 0, 1, 0})), 0,
                  alert_description::unexpected_message);
  }
}

TEST_F(Negative, HandshakeMessageInterleavedWithDataIsUnexpectedMessage) {
  const auto k = keys(protocol_version::tls13);
  test::evp_peer p(k);
  std::vector<uint8_t> s = typed(p, content_type::handshake, {24, 0});  // half a KeyUpdate
  append(s, app(p, 10));
  const auto o = open(k, s);
  ASSERT_EQ(o.results.size(), 2u);
  EXPECT_EQ(o.results[0].verdict, open_verdict::control);
  expect_failed(o, 1, alert_description::unexpected_message);
}

TEST_F(Negative, KeyUpdateNotEndingItsRecordIsUnexpectedMessage) {
  const auto k = keys(protocol_version::tls13);
  test::evp_peer p(k);
  expect_failed(open(k, typed(p, content_type::handshake, {24, 0, 0, 1, 0, 24, 0, 0, 1, 0})), 0,
                alert_description::unexpected_message);
}

TEST_F(Negative, KeyUpdateWithBadValueOrLength) {
  const auto k = keys(protocol_version::tls13);
  {
    test::evp_peer p(k);
    expect_failed(open(k, typed(p, content_type::handshake, {24, 0, 0, 1, 2})), 0,
                  alert_description::illegal_parameter);
  }
  {
    test::evp_peer p(k);
    expect_failed(open(k, typed(p, content_type::handshake, {24, 0, 0, 2, 0, 0})), 0,
                  alert_description::decode_error);
  }
}

// Writer refusals.
TEST_F(Negative, WriterRefusesAfterCloseAndBadBuffers) {
  const auto k = keys(protocol_version::tls13);
  record_writer w;
  ASSERT_TRUE(w.install(engine, k, 100));
  seal_batch b;
  std::vector<uint8_t> out(w.record_size(200));
  const std::vector<uint8_t> big(101, 'a'), ok(100, 'a');
  EXPECT_EQ(b.add(w, 0, content_type::application_data, big, out), seal_status::bad_request);  // > max_fragment
  EXPECT_EQ(b.add(w, 0, content_type::application_data, ok, {out.data(), w.record_size(100) - 1}),
            seal_status::bad_request);  // buffer too small
  // Source overlapping the output, but not where its ciphertext goes.
  EXPECT_EQ(b.add(w, 0, content_type::application_data, {out.data() + 2, 50}, out), seal_status::bad_request);
  EXPECT_EQ(b.add_key_update(w, 0, key_update_request::update_not_requested, out), seal_status::queued);
  EXPECT_EQ(b.add(w, 0, content_type::application_data, ok, out), seal_status::rekey_pending);
  b.run(engine);
  b.clear();
  EXPECT_FALSE(w.rekey_pending());
  std::vector<uint8_t> a(w.record_size(2));
  EXPECT_EQ(b.add_alert(w, 0, alert_level::fatal, alert_description::bad_record_mac, a), seal_status::queued);
  EXPECT_EQ(b.add(w, 0, content_type::application_data, ok, out), seal_status::closed);
  EXPECT_EQ(b.counters.get(tls_seal_counter::writer_closed), 1u);
  EXPECT_EQ(b.counters.get(tls_seal_counter::bad_request), 3u);

  record_writer w12;
  ASSERT_TRUE(w12.install(engine, keys(protocol_version::tls12)));
  EXPECT_EQ(b.add_key_update(w12, 0, key_update_request::update_not_requested, out), seal_status::bad_request);
}

}  // namespace
}  // namespace sstpgw::tls
