// Handshakes of our endpoint against OpenSSL itself (a plain SSL object over
// memory BIOs, set up in openssl_peer.cc without control/handshake): both
// versions x both AES-GCM suites x ECDSA/RSA server keys, client certificates
// decided by the verify hook, our client against an OpenSSL server, failures
// with their alerts, and records kept in OpenSSL (EAP-TLS style).
#include "control/handshake/tls_endpoint.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tuple>

#include "tests/support/handshake_pki.hh"
#include "tests/support/openssl_peer.hh"

namespace sstpgw::handshake::testing {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> der_of(X509* x) {
  std::vector<uint8_t> out(static_cast<size_t>(i2d_X509(x, nullptr)));
  uint8_t* p = out.data();
  i2d_X509(x, &p);
  return out;
}

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// An OpenSSL client that verifies our server against the test root.
peer_config verifying_client(const handshake_pki& pki, int version) {
  return {.server = false,
          .min_version = version,
          .max_version = version,
          .trust_root = pki.root.cert.get(),
          .verify_peer = true,
          .server_name = kServerName};
}

// ---- the matrix: version x AEAD x server key ----

using matrix_param = std::tuple<tls_version, tls::aead_algorithm, key_kind>;

class ServerHandshake : public ::testing::TestWithParam<matrix_param> {
 protected:
  tls_version version() const { return std::get<0>(GetParam()); }
  tls::aead_algorithm aead() const { return std::get<1>(GetParam()); }
  key_kind key() const { return std::get<2>(GetParam()); }
  const handshake_pki& pki() const { return pki_for(key()); }

  // The one suite of the matrix cell: forced on our side, offered fully by the peer.
  std::string suite_name() const {
    const bool aes128 = aead() == tls::aead_algorithm::aes_128_gcm;
    if (version() == tls_version::tls1_3) return aes128 ? "TLS_AES_128_GCM_SHA256" : "TLS_AES_256_GCM_SHA384";
    const std::string auth = key() == key_kind::ec_p256 ? "ECDSA" : "RSA";
    return "ECDHE-" + auth + (aes128 ? "-AES128-GCM-SHA256" : "-AES256-GCM-SHA384");
  }
  server_tls_config config() const {
    auto c = server_config(pki());
    c.protocol.min_version = c.protocol.max_version = version();
    if (version() == tls_version::tls1_3) {
      c.protocol.tls13_ciphersuites = {suite_name()};
    } else {
      c.protocol.tls12_ciphers = {suite_name()};
    }
    return c;
  }
};

TEST_P(ServerHandshake, CompletesAgainstOpenSslClient) {
  auto ctx = tls_context::make_server(config());
  tls_endpoint server(ctx);
  openssl_peer client(verifying_client(pki(), static_cast<int>(version())));
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();

  EXPECT_EQ(server.state(), handshake_state::complete);
  EXPECT_EQ(server.version(), version());
  EXPECT_EQ(SSL_version(client.ssl()), static_cast<int>(version()));
  EXPECT_EQ(server.cipher_name(), suite_name());
  EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(client.ssl())), suite_name().c_str());
  EXPECT_EQ(server.cipher_id(), SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(client.ssl())));

  // Our leaf as presented: what the client received (SSTP crypto binding hashes it).
  const auto own = server.own_certificate_der();
  EXPECT_EQ(std::vector<uint8_t>(own.begin(), own.end()), pki().server.cert_der());
  EXPECT_EQ(std::vector<uint8_t>(own.begin(), own.end()), der_of(SSL_get0_peer_certificate(client.ssl())));
  // The full chain was sent: the client only trusts the root.
  STACK_OF(X509)* seen = SSL_get_peer_cert_chain(client.ssl());
  ASSERT_EQ(2, sk_X509_num(seen));
  EXPECT_EQ(0, X509_cmp(sk_X509_value(seen, 1), pki().intermediate.cert.get()));
  EXPECT_EQ(X509_V_OK, SSL_get_verify_result(client.ssl()));
  EXPECT_TRUE(server.peer_chain().empty());

  // RFC 5705 exporter agrees with OpenSSL's on the other side.
  const std::string label = "EXPORTER_test";
  const std::vector<uint8_t> context = {1, 2, 3};
  auto ours = server.export_keying_material(label, std::span<const uint8_t>(context), 32);
  ASSERT_TRUE(ours);
  std::vector<uint8_t> theirs(32);
  ASSERT_EQ(1, SSL_export_keying_material(client.ssl(), theirs.data(), theirs.size(), label.data(),
                                          label.size(), context.data(), context.size(), 1));
  EXPECT_EQ(*ours, theirs);
  if (version() == tls_version::tls1_2) {
    // "No context" differs from "empty context" in TLS 1.2 (RFC 5705): EAP-TLS (RFC 5216) uses none.
    auto none = server.export_keying_material("client EAP encryption", std::nullopt, 64);
    ASSERT_TRUE(none);
    std::vector<uint8_t> peer_none(64);
    ASSERT_EQ(1, SSL_export_keying_material(client.ssl(), peer_none.data(), 64, "client EAP encryption", 21,
                                            nullptr, 0, 0));
    EXPECT_EQ(*none, peer_none);
  }
}

