#include "control/common/base64.hh"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>

namespace sstpgw {
namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {{"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : v) {
    EXPECT_EQ(base64_encode(plain), enc);
    EXPECT_EQ(base64_decode(enc), std::string(plain));
  }
}

TEST(Base64, AgreesWithOpenSslOnRandomData) {
  std::mt19937 rng(7);
  for (int n = 0; n < 300; ++n) {
    std::string data(static_cast<size_t>(n), '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    std::string ref(static_cast<size_t>(4 * ((n + 2) / 3)), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(ref.data()), reinterpret_cast<const unsigned char*>(data.data()), n);
    EXPECT_EQ(base64_encode(data), ref);
    EXPECT_EQ(base64_decode(ref), data);
  }
}

TEST(Base64, IgnoresLineBreaksAndRejectsGarbage) {
  EXPECT_EQ(base64_decode("Zm9v\r\nYmFy\n"), std::string("foobar"));
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm9"));       // missing padding
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // data after padding
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("Zh=="));      // non-canonical trailing bits
}

TEST(Base64, PaddingOptionalOnlyWhenAskedAndOnlyAtTheEnd) {
  std::string error;
  EXPECT_FALSE(base64_decode("Zm9vYg"));
  EXPECT_EQ(base64_decode("Zm9vYg", base64_padding::optional), std::string("foob"));
  EXPECT_FALSE(base64_decode("Zg=a", base64_padding::optional));
  EXPECT_FALSE(base64_decode("Zm9vY", base64_padding::optional));  // 4n+1 digits cannot be
  EXPECT_FALSE(base64_decode("Zg===", base64_padding::optional));
  EXPECT_FALSE(base64_decode("Zm9v!", base64_padding::optional, &error));
  EXPECT_EQ(error, "Base64: '!' at offset 4 is not a Base64 character");
  EXPECT_FALSE(base64_decode("Zm9v\x01", base64_padding::required, &error));
  EXPECT_EQ(error, "Base64: byte 0x01 at offset 4 is not a Base64 character");
}

}  // namespace
}  // namespace sstpgw
