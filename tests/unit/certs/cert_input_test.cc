#include "control/certs/cert_input.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pkcs7.h>

#include "control/certs/thumbprint.hh"
#include "control/common/base64.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::certs {
namespace {

using sstpgw::testing::make_test_pki;
using ::testing::HasSubstr;

std::string as_text(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// Base64 wrapped at `width` columns (0: one line).
std::string wrapped_base64(const std::vector<uint8_t>& der, size_t width) {
  std::string one = base64_encode(der);
  if (width == 0) return one;
  std::string out;
  for (size_t i = 0; i < one.size(); i += width) out += one.substr(i, width) + "\r\n";
  return out;
}

TEST(CertInput, DerPemAndBase64GiveTheSameCertificate) {
  auto pki = make_test_pki();
  const auto der = pki.root.cert_der();
  const std::string want = pki.root.sha1_thumbprint();
  const std::string inputs[] = {
      as_text(der),
      pki.root.cert_pem(),
      wrapped_base64(der, 0),   // Azure portal
      wrapped_base64(der, 64),  // PEM body without armour, CRLF
      wrapped_base64(der, 76),
      "\xEF\xBB\xBF" + wrapped_base64(der, 0),  // Notepad's BOM
      "Bag Attributes\n    friendlyName: root\n" + pki.root.cert_pem() + "trailing text\n",
  };
  for (const auto& in : inputs) {
    auto p = parse_certificates(in);
    ASSERT_TRUE(p.ok()) << p.error;
    ASSERT_EQ(p.certs.size(), 1u);
    EXPECT_EQ(sha1_thumbprint(p.certs[0].get()).hex(), want);
  }
  EXPECT_EQ(parse_certificates(as_text(der)).encoding, cert_encoding::der);
  EXPECT_EQ(parse_certificates(pki.root.cert_pem()).encoding, cert_encoding::pem);
  EXPECT_EQ(parse_certificates(wrapped_base64(der, 0)).encoding, cert_encoding::base64);
  // Base64 without its padding.
  std::string unpadded = wrapped_base64(der, 0);
  while (unpadded.back() == '=') unpadded.pop_back();
  EXPECT_TRUE(parse_certificates(unpadded).ok());
}

TEST(CertInput, PemBundleKeepsOrder) {
  auto pki = make_test_pki();
  auto p = parse_certificates(pki.root.cert_pem() + "\n" + pki.client.cert_pem() + pki.server.cert_pem());
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.certs.size(), 3u);
  EXPECT_EQ(sha1_thumbprint(p.certs[0].get()).hex(), pki.root.sha1_thumbprint());
  EXPECT_EQ(sha1_thumbprint(p.certs[1].get()).hex(), pki.client.sha1_thumbprint());
  EXPECT_EQ(sha1_thumbprint(p.certs[2].get()).hex(), pki.server.sha1_thumbprint());
}

TEST(CertInput, RoundTripsThroughDerAndPem) {
  auto pki = make_test_pki();
  EXPECT_EQ(to_der(pki.client.cert.get()), pki.client.cert_der());
  EXPECT_EQ(to_pem(pki.client.cert.get()), pki.client.cert_pem());
}

std::string error_for(std::string_view in) {
  auto p = parse_certificates(in);
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.certs.empty());
  return p.error;
}

TEST(CertInput, EmptyRefused) {
  EXPECT_THAT(error_for(""), HasSubstr("no certificate data"));
  EXPECT_THAT(error_for("\xEF\xBB\xBF"), HasSubstr("no certificate data"));
  EXPECT_THAT(error_for(" \n"), HasSubstr("no certificate data"));
}

TEST(CertInput, PrivateKeyRefused) {
  auto pki = make_test_pki();
  EXPECT_THAT(error_for(pki.client.cert_pem() + pki.client.key_pem()), HasSubstr("private key"));
}

TEST(CertInput, EncryptedPemRefused) {
  std::string pem =
      "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
      "AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
      "Zm9vYmFy\n-----END CERTIFICATE-----\n";
  EXPECT_THAT(error_for(pem), HasSubstr("PEM headers"));
}

TEST(CertInput, UnexpectedPemBlockRefused) {
  EXPECT_THAT(error_for("-----BEGIN X509 CRL-----\nZm9v\n-----END X509 CRL-----\n"),
              HasSubstr("unexpected block type"));
}

TEST(CertInput, PemWithBrokenBodyRefused) {
  auto pem = make_test_pki().root.cert_pem();
  pem[40] = '*';
  EXPECT_THAT(error_for(pem), HasSubstr("PEM block 1"));
  auto truncated = make_test_pki().root.cert_pem();
  truncated.resize(truncated.size() - 30);
  EXPECT_FALSE(parse_certificates(truncated).ok());
}

TEST(CertInput, DerWithTrailingBytesRefused) {
  auto der = make_test_pki().root.cert_der();
  der.push_back(0);
  EXPECT_THAT(error_for(as_text(der)), HasSubstr("1 unexpected bytes"));
}

TEST(CertInput, TruncatedDerRefused) {
  auto der = make_test_pki().root.cert_der();
  der.resize(der.size() / 2);
  EXPECT_THAT(error_for(as_text(der)), HasSubstr("not a DER X.509 certificate"));
}

TEST(CertInput, Pkcs7BundleExplained) {
  auto pki = make_test_pki();
  PKCS7* p7 = PKCS7_new();
  ASSERT_TRUE(PKCS7_set_type(p7, NID_pkcs7_signed));
  ASSERT_TRUE(PKCS7_content_new(p7, NID_pkcs7_data));
  ASSERT_TRUE(PKCS7_add_certificate(p7, pki.root.cert.get()));
  unsigned char* der = nullptr;
  int n = i2d_PKCS7(p7, &der);
  ASSERT_GT(n, 0);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  PKCS7_free(p7);
  EXPECT_THAT(error_for(bytes), HasSubstr("PKCS#7"));
  EXPECT_THAT(error_for(base64_encode(std::vector<uint8_t>(bytes.begin(), bytes.end()))),
              HasSubstr("PKCS#7"));
}

TEST(CertInput, Base64OfSomethingElseRefused) {
  EXPECT_THAT(error_for("Zm9vYmFy"), HasSubstr("Base64 input"));
  EXPECT_THAT(error_for("MIIB%%%"), HasSubstr("not a Base64 character"));
}

TEST(CertInput, OversizedInputRefused) {
  EXPECT_THAT(error_for(std::string(kMaxCertInputBytes + 1, 'A')), HasSubstr("over the limit"));
}

TEST(CertInput, TooManyCertificatesRefused) {
  auto pem = make_test_pki().root.cert_pem();
  std::string many;
  for (size_t i = 0; i <= kMaxCertsPerInput; ++i) many += pem;
  EXPECT_THAT(error_for(many), HasSubstr("more than 32"));
}

}  // namespace
}  // namespace sstpgw::certs
