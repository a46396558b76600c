#include "control/certs/thumbprint.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/test_pki.hh"

namespace sstpgw::certs {
namespace {

using ::testing::HasSubstr;

constexpr const char* kHex = "0123456789ABCDEF0123456789ABCDEF01234567";

TEST(Thumbprint, ParsesTheWaysOperatorsWriteIt) {
  const char* spellings[] = {
      "0123456789ABCDEF0123456789ABCDEF01234567",
      "0123456789abcdef0123456789abcdef01234567",
      "01 23 45 67 89 ab cd ef 01 23 45 67 89 AB CD EF 01 23 45 67",  // Windows' details tab
      "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67",  // openssl -fingerprint
      "  0123456789ABCDEF\t0123456789ABCDEF\r\n01234567\n",
      "\xE2\x80\x8E"
      "0123456789abcdef0123456789abcdef01234567",  // U+200E copied from certmgr
      "\xEF\xBB\xBF"
      "0123456789abcdef0123456789abcdef01234567\xE2\x80\x8F",
  };
  for (const char* s : spellings) {
    std::string error;
    auto t = parse_thumbprint(s, &error);
    ASSERT_TRUE(t) << s << ": " << error;
    EXPECT_EQ(t->hex(), kHex) << s;
  }
}

std::string error_for(std::string_view s) {
  std::string error;
  EXPECT_FALSE(parse_thumbprint(s, &error)) << s;
  return error;
}

TEST(Thumbprint, TooShortRefused) {
  EXPECT_THAT(error_for("0123456789ABCDEF0123456789ABCDEF0123456"), HasSubstr("39 hex digits, expected 40"));
}

TEST(Thumbprint, TooLongRefused) {
  EXPECT_THAT(error_for("0123456789ABCDEF0123456789ABCDEF012345678"), HasSubstr("41 hex digits"));
  EXPECT_THAT(error_for(std::string(500, 'a')), HasSubstr("more than 64"));
}

TEST(Thumbprint, Sha256FingerprintExplained) {
  EXPECT_THAT(error_for(std::string(64, 'A')), HasSubstr("SHA-256"));
}

TEST(Thumbprint, NonHexCharacterNamedWithPosition) {
  auto e = error_for("0123456789ABCDEF0123456789ABCDEF0123456G");
  EXPECT_THAT(e, HasSubstr("'G' at position 40"));
  EXPECT_THAT(error_for("01-23"), HasSubstr("'-'"));
  EXPECT_THAT(error_for("\x01"
                        "0123"),
              HasSubstr("byte 0x01"));
}

TEST(Thumbprint, EmptyRefused) {
  EXPECT_THAT(error_for(""), HasSubstr("empty"));
  EXPECT_THAT(error_for(" : \n"), HasSubstr("empty"));
}

TEST(Thumbprint, MatchesSha1OfTheDer) {
  auto pki = sstpgw::testing::make_test_pki();
  EXPECT_EQ(sha1_thumbprint(pki.client.cert.get()).hex(), pki.client.sha1_thumbprint());
  EXPECT_EQ(sha256_hex(pki.client.cert.get()).size(), 64u);
}

TEST(Thumbprint, OrderedAndComparable) {
  auto a = parse_thumbprint(std::string(40, '0'));
  auto b = parse_thumbprint(std::string(40, 'f'));
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);
  EXPECT_EQ(*a, *parse_thumbprint(std::string(40, '0')));
}

}  // namespace
}  // namespace sstpgw::certs
