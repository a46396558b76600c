// EAP-TLS server and peer back to back over OpenSSL with certificates from
// test_pki: TLS 1.2 and 1.3, MRU-sized fragments, MSK equal on both sides and
// equal to what OpenSSL and the RFC formulas give independently, and every way
// a certificate can be refused ending in EAP-Failure with the reason.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <string>
#include <vector>

#include "control/auth/eap_authenticator.hh"
#include "control/auth/eap_peer.hh"
#include "control/auth/eap_tls_keys.hh"
#include "control/auth/eap_tls_peer.hh"
#include "control/auth/eap_tls_server.hh"
#include "control/auth/openssl_tls_session.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::auth {
namespace {

using bytes = std::vector<uint8_t>;
using testing::cert_spec;
using testing::issue_cert;
using testing::issued_cert;
using testing::make_root;

ossl::x509_store_ptr store_of(const issued_cert& root) {
  ossl::x509_store_ptr s(X509_STORE_new());
  X509_STORE_add_cert(s.get(), root.cert.get());
  return s;
}

// TLS 1.3 secrets from the server's key log, for the independent exporter check.
std::string g_keylog;
void keylog(const SSL*, const char* line) { g_keylog += std::string(line) + "\n"; }

struct options {
  uint16_t server_max = kTls12;
  uint16_t client_max = kTls13;
  size_t server_mru = 1400;  // what the server may send (the client's MRU)
  size_t client_mru = 1400;
  testing::key_kind key = testing::key_kind::ec_p256;
  certificate_check check;
};

struct outcome {
  auth_status server = auth_status::idle;
  auth_status client = auth_status::idle;
  std::string server_reason, client_reason;
  std::optional<eap_keys> server_keys, client_keys;
  size_t largest_server_packet = 0, largest_client_packet = 0;
  int server_requests = 0, client_responses = 0;
  uint16_t version = 0;
};

class eap_tls_test : public ::testing::Test {
 protected:
  void SetUp() override {
    pki = testing::make_test_pki();
    roots = store_of(pki.root);
  }

  ossl::ssl_ctx_ptr server_ctx(const options& o, const issued_cert* cert = nullptr) {
    const issued_cert& c = cert ? *cert : server_cert(o);
    auto ctx = make_eap_tls_server_ctx({.certificate = c.cert.get(),
                                        .key = c.key.get(),
                                        .trusted_roots = roots.get(),
                                        .max_version = o.server_max});
    SSL_CTX_set_keylog_callback(ctx.get(), keylog);
    return ctx;
  }
  ossl::ssl_ctx_ptr client_ctx(const options& o, const issued_cert* cert, X509_STORE* trust = nullptr) {
    return make_eap_tls_client_ctx({.certificate = cert ? cert->cert.get() : nullptr,
                                    .key = cert ? cert->key.get() : nullptr,
                                    .trusted_roots = trust ? trust : roots.get(),
                                    .max_version = o.client_max});
  }
  const issued_cert& server_cert(const options& o) {
    if (o.key == testing::key_kind::rsa2048) {
      if (!rsa) rsa = std::make_unique<testing::test_pki>(testing::make_test_pki(testing::key_kind::rsa2048));
      return rsa->server;
    }
    return pki.server;
  }

