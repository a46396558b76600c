// Exported record keys, checked without the record engine: records written by
// OpenSSL are opened with EVP AES-GCM using our exported read keys, and records
// sealed with EVP using our write keys are read by OpenSSL (evp_records.cc
// spells out the RFC nonce/AAD rules). Also: the sequence numbers at the
// handoff, leftover bytes behind the handshake, and offload refusals.
#include "control/handshake/key_export.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <tuple>

#include "control/handshake/tls_endpoint.hh"
#include "tests/support/evp_records.hh"
#include "tests/support/handshake_pki.hh"
#include "tests/support/openssl_peer.hh"

namespace sstpgw::handshake::testing {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> unhex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// The secret of `label` from an OpenSSL peer's own key log.
std::vector<uint8_t> peer_secret(const openssl_peer& peer, std::string_view label) {
  for (const auto& line : peer.keylog_lines()) {
    if (line.rfind(std::string(label) + " ", 0) == 0) return unhex(line.substr(line.rfind(' ') + 1));
  }
  return {};
}

TEST(Tls12Prf, KnownAnswerSha256) {
  // The widely used TLS 1.2 PRF (P_SHA256) test vector (IETF TLS list, msg03416).
  const auto secret = unhex("9bbe436ba940f017b17652849a71db35");
  const auto seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
  const auto expected = unhex(
      "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022"
      "f707"
      "7def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66");
  std::vector<uint8_t> out(expected.size());
  ASSERT_TRUE(tls12_prf(tls::suite_hash::sha256, secret, "test label", seed, out));
  EXPECT_EQ(out, expected);
}

TEST(KeyExport, RefusesWrongLengths) {
  offload_keys k;
  std::string error;
  const uint8_t short_secret[16] = {};
  EXPECT_FALSE(keys_from_tls13_secrets(tls::aead_algorithm::aes_128_gcm, tls_role::server, short_secret,
                                       short_secret, k, error));
  EXPECT_THAT(error, HasSubstr("wrong length"));
  const uint8_t master[48] = {};
  const uint8_t random[32] = {};
  EXPECT_FALSE(keys_from_tls12_master(tls::aead_algorithm::aes_128_gcm, tls_role::server, master,
                                      std::span(random, 16), random, k, error));
}

using param = std::tuple<tls_version, tls::aead_algorithm>;

class OffloadedRecords : public ::testing::TestWithParam<param> {
 protected:
  tls_version version() const { return std::get<0>(GetParam()); }
  tls::aead_algorithm aead() const { return std::get<1>(GetParam()); }
  bool aes128() const { return aead() == tls::aead_algorithm::aes_128_gcm; }
  uint64_t first_sequence() const { return version() == tls_version::tls1_2 ? 1 : 0; }
  const handshake_pki& pki = pki_for(key_kind::ec_p256);

