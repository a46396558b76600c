#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/common/base64.hh"

#include <ctime>
#include <fstream>

#include "control/certs/cert_input.hh"
#include "control/certs/cert_store.hh"
#include "tests/support/test_pki.hh"
#include "tests/support/temp_dir.hh"

namespace sstpgw::certs {
namespace {

using sstpgw::testing::cert_spec;
using sstpgw::testing::issue_cert;
using sstpgw::testing::make_root;
using ::testing::HasSubstr;

const int64_t kNow = static_cast<int64_t>(std::time(nullptr));

std::string der_text(const sstpgw::testing::issued_cert& c) {
  auto d = c.cert_der();
  return std::string(d.begin(), d.end());
}

TEST(CertStore, AddListRemoveByName) {
  cert_store store;
  auto root = make_root({.common_name = "Contoso P2S Root"});
  auto c = store.add_roots("contoso", root.cert_pem(), kNow);
  ASSERT_TRUE(c.ok) << c.message;
  EXPECT_THAT(c.message, HasSubstr("1 of 20 in use"));
  ASSERT_EQ(store.roots().size(), 1u);
  const auto& r = store.roots()[0];
  EXPECT_EQ(r.name, "contoso");
  EXPECT_EQ(r.summary.sha1.hex(), root.sha1_thumbprint());
  EXPECT_EQ(r.summary.common_name, "CN=Contoso P2S Root");
  EXPECT_EQ(r.summary.subject, "O=sstpgw tests, CN=Contoso P2S Root");  // test_pki puts CN first in DER
  EXPECT_EQ(r.summary.sha256.size(), 64u);
  EXPECT_EQ(r.summary.key, "EC P-256");
  EXPECT_TRUE(r.summary.is_ca);
  EXPECT_TRUE(r.summary.self_signed);
  EXPECT_LT(r.summary.not_before, kNow);
  EXPECT_GT(r.summary.not_after, kNow);
  EXPECT_EQ(r.added_at, kNow);

  auto removed = store.remove_root("contoso");
  ASSERT_TRUE(removed.ok) << removed.message;
  EXPECT_TRUE(store.roots().empty());
  EXPECT_FALSE(store.remove_root("contoso").ok);
}

TEST(CertStore, RemoveByThumbprintInAnySpelling) {
  auto root = make_root({.common_name = "r"});
  std::string t = root.sha1_thumbprint();
  std::string lower_spaced;
  for (size_t i = 0; i < t.size(); i += 2)
    lower_spaced += std::string(i ? " " : "") + char(tolower(t[i])) + char(tolower(t[i + 1]));
  for (const std::string& spelling : {t, lower_spaced, "\xE2\x80\x8E" + t}) {
    cert_store store;
    ASSERT_TRUE(store.add_roots("r", root.cert_pem(), kNow).ok);
    auto c = store.remove_root(spelling);
    EXPECT_TRUE(c.ok) << spelling << ": " << c.message;
    EXPECT_TRUE(store.roots().empty());
  }
}

TEST(CertStore, TwentyFirstRootRefused) {
  cert_store store;
  for (int i = 0; i < 20; ++i) {
    auto c = store.add_roots("root" + std::to_string(i),
                             make_root({.common_name = "r" + std::to_string(i)}).cert_pem(), kNow);
    ASSERT_TRUE(c.ok) << i << ": " << c.message;
  }
  auto c = store.add_roots("root20", make_root({.common_name = "r20"}).cert_pem(), kNow);
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.message, HasSubstr("at most 20 trusted roots"));
  EXPECT_EQ(store.roots().size(), 20u);
}

TEST(CertStore, NonCaCertificateRefusedAsRoot) {
  auto pki = sstpgw::testing::make_test_pki();
  cert_store store;
  auto c = store.add_roots("client", pki.client.cert_pem(), kNow);
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.message, HasSubstr("not a CA certificate"));
  EXPECT_TRUE(store.roots().empty());
}