  // Runs a whole authentication; the client presents `client_cert` (may be null).
  outcome run(const options& o, const issued_cert* client_cert, SSL_CTX* sctx = nullptr,
              SSL_CTX* cctx = nullptr) {
    ossl::ssl_ctx_ptr own_s, own_c;
    if (!sctx) sctx = (own_s = server_ctx(o)).get();
    if (!cctx) cctx = (own_c = client_ctx(o, client_cert)).get();
    g_keylog.clear();
    authenticator_config ac;
    ac.make_method = [&](const std::string&) {
      auto tls = openssl_tls_session::server(sctx, o.check);
      server_tls = tls.get();
      return std::make_unique<eap_tls_server>(std::move(tls), eap_tls_config{.max_packet = o.server_mru});
    };
    server_ = std::make_unique<eap_authenticator>(ac);
    eap_authenticator& server = *server_;
    peer_config pc;
    pc.identity = "client1";
    pc.make_method = [&] {
      auto tls = openssl_tls_session::client(cctx, "vpn.example.test");
      client_tls = tls.get();
      return std::make_unique<eap_tls_peer>(std::move(tls), eap_tls_config{.max_packet = o.client_mru});
    };
    client_ = std::make_unique<eap_peer>(pc);
    eap_peer& client = *client_;
    outcome r;
    server.start({});
    for (int round = 0; round < 2000; ++round) {
      auto to_client = server.take_packets();
      for (auto& p : to_client) {
        r.largest_server_packet = std::max(r.largest_server_packet, p.data.size());
        if (p.data[0] == 1) ++r.server_requests;
        if (tamper_to_client) tamper_to_client(p.data);
        client.receive(p.data, {});
      }
      auto to_server = client.take_packets();
      for (auto& p : to_server) {
        r.largest_client_packet = std::max(r.largest_client_packet, p.data.size());
        ++r.client_responses;
        server.receive(p.data, {});
      }
      if (to_client.empty() && to_server.empty()) break;
    }
    r.server = server.status();
    r.client = client.status();
    r.server_reason = server.reason();
    r.client_reason = client.reason();
    r.server_keys = server.keys();
    r.client_keys = client.keys();
    r.version = server_tls ? server_tls->version() : 0;
    return r;
  }

  testing::test_pki pki;
  std::unique_ptr<testing::test_pki> rsa;
  ossl::x509_store_ptr roots;
  // The last run's state machines, alive until the test ends (they own the TLS sessions).
  std::unique_ptr<eap_authenticator> server_;
  std::unique_ptr<eap_peer> client_;
  openssl_tls_session* server_tls = nullptr;
  openssl_tls_session* client_tls = nullptr;
  std::function<void(bytes&)> tamper_to_client;
};

// ---- independent key computations ------------------------------------------

bytes tls1_prf(const EVP_MD* md, const bytes& secret, const std::string& label, const bytes& seed, size_t n) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  bytes full_seed(label.begin(), label.end());
  full_seed.insert(full_seed.end(), seed.begin(), seed.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(md)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full_seed.data(), full_seed.size()),
      OSSL_PARAM_construct_end()};
  bytes out(n);
  EXPECT_EQ(EVP_KDF_derive(kctx, out.data(), out.size(), params), 1) << ossl::error_string();
  EVP_KDF_CTX_free(kctx);
  EVP_KDF_free(kdf);
  return out;
}

bytes hkdf_expand_label(const EVP_MD* md, const bytes& secret, const std::string& label, const bytes& context,
                        size_t n) {
  bytes info = {static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  const std::string full = "tls13 " + label;
  info.push_back(static_cast<uint8_t>(full.size()));
  info.insert(info.end(), full.begin(), full.end());
  info.push_back(static_cast<uint8_t>(context.size()));
  info.insert(info.end(), context.begin(), context.end());
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(md)), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  bytes out(n);
  EXPECT_EQ(EVP_KDF_derive(kctx, out.data(), out.size(), params), 1) << ossl::error_string();
  EVP_KDF_CTX_free(kctx);
  EVP_KDF_free(kdf);
  return out;
}

bytes digest(const EVP_MD* md, const bytes& data) {
  bytes out(static_cast<size_t>(EVP_MD_get_size(md)));
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr);
  return out;
}

bytes from_hex(const std::string& h) {
  bytes out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

// RFC 5216 §2.3: PRF-128(master_secret, "client EAP encryption", client.random || server.random).
bytes rfc5216_key_material(SSL* ssl) {
  bytes master(SSL_SESSION_get_master_key(SSL_get_session(ssl), nullptr, 0));
  SSL_SESSION_get_master_key(SSL_get_session(ssl), master.data(), master.size());
  bytes randoms(64);
  SSL_get_client_random(ssl, randoms.data(), 32);
  SSL_get_server_random(ssl, randoms.data() + 32, 32);
  const EVP_MD* md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
  return tls1_prf(md, master, "client EAP encryption", randoms, 128);
}

// RFC 9190 §2.3 from the exporter master secret (RFC 8446 §7.5):
// HKDF-Expand-Label(Derive-Secret(EMS, label, ""), "exporter", Hash(0x0D), 128).
bytes rfc9190_key_material(SSL* ssl, const std::string& keylog_text) {
  std::istringstream in(keylog_text);
  std::string name, client_random, secret_hex, line;
  bytes secret;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    l >> name >> client_random >> secret_hex;
    if (name == "EXPORTER_SECRET") secret = from_hex(secret_hex);
  }
  EXPECT_FALSE(secret.empty()) << "no EXPORTER_SECRET in the key log";
  const EVP_MD* md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
  const bytes derived = hkdf_expand_label(md, secret, "EXPORTER_EAP_TLS_Key_Material", digest(md, {}),
                                          static_cast<size_t>(EVP_MD_get_size(md)));
  return hkdf_expand_label(md, derived, "exporter", digest(md, {0x0D}), 128);
}

