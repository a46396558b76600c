// Client chain verification: each accepted shape, and each refusal in its own test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>

#include "control/certs/cert_store.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::certs {
namespace {

using sstpgw::testing::cert_spec;
using sstpgw::testing::issue_cert;
using sstpgw::testing::issued_cert;
using sstpgw::testing::key_kind;
using sstpgw::testing::make_root;
using ::testing::HasSubstr;

const int64_t kNow = static_cast<int64_t>(std::time(nullptr));
constexpr long kDay = 24 * 3600;

// root -> intermediate -> client, all valid, client with clientAuth.
struct chain3 {
  issued_cert root = make_root({.common_name = "P2S Root"});
  issued_cert inter = issue_cert(root, {.common_name = "P2S Issuing CA", .is_ca = true});
  issued_cert leaf = issue_cert(inter, {.common_name = "alice", .eku = {"clientAuth"}});
};

cert_store store_with(const issued_cert& root, const char* name = "root") {
  cert_store s;
  auto c = s.add_roots(name, root.cert_pem(), kNow);
  EXPECT_TRUE(c.ok) << c.message;
  return s;
}

verify_result verify(const cert_store& s, const issued_cert& leaf,
                     std::vector<const issued_cert*> inters = {}, int64_t now = kNow) {
  std::vector<X509*> presented{leaf.cert.get()};
  for (auto* i : inters) presented.push_back(i->cert.get());
  return s.verify(presented, now);
}

TEST(Verify, AcceptsEcChainDirectlyUnderRoot) {
  auto pki = sstpgw::testing::make_test_pki(key_kind::ec_p256);
  auto store = store_with(pki.root, "corp");
  auto r = verify(store, pki.client);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.root_name, "corp");
  EXPECT_EQ(r.credentials.root.hex(), pki.root.sha1_thumbprint());
  EXPECT_EQ(r.credentials.leaf.hex(), pki.client.sha1_thumbprint());
  ASSERT_EQ(r.credentials.chain.size(), 2u);
  EXPECT_EQ(r.credentials.chain[0].hex(), pki.client.sha1_thumbprint());
  EXPECT_EQ(r.credentials.leaf_subject, "O=sstpgw tests, CN=client1");
  EXPECT_THAT(r.reason, HasSubstr("anchored at root 'corp' (" + pki.root.sha1_thumbprint() + ")"));
  EXPECT_GT(r.credentials.not_after, kNow);
}

TEST(Verify, AcceptsRsaChain) {
  auto pki = sstpgw::testing::make_test_pki(key_kind::rsa2048);
  auto store = store_with(pki.root);
  auto r = verify(store, pki.client);
  EXPECT_TRUE(r.ok()) << r.reason;
}

TEST(Verify, AcceptsChainThroughPresentedIntermediate) {
  chain3 c;
  auto store = store_with(c.root);
  auto r = verify(store, c.leaf, {&c.inter});
  ASSERT_TRUE(r.ok()) << r.reason;
  ASSERT_EQ(r.credentials.chain.size(), 3u);
  EXPECT_EQ(r.credentials.chain[1].hex(), c.inter.sha1_thumbprint());
  EXPECT_EQ(r.credentials.root.hex(), c.root.sha1_thumbprint());
}

TEST(Verify, AcceptsWhenClientAlsoSendsTheRoot) {
  chain3 c;
  auto store = store_with(c.root);
  EXPECT_TRUE(verify(store, c.leaf, {&c.inter, &c.root}).ok());
}

TEST(Verify, UploadedIntermediateAnchorsTheChain) {
  chain3 c;
  auto store = store_with(c.inter, "issuing");
  auto r = verify(store, c.leaf);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.root_name, "issuing");
  EXPECT_EQ(r.credentials.root.hex(), c.inter.sha1_thumbprint());
}

TEST(Verify, ChoosesTheRightRootAmongSeveral) {
  chain3 c;
  cert_store store;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        store.add_roots("other" + std::to_string(i), make_root({.common_name = "o"}).cert_pem(), kNow).ok);
  ASSERT_TRUE(store.add_roots("ours", c.root.cert_pem(), kNow).ok);
  auto r = verify(store, c.leaf, {&c.inter});
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.root_name, "ours");
}