TEST_P(ServerHandshake, KeptRecordsCarryDataBothWays) {
  auto c = config();
  c.protocol.records = record_protection::keep;
  auto ctx = tls_context::make_server(c);
  tls_endpoint server(ctx);
  openssl_peer client(verifying_client(pki(), static_cast<int>(version())));
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();

  const auto hello = bytes_of("hello from the OpenSSL client");
  client.write(hello);
  server.feed(client.take());
  std::vector<uint8_t> got;
  EXPECT_EQ(hello.size(), server.read_app(got));
  EXPECT_EQ(got, hello);

  std::vector<uint8_t> big(40000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  ASSERT_TRUE(server.write_app(big));
  client.put(server.take_output());
  EXPECT_EQ(client.read_all(), big);

  // A kept endpoint cannot be offloaded any more.
  EXPECT_FALSE(server.offload().ok());

  ASSERT_EQ(0, SSL_shutdown(client.ssl()));
  server.feed(client.take());
  std::vector<uint8_t> none;
  EXPECT_EQ(0u, server.read_app(none));
  EXPECT_TRUE(server.peer_closed());
}

std::string matrix_name(const ::testing::TestParamInfo<matrix_param>& info) {
  const auto [v, a, k] = info.param;
  return std::string(v == tls_version::tls1_2 ? "TLS12" : "TLS13") +
         (a == tls::aead_algorithm::aes_128_gcm ? "_AES128" : "_AES256") +
         (k == key_kind::ec_p256 ? "_ECDSA" : "_RSA");
}

INSTANTIATE_TEST_SUITE_P(Matrix, ServerHandshake,
                         ::testing::Combine(::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                                            ::testing::Values(tls::aead_algorithm::aes_128_gcm,
                                                              tls::aead_algorithm::aes_256_gcm),
                                            ::testing::Values(key_kind::ec_p256, key_kind::rsa2048)),
                         matrix_name);

// ---- client certificates ----

class ClientCertificates : public ::testing::TestWithParam<tls_version> {
 protected:
  const handshake_pki& pki = pki_for(key_kind::ec_p256);
  tls_context context(client_certificate_mode mode) const {
    auto c = server_config(pki);
    c.protocol.min_version = c.protocol.max_version = GetParam();
    c.client_certificates = mode;
    c.client_ca.pem = pki.root.cert_pem();
    return tls_context::make_server(c);
  }
  openssl_peer client_with(const issued_cert* cert) const {
    auto pc = verifying_client(pki, static_cast<int>(GetParam()));
    if (cert != nullptr) {
      pc.cert = cert->cert.get();
      pc.key = cert->key.get();
    }
    return openssl_peer(pc);
  }
};

TEST_P(ClientCertificates, HookSeesChainAndOpenSslVerdictAndAccepts) {
  auto ctx = context(client_certificate_mode::require);
  int calls = 0;
  tls_endpoint server(ctx, {.verify_peer = [&](const peer_certificates& peer) {
                        ++calls;
                        EXPECT_EQ(peer.peer_role, tls_role::client);
                        EXPECT_TRUE(peer.openssl_ok());
                        EXPECT_EQ(1u, peer.presented.size());
                        EXPECT_EQ(0, X509_cmp(peer.presented.at(0), pki.client.cert.get()));
                        EXPECT_EQ(2u, peer.verified.size());  // leaf, root
                        return verify_decision::accepted();
                      }});
  auto client = client_with(&pki.client);
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();
  EXPECT_EQ(1, calls);
  ASSERT_EQ(1u, server.peer_chain().size());
  EXPECT_EQ(0, X509_cmp(server.peer_chain()[0].get(), pki.client.cert.get()));
  // The CertificateRequest named our root (Windows chooses its certificate by it).
  const STACK_OF(X509_NAME)* names = SSL_get0_peer_CA_list(client.ssl());
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(1, sk_X509_NAME_num(names));
  EXPECT_EQ(0, X509_NAME_cmp(sk_X509_NAME_value(names, 0), X509_get_subject_name(pki.root.cert.get())));
}

TEST_P(ClientCertificates, HookRejectsWithItsAlert) {
  auto ctx = context(client_certificate_mode::require);
  tls_endpoint server(ctx, {.verify_peer = [](const peer_certificates&) {
                        return verify_decision::rejected(tls_alert::certificate_revoked,
                                                         "thumbprint revoked");
                      }});
  auto client = client_with(&pki.client);
  EXPECT_FALSE(run_handshake(server, client));
  ASSERT_EQ(server.state(), handshake_state::failed);
  EXPECT_EQ(server.failure().alert, tls_alert::certificate_revoked);
  EXPECT_FALSE(server.failure().alert_from_peer);
  EXPECT_THAT(server.failure().describe(), HasSubstr("thumbprint revoked"));
  EXPECT_THAT(server.failure().describe(), HasSubstr("certificate_revoked(44)"));
  client.read_all();  // TLS 1.3: the client finished first and learns it here
  EXPECT_EQ(client.alert_received(), SSL_AD_CERTIFICATE_REVOKED);
}

TEST_P(ClientCertificates, HookMayAcceptWhatOpenSslRejects) {
  auto ctx = context(client_certificate_mode::require);
  int openssl_result = X509_V_OK;
  tls_endpoint server(ctx, {.verify_peer = [&](const peer_certificates& peer) {
                        openssl_result = peer.openssl_result;
                        return verify_decision::accepted();
                      }});
  auto client = client_with(&pki.stranger_client);
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();
  EXPECT_EQ(openssl_result, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_P(ClientCertificates, WithoutHookUnknownIssuerFailsWithUnknownCa) {
  auto ctx = context(client_certificate_mode::require);
  tls_endpoint server(ctx);
  auto client = client_with(&pki.stranger_client);
  EXPECT_FALSE(run_handshake(server, client));
  ASSERT_EQ(server.state(), handshake_state::failed);
  EXPECT_EQ(server.failure().alert, tls_alert::unknown_ca);
  EXPECT_THAT(server.failure().reason, HasSubstr("unable to get local issuer certificate"));
}

TEST_P(ClientCertificates, RequiredButMissingFails) {
  auto ctx = context(client_certificate_mode::require);
  tls_endpoint server(ctx);
  auto client = client_with(nullptr);
  EXPECT_FALSE(run_handshake(server, client));
  EXPECT_EQ(server.state(), handshake_state::failed);
  EXPECT_TRUE(server.failure().alert.has_value());
}

TEST_P(ClientCertificates, RequestedAndMissingIsFine) {
  auto ctx = context(client_certificate_mode::request);
  tls_endpoint server(ctx);
  auto client = client_with(nullptr);
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();
  EXPECT_TRUE(server.peer_chain().empty());
}

INSTANTIATE_TEST_SUITE_P(Versions, ClientCertificates,
                         ::testing::Values(tls_version::tls1_2, tls_version::tls1_3), [](const auto& info) {
                           return info.param == tls_version::tls1_2 ? "TLS12" : "TLS13";
                         });

// ---- failures with their alerts ----

TEST(ServerFailure, NoSharedCipherSendsHandshakeFailure) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  tls_endpoint server(ctx);
  auto pc = verifying_client(pki, TLS1_2_VERSION);
  pc.cipher_list = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305";
  openssl_peer client(pc);
  EXPECT_FALSE(run_handshake(server, client));
  ASSERT_EQ(server.state(), handshake_state::failed);
  EXPECT_EQ(server.failure().alert, tls_alert::handshake_failure);
  EXPECT_THAT(server.failure().reason, HasSubstr("no shared cipher"));
  EXPECT_EQ(client.alert_received(), SSL_AD_HANDSHAKE_FAILURE);
}

TEST(ServerFailure, Tls13ChaChaOnlyClientIsRefused) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  tls_endpoint server(ctx);
  auto pc = verifying_client(pki, TLS1_3_VERSION);
  pc.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
  openssl_peer client(pc);
  EXPECT_FALSE(run_handshake(server, client));
  EXPECT_EQ(server.failure().alert, tls_alert::handshake_failure);
}

TEST(ServerFailure, Tls11ClientGetsProtocolVersion) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  tls_endpoint server(ctx);
  auto pc = verifying_client(pki, TLS1_1_VERSION);
  openssl_peer client(pc);
  EXPECT_FALSE(run_handshake(server, client));
  ASSERT_EQ(server.state(), handshake_state::failed);
  EXPECT_EQ(server.failure().alert, tls_alert::protocol_version);
  EXPECT_THAT(server.failure().describe(), HasSubstr("sent protocol_version(70)"));
}