  protocol_settings protocol() const {
    protocol_settings p;
    p.min_version = p.max_version = version();
    p.tls13_ciphersuites = {aes128() ? "TLS_AES_128_GCM_SHA256" : "TLS_AES_256_GCM_SHA384"};
    p.tls12_ciphers = {aes128() ? "ECDHE-ECDSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-AES256-GCM-SHA384"};
    return p;
  }
  tls_context server_context() const {
    auto c = server_config(pki);
    c.protocol = protocol();
    return tls_context::make_server(c);
  }
  peer_config client_peer() const {
    return {.min_version = static_cast<int>(version()),
            .max_version = static_cast<int>(version()),
            .trust_root = pki.root.cert.get(),
            .verify_peer = true,
            .server_name = kServerName};
  }
  peer_config server_peer(int tickets) const {
    return {.server = true,
            .min_version = static_cast<int>(version()),
            .max_version = static_cast<int>(version()),
            .cert = pki.server.cert.get(),
            .key = pki.server.key.get(),
            .chain = {pki.intermediate.cert.get()},
            .num_tickets = tickets};
  }
  void expect_keys_shape(const offload_keys& k) const {
    for (const auto* d : {&k.read, &k.write}) {
      EXPECT_EQ(d->version, version() == tls_version::tls1_2 ? tls::protocol_version::tls12
                                                             : tls::protocol_version::tls13);
      EXPECT_EQ(d->aead, aead());
      EXPECT_EQ(d->sequence, first_sequence());
    }
    EXPECT_NE(0, std::memcmp(k.read.key, k.write.key, tls::key_length(aead())));
  }
};

// Records both ways between OpenSSL and EVP with our keys, `records` of each.
void exchange(openssl_peer& peer, offload_keys& keys, int records) {
  std::vector<uint8_t> expected_in, expected_out, wire_out;
  for (int i = 0; i < records; ++i) {
    const auto msg = bytes_of("from OpenSSL, record " + std::to_string(i));
    peer.write(msg);
    expected_in.insert(expected_in.end(), msg.begin(), msg.end());
    const auto reply = bytes_of("from the record keys, record " + std::to_string(i));
    const auto rec = seal_record(keys.write, kApplicationData, reply);
    wire_out.insert(wire_out.end(), rec.begin(), rec.end());
    expected_out.insert(expected_out.end(), reply.begin(), reply.end());
  }
  auto opened = open_all(keys.read, peer.take());
  ASSERT_TRUE(opened) << "a record from OpenSSL did not open with the exported read keys";
  std::vector<uint8_t> got;
  for (const auto& r : *opened) {
    EXPECT_EQ(r.content_type, kApplicationData);
    got.insert(got.end(), r.plaintext.begin(), r.plaintext.end());
  }
  EXPECT_EQ(got, expected_in);
  peer.put(wire_out);
  EXPECT_EQ(peer.read_all(), expected_out);
  EXPECT_FALSE(peer.failed()) << "OpenSSL rejected a record sealed with the exported write keys";
}

TEST_P(OffloadedRecords, ServerKeysOpenAndSealOpenSslRecords) {
  auto ctx = server_context();
  tls_endpoint server(ctx);
  openssl_peer client(client_peer());
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();
  auto r = server.offload();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(server.offloaded());
  EXPECT_TRUE(r.handoff.leftover.empty());
  expect_keys_shape(r.handoff.keys);
  if (version() == tls_version::tls1_3) {
    // The secrets the record engine keeps for KeyUpdate are the peer's own.
    const size_t n = tls::hash_length(tls::hash_of(aead()));
    EXPECT_EQ(std::vector<uint8_t>(r.handoff.keys.read.secret, r.handoff.keys.read.secret + n),
              peer_secret(client, "CLIENT_TRAFFIC_SECRET_0"));
    EXPECT_EQ(std::vector<uint8_t>(r.handoff.keys.write.secret, r.handoff.keys.write.secret + n),
              peer_secret(client, "SERVER_TRAFFIC_SECRET_0"));
  }
  exchange(client, r.handoff.keys, 3);
  EXPECT_EQ(r.handoff.keys.read.sequence, first_sequence() + 3);

  // After offload OpenSSL is gone; what was cached stays.
  EXPECT_FALSE(server.export_keying_material("EXPORTER_x", std::nullopt, 16));
  EXPECT_FALSE(server.own_certificate_der().empty());
  EXPECT_FALSE(server.offload().ok());
  wipe(r.handoff.keys);
}

TEST_P(OffloadedRecords, SequenceNumbersAtTheHandoff) {
  auto ctx = server_context();
  tls_endpoint server(ctx);
  openssl_peer client(client_peer());
  ASSERT_TRUE(run_handshake(server, client));
  auto r = server.offload();
  ASSERT_TRUE(r.ok()) << r.error;
  // TLS 1.2: Finished was record 0 in each direction, so application data starts
  // at 1. TLS 1.3: new keys, sequence 0 (and no NewSessionTicket used any).
  EXPECT_EQ(r.handoff.keys.read.sequence, first_sequence());
  EXPECT_EQ(r.handoff.keys.write.sequence, first_sequence());

  client.write(bytes_of("first"));
  const auto rec = client.take();
  auto wrong = r.handoff.keys.read;
  wrong.sequence = first_sequence() == 1 ? 0 : 1;
  EXPECT_FALSE(open_record(wrong, rec)) << "the first record must not open at the other sequence number";
  auto right = r.handoff.keys.read;
  auto opened = open_record(right, rec);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->plaintext, bytes_of("first"));