TEST(CertStore, DuplicateCertificateRefused) {
  auto root = make_root({.common_name = "r"});
  cert_store store;
  ASSERT_TRUE(store.add_roots("first", root.cert_pem(), kNow).ok);
  auto c = store.add_roots("second", der_text(root), kNow);
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.message, HasSubstr("already a trusted root, named 'first'"));
}

TEST(CertStore, DuplicateNameRefused) {
  cert_store store;
  ASSERT_TRUE(store.add_roots("corp", make_root({.common_name = "a"}).cert_pem(), kNow).ok);
  auto c = store.add_roots("corp", make_root({.common_name = "b"}).cert_pem(), kNow);
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.message, HasSubstr("named 'corp' already exists"));
}

TEST(CertStore, BadNamesRefused) {
  cert_store store;
  auto pem = make_root({}).cert_pem();
  for (const std::string& bad :
       {std::string(), std::string(" lead"), std::string("semi;colon"), std::string(65, 'a'),
        std::string("0123456789abcdef0123456789abcdef01234567")})
    EXPECT_FALSE(store.add_roots(bad, pem, kNow).ok) << bad;
  EXPECT_TRUE(store.add_roots("Contoso Root (2025)_v1.2-a", pem, kNow).ok);
}

TEST(CertStore, UnreadableInputRefused) {
  cert_store store;
  auto c = store.add_roots("x", "definitely not a certificate", kNow);
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.message, HasSubstr("cannot read the certificate"));
}

TEST(CertStore, BundleAddsAllWithNumberedNames) {
  cert_store store;
  auto a = make_root({.common_name = "a"});
  auto b = make_root({.common_name = "b"});
  auto c = store.add_roots("corp", a.cert_pem() + b.cert_pem(), kNow);
  ASSERT_TRUE(c.ok) << c.message;
  ASSERT_EQ(store.roots().size(), 2u);
  EXPECT_EQ(store.roots()[0].name, "corp-1");
  EXPECT_EQ(store.roots()[1].name, "corp-2");
  EXPECT_EQ(c.certs.size(), 2u);
}

TEST(CertStore, BundleIsAllOrNothing) {
  cert_store store;
  auto pki = sstpgw::testing::make_test_pki();
  auto c = store.add_roots("corp", pki.root.cert_pem() + pki.client.cert_pem(), kNow);
  EXPECT_FALSE(c.ok);
  EXPECT_TRUE(store.roots().empty());
}

TEST(CertStore, ExpiredAndIntermediateRootsAcceptedWithWarnings) {
  cert_store store;
  auto old = make_root({.common_name = "old", .not_before = -7200, .not_after = -3600});
  auto c = store.add_roots("old", old.cert_pem(), kNow);
  ASSERT_TRUE(c.ok);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_THAT(c.warnings[0], HasSubstr("expired"));

  auto root = make_root({.common_name = "top"});
  auto inter = issue_cert(root, {.common_name = "issuing", .is_ca = true});
  auto d = store.add_roots("issuing", inter.cert_pem(), kNow);
  ASSERT_TRUE(d.ok) << d.message;
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_THAT(d.warnings[0], HasSubstr("not self-signed"));
}

TEST(CertStore, RevokeListUnrevoke) {
  cert_store store;
  const std::string t = "0123456789abcdef0123456789abcdef01234567";
  auto c = store.revoke(t, "laptop of J. Doe", kNow);
  ASSERT_TRUE(c.ok) << c.message;
  ASSERT_EQ(store.revoked().size(), 1u);
  EXPECT_EQ(store.revoked()[0].sha1.hex(), "0123456789ABCDEF0123456789ABCDEF01234567");
  EXPECT_EQ(store.revoked()[0].name, "laptop of J. Doe");
  EXPECT_TRUE(store.is_revoked(*parse_thumbprint(t)));

  auto again = store.revoke("01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67", "", kNow);
  EXPECT_FALSE(again.ok);
  EXPECT_THAT(again.message, HasSubstr("already revoked"));

  EXPECT_TRUE(store.unrevoke("01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67").ok);
  EXPECT_TRUE(store.revoked().empty());
  auto missing = store.unrevoke(t);
  EXPECT_FALSE(missing.ok);
  EXPECT_THAT(missing.message, HasSubstr("not on the revocation list"));
}