TEST(ServerFailure, GarbageInsteadOfClientHello) {
  auto ctx = tls_context::make_server(server_config(pki_for(key_kind::ec_p256)));
  tls_endpoint server(ctx);
  const auto junk = bytes_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(server.feed(junk), handshake_state::failed);
  EXPECT_FALSE(server.failure().reason.empty());
  EXPECT_FALSE(server.offload().ok());
}

TEST(ServerFailure, PartialInputWaits) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  tls_endpoint server(ctx);
  openssl_peer client(verifying_client(pki, TLS1_3_VERSION));
  client.step();
  const auto hello = client.take();
  ASSERT_GT(hello.size(), 10u);
  // Byte by byte: never fails, answers only when the ClientHello is whole.
  for (size_t i = 0; i + 1 < hello.size(); ++i) {
    ASSERT_EQ(server.feed({&hello[i], 1}), handshake_state::in_progress);
    ASSERT_FALSE(server.has_output());
  }
  server.feed({&hello.back(), 1});
  EXPECT_TRUE(server.has_output());
}

TEST(KeptRecords, CorruptedRecordFailsWithBadRecordMac) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto c = server_config(pki);
  c.protocol.records = record_protection::keep;
  auto ctx = tls_context::make_server(c);
  tls_endpoint server(ctx);
  openssl_peer client(verifying_client(pki, TLS1_3_VERSION));
  ASSERT_TRUE(run_handshake(server, client));
  client.write(bytes_of("some data"));
  auto rec = client.take();
  rec[rec.size() - 3] ^= 0x01;
  server.feed(rec);
  std::vector<uint8_t> out;
  server.read_app(out);
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(server.state(), handshake_state::failed);
  EXPECT_EQ(server.failure().alert, tls_alert::bad_record_mac);
  client.put(server.take_output());
  client.read_all();
  EXPECT_EQ(client.alert_received(), SSL_AD_BAD_RECORD_MAC);
}