  // OpenSSL refuses a record sealed one sequence number too far.
  auto ahead = r.handoff.keys.write;
  ++ahead.sequence;
  client.put(seal_record(ahead, kApplicationData, bytes_of("skipped one")));
  EXPECT_TRUE(client.read_all().empty());
  EXPECT_TRUE(client.failed());
}

TEST_P(OffloadedRecords, ClientKeysOpenAndSealOpenSslServerRecords) {
  auto c = client_config(pki);
  c.protocol = protocol();
  auto ctx = tls_context::make_client(c);
  tls_endpoint client(ctx);
  openssl_peer server(server_peer(0));
  ASSERT_TRUE(run_handshake(client, server)) << client.failure().describe();
  auto r = client.offload();
  ASSERT_TRUE(r.ok()) << r.error;
  expect_keys_shape(r.handoff.keys);
  EXPECT_TRUE(r.handoff.leftover.empty());
  exchange(server, r.handoff.keys, 2);
}

TEST_P(OffloadedRecords, LeftoverBehindTheHandshakeIsHeld) {
  auto ctx = server_context();
  tls_endpoint server(ctx);
  openssl_peer client(client_peer());
  // Drive by hand: the client's last flight and its first application records
  // reach the server in one feed.
  client.step();
  server.feed(client.take());
  client.put(server.take_output());
  std::vector<uint8_t> flight;
  if (version() == tls_version::tls1_2) {
    ASSERT_EQ(0, client.step());  // sends Certificate..Finished, waits for ours
    flight = client.take();
    server.feed(flight);
    ASSERT_EQ(server.state(), handshake_state::complete);
    client.put(server.take_output());
    ASSERT_EQ(1, client.step());
    // The client writes before the server has handed off: fed after completion.
    client.write(bytes_of("early one"));
    client.write(bytes_of("early two"));
    const auto early = client.take();
    server.feed(std::span(early).first(7));  // and split at an odd point
    server.feed(std::span(early).subspan(7));
  } else {
    ASSERT_EQ(1, client.step());  // TLS 1.3: Finished sent, client done
    client.write(bytes_of("early one"));
    client.write(bytes_of("early two"));
    flight = client.take();
    EXPECT_EQ(server.feed(flight), handshake_state::complete);
  }
  auto r = server.offload();
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_FALSE(r.handoff.leftover.empty());
  auto opened = open_all(r.handoff.keys.read, r.handoff.leftover);
  ASSERT_TRUE(opened) << "leftover bytes must be whole records under the exported read keys";
  ASSERT_EQ(2u, opened->size());
  EXPECT_EQ((*opened)[0].plaintext, bytes_of("early one"));
  EXPECT_EQ((*opened)[1].plaintext, bytes_of("early two"));
  EXPECT_EQ(r.handoff.keys.read.sequence, first_sequence() + 2);
}

std::string name_of_param(const ::testing::TestParamInfo<param>& info) {
  return std::string(std::get<0>(info.param) == tls_version::tls1_2 ? "TLS12" : "TLS13") +
         (std::get<1>(info.param) == tls::aead_algorithm::aes_128_gcm ? "_AES128" : "_AES256");
}

INSTANTIATE_TEST_SUITE_P(Matrix, OffloadedRecords,
                         ::testing::Combine(::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                                            ::testing::Values(tls::aead_algorithm::aes_128_gcm,
                                                              tls::aead_algorithm::aes_256_gcm)),
                         name_of_param);