bytes msk_emsk(const eap_keys& k) {
  bytes out(k.msk.begin(), k.msk.end());
  out.insert(out.end(), k.emsk.begin(), k.emsk.end());
  return out;
}

void expect_success(const outcome& r) {
  ASSERT_EQ(r.server, auth_status::succeeded) << r.server_reason;
  ASSERT_EQ(r.client, auth_status::succeeded) << r.client_reason;
  ASSERT_TRUE(r.server_keys && r.client_keys);
  EXPECT_EQ(r.server_keys->msk, r.client_keys->msk);
  EXPECT_EQ(r.server_keys->emsk, r.client_keys->emsk);
  EXPECT_NE(r.server_keys->msk, (std::array<uint8_t, 64>{}));
}

// ---- success -----------------------------------------------------------------

class eap_tls_mru : public eap_tls_test,
                    public ::testing::WithParamInterface<std::tuple<uint16_t, size_t>> {};

TEST_P(eap_tls_mru, HandshakeFragmentsAndKeys) {
  const auto [version, mru] = GetParam();
  options o{.server_max = version, .server_mru = mru, .client_mru = mru};
  const outcome r = run(o, &pki.client);
  expect_success(r);
  EXPECT_EQ(r.version, version);
  EXPECT_LE(r.largest_server_packet, mru);
  EXPECT_LE(r.largest_client_packet, mru);
  if (mru < 400) {
    EXPECT_GT(r.server_requests, 8);  // Start, Identity and many fragments
  }

  // OpenSSL's own exporter on the client side's SSL gives the server's keys.
  bytes km(128);
  SSL* client_ssl = client_tls->native_handle();
  if (version == kTls13) {
    const uint8_t ctx[] = {0x0D};
    ASSERT_EQ(SSL_export_keying_material(client_ssl, km.data(), km.size(), "EXPORTER_EAP_TLS_Key_Material",
                                         29, ctx, 1, 1),
              1);
  } else {
    ASSERT_EQ(SSL_export_keying_material(client_ssl, km.data(), km.size(), "client EAP encryption", 21,
                                         nullptr, 0, 0),
              1);
  }
  EXPECT_EQ(msk_emsk(*r.server_keys), km);

  // And the RFC formula computed here from the session's secrets.
  SSL* server_ssl = server_tls->native_handle();
  if (version == kTls13) {
    EXPECT_EQ(msk_emsk(*r.server_keys), rfc9190_key_material(server_ssl, g_keylog));
    // pppd's variant (use_context=0) is a different key: the context matters.
    bytes no_ctx(128);
    SSL_export_keying_material(server_ssl, no_ctx.data(), 128, "EXPORTER_EAP_TLS_Key_Material", 29, nullptr,
                               0, 0);
    EXPECT_NE(msk_emsk(*r.server_keys), no_ctx);
  } else {
    EXPECT_EQ(msk_emsk(*r.server_keys), rfc5216_key_material(server_ssl));
  }
}

INSTANTIATE_TEST_SUITE_P(VersionsAndMrus, eap_tls_mru,
                         ::testing::Combine(::testing::Values(kTls12, kTls13),
                                            ::testing::Values(size_t{1400}, size_t{576}, size_t{200})),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == kTls13 ? "tls13" : "tls12") +
                                  "_mru" + std::to_string(std::get<1>(info.param));
                         });

