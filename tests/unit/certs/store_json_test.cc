#include "control/certs/store_json.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>

#include "tests/support/test_pki.hh"

namespace sstpgw::certs {
namespace {

using ::testing::HasSubstr;
const int64_t kNow = static_cast<int64_t>(std::time(nullptr));

TEST(StoreJson, ListsRootsAndRevocations) {
  auto pki = sstpgw::testing::make_test_pki();
  cert_store store;
  auto added = store.add_roots("corp", pki.root.cert_pem(), kNow);
  ASSERT_TRUE(store.revoke(pki.client.sha1_thumbprint(), "lost", kNow).ok);

  auto roots = roots_json(store);
  EXPECT_EQ(roots["count"], 1);
  EXPECT_EQ(roots["limit"], 20);
  const auto& r = roots["roots"][0];
  EXPECT_EQ(r["name"], "corp");
  EXPECT_EQ(r["sha1"], pki.root.sha1_thumbprint());
  EXPECT_EQ(r["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(r["ca"], true);
  EXPECT_EQ(r["added_at"], format_time(kNow));
  EXPECT_THAT(r["not_after"].get<std::string>(), HasSubstr("Z"));

  auto revoked = revoked_json(store);
  EXPECT_EQ(revoked["revoked"][0]["thumbprint"], pki.client.sha1_thumbprint());
  EXPECT_EQ(revoked["revoked"][0]["comment"], "lost");

  auto change = change_json(added);
  EXPECT_EQ(change["ok"], true);
  EXPECT_EQ(change["certificates"].size(), 1u);
  auto refused = change_json(store.remove_root("nope"));
  EXPECT_EQ(refused["ok"], false);
  EXPECT_THAT(refused["message"].get<std::string>(), HasSubstr("nope"));
}

TEST(StoreJson, VerificationResult) {
  auto pki = sstpgw::testing::make_test_pki();
  cert_store store;
  ASSERT_TRUE(store.add_roots("corp", pki.root.cert_pem(), kNow).ok);
  auto ok = verify_json(store.verify(pki.client.cert.get(), nullptr, kNow));
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["status"], "ok");
  EXPECT_EQ(ok["root"], pki.root.sha1_thumbprint());
  EXPECT_EQ(ok["root_name"], "corp");
  EXPECT_EQ(ok["chain"].size(), 2u);
  auto bad = verify_json(store.verify(pki.server.cert.get(), nullptr, kNow));
  EXPECT_EQ(bad["status"], "missing_client_auth");
  EXPECT_FALSE(bad.contains("root"));
}

TEST(StoreJson, ClientCaListNamesTheRoots) {
  auto a = sstpgw::testing::make_root({.common_name = "Root A"});
  auto b = sstpgw::testing::make_root({.common_name = "Root B"});
  cert_store store;
  ASSERT_TRUE(store.add_roots("a", a.cert_pem(), kNow).ok);
  ASSERT_TRUE(store.add_roots("b", b.cert_pem(), kNow).ok);
  STACK_OF(X509_NAME)* names = store.make_client_ca_list();
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_X509_NAME_num(names), 2);
  EXPECT_EQ(0, X509_NAME_cmp(sk_X509_NAME_value(names, 0), X509_get_subject_name(a.cert.get())));
  EXPECT_EQ(0, X509_NAME_cmp(sk_X509_NAME_value(names, 1), X509_get_subject_name(b.cert.get())));
  sk_X509_NAME_pop_free(names, X509_NAME_free);
}

}  // namespace
}  // namespace sstpgw::certs