// A TLS 1.3 server that sends tickets (stock OpenSSL) puts them behind its
// Finished: a client that offloads gets them as leftover handshake records
// under the server's application keys, starting at sequence 0. (Our own
// server never sends tickets.)
TEST(OffloadLeftover, TicketsFromAnOpenSslServerArriveAsHandshakeRecords) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_client(client_config(pki));
  tls_endpoint client(ctx);
  openssl_peer server({.server = true,
                       .min_version = TLS1_3_VERSION,
                       .max_version = TLS1_3_VERSION,
                       .cert = pki.server.cert.get(),
                       .key = pki.server.key.get(),
                       .chain = {pki.intermediate.cert.get()},
                       .num_tickets = 2});
  ASSERT_TRUE(run_handshake(client, server));
  auto r = client.offload();
  ASSERT_TRUE(r.ok()) << r.error;
  auto opened = open_all(r.handoff.keys.read, r.handoff.leftover);
  ASSERT_TRUE(opened);
  ASSERT_EQ(2u, opened->size());
  for (const auto& rec : *opened) {
    EXPECT_EQ(rec.content_type, 22);    // handshake
    EXPECT_EQ(rec.plaintext.at(0), 4);  // NewSessionTicket
  }
}

TEST(OffloadRefusal, ReadAheadThatSwallowedRecordsFailsLoudly) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto c = server_config(pki);
  c.protocol.min_version = tls_version::tls1_3;
  auto ctx = tls_context::make_server(c);
  SSL_CTX_set_read_ahead(ctx.native(), 1);  // what the builder prevents
  tls_endpoint server(ctx);
  openssl_peer client({.min_version = TLS1_3_VERSION, .max_version = TLS1_3_VERSION});
  client.step();
  server.feed(client.take());
  client.put(server.take_output());
  ASSERT_EQ(1, client.step());
  client.write(bytes_of("swallowed by read-ahead"));
  server.feed(client.take());
  ASSERT_EQ(server.state(), handshake_state::complete);
  auto r = server.offload();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("buffered records beyond the handshake"));
  EXPECT_EQ(server.state(), handshake_state::failed);
  EXPECT_TRUE(r.handoff.leftover.empty());
}

TEST(OffloadRefusal, KeepContextAndUnfinishedHandshake) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto c = server_config(pki);
  c.protocol.records = record_protection::keep;
  auto keep_ctx = tls_context::make_server(c);
  tls_endpoint kept(keep_ctx);
  openssl_peer client({});
  ASSERT_TRUE(run_handshake(kept, client));
  EXPECT_THAT(kept.offload().error, HasSubstr("keep records"));

  auto ctx = tls_context::make_server(server_config(pki));
  tls_endpoint fresh(ctx);
  EXPECT_THAT(fresh.offload().error, HasSubstr("not complete"));
}

TEST(OffloadRefusal, SuiteTheRecordEngineCannotCarry) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  // What the builder never allows, forced on the OpenSSL context.
  ASSERT_EQ(1, SSL_CTX_set_ciphersuites(ctx.native(), "TLS_CHACHA20_POLY1305_SHA256"));
  tls_endpoint server(ctx);
  openssl_peer client({.min_version = TLS1_3_VERSION});
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();
  auto r = server.offload();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("TLS_CHACHA20_POLY1305_SHA256 cannot be carried by the record engine"));
  EXPECT_EQ(server.state(), handshake_state::failed);
}

TEST(OffloadRefusal, TicketsEnabledBehindOurBackAreDetected) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  SSL_CTX_set_num_tickets(ctx.native(), 1);
  SSL_CTX_clear_options(ctx.native(), SSL_OP_NO_TICKET);
  tls_endpoint server(ctx);
  openssl_peer client({.min_version = TLS1_3_VERSION});
  ASSERT_TRUE(run_handshake(server, client));
  auto r = server.offload();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("handshake message type 4"));
}

}  // namespace
}  // namespace sstpgw::handshake::testing