TEST(Verify, RejectsMissingLeaf) {
  cert_store store;
  auto r = store.verify(nullptr, nullptr, kNow);
  EXPECT_EQ(r.status, verify_status::no_certificate);
}

TEST(Verify, RejectsUnknownRoot) {
  auto pki = sstpgw::testing::make_test_pki();
  auto store = store_with(make_root({.common_name = "Someone Else"}));
  auto r = verify(store, pki.client);
  EXPECT_EQ(r.status, verify_status::untrusted_root) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("issuer 'O=sstpgw tests, CN=sstpgw test root'"));
  EXPECT_EQ(r.credentials.leaf.hex(), pki.client.sha1_thumbprint());
}

TEST(Verify, RejectsWithNoRootsConfigured) {
  auto pki = sstpgw::testing::make_test_pki();
  cert_store store;
  auto r = verify(store, pki.client);
  EXPECT_EQ(r.status, verify_status::untrusted_root);
  EXPECT_THAT(r.reason, HasSubstr("no trusted roots"));
}

TEST(Verify, RejectsImpostorRootWithTheSameName) {
  auto pki = sstpgw::testing::make_test_pki();
  auto impostor = make_root({.common_name = "sstpgw test root"});  // same subject, other key
  auto store = store_with(impostor);
  auto r = verify(store, pki.client);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, verify_status::untrusted_root) << r.reason;
}

TEST(Verify, RejectsMissingIntermediate) {
  chain3 c;
  auto store = store_with(c.root);
  auto r = verify(store, c.leaf);
  EXPECT_EQ(r.status, verify_status::untrusted_root) << r.reason;
}

TEST(Verify, RejectsExpiredLeaf) {
  auto root = make_root({.common_name = "r"});
  auto leaf = issue_cert(
      root, {.common_name = "old", .eku = {"clientAuth"}, .not_before = -10 * kDay, .not_after = -kDay});
  auto r = verify(store_with(root), leaf);
  EXPECT_EQ(r.status, verify_status::expired) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("client certificate 'CN=old' expired at"));
}

TEST(Verify, RejectsNotYetValidLeaf) {
  auto root = make_root({.common_name = "r"});
  auto leaf = issue_cert(
      root, {.common_name = "future", .eku = {"clientAuth"}, .not_before = kDay, .not_after = 10 * kDay});
  auto r = verify(store_with(root), leaf);
  EXPECT_EQ(r.status, verify_status::not_yet_valid) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("client certificate 'CN=future' is not valid before"));
}

TEST(Verify, RejectsExpiredIntermediate) {
  auto root = make_root({.common_name = "r"});
  auto inter = issue_cert(
      root, {.common_name = "old issuing", .is_ca = true, .not_before = -10 * kDay, .not_after = -kDay});
  auto leaf = issue_cert(inter, {.common_name = "alice", .eku = {"clientAuth"}});
  auto r = verify(store_with(root), leaf, {&inter});
  EXPECT_EQ(r.status, verify_status::expired) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("intermediate 'CN=old issuing' expired"));
}

TEST(Verify, RejectsExpiredRoot) {
  auto root = make_root({.common_name = "old root", .not_before = -10 * kDay, .not_after = -kDay});
  auto leaf = issue_cert(root, {.common_name = "alice", .eku = {"clientAuth"}});
  auto r = verify(store_with(root), leaf);
  EXPECT_EQ(r.status, verify_status::expired) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("root 'CN=old root' expired"));
}

TEST(Verify, TimeIsAParameter) {
  auto pki = sstpgw::testing::make_test_pki();  // client valid for a year from now
  auto store = store_with(pki.root);
  EXPECT_TRUE(verify(store, pki.client, {}, kNow).ok());
  EXPECT_EQ(verify(store, pki.client, {}, kNow + 2 * 365 * kDay).status, verify_status::expired);
  EXPECT_EQ(verify(store, pki.client, {}, kNow - 2 * kDay).status, verify_status::not_yet_valid);
}