TEST(KeptRecords, LegacyTls11WhenExplicitlyAllowed) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto c = server_config(pki);
  c.protocol.records = record_protection::keep;
  c.protocol.allow_legacy_versions = true;
  c.protocol.min_version = tls_version::tls1_1;
  auto ctx = tls_context::make_server(c);
  tls_endpoint server(ctx);
  openssl_peer client(verifying_client(pki, TLS1_1_VERSION));
  ASSERT_TRUE(run_handshake(server, client)) << server.failure().describe();
  EXPECT_EQ(server.version(), tls_version::tls1_1);
  ASSERT_TRUE(server.write_app(bytes_of("legacy")));
  client.put(server.take_output());
  EXPECT_EQ(client.read_all(), bytes_of("legacy"));
}

// ---- our client against an OpenSSL server ----

class OurClient : public ::testing::TestWithParam<tls_version> {
 protected:
  const handshake_pki& pki = pki_for(key_kind::rsa2048);
  openssl_peer server_peer(bool want_client_cert = false) const {
    return openssl_peer({.server = true,
                         .min_version = static_cast<int>(GetParam()),
                         .max_version = static_cast<int>(GetParam()),
                         .cert = pki.server.cert.get(),
                         .key = pki.server.key.get(),
                         .chain = {pki.intermediate.cert.get()},
                         .trust_root = pki.root.cert.get(),
                         .verify_peer = want_client_cert});
  }
};