TEST(CertStore, BadRevocationInputRefused) {
  cert_store store;
  EXPECT_THAT(store.revoke("abc", "", kNow).message, HasSubstr("3 hex digits"));
  EXPECT_THAT(store.revoke(std::string(40, 'a'), "bad\nnote", kNow).message, HasSubstr("control character"));
  EXPECT_TRUE(store.revoked().empty());
}

TEST(CertStore, GenerationCountsChanges) {
  cert_store store;
  auto g0 = store.generation();
  ASSERT_TRUE(store.add_roots("r", make_root({}).cert_pem(), kNow).ok);
  EXPECT_GT(store.generation(), g0);
  auto g1 = store.generation();
  EXPECT_FALSE(store.add_roots("r", "junk", kNow).ok);
  EXPECT_EQ(store.generation(), g1);
}

class PersistentStore : public ::testing::Test {
 protected:
  sstpgw::testing::temp_dir tmp;
  std::string dir = tmp.file("state");
};

TEST_F(PersistentStore, RootsAndRevocationsSurviveAReload) {
  auto pki = sstpgw::testing::make_test_pki();
  auto second = make_root({.common_name = "second", .key = sstpgw::testing::key_kind::rsa2048});
  {
    state::state_dir d(dir);
    cert_store store(d);
    ASSERT_TRUE(store.add_roots("main", pki.root.cert_pem(), kNow).ok);
    ASSERT_TRUE(store.add_roots("second", base64_encode(second.cert_der()), kNow).ok);
    ASSERT_TRUE(store.revoke(pki.client.sha1_thumbprint(), "lost", kNow).ok);
  }
  state::state_dir d(dir);
  cert_store store(d);
  ASSERT_EQ(store.roots().size(), 2u);
  EXPECT_EQ(store.roots()[0].name, "main");
  EXPECT_EQ(store.roots()[0].summary.sha1.hex(), pki.root.sha1_thumbprint());
  EXPECT_EQ(store.roots()[1].summary.key, "RSA 2048");
  EXPECT_EQ(store.roots()[0].added_at, kNow);
  ASSERT_EQ(store.revoked().size(), 1u);
  EXPECT_EQ(store.revoked()[0].sha1.hex(), pki.client.sha1_thumbprint());
  EXPECT_EQ(store.revoked()[0].name, "lost");
  // The reloaded store verifies and refuses like the first one.
  auto r = store.verify(pki.client.cert.get(), nullptr, kNow);
  EXPECT_EQ(r.status, verify_status::revoked) << r.reason;
  ASSERT_TRUE(store.unrevoke(pki.client.sha1_thumbprint()).ok);
  EXPECT_TRUE(store.verify(pki.client.cert.get(), nullptr, kNow).ok());
}

TEST_F(PersistentStore, RemovalSurvivesAReload) {
  auto root = make_root({});
  {
    state::state_dir d(dir);
    cert_store store(d);
    ASSERT_TRUE(store.add_roots("a", root.cert_pem(), kNow).ok);
    ASSERT_TRUE(store.remove_root("a").ok);
  }
  state::state_dir d(dir);
  EXPECT_TRUE(cert_store(d).roots().empty());
}

TEST_F(PersistentStore, EmptyDirectoryMeansEmptyStore) {
  state::state_dir d(dir);
  cert_store store(d);
  EXPECT_TRUE(store.roots().empty());
  EXPECT_TRUE(store.revoked().empty());
}

std::string load_error(const std::string& dir) {
  try {
    state::state_dir d(dir);
    cert_store store(d);
  } catch (const state::state_error& e) {
    return e.what();
  }
  return "";
}