TEST(Verify, RejectsServerAuthOnlyLeaf) {
  auto pki = sstpgw::testing::make_test_pki();
  auto r = verify(store_with(pki.root), pki.server);
  EXPECT_EQ(r.status, verify_status::missing_client_auth) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("lacks the Client Authentication EKU"));
}

TEST(Verify, RejectsLeafWithoutAnyEku) {
  auto root = make_root({.common_name = "r"});
  auto leaf = issue_cert(root, {.common_name = "no eku"});
  auto r = verify(store_with(root), leaf);
  EXPECT_EQ(r.status, verify_status::no_eku) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("has no extended key usage"));
}

TEST(Verify, RejectsAnyEkuWithoutClientAuthOnLeaf) {
  auto root = make_root({.common_name = "r"});
  auto leaf = issue_cert(root, {.common_name = "any", .eku = {"anyExtendedKeyUsage"}});
  EXPECT_EQ(verify(store_with(root), leaf).status, verify_status::missing_client_auth);
}

TEST(Verify, AcceptsLeafWithSeveralEkusIncludingClientAuth) {
  auto root = make_root({.common_name = "r"});
  auto leaf =
      issue_cert(root, {.common_name = "both", .eku = {"serverAuth", "clientAuth", "emailProtection"}});
  EXPECT_TRUE(verify(store_with(root), leaf).ok());
}

TEST(Verify, RejectsIntermediateThatRestrictsEkuToServerAuth) {
  auto root = make_root({.common_name = "r"});
  auto inter = issue_cert(root, {.common_name = "tls servers only", .is_ca = true, .eku = {"serverAuth"}});
  auto leaf = issue_cert(inter, {.common_name = "alice", .eku = {"clientAuth"}});
  auto r = verify(store_with(root), leaf, {&inter});
  EXPECT_EQ(r.status, verify_status::issuer_eku) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("intermediate 'CN=tls servers only'"));
}

TEST(Verify, AcceptsIntermediateWithClientAuthOrAnyEku) {
  auto root = make_root({.common_name = "r"});
  for (const char* eku : {"clientAuth", "anyExtendedKeyUsage"}) {
    auto inter = issue_cert(root, {.common_name = "i", .is_ca = true, .eku = {eku}});
    auto leaf = issue_cert(inter, {.common_name = "alice", .eku = {"clientAuth"}});
    auto r = verify(store_with(root), leaf, {&inter});
    EXPECT_TRUE(r.ok()) << eku << ": " << r.reason;
  }
}

TEST(Verify, RejectsLeafSignedByNonCa) {
  auto pki = sstpgw::testing::make_test_pki();
  auto leaf = issue_cert(pki.client, {.common_name = "child of a leaf", .eku = {"clientAuth"}});
  auto r = verify(store_with(pki.root), leaf, {&pki.client});
  EXPECT_EQ(r.status, verify_status::invalid_chain) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("'CN=client1'"));
}

TEST(Verify, RejectsTheRootItselfAsClient) {
  auto root = make_root({.common_name = "r", .eku = {"clientAuth"}});
  auto r = verify(store_with(root), root);
  EXPECT_EQ(r.status, verify_status::leaf_is_root) << r.reason;
}

TEST(Verify, RejectsRevokedLeafInEverySpelling) {
  auto pki = sstpgw::testing::make_test_pki();
  const std::string t = pki.client.sha1_thumbprint();
  std::string colons, lower_spaced;
  for (size_t i = 0; i < t.size(); i += 2) {
    colons += (i ? ":" : "") + t.substr(i, 2);
    lower_spaced += std::string(i ? " " : "") + char(tolower(t[i])) + char(tolower(t[i + 1]));
  }
  for (const std::string& spelling : {t, colons, lower_spaced, "\xE2\x80\x8E" + lower_spaced}) {
    auto store = store_with(pki.root);
    ASSERT_TRUE(store.revoke(spelling, "", kNow).ok) << spelling;
    auto r = verify(store, pki.client);
    EXPECT_EQ(r.status, verify_status::revoked) << spelling;
    EXPECT_THAT(r.reason, HasSubstr("client certificate 'CN=client1' (thumbprint " + t + ") is revoked"));
  }
}

