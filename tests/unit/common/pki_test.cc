#include <gtest/gtest.h>

#include "tests/support/test_pki.hh"

namespace sstpgw::testing {
namespace {

TEST(TestPki, ClientChainVerifiesWithClientAuthPurpose) {
  auto pki = make_test_pki();
  ossl::x509_store_ptr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), pki.root.cert.get());
  ossl::x509_store_ctx_ptr ctx(X509_STORE_CTX_new());
  ASSERT_EQ(1, X509_STORE_CTX_init(ctx.get(), store.get(), pki.client.cert.get(), nullptr));
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  EXPECT_EQ(1, X509_verify_cert(ctx.get())) << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  EXPECT_EQ(pki.client.sha1_thumbprint().size(), 40u);
}

TEST(TestPki, ExpiredCertificateFailsVerification) {
  auto root = make_root({.common_name = "r"});
  auto old = issue_cert(root, {.common_name = "old", .eku = {"clientAuth"}, .not_before = -7200, .not_after = -3600});
  ossl::x509_store_ptr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root.cert.get());
  ossl::x509_store_ctx_ptr ctx(X509_STORE_CTX_new());
  ASSERT_EQ(1, X509_STORE_CTX_init(ctx.get(), store.get(), old.cert.get(), nullptr));
  EXPECT_NE(1, X509_verify_cert(ctx.get()));
  EXPECT_EQ(X509_V_ERR_CERT_HAS_EXPIRED, X509_STORE_CTX_get_error(ctx.get()));
}

}  // namespace
}  // namespace sstpgw::testing