TEST_F(eap_tls_test, RsaCertificatesManySmallFragments) {
  options o{.server_mru = 128, .client_mru = 128, .key = testing::key_kind::rsa2048};
  server_cert(o);  // makes the RSA PKI
  const issued_cert client = issue_cert(
      rsa->root, {.common_name = "rsa-client", .key = testing::key_kind::rsa2048, .eku = {"clientAuth"}});
  roots = store_of(rsa->root);
  const outcome r = run(o, &client);
  expect_success(r);
  EXPECT_LE(r.largest_server_packet, 128u);
  EXPECT_GT(r.server_requests, 15);
}

TEST_F(eap_tls_test, AsymmetricMrus) {
  options o{.server_mru = 1400, .client_mru = 300};
  const outcome r = run(o, &pki.client);
  expect_success(r);
  EXPECT_LE(r.largest_client_packet, 300u);
  EXPECT_GT(r.largest_server_packet, 300u);
}

TEST_F(eap_tls_test, ClientOfferingTls13MeetsTls12Server) {
  options o{.server_max = kTls12, .client_max = kTls13};
  const outcome r = run(o, &pki.client);
  expect_success(r);
  EXPECT_EQ(r.version, kTls12);
}

TEST_F(eap_tls_test, PeerNameIsClientSubject) {
  options o;
  ossl::ssl_ctx_ptr sctx = server_ctx(o), cctx = client_ctx(o, &pki.client);
  run(o, &pki.client, sctx.get(), cctx.get());
  EXPECT_NE(server_tls->peer_subject().find("CN=client1"), std::string::npos);
}

TEST_F(eap_tls_test, HlakCandidatesFromMsk) {
  const outcome r = run({}, &pki.client);
  expect_success(r);
  const sstp_hlak_candidates h = sstp_hlaks(*r.server_keys);
  EXPECT_TRUE(std::equal(h.msk_prefix.begin(), h.msk_prefix.end(), r.server_keys->msk.begin()));
  EXPECT_TRUE(std::equal(h.mppe_16_16.begin(), h.mppe_16_16.begin() + 16, r.server_keys->msk.begin()));
  EXPECT_TRUE(std::equal(h.mppe_16_16.begin() + 16, h.mppe_16_16.end(), r.server_keys->msk.begin() + 32));
}

// ---- certificates refused ---------------------------------------------------

void expect_refused(const outcome& r, const std::string& reason_part) {
  EXPECT_EQ(r.server, auth_status::failed);
  EXPECT_NE(r.server_reason.find(reason_part), std::string::npos) << r.server_reason;
  EXPECT_NE(r.client, auth_status::succeeded);
  EXPECT_FALSE(r.server_keys.has_value());
}

class eap_tls_versions : public eap_tls_test, public ::testing::WithParamInterface<uint16_t> {};

TEST_P(eap_tls_versions, UnknownRoot) {
  const issued_cert other_root = make_root({.common_name = "someone else's root"});
  const issued_cert stranger = issue_cert(other_root, {.common_name = "stranger", .eku = {"clientAuth"}});
  const outcome r = run({.server_max = GetParam()}, &stranger);
  expect_refused(r, "unable to get local issuer certificate");
  EXPECT_NE(r.server_reason.find("depth 0"), std::string::npos);
}

TEST_P(eap_tls_versions, MissingClientCertificate) {
  const outcome r = run({.server_max = GetParam()}, nullptr);
  expect_refused(r, "peer did not return a certificate");
}

TEST_P(eap_tls_versions, ExpiredClientCertificate) {
  const issued_cert expired = issue_cert(
      pki.root, {.common_name = "expired", .eku = {"clientAuth"}, .not_before = -7200, .not_after = -60});
  const outcome r = run({.server_max = GetParam()}, &expired);
  expect_refused(r, "certificate has expired");
}

TEST_P(eap_tls_versions, ServerOnlyEkuIsNotAClientCertificate) {
  const issued_cert wrong = issue_cert(pki.root, {.common_name = "server-eku", .eku = {"serverAuth"}});
  const outcome r = run({.server_max = GetParam()}, &wrong);
  expect_refused(r, "unsuitable certificate purpose");
}

