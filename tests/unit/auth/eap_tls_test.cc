// EAP-TLS server and peer back to back on the handshake engine (tls_endpoint,
// records kept in OpenSSL) with certificates from test_pki and the certificate
// store judging the client's chain: TLS 1.2 and 1.3, MRU-sized fragments, MSK
// equal on both sides and equal to what OpenSSL's exporter and the RFC
// formulas (from the NSS key log and the hello randoms on the wire) give
// independently, and every way a certificate can be refused ending in
// EAP-Failure with the check that failed.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "control/auth/eap_authenticator.hh"
#include "control/auth/eap_peer.hh"
#include "control/auth/eap_tls_context.hh"
#include "control/auth/eap_tls_keys.hh"
#include "control/auth/eap_tls_peer.hh"
#include "control/auth/eap_tls_server.hh"
#include "control/auth/endpoint_tls_session.hh"
#include "control/certs/cert_store.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::auth {
namespace {

using bytes = std::vector<uint8_t>;
using testing::cert_spec;
using testing::issue_cert;
using testing::issued_cert;
using testing::make_root;

int64_t wall_now() { return static_cast<int64_t>(std::time(nullptr)); }

handshake::tls_version version_of(uint16_t v) { return static_cast<handshake::tls_version>(v); }

struct options {
  uint16_t server_max = kTls12;
  uint16_t client_max = kTls13;
  size_t server_mru = 1400;  // what the server may send (the client's MRU)
  size_t client_mru = 1400;
  testing::key_kind key = testing::key_kind::ec_p256;
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

// The TLS bytes carried in EAP-TLS packets, reassembled per direction.
void append_tls_payload(const bytes& eap, bytes& stream) {
  // Code(1) Id(1) Length(2) Type(1) Flags(1) [TLS Message Length(4)] data
  if (eap.size() < 6 || eap[4] != kEapTypeTls) return;
  size_t at = 6;
  if (eap[5] & kEapTlsFlagLength) at += 4;
  if (at < eap.size()) stream.insert(stream.end(), eap.begin() + static_cast<std::ptrdiff_t>(at), eap.end());
}

// The 32-byte random of the first handshake message of a stream (ClientHello
// or ServerHello: record header 5, handshake header 4, version 2).
bytes hello_random(const bytes& stream) {
  if (stream.size() < 43 || stream[0] != 0x16) return {};
  return bytes(stream.begin() + 11, stream.begin() + 43);
}

class eap_tls_test : public ::testing::Test {
 protected:
  void SetUp() override {
    pki = testing::make_test_pki();
    trust(pki.root);
  }

  void trust(const issued_cert& root) {
    const auto change =
        store.add_roots("root-" + std::to_string(store.roots().size()), root.cert_pem(), wall_now());
    ASSERT_TRUE(change.ok) << change.message;
  }

  eap_tls_server_factory& server_factory(const options& o, const issued_cert* cert = nullptr) {
    const issued_cert& c = cert ? *cert : server_cert(o);
    factory.emplace(eap_tls_server_settings{.certificate_chain = {.pem = c.cert_pem()},
                                            .private_key = {.pem = c.key_pem()},
                                            .max_version = version_of(o.server_max),
                                            .keylog_file = tmp.file("keylog")},
                    store);
    return *factory;
  }
  handshake::tls_context client_ctx(const options& o, const issued_cert* cert,
                                    const issued_cert* trust_root = nullptr) {
    return make_eap_tls_client_context(
        {.certificate_chain = {.pem = cert ? cert->cert_pem() : std::string()},
         .private_key = {.pem = cert ? cert->key_pem() : std::string()},
         .trust_roots = {.pem = (trust_root ? *trust_root : server_root(o)).cert_pem()},
         .server_name = "vpn.example.test",
         .max_version = version_of(o.client_max)});
  }
  const issued_cert& server_cert(const options& o) {
    if (o.key == testing::key_kind::rsa2048) {
      if (!rsa) rsa = std::make_unique<testing::test_pki>(testing::make_test_pki(testing::key_kind::rsa2048));
      return rsa->server;
    }
    return pki.server;
  }
  const issued_cert& server_root(const options& o) {
    server_cert(o);
    return o.key == testing::key_kind::rsa2048 ? rsa->root : pki.root;
  }

