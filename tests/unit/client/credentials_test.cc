// The client's credentials from files: PEM pairs, PKCS#12 made by the openssl
// command (a tool nobody here wrote) with and without a password, and the one
// line each unusable file gives.
#include <gtest/gtest.h>

#include <cstdlib>

#include "control/client/client_credentials.hh"
#include "control/handshake/tls_config.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::client {
namespace {

using handshake::config_error;
using testing::make_test_pki;
using testing::temp_dir;
using testing::write_file;

struct files {
  files() : pki(make_test_pki()) {
    write_file(ca = dir.file("ca.pem"), pki.root.cert_pem());
    write_file(cert = dir.file("c.crt"), pki.client.cert_pem());
    write_file(key = dir.file("c.key"), pki.client.key_pem());
  }
  std::string p12(const std::string& password, const std::string& extra = "") {
    const std::string out = dir.file("c.p12");
    const std::string cmd = "openssl pkcs12 -export -in " + cert + " -inkey " + key + " -certfile " + ca +
                            " -out " + out + " -passout pass:" + password + " " + extra + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return out;
  }
  testing::test_pki pki;
  temp_dir dir;
  std::string ca, cert, key;
};

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const config_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Credentials, PemPair) {
  files f;
  const client_credentials c = load_pem_credentials(f.cert, f.key);
  EXPECT_EQ(c.common_name, "client1");
  EXPECT_EQ(c.certificate_chain_pem, f.pki.client.cert_pem());
  EXPECT_NE(c.private_key_pem.find("PRIVATE KEY"), std::string::npos);
}

TEST(Credentials, PemKeyOfAnotherCertificate) {
  files f;
  write_file(f.key, f.pki.server.key_pem());
  EXPECT_NE(error_of([&] { load_pem_credentials(f.cert, f.key); }).find("does not"), std::string::npos)
      << error_of([&] { load_pem_credentials(f.cert, f.key); });
}

TEST(Credentials, MissingFileNamesIt) {
  files f;
  const std::string e = error_of([&] { load_pem_credentials(f.dir.file("nope.crt"), f.key); });
  EXPECT_NE(e.find("nope.crt"), std::string::npos) << e;
}

TEST(Credentials, Pkcs12FromTheOpensslCommand) {
  files f;
  const client_credentials c = load_pkcs12(f.p12("s3cret"), "s3cret");
  EXPECT_EQ(c.common_name, "client1");
  EXPECT_EQ(c.certificate_chain_pem, f.pki.client.cert_pem() + f.pki.root.cert_pem()) << "leaf, then the CA";
}

TEST(Credentials, Pkcs12WithEmptyPassword) {
  files f;
  EXPECT_EQ(load_pkcs12(f.p12(""), "").common_name, "client1");
}

TEST(Credentials, Pkcs12WrongPassword) {
  files f;
  const std::string p = f.p12("right");
  const std::string e = error_of([&] { load_pkcs12(p, "wrong"); });
  EXPECT_NE(e.find("wrong password?"), std::string::npos) << e;
}

TEST(Credentials, Pkcs12NotPkcs12) {
  files f;
  const std::string e = error_of([&] { load_pkcs12(f.cert, ""); });
  EXPECT_NE(e.find("not a PKCS#12 file"), std::string::npos) << e;
}

TEST(Credentials, PasswordFromEnvironment) {
  ::setenv("SGWC_TEST_P12_PASS", "abc", 1);
  EXPECT_EQ(password_from_env("SGWC_TEST_P12_PASS"), "abc");
  ::unsetenv("SGWC_TEST_P12_PASS");
  const std::string e = error_of([] { password_from_env("SGWC_TEST_P12_PASS"); });
  EXPECT_NE(e.find("SGWC_TEST_P12_PASS is not set"), std::string::npos) << e;
}

TEST(Credentials, TrustRoots) {
  files f;
  EXPECT_EQ(load_trust_roots(f.ca), f.pki.root.cert_pem());
  write_file(f.ca, "not a certificate\n");
  const std::string e = error_of([&] { load_trust_roots(f.ca); });
  EXPECT_NE(e.find("--ca"), std::string::npos) << e;
}

}  // namespace
}  // namespace sstpgw::client