TEST_P(eap_tls_versions, CertificateStoreHookRefuses) {
  options o{.server_max = GetParam()};
  const std::string revoked = pki.client.sha1_thumbprint();
  o.check = [revoked](X509* leaf, STACK_OF(X509)*) -> std::string {
    unsigned char md[20];
    unsigned int n = 0;
    X509_digest(leaf, EVP_sha1(), md, &n);
    std::string hex;
    for (unsigned i = 0; i < n; ++i) hex += fmt::format("{:02X}", md[i]);
    return hex == revoked ? "thumbprint " + hex + " is revoked" : "";
  };
  const outcome r = run(o, &pki.client);
  expect_refused(r, "is revoked");
  EXPECT_NE(r.server_reason.find("certificate refused"), std::string::npos);
}

TEST_P(eap_tls_versions, ClientRefusesUnknownServer) {
  options o{.server_max = GetParam()};
  const issued_cert other_root = make_root({.common_name = "client trusts only this"});
  ossl::x509_store_ptr client_trust = store_of(other_root);
  ossl::ssl_ctx_ptr sctx = server_ctx(o), cctx = client_ctx(o, &pki.client, client_trust.get());
  const outcome r = run(o, &pki.client, sctx.get(), cctx.get());
  EXPECT_EQ(r.client, auth_status::failed);
  EXPECT_NE(r.client_reason.find("unable to get local issuer certificate"), std::string::npos)
      << r.client_reason;
  EXPECT_EQ(r.server, auth_status::failed);  // it received the client's alert
  EXPECT_FALSE(r.client_keys.has_value());
}

TEST_P(eap_tls_versions, ClientChecksServerName) {
  options o{.server_max = GetParam()};
  const issued_cert other_name = issue_cert(
      pki.root, {.common_name = "elsewhere.test", .eku = {"serverAuth"}, .dns_names = {"elsewhere.test"}});
  ossl::ssl_ctx_ptr sctx = server_ctx(o, &other_name);
  const outcome r = run(o, &pki.client, sctx.get());
  EXPECT_EQ(r.client, auth_status::failed);
  EXPECT_NE(r.client_reason.find("hostname mismatch"), std::string::npos) << r.client_reason;
}

INSTANTIATE_TEST_SUITE_P(Tls, eap_tls_versions, ::testing::Values(kTls12, kTls13), [](const auto& info) {
  return std::string(info.param == kTls13 ? "tls13" : "tls12");
});

// ---- TLS 1.3 protected success indication ------------------------------------

TEST_F(eap_tls_test, Tls13PeerRefusesSuccessBeforeIndication) {
  options o{.server_max = kTls13};
  // Replace the server's last flight (the 0x00 record) with an EAP-Success.
  tamper_to_client = [this](bytes& pkt) {
    if (pkt[0] == 1 && client_tls && client_tls->state() == tls_state::established)
      pkt = {0x03, pkt[1], 0x00, 0x04};
  };
  const outcome r = run(o, &pki.client);
  EXPECT_EQ(r.client, auth_status::failed);
  EXPECT_NE(r.client_reason.find("before the method completed"), std::string::npos) << r.client_reason;
}

// ---- a lying peer ------------------------------------------------------------

// Drives the server by hand: Identity, then the given EAP-TLS responses.
struct scripted_client {
  explicit scripted_client(SSL_CTX* ctx, reassembly_limits limits = {}) {
    authenticator_config ac;
    ac.make_method = [ctx, limits](const std::string&) {
      return std::make_unique<eap_tls_server>(openssl_tls_session::server(ctx),
                                              eap_tls_config{.max_packet = 1400, .limits = limits});
    };
    server = std::make_unique<eap_authenticator>(ac);
    server->start({});
    last = server->take_packets().at(0).data;
    send(kEapTypeIdentity, {'x'});
  }
  // Answers the outstanding Request; returns the server's reply (empty if none).
  bytes send(uint8_t type, const bytes& type_data) {
    server->receive(build_eap(eap_code::response, last[1], type, type_data), {});
    auto out = server->take_packets();
    if (!out.empty()) last = out.back().data;
    return out.empty() ? bytes{} : out.back().data;
  }
  bytes tls(const bytes& type_data) { return send(kEapTypeTls, type_data); }

  std::unique_ptr<eap_authenticator> server;
  bytes last;
};