  // Runs a whole authentication; the client presents `client_cert` (may be null).
  outcome run(const options& o, const issued_cert* client_cert, eap_tls_server_factory* sf = nullptr,
              const handshake::tls_context* cctx = nullptr) {
    if (!sf) sf = &server_factory(o);
    std::optional<handshake::tls_context> own_c;
    if (!cctx) cctx = &own_c.emplace(client_ctx(o, client_cert));
    server_wire.clear();
    client_wire.clear();
    verdicts.clear();
    authenticator_config ac;
    ac.make_method = [&](const std::string&) {
      auto tls = sf->make(wall_now, [this](const certs::verify_result& r) { verdicts.push_back(r); });
      server_tls = static_cast<endpoint_tls_session*>(tls.get());
      return std::make_unique<eap_tls_server>(std::move(tls), eap_tls_config{.max_packet = o.server_mru});
    };
    server_ = std::make_unique<eap_authenticator>(ac);
    eap_authenticator& server = *server_;
    peer_config pc;
    pc.identity = "client1";
    pc.make_method = [&] {
      auto tls = make_eap_tls_client_session(*cctx);
      client_tls = static_cast<endpoint_tls_session*>(tls.get());
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
        if (p.data[0] == 1) append_tls_payload(p.data, server_wire);
        client.receive(p.data, {});
      }
      auto to_server = client.take_packets();
      for (auto& p : to_server) {
        r.largest_client_packet = std::max(r.largest_client_packet, p.data.size());
        ++r.client_responses;
        append_tls_payload(p.data, client_wire);
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

  std::string keylog_text() const {
    std::ifstream f(tmp.file("keylog"));
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  testing::temp_dir tmp;
  testing::test_pki pki;
  std::unique_ptr<testing::test_pki> rsa;
  certs::cert_store store;
  std::optional<eap_tls_server_factory> factory;
  // The last run's state machines, alive until the test ends (they own the TLS sessions).
  std::unique_ptr<eap_authenticator> server_;
  std::unique_ptr<eap_peer> client_;
  endpoint_tls_session* server_tls = nullptr;
  endpoint_tls_session* client_tls = nullptr;
  std::function<void(bytes&)> tamper_to_client;
  bytes server_wire, client_wire;  // the TLS bytes each side sent
  std::vector<certs::verify_result> verdicts;
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

// The secret logged under `label` in an NSS key log ("" if absent).
bytes keylog_secret(const std::string& keylog_text, const std::string& label) {
  std::istringstream in(keylog_text);
  std::string name, client_random, secret_hex, line;
  bytes secret;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    l >> name >> client_random >> secret_hex;
    if (name == label) secret = from_hex(secret_hex);
  }
  return secret;
}

// The suite's hash, from its OpenSSL name (every suite we run ends in it).
const EVP_MD* suite_digest(std::string_view cipher_name) {
  return cipher_name.ends_with("SHA384") ? EVP_sha384() : EVP_sha256();
}

// RFC 5216 §2.3: PRF-128(master_secret, "client EAP encryption", client.random || server.random),
// from the master secret in the key log and the randoms seen on the wire.
bytes rfc5216_key_material(const std::string& keylog_text, const bytes& client_random,
                           const bytes& server_random, const EVP_MD* md) {
  const bytes master = keylog_secret(keylog_text, "CLIENT_RANDOM");
  EXPECT_EQ(master.size(), 48u) << "no master secret in the key log";
  bytes randoms = client_random;
  randoms.insert(randoms.end(), server_random.begin(), server_random.end());
  return tls1_prf(md, master, "client EAP encryption", randoms, 128);
}

// RFC 9190 §2.3 from the exporter master secret (RFC 8446 §7.5):
// HKDF-Expand-Label(Derive-Secret(EMS, label, ""), "exporter", Hash(0x0D), 128).
bytes rfc9190_key_material(const std::string& keylog_text, const EVP_MD* md) {
  const bytes secret = keylog_secret(keylog_text, "EXPORTER_SECRET");
  EXPECT_FALSE(secret.empty()) << "no EXPORTER_SECRET in the key log";
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

  // OpenSSL's own exporter on the client's connection gives the server's keys.
  const handshake::tls_endpoint& client_end = client_tls->endpoint();
  std::optional<bytes> km;
  if (version == kTls13) {
    const uint8_t ctx[] = {0x0D};
    km = client_end.export_keying_material("EXPORTER_EAP_TLS_Key_Material", std::span<const uint8_t>(ctx),
                                           128);
  } else {
    km = client_end.export_keying_material("client EAP encryption", std::nullopt, 128);
  }
  ASSERT_TRUE(km.has_value());
  EXPECT_EQ(msk_emsk(*r.server_keys), *km);

  // And the RFC formula computed here from the key log and the wire.
  const EVP_MD* md = suite_digest(server_tls->endpoint().cipher_name());
  if (version == kTls13) {
    EXPECT_EQ(msk_emsk(*r.server_keys), rfc9190_key_material(keylog_text(), md));
    // pppd's variant (use_context=0) is a different key: the context matters.
    const auto no_ctx = client_end.export_keying_material("EXPORTER_EAP_TLS_Key_Material", std::nullopt, 128);
    ASSERT_TRUE(no_ctx.has_value());
    EXPECT_NE(msk_emsk(*r.server_keys), *no_ctx);
  } else {
    EXPECT_EQ(msk_emsk(*r.server_keys),
              rfc5216_key_material(keylog_text(), hello_random(client_wire), hello_random(server_wire), md));
  }
  // The store judged the client's chain once and accepted it.
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_TRUE(verdicts[0].ok()) << verdicts[0].reason;
  EXPECT_EQ(verdicts[0].credentials.root.hex(), pki.root.sha1_thumbprint());
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
  trust(rsa->root);
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
  run(o, &pki.client);
  EXPECT_NE(server_tls->peer_subject().find("CN=client1"), std::string::npos);
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
  expect_refused(r, "untrusted_root: chain does not end at a trusted root");
  EXPECT_NE(r.server_reason.find("unknown_ca"), std::string::npos) << r.server_reason;
}

TEST_P(eap_tls_versions, MissingClientCertificate) {
  const outcome r = run({.server_max = GetParam()}, nullptr);
  expect_refused(r, "peer did not return a certificate");
}

TEST_P(eap_tls_versions, ExpiredClientCertificate) {
  const issued_cert expired = issue_cert(
      pki.root, {.common_name = "expired", .eku = {"clientAuth"}, .not_before = -7200, .not_after = -60});
  const outcome r = run({.server_max = GetParam()}, &expired);
  expect_refused(r, "expired: client certificate 'CN=expired' expired at");
  EXPECT_NE(r.server_reason.find("certificate_expired"), std::string::npos) << r.server_reason;
}

TEST_P(eap_tls_versions, NotYetValidClientCertificate) {
  const issued_cert early = issue_cert(
      pki.root, {.common_name = "early", .eku = {"clientAuth"}, .not_before = 3600, .not_after = 7200});
  const outcome r = run({.server_max = GetParam()}, &early);
  expect_refused(r, "not_yet_valid: client certificate 'CN=early' is not valid before");
}

TEST_P(eap_tls_versions, ServerOnlyEkuIsNotAClientCertificate) {
  const issued_cert wrong = issue_cert(pki.root, {.common_name = "server-eku", .eku = {"serverAuth"}});
  const outcome r = run({.server_max = GetParam()}, &wrong);
  expect_refused(r, "missing_client_auth");
  EXPECT_NE(r.server_reason.find("unsupported_certificate"), std::string::npos) << r.server_reason;
}

TEST_P(eap_tls_versions, NoEkuIsNotAClientCertificate) {
  const issued_cert bare = issue_cert(pki.root, {.common_name = "no-eku"});
  const outcome r = run({.server_max = GetParam()}, &bare);
  expect_refused(r, "no_eku");
}

TEST_P(eap_tls_versions, RevokedThumbprintRefused) {
  ASSERT_TRUE(store.revoke(pki.client.sha1_thumbprint(), "lost laptop", wall_now()).ok);
  const outcome r = run({.server_max = GetParam()}, &pki.client);
  expect_refused(r, "revoked: client certificate 'CN=client1' (thumbprint");
  EXPECT_NE(r.server_reason.find("certificate_revoked"), std::string::npos) << r.server_reason;
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].status, certs::verify_status::revoked);
}

TEST_P(eap_tls_versions, ClientRefusesUnknownServer) {
  options o{.server_max = GetParam()};
  const issued_cert other_root = make_root({.common_name = "client trusts only this"});
  const handshake::tls_context cctx = client_ctx(o, &pki.client, &other_root);
  const outcome r = run(o, &pki.client, nullptr, &cctx);
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
  const outcome r = run(o, &pki.client, &server_factory(o, &other_name));
  EXPECT_EQ(r.client, auth_status::failed);
  EXPECT_NE(r.client_reason.find("hostname mismatch"), std::string::npos) << r.client_reason;
}

INSTANTIATE_TEST_SUITE_P(Tls, eap_tls_versions, ::testing::Values(kTls12, kTls13), [](const auto& info) {
  return std::string(info.param == kTls13 ? "tls13" : "tls12");
});

// ---- the CertificateRequest names the store's roots ----------------------------

bytes der_name(const issued_cert& c) {
  X509_NAME* name = X509_get_subject_name(c.cert.get());
  bytes out(static_cast<size_t>(i2d_X509_NAME(name, nullptr)));
  uint8_t* p = out.data();
  i2d_X509_NAME(name, &p);
  return out;
}

bool contains(const bytes& hay, const bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

// TLS 1.2 sends the CertificateRequest in the clear: its certificate_authorities
// must name the store's roots, and a root added later is named in the next
// session's request.
TEST_F(eap_tls_test, CertificateRequestNamesStoreRoots) {
  const issued_cert second = make_root({.common_name = "second trusted root"});
  eap_tls_server_factory& sf = server_factory({});
  expect_success(run({}, &pki.client, &sf));
  EXPECT_TRUE(contains(server_wire, der_name(pki.root)));
  EXPECT_FALSE(contains(server_wire, der_name(second)));

  trust(second);
  expect_success(run({}, &pki.client, &sf));
  EXPECT_TRUE(contains(server_wire, der_name(pki.root)));
  EXPECT_TRUE(contains(server_wire, der_name(second)));
}

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
  explicit scripted_client(eap_tls_server_factory& factory, reassembly_limits limits = {}) {
    authenticator_config ac;
    ac.make_method = [&factory, limits](const std::string&) {
      return std::make_unique<eap_tls_server>(factory.make(wall_now),
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
  scripted_client c(server_factory({}));
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
  scripted_client c(server_factory({}));
  c.tls({0xC0, 0, 0, 0, 4, 0x16, 0x03});
  c.tls({0x40, 0x01, 0x00, 0x10});
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_NE(c.server->reason().find("overrun"), std::string::npos) << c.server->reason();
}

TEST_F(eap_tls_test, TooManyFragmentsFailsSession) {
  scripted_client c(server_factory({}));
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
  scripted_client c(server_factory({}));
  c.tls({0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x16});
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_NE(c.server->reason().find("exceeds the limit"), std::string::npos);
}

TEST_F(eap_tls_test, GarbageTlsFailsSession) {
  scripted_client c(server_factory({}));
  c.tls({0x00, 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'});
  // The server answers with an alert first, then Failure on the acknowledgement.
  if (c.server->status() == auth_status::running) c.tls({0x00});
  EXPECT_EQ(c.server->status(), auth_status::failed);
  EXPECT_NE(c.server->reason().find("TLS handshake failed"), std::string::npos) << c.server->reason();
}

TEST_F(eap_tls_test, AckWithoutPendingFragmentsFails) {
  scripted_client c(server_factory({}));
  c.tls({0x00});
  EXPECT_EQ(c.server->status(), auth_status::failed);
}

TEST_F(eap_tls_test, DataInsteadOfFragmentAckFails) {
  options o{.server_mru = 200, .client_mru = 200};
  eap_tls_server_factory& sf = server_factory(o);
  const handshake::tls_context cctx = client_ctx(o, &pki.client);
  authenticator_config ac;
  ac.make_method = [&](const std::string&) {
    return std::make_unique<eap_tls_server>(sf.make(wall_now), eap_tls_config{.max_packet = 200});
  };
  eap_authenticator server(ac);
  server.start({});
  bytes req = server.take_packets().at(0).data;
  server.receive(build_eap(eap_code::response, req[1], kEapTypeIdentity, bytes{'x'}), {});
  req = server.take_packets().at(0).data;  // Start
  // A real ClientHello, so the server answers with a fragmented first flight.
  auto tls = make_eap_tls_client_session(cctx);
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
