// Context builder: configuration errors are clear config_errors; what every
// context enforces (no tickets, no read-ahead, ...) is really set on the SSL_CTX.
#include "control/handshake/ssl_context.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include "control/handshake/cipher_suites.hh"
#include "tests/support/handshake_pki.hh"
#include "tests/support/temp_dir.hh"

namespace sstpgw::handshake::testing {

using sstpgw::testing::temp_dir;
namespace {

using sstpgw::testing::write_file;
using ::testing::HasSubstr;

// The config_error message of f(), or "" if it did not throw.
template <typename F>
std::string config_error_of(F f) {
  try {
    f();
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

class ServerContextFiles : public ::testing::TestWithParam<key_kind> {
 protected:
  temp_dir dir;
  const handshake_pki& pki = pki_for(GetParam());
  server_tls_config config_from_files() {
    write_file(dir.file("chain.pem"), pki.server_chain_pem());
    write_file(dir.file("key.pem"), pki.server.key_pem());
    server_tls_config c;
    c.certificate_chain.file = dir.file("chain.pem");
    c.private_key.file = dir.file("key.pem");
    return c;
  }
};

TEST_P(ServerContextFiles, BuildsFromPemFilesWithFullChain) {
  auto ctx = tls_context::make_server(config_from_files());
  EXPECT_EQ(ctx.role(), tls_role::server);
  STACK_OF(X509)* chain = nullptr;
  ASSERT_EQ(1, SSL_CTX_get0_chain_certs(ctx.native(), &chain));
  ASSERT_EQ(1, sk_X509_num(chain));  // the intermediate, sent after the leaf
  EXPECT_EQ(0, X509_cmp(sk_X509_value(chain, 0), pki.intermediate.cert.get()));
  EXPECT_EQ(0, X509_cmp(SSL_CTX_get0_certificate(ctx.native()), pki.server.cert.get()));
}

TEST_P(ServerContextFiles, MissingCertificateFileNamesThePath) {
  auto c = config_from_files();
  c.certificate_chain.file = dir.file("nope.pem");
  const auto msg = config_error_of([&] { tls_context::make_server(c); });
  EXPECT_THAT(msg, HasSubstr("server certificate chain"));
  EXPECT_THAT(msg, HasSubstr(dir.file("nope.pem")));
  EXPECT_THAT(msg, HasSubstr("No such file"));
}

TEST_P(ServerContextFiles, MissingKeyFileNamesThePath) {
  auto c = config_from_files();
  c.private_key.file = dir.file("missing-key.pem");
  const auto msg = config_error_of([&] { tls_context::make_server(c); });
  EXPECT_THAT(msg, HasSubstr("server private key"));
  EXPECT_THAT(msg, HasSubstr("missing-key.pem"));
}

TEST_P(ServerContextFiles, KeyCertificateMismatchIsAClearError) {
  auto c = config_from_files();
  write_file(dir.file("other-key.pem"), pki.client.key_pem());
  c.private_key.file = dir.file("other-key.pem");
  const auto msg = config_error_of([&] { tls_context::make_server(c); });
  EXPECT_THAT(msg, HasSubstr("does not match certificate"));
  EXPECT_THAT(msg, HasSubstr("CN=vpn.example.test"));
  EXPECT_THAT(msg, HasSubstr("other-key.pem"));
}

TEST_P(ServerContextFiles, GarbageCertificateFileIsAClearError) {
  auto c = config_from_files();
  write_file(dir.file("garbage.pem"), "this is not PEM\n");
  c.certificate_chain.file = dir.file("garbage.pem");
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }), HasSubstr("no PEM certificate found"));
}

INSTANTIATE_TEST_SUITE_P(Keys, ServerContextFiles, ::testing::Values(key_kind::ec_p256, key_kind::rsa2048),
                         [](const auto& info) { return info.param == key_kind::ec_p256 ? "ECDSA" : "RSA"; });

const handshake_pki& ec_pki() { return pki_for(key_kind::ec_p256); }

TEST(ServerContext, EncryptedPrivateKeyIsRefused) {
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  const char pass[] = "secret";
  ASSERT_EQ(1, PEM_write_bio_PKCS8PrivateKey(b.get(), ec_pki().server.key.get(), EVP_aes_128_cbc(), pass,
                                             sizeof pass - 1, nullptr, nullptr));
  char* data = nullptr;
  const long n = BIO_get_mem_data(b.get(), &data);
  auto c = server_config(ec_pki());
  c.private_key.pem.assign(data, static_cast<size_t>(n));
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }), HasSubstr("encrypted private keys"));
}