TEST_P(OurClient, VerifiesServerAndKeepsRecords) {
  auto c = client_config(pki);
  c.protocol.records = record_protection::keep;
  auto ctx = tls_context::make_client(c);
  tls_endpoint client(ctx);
  EXPECT_TRUE(client.has_output());  // the ClientHello, made at construction
  auto server = server_peer();
  ASSERT_TRUE(run_handshake(client, server)) << client.failure().describe();
  EXPECT_EQ(client.version(), GetParam());
  ASSERT_EQ(2u, client.peer_chain().size());
  EXPECT_EQ(0, X509_cmp(client.peer_chain()[0].get(), pki.server.cert.get()));
  EXPECT_EQ(0, X509_cmp(client.peer_chain()[1].get(), pki.intermediate.cert.get()));
  EXPECT_TRUE(client.own_certificate_der().empty());
  // SNI reached the server.
  EXPECT_STREQ(SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name), kServerName);

  ASSERT_TRUE(client.write_app(bytes_of("ping")));
  server.put(client.take_output());
  EXPECT_EQ(server.read_all(), bytes_of("ping"));
  server.write(bytes_of("pong"));
  client.feed(server.take());  // TLS 1.3: behind the server's tickets
  std::vector<uint8_t> got;
  client.read_app(got);
  EXPECT_EQ(got, bytes_of("pong"));
}

TEST_P(OurClient, PresentsClientCertificate) {
  auto c = client_config(pki);
  c.certificate_chain.pem = pki.client.cert_pem();
  c.private_key.pem = pki.client.key_pem();
  auto ctx = tls_context::make_client(c);
  tls_endpoint client(ctx);
  auto server = server_peer(true);
  ASSERT_TRUE(run_handshake(client, server)) << client.failure().describe();
  EXPECT_EQ(0, X509_cmp(SSL_get0_peer_certificate(server.ssl()), pki.client.cert.get()));
  const auto own = client.own_certificate_der();
  EXPECT_EQ(std::vector<uint8_t>(own.begin(), own.end()), pki.client.cert_der());
}

TEST_P(OurClient, WrongServerNameFails) {
  auto ctx = tls_context::make_client(client_config(pki));
  tls_endpoint client(ctx, {.server_name = "other.example.test"});
  auto server = server_peer();
  EXPECT_FALSE(run_handshake(client, server));
  ASSERT_EQ(client.state(), handshake_state::failed);
  EXPECT_THAT(client.failure().reason, HasSubstr("hostname mismatch"));
  EXPECT_EQ(client.failure().alert, tls_alert::bad_certificate);
}

TEST_P(OurClient, UntrustedServerFails) {
  auto c = client_config(pki);
  c.trust_roots.pem = pki.stranger_root.cert_pem();
  auto ctx = tls_context::make_client(c);
  tls_endpoint client(ctx);
  auto server = server_peer();
  EXPECT_FALSE(run_handshake(client, server));
  EXPECT_EQ(client.failure().alert, tls_alert::unknown_ca);
}

INSTANTIATE_TEST_SUITE_P(Versions, OurClient, ::testing::Values(tls_version::tls1_2, tls_version::tls1_3),
                         [](const auto& info) {
                           return info.param == tls_version::tls1_2 ? "TLS12" : "TLS13";
                         });

TEST(Endpoint, MovesKeepTheConnection) {
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  tls_endpoint first(ctx);
  openssl_peer client(verifying_client(pki, TLS1_3_VERSION));
  client.step();
  first.feed(client.take());
  tls_endpoint moved(std::move(first));  // callbacks follow the connection
  client.put(moved.take_output());
  ASSERT_TRUE(run_handshake(moved, client)) << moved.failure().describe();
}

}  // namespace
}  // namespace sstpgw::handshake::testing