TEST_F(eap_tls_test, LyingLengthFailsSession) {
  ossl::ssl_ctx_ptr sctx = server_ctx({});
  scripted_client c(sctx.get());
  bytes first = {0xC0, 0, 0, 0, 100};
  first.resize(first.size() + 10, 0x16);
  const bytes ack = c.tls(first);
  ASSERT_FALSE(ack.empty());
  EXPECT_EQ(ack, (bytes{0x01, ack[1], 0x00, 0x06, 0x0D, 0x00}));  // fragment acknowledged
  const bytes reply = c.tls({0x00, 0x16, 0x16});
  EXPECT_EQ(reply, (bytes{0x04, reply[1], 0x00, 0x04}));
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_NE(c.server->reason().find("shorter than its Length"), std::string::npos) << c.server->reason();
}

TEST_F(eap_tls_test, OverrunFailsSession) {
  ossl::ssl_ctx_ptr sctx = server_ctx({});
  scripted_client c(sctx.get());
  c.tls({0xC0, 0, 0, 0, 4, 0x16, 0x03});
  c.tls({0x40, 0x01, 0x00, 0x10});
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_NE(c.server->reason().find("overrun"), std::string::npos) << c.server->reason();
}

TEST_F(eap_tls_test, TooManyFragmentsFailsSession) {
  ossl::ssl_ctx_ptr sctx = server_ctx({});
  scripted_client c(sctx.get());
  c.tls({0xC0, 0, 0, 0xF0, 0, 0x16});
  int sent = 1;
  while (c.server->status() == auth_status::running && sent < 1000) {
    c.tls({0x40, 0x16});
    ++sent;
  }
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_EQ(sent, 257);
  EXPECT_NE(c.server->reason().find("more than 256 fragments"), std::string::npos) << c.server->reason();
}

TEST_F(eap_tls_test, HugeLengthFailsImmediately) {
  ossl::ssl_ctx_ptr sctx = server_ctx({});
  scripted_client c(sctx.get());
  c.tls({0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x16});
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_NE(c.server->reason().find("exceeds the limit"), std::string::npos);
}

TEST_F(eap_tls_test, GarbageTlsFailsSession) {
  ossl::ssl_ctx_ptr sctx = server_ctx({});
  scripted_client c(sctx.get());
  c.tls({0x00, 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'});
  // The server answers with an alert first, then Failure on the acknowledgement.
  if (c.server->status() == auth_status::running) c.tls({0x00});
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_NE(c.server->reason().find("TLS handshake failed"), std::string::npos) << c.server->reason();
}

TEST_F(eap_tls_test, AckWithoutPendingFragmentsFails) {
  ossl::ssl_ctx_ptr sctx = server_ctx({});
  scripted_client c(sctx.get());
  c.tls({0x00});
  EXPECT_EQ(c.server->status(), auth_status::failed);
}

TEST_F(eap_tls_test, DataInsteadOfFragmentAckFails) {
  options o{.server_mru = 200, .client_mru = 200};
  ossl::ssl_ctx_ptr sctx = server_ctx(o), cctx = client_ctx(o, &pki.client);
  authenticator_config ac;
  ac.make_method = [&](const std::string&) {
    return std::make_unique<eap_tls_server>(openssl_tls_session::server(sctx.get()),
                                            eap_tls_config{.max_packet = 200});
  };
  eap_authenticator server(ac);
  server.start({});
  bytes req = server.take_packets().at(0).data;
  server.receive(build_eap(eap_code::response, req[1], kEapTypeIdentity, bytes{'x'}), {});
  req = server.take_packets().at(0).data;  // Start
  // A real ClientHello, so the server answers with a fragmented first flight.
  auto tls = openssl_tls_session::client(cctx.get());
  tls->start();
  bytes hello = {0x00};
  const bytes ch = tls->take_output();
  hello.insert(hello.end(), ch.begin(), ch.end());
  server.receive(build_eap(eap_code::response, req[1], kEapTypeTls, hello), {});
  req = server.take_packets().at(0).data;
  ASSERT_EQ(req[5] & kEapTlsFlagMore, kEapTlsFlagMore);
  server.receive(build_eap(eap_code::response, req[1], kEapTypeTls, bytes{0x00, 0x15, 0x03}), {});
  EXPECT_EQ(server.status(), auth_status::failed);
  EXPECT_NE(server.reason().find("instead of acknowledging"), std::string::npos);
}

}  // namespace
}  // namespace sstpgw::auth