TEST(ServerContext, MissingCredentialsAreNamed) {
  server_tls_config c;
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }),
              HasSubstr("server certificate chain: not configured"));
}

TEST(ServerContext, MinAboveMaxIsRefused) {
  auto c = server_config(ec_pki());
  c.protocol.min_version = tls_version::tls1_3;
  c.protocol.max_version = tls_version::tls1_2;
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }),
              HasSubstr("min_version TLSv1.3 is above max_version TLSv1.2"));
}

TEST(ServerContext, BelowTls12IsRefusedWithoutExplicitPermission) {
  auto c = server_config(ec_pki());
  c.protocol.min_version = tls_version::tls1_1;
  c.protocol.records = record_protection::keep;
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }), HasSubstr("allow_legacy_versions"));
}

TEST(ServerContext, BelowTls12CannotBeOffloadedEvenWhenAllowed) {
  auto c = server_config(ec_pki());
  c.protocol.min_version = tls_version::tls1_0;
  c.protocol.allow_legacy_versions = true;
  c.protocol.records = record_protection::offload;
  const auto msg = config_error_of([&] { tls_context::make_server(c); });
  EXPECT_THAT(msg, HasSubstr("TLSv1.0"));
  EXPECT_THAT(msg, HasSubstr("record engine"));
}

TEST(ServerContext, BelowTls12AllowedForKeptRecords) {
  auto c = server_config(ec_pki());
  c.protocol.min_version = tls_version::tls1_1;
  c.protocol.allow_legacy_versions = true;
  c.protocol.records = record_protection::keep;
  EXPECT_NO_THROW(tls_context::make_server(c));
}

TEST(ServerContext, UnknownCipherIsRefusedWithTheSupportedList) {
  auto c = server_config(ec_pki());
  c.protocol.tls12_ciphers = {"ECDHE-RSA-AES128-SHA"};
  const auto msg = config_error_of([&] { tls_context::make_server(c); });
  EXPECT_THAT(msg, HasSubstr("'ECDHE-RSA-AES128-SHA'"));
  EXPECT_THAT(msg, HasSubstr("ECDHE-ECDSA-AES128-GCM-SHA256"));
}

TEST(ServerContext, Tls13SuiteInTls12ListIsRefused) {
  auto c = server_config(ec_pki());
  c.protocol.tls12_ciphers = {"TLS_AES_128_GCM_SHA256"};
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }), HasSubstr("not a TLSv1.2 suite"));
  c.protocol.tls12_ciphers = {};
  c.protocol.tls13_ciphersuites = {"TLS_CHACHA20_POLY1305_SHA256"};
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }), HasSubstr("not a TLSv1.3 suite"));
}

TEST(ServerContext, IanaNamesAreAccepted) {
  auto c = server_config(ec_pki());
  c.protocol.tls12_ciphers = {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"};
  EXPECT_NO_THROW(tls_context::make_server(c));
}

TEST(ServerContext, Tls12CiphersMustFitTheKeyType) {
  auto c = server_config(pki_for(key_kind::rsa2048));
  c.protocol.tls12_ciphers = {"ECDHE-ECDSA-AES128-GCM-SHA256"};
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }), HasSubstr("RSA key"));
  c.protocol.min_version = tls_version::tls1_3;  // TLS 1.2 not in range: fine
  EXPECT_NO_THROW(tls_context::make_server(c));
}