TEST_F(PersistentStore, CorruptRootsFileRefusedNotEmptied) {
  {
    state::state_dir d(dir);
    cert_store store(d);
    ASSERT_TRUE(store.add_roots("a", make_root({}).cert_pem(), kNow).ok);
  }
  std::string path = dir + "/roots.json";
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::trunc) << text.substr(0, text.size() / 2);
  auto e = load_error(dir);
  EXPECT_THAT(e, HasSubstr(path));
  EXPECT_THAT(e, HasSubstr("not valid JSON"));
}

TEST_F(PersistentStore, TamperedCertificateRefused) {
  auto root = make_root({});
  {
    state::state_dir d(dir);
    d.write_atomic("roots.json",
                   std::string(R"({"format":"sstpgw-roots","version":1,"roots":[{"name":"a","sha1":")") +
                       root.sha1_thumbprint() + R"(","der_base64":")" +
                       base64_encode(make_root({}).cert_der()) + R"("}]})");
  }
  EXPECT_THAT(load_error(dir), HasSubstr("does not match the certificate"));
}

TEST_F(PersistentStore, NonCaRootInFileRefused) {
  auto pki = sstpgw::testing::make_test_pki();
  {
    state::state_dir d(dir);
    d.write_atomic("roots.json",
                   std::string(R"({"format":"sstpgw-roots","version":1,"roots":[{"name":"a","sha1":")") +
                       pki.client.sha1_thumbprint() + R"(","der_base64":")" +
                       base64_encode(pki.client.cert_der()) + R"("}]})");
  }
  auto e = load_error(dir);
  EXPECT_THAT(e, HasSubstr("root 1 ('a')"));
  EXPECT_THAT(e, HasSubstr("not a CA"));
}

TEST_F(PersistentStore, CorruptRevocationFileRefused) {
  {
    state::state_dir d(dir);
    d.write_atomic("revoked.json",
                   R"({"format":"sstpgw-revoked","version":1,"revoked":[{"thumbprint":"12"}]})");
  }
  auto e = load_error(dir);
  EXPECT_THAT(e, HasSubstr("revoked.json"));
  EXPECT_THAT(e, HasSubstr("revoked entry 1"));
  EXPECT_THAT(e, HasSubstr("2 hex digits"));
}

TEST_F(PersistentStore, DuplicateRevocationInFileRefused) {
  const std::string t(40, 'a');
  {
    state::state_dir d(dir);
    d.write_atomic("revoked.json", R"({"format":"sstpgw-revoked","version":1,"revoked":[{"thumbprint":")" +
                                       t + R"("},{"thumbprint":")" + t + R"("}]})");
  }
  EXPECT_THAT(load_error(dir), HasSubstr("appears twice"));
}

TEST_F(PersistentStore, FailedSaveChangesNothing) {
  auto root = make_root({});
  bool fail_writes = false;
  state::state_dir d(dir, {.test_hook = [&](state::write_stage s, std::string_view) {
                       if (fail_writes && s == state::write_stage::temp_synced)
                         throw state::state_error("injected: disk full");
                     }});
  cert_store store(d);
  ASSERT_TRUE(store.add_roots("keep", root.cert_pem(), kNow).ok);
  fail_writes = true;
  auto c = store.add_roots("new", make_root({}).cert_pem(), kNow);
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.message, HasSubstr("not saved, nothing changed"));
  EXPECT_THAT(c.message, HasSubstr("disk full"));
  EXPECT_EQ(store.roots().size(), 1u);
  EXPECT_FALSE(store.remove_root("keep").ok);
  EXPECT_EQ(store.roots().size(), 1u);
  EXPECT_FALSE(store.revoke(std::string(40, 'b'), "", kNow).ok);
  EXPECT_TRUE(store.revoked().empty());
}

}  // namespace
}  // namespace sstpgw::certs
