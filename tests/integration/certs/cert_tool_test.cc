// scripts/sstpgw-certs end to end in a scratch directory: make a PKI, check it
// with the openssl CLI (a judge this project did not write), and load the results
// into the certificate store, which must accept the client chain and agree on
// every thumbprint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "control/certs/cert_input.hh"
#include "control/certs/cert_store.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/command.hh"
#include "tests/support/files.hh"

namespace sstpgw::certs {
namespace {

using sstpgw::testing::command_result;
using sstpgw::testing::read_text;
using sstpgw::testing::run_command;

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kTool = std::string(SSTPGW_SOURCE_ROOT) + "/scripts/sstpgw-certs";
// Certificates are valid from an hour back (the tool backdates notBefore), so "now" at start is fine.
const int64_t kNow = static_cast<int64_t>(std::time(nullptr));

// Standard output and error together.
command_result run(const std::string& cmd) { return run_command(cmd + " 2>&1"); }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

unsigned mode_of(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// openssl's own SHA-1 fingerprint, colons removed.
std::string openssl_sha1(const std::string& file) {
  auto r = run("openssl x509 -in '" + file + "' -noout -fingerprint -sha1");
  std::string s = trim(r.output.substr(r.output.find('=') + 1));
  std::string out;
  for (char c : s)
    if (c != ':') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class CertTool : public ::testing::Test {
 protected:
  sstpgw::testing::temp_dir tmp;
  std::string pki = tmp.file("pki");
  command_result tool(const std::string& args) { return run("'" + kTool + "' --dir '" + pki + "' " + args); }
  std::string f(const std::string& name) { return pki + "/" + name; }
  void must(const std::string& args) {
    auto r = tool(args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.output;
  }
};

TEST_F(CertTool, EcPkiEndToEnd) {
  must("root P2SRoot");
  must("intermediate Issuing --ca P2SRoot");
  must("client alice --ca Issuing");
  must("client bob --ca P2SRoot");
  must("server vpn --dns vpn.example.com --ip 192.0.2.10 --ca P2SRoot");

  // Private keys are private, the directory too.
  for (const char* k : {"P2SRoot.key", "Issuing.key", "alice.key", "bob.key", "vpn.key"})
    EXPECT_EQ(mode_of(f(k)), 0600u) << k;
  EXPECT_EQ(mode_of(pki), 0700u);

  // OpenSSL's verdicts on the chains and purposes.
  auto v = run("openssl verify -purpose sslclient -CAfile " + f("P2SRoot.crt") + " -untrusted " +
               f("Issuing.crt") + " " + f("alice.crt"));
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_THAT(v.output, HasSubstr("alice.crt: OK"));
  EXPECT_EQ(run("openssl verify -purpose sslclient -CAfile " + f("P2SRoot.crt") + " " + f("bob.crt")).exit_code, 0);
  EXPECT_EQ(run("openssl verify -purpose sslserver -CAfile " + f("P2SRoot.crt") + " " + f("vpn.crt")).exit_code, 0);
  EXPECT_NE(run("openssl verify -purpose sslclient -CAfile " + f("P2SRoot.crt") + " " + f("vpn.crt")).exit_code, 0);
  EXPECT_NE(run("openssl verify -purpose sslserver -CAfile " + f("P2SRoot.crt") + " " + f("bob.crt")).exit_code, 0);
  auto text = run("openssl x509 -in " + f("vpn.crt") + " -noout -text").output;
  EXPECT_THAT(text, HasSubstr("DNS:vpn.example.com"));
  EXPECT_THAT(text, HasSubstr("IP Address:192.0.2.10"));
  EXPECT_THAT(text, HasSubstr("Subject: CN = vpn.example.com"));

  // Thumbprints: the tool, openssl and the store agree.
  auto tp = tool("thumbprint P2SRoot");
  ASSERT_EQ(tp.exit_code, 0) << tp.output;
  EXPECT_EQ(trim(tp.output), openssl_sha1(f("P2SRoot.crt")));
  EXPECT_EQ(trim(tp.output).size(), 40u);
  EXPECT_EQ(trim(tool("thumbprint " + f("alice.crt")).output), openssl_sha1(f("alice.crt")));

  // export-cer: DER and the Azure-portal Base64 line load as the same root.
  must("export-cer P2SRoot");
  auto b64 = tool("export-cer P2SRoot --base64");
  ASSERT_EQ(b64.exit_code, 0) << b64.output;
  EXPECT_EQ(count(trim(b64.output), "\n"), 0u) << "Base64 must be one line";
  EXPECT_EQ(trim(tool("thumbprint " + f("P2SRoot.cer")).output), trim(tp.output));

  cert_store from_der;
  auto added = from_der.add_roots("P2SRoot", read_text(f("P2SRoot.cer")), kNow);
  ASSERT_TRUE(added.ok) << added.message;
  cert_store from_b64;
  ASSERT_TRUE(from_b64.add_roots("P2SRoot", b64.output, kNow).ok);
  EXPECT_EQ(from_der.roots()[0].summary.sha1.hex(), trim(tp.output));
  EXPECT_EQ(from_b64.roots()[0].summary.sha1.hex(), trim(tp.output));

  // The store accepts alice's chain as a client would present it (chain file: leaf first).
  auto chain = parse_certificates(read_text(f("alice.chain.pem")));
  ASSERT_TRUE(chain.ok()) << chain.error;
  ASSERT_EQ(chain.certs.size(), 3u);
  std::vector<X509*> presented;
  for (auto& c : chain.certs) presented.push_back(c.get());
  auto r = from_der.verify(presented, kNow);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.credentials.root.hex(), trim(tp.output));
  EXPECT_EQ(r.credentials.leaf.hex(), openssl_sha1(f("alice.crt")));
  EXPECT_EQ(r.root_name, "P2SRoot");

  auto bob = parse_certificates(read_text(f("bob.crt")));
  ASSERT_TRUE(bob.ok());
  EXPECT_TRUE(from_b64.verify(bob.certs[0].get(), nullptr, kNow).ok());
  auto server = parse_certificates(read_text(f("vpn.crt")));
  EXPECT_EQ(from_der.verify(server.certs[0].get(), nullptr, kNow).status, verify_status::missing_client_auth);

  // Revoking alice by the tool's thumbprint output refuses her.
  ASSERT_TRUE(from_der.revoke(tool("thumbprint alice").output, "", kNow).ok);
  EXPECT_EQ(from_der.verify(presented, kNow).status, verify_status::revoked);

  // list names every certificate with its kind.
  auto list = tool("list");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("P2SRoot              root"));
  EXPECT_THAT(list.output, HasSubstr("Issuing              intermediate"));
  EXPECT_THAT(list.output, HasSubstr("alice                client"));
  EXPECT_THAT(list.output, HasSubstr("vpn                  server"));
  EXPECT_THAT(list.output, HasSubstr(trim(tp.output)));
}

TEST_F(CertTool, P12OpensWithItsPasswordAndCarriesTheChain) {
  must("root P2SRoot");
  must("intermediate Issuing");
  must("client alice --ca Issuing");
  must("p12 alice --password 'correct horse'");
  EXPECT_EQ(mode_of(f("alice.p12")), 0600u);

  auto info = run("openssl pkcs12 -info -in " + f("alice.p12") + " -passin 'pass:correct horse' -noout");
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_THAT(info.output, HasSubstr("AES-256-CBC"));
  EXPECT_THAT(info.output, HasSubstr("MAC: sha256"));

  auto dump = run("openssl pkcs12 -in " + f("alice.p12") + " -passin 'pass:correct horse' -nodes");
  ASSERT_EQ(dump.exit_code, 0) << dump.output;
  EXPECT_EQ(count(dump.output, "BEGIN CERTIFICATE"), 3u);  // alice, Issuing, P2SRoot
  EXPECT_EQ(count(dump.output, "BEGIN PRIVATE KEY"), 1u);
  EXPECT_THAT(dump.output, HasSubstr("friendlyName: alice"));

  EXPECT_NE(run("openssl pkcs12 -in " + f("alice.p12") + " -passin pass:wrong -noout").exit_code, 0);

  // The same certificate comes out: the store verifies the p12's chain.
  cert_store store;
  ASSERT_TRUE(store.add_roots("P2SRoot", read_text(f("P2SRoot.crt")), kNow).ok);
  auto certs = parse_certificates(dump.output.substr(dump.output.find("-----BEGIN CERTIFICATE")));
  ASSERT_FALSE(certs.ok()) << "the dump holds a private key too, which the store must refuse";
  EXPECT_THAT(certs.error, HasSubstr("private key"));
}

TEST_F(CertTool, P12PasswordFromFileAndEnvironment) {
  must("root r");
  must("client c");
  { std::ofstream(f("pass.txt")) << "from a file\n"; }
  must("p12 c --password-file " + f("pass.txt"));
  EXPECT_EQ(run("openssl pkcs12 -in " + f("c.p12") + " -passin 'pass:from a file' -noout").exit_code, 0);
  auto r =
      run("P12PW=fromenv '" + kTool + "' --dir " + pki + " p12 c --password-env P12PW --out " + f("c2.p12"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(run("openssl pkcs12 -in " + f("c2.p12") + " -passin pass:fromenv -noout").exit_code, 0);
  auto none = run("'" + kTool + "' --dir " + pki + " p12 c --out " + f("c3.p12") + " </dev/null");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_THAT(none.output, HasSubstr("needs a password"));
  auto empty = tool("p12 c --password '' --out " + f("c4.p12"));
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_THAT(empty.output, HasSubstr("must not be empty"));
}

TEST_F(CertTool, LegacyP12ForOldWindows) {
  must("root r");
  must("client c");
  must("p12 c --password pw --legacy");
  auto info = run("openssl pkcs12 -info -in " + f("c.p12") + " -passin pass:pw -noout");
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_THAT(info.output, HasSubstr("pbeWithSHA1And3-KeyTripleDES-CBC"));
  EXPECT_THAT(info.output, HasSubstr("MAC: sha1"));
}

TEST_F(CertTool, SubjectDaysAndBackdatedStart) {
  must("root r --subject '/DC=com/DC=contoso/O=Contoso Ltd/CN=P2S Root CA' --days 30");
  cert_store store;
  ASSERT_TRUE(store.add_roots("r", read_text(f("r.crt")), kNow).ok);
  const auto& s = store.roots()[0].summary;
  EXPECT_EQ(s.subject, "CN=P2S Root CA, O=Contoso Ltd, DC=contoso, DC=com");
  EXPECT_LE(s.not_before, kNow - 3000);  // an hour back, give or take the run time
  EXPECT_NEAR(static_cast<double>(s.not_after - kNow), 30.0 * 86400, 600);
  EXPECT_TRUE(s.self_signed);
  EXPECT_GE(s.serial.size(), 30u);  // random serial of up to 159 bits (leading zero bytes are not printed)
}

TEST_F(CertTool, RsaKeys) {
  must("root rsaroot --key rsa3072");
  must("client carol --key rsa2048");
  cert_store store;
  ASSERT_TRUE(store.add_roots("rsaroot", read_text(f("rsaroot.crt")), kNow).ok);
  EXPECT_EQ(store.roots()[0].summary.key, "RSA 3072");
  auto carol = parse_certificates(read_text(f("carol.crt")));
  ASSERT_TRUE(carol.ok());
  EXPECT_TRUE(store.verify(carol.certs[0].get(), nullptr, kNow).ok());
  EXPECT_THAT(run("openssl x509 -in " + f("carol.crt") + " -noout -text").output, HasSubstr("Key Encipherment"));
}

TEST_F(CertTool, RefusesToOverwriteUnlessForced) {
  must("root r");
  const std::string before = openssl_sha1(f("r.crt"));
  auto again = tool("root r");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.output, HasSubstr("exists; use --force"));
  EXPECT_EQ(openssl_sha1(f("r.crt")), before);
  must("root r --force");
  EXPECT_NE(openssl_sha1(f("r.crt")), before);
  must("export-cer r");
  EXPECT_NE(tool("export-cer r").exit_code, 0);
}

TEST_F(CertTool, ClearErrors) {
  auto help = run("'" + kTool + "' --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("Usage: sstpgw-certs"));
  auto none = run("'" + kTool + "'");
  EXPECT_NE(none.exit_code, 0);

  auto unknown = tool("frobnicate");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(tool("root").output, HasSubstr("NAME is missing"));
  EXPECT_THAT(tool("root 'bad name'").output, HasSubstr("must be 1-64"));
  EXPECT_THAT(tool("root r --key dsa").output, HasSubstr("--key must be"));
  EXPECT_THAT(tool("root r --days 0").output, HasSubstr("--days"));
  EXPECT_THAT(tool("client c").output, HasSubstr("no CA in"));
  must("root a");
  must("root b");
  EXPECT_THAT(tool("client c").output, HasSubstr("several CAs"));
  EXPECT_THAT(tool("client c --ca nosuch").output, HasSubstr("CA 'nosuch' not found"));
  must("client c --ca a");
  EXPECT_THAT(tool("client d --ca c").output, HasSubstr("not a CA"));
  EXPECT_THAT(tool("server s --ca a").output, HasSubstr("--dns HOST"));
  EXPECT_THAT(tool("server s --ca a --dns 'bad host!'").output, HasSubstr("not a host name"));
  EXPECT_THAT(tool("thumbprint nosuch").output, HasSubstr("no certificate 'nosuch'"));
  { std::ofstream(f("junk.txt")) << "not a certificate"; }
  EXPECT_THAT(tool("thumbprint " + f("junk.txt")).output, HasSubstr("is not a certificate"));
  EXPECT_THAT(tool("--bogus list").output, HasSubstr("unknown option --bogus"));
  // A failed command leaves no temp directory behind.
  EXPECT_EQ(run("ls -A " + pki + " | grep -c '^\\.' || true").output, "0\n");
}

TEST_F(CertTool, ThumbprintOfBase64AndDerInputs) {
  must("root r");
  must("export-cer r");
  must("export-cer r --base64 --out " + f("r.b64"));
  const std::string want = openssl_sha1(f("r.crt"));
  EXPECT_EQ(trim(tool("thumbprint " + f("r.cer")).output), want);
  EXPECT_EQ(trim(tool("thumbprint " + f("r.b64")).output), want);
  auto sha256 = tool("thumbprint r --sha256");
  EXPECT_EQ(trim(sha256.output).size(), 64u);
  cert_store store;
  ASSERT_TRUE(store.add_roots("r", read_text(f("r.b64")), kNow).ok);
  EXPECT_EQ(store.roots()[0].summary.sha256, trim(sha256.output));
}

}  // namespace
}  // namespace sstpgw::certs