TEST(ServerContext, EnforcesNoTicketsNoRenegotiationNoCompressionNoReadAhead) {
  auto ctx = tls_context::make_server(server_config(ec_pki()));
  SSL_CTX* c = ctx.native();
  const uint64_t opts = SSL_CTX_get_options(c);
  EXPECT_TRUE(opts & SSL_OP_NO_TICKET);
  EXPECT_TRUE(opts & SSL_OP_NO_RENEGOTIATION);
  EXPECT_TRUE(opts & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(opts & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_EQ(0u, SSL_CTX_get_num_tickets(c));
  EXPECT_EQ(0, SSL_CTX_get_read_ahead(c));
  EXPECT_EQ(SSL_SESS_CACHE_OFF, SSL_CTX_get_session_cache_mode(c));
  EXPECT_EQ(TLS1_2_VERSION, SSL_CTX_get_min_proto_version(c));
  EXPECT_EQ(TLS1_3_VERSION, SSL_CTX_get_max_proto_version(c));
  // Only the record engine's suites are enabled, in server preference order.
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(c);
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(sk_SSL_CIPHER_num(ciphers)));
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i)
    names.push_back(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
  std::vector<std::string> expected;
  for (const auto& s : offload_suites()) expected.emplace_back(s.openssl_name);
  EXPECT_EQ(names, expected);
}

TEST(ServerContext, ConfiguredOrderIsServerPreference) {
  auto c = server_config(ec_pki());
  c.protocol.tls13_ciphersuites = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};
  c.protocol.tls12_ciphers = {"ECDHE-ECDSA-AES128-GCM-SHA256"};
  auto ctx = tls_context::make_server(c);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx.native());
  ASSERT_EQ(3, sk_SSL_CIPHER_num(ciphers));
  EXPECT_STREQ("TLS_AES_128_GCM_SHA256", SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, 0)));
  EXPECT_STREQ("TLS_AES_256_GCM_SHA384", SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, 1)));
  EXPECT_STREQ("ECDHE-ECDSA-AES128-GCM-SHA256", SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, 2)));
}

TEST(ServerContext, KeylogFileIsCreatedWithMode0600) {
  temp_dir dir;
  auto c = server_config(ec_pki());
  c.protocol.keylog_file = dir.file("keys.log");
  write_file(c.protocol.keylog_file, "");
  ::chmod(c.protocol.keylog_file.c_str(), 0644);
  auto ctx = tls_context::make_server(c);
  struct stat st {};
  ASSERT_EQ(0, ::stat(c.protocol.keylog_file.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
}

TEST(ServerContext, UnwritableKeylogIsAClearError) {
  auto c = server_config(ec_pki());
  c.protocol.keylog_file = "/nonexistent-dir/keys.log";
  EXPECT_THAT(config_error_of([&] { tls_context::make_server(c); }),
              HasSubstr("keylog_file /nonexistent-dir"));
}

TEST(ClientContext, NeedsTrustRootsToVerify) {
  client_tls_config c;
  c.server_name = kServerName;
  EXPECT_THAT(config_error_of([&] { tls_context::make_client(c); }),
              HasSubstr("trust roots: not configured"));
  c.verify_server = false;
  EXPECT_NO_THROW(tls_context::make_client(c));
}

TEST(ClientContext, CertificateWithoutKeyIsRefused) {
  auto c = client_config(ec_pki());
  c.certificate_chain.pem = ec_pki().client.cert_pem();
  EXPECT_THAT(config_error_of([&] { tls_context::make_client(c); }), HasSubstr("configured together"));
  c.private_key.pem = ec_pki().client.key_pem();
  auto ctx = tls_context::make_client(c);
  EXPECT_EQ(ctx.role(), tls_role::client);
  EXPECT_EQ(ctx.server_name(), kServerName);
}

TEST(TlsVersion, Parses) {
  EXPECT_EQ(tls_version::tls1_2, parse_tls_version("1.2"));
  EXPECT_EQ(tls_version::tls1_3, parse_tls_version("TLSv1.3"));
  EXPECT_EQ(tls_version::tls1_0, parse_tls_version("tls1.0"));
  EXPECT_FALSE(parse_tls_version("1.4"));
  EXPECT_FALSE(parse_tls_version("SSLv3"));
}

}  // namespace
}  // namespace sstpgw::handshake::testing