TEST(Verify, RejectsChainThroughRevokedIntermediate) {
  chain3 c;
  auto store = store_with(c.root);
  ASSERT_TRUE(store.revoke(c.inter.sha1_thumbprint(), "compromised issuing CA", kNow).ok);
  auto r = verify(store, c.leaf, {&c.inter});
  EXPECT_EQ(r.status, verify_status::revoked) << r.reason;
  EXPECT_THAT(r.reason, HasSubstr("intermediate 'CN=P2S Issuing CA'"));
}

TEST(Verify, RevokingAnotherCertificateDoesNotAffectThisOne) {
  auto pki = sstpgw::testing::make_test_pki();
  auto store = store_with(pki.root);
  ASSERT_TRUE(store.revoke(pki.server.sha1_thumbprint(), "", kNow).ok);
  EXPECT_TRUE(verify(store, pki.client).ok());
}

TEST(Verify, RootRemovedThenChainRejected) {
  auto pki = sstpgw::testing::make_test_pki();
  auto store = store_with(pki.root, "corp");
  ASSERT_TRUE(verify(store, pki.client).ok());
  ASSERT_TRUE(store.remove_root("corp").ok);
  EXPECT_EQ(verify(store, pki.client).status, verify_status::untrusted_root);
}

TEST(Verify, RejectsOverlongChain) {
  auto root = make_root({.common_name = "r"});
  std::vector<issued_cert> cas;
  cas.reserve(kMaxChainLength);  // `issuer` points into it
  const issued_cert* issuer = &root;
  for (int i = 0; i < kMaxChainLength; ++i) {
    cas.push_back(issue_cert(*issuer, {.common_name = "ca" + std::to_string(i), .is_ca = true}));
    issuer = &cas.back();
  }
  auto leaf = issue_cert(*issuer, {.common_name = "deep", .eku = {"clientAuth"}});
  std::vector<const issued_cert*> inters;
  for (auto& c : cas) inters.push_back(&c);
  auto r = verify(store_with(root), leaf, inters);
  EXPECT_EQ(r.status, verify_status::invalid_chain) << r.reason;
}

TEST(StillValid, TracksRootRemovalRevocationAndExpiry) {
  chain3 c;
  auto store = store_with(c.root, "corp");
  auto admitted = verify(store, c.leaf, {&c.inter});
  ASSERT_TRUE(admitted.ok());
  const auto& creds = admitted.credentials;
  EXPECT_TRUE(store.still_valid(creds, kNow).ok());
  EXPECT_EQ(store.still_valid(creds, kNow).root_name, "corp");
  EXPECT_EQ(store.still_valid(creds, creds.not_after + 1).status, verify_status::expired);

  ASSERT_TRUE(store.revoke(c.inter.sha1_thumbprint(), "", kNow).ok);
  EXPECT_EQ(store.still_valid(creds, kNow).status, verify_status::revoked);
  ASSERT_TRUE(store.unrevoke(c.inter.sha1_thumbprint()).ok);
  ASSERT_TRUE(store.revoke(c.leaf.sha1_thumbprint(), "", kNow).ok);
  auto leaf_revoked = store.still_valid(creds, kNow);
  EXPECT_EQ(leaf_revoked.status, verify_status::revoked);
  EXPECT_THAT(leaf_revoked.reason, HasSubstr("the client's"));
  ASSERT_TRUE(store.unrevoke(c.leaf.sha1_thumbprint()).ok);
  EXPECT_TRUE(store.still_valid(creds, kNow).ok());

  ASSERT_TRUE(store.remove_root("corp").ok);
  EXPECT_EQ(store.still_valid(creds, kNow).status, verify_status::untrusted_root);
}

}  // namespace
}  // namespace sstpgw::certs
